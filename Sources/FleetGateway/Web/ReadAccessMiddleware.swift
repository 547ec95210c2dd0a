import Hummingbird

/// Refuses reads of the fleet (`/api/v1/…` and the live WebSocket) without a viewer token or session when
/// `ViewerAccess.isRequired`. Left open: the dashboard's files (they hold no data), `/api/v1/session` (where a
/// browser signs in), the OpenAPI document, and the health and metrics endpoints. A write (POST, PUT, PATCH,
/// DELETE) that carries an `Authorization` header passes on: the config service checks it as the admin token.
public struct ReadAccessMiddleware<Context: RequestContext>: RouterMiddleware {
    let access: ViewerAccess
    let now: @Sendable () -> Int64

    public init(access: ViewerAccess, now: @escaping @Sendable () -> Int64) {
        self.access = access
        self.now = now
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard access.isRequired, Self.isProtected(request.uri.path) else { return try await next(request, context) }
        let authorization = request.headers[.authorization]
        if access.admits(authorization: authorization, cookie: request.headers[.cookie], nowMs: now()) {
            return try await next(request, context)
        }
        if authorization != nil, ![.get, .head].contains(request.method) {
            return try await next(request, context)
        }
        var response = try APIError(
            .unauthorized, "this gateway needs a viewer token: send Authorization: Bearer <token>, or sign in on the dashboard"
        ).response(from: request, context: context)
        response.headers[.wwwAuthenticate] = "Bearer realm=\"fleetwatch\""
        return response
    }

    static func isProtected(_ path: String) -> Bool {
        path.hasPrefix("/api/v1/") && path != "/api/v1/session" && path != "/api/v1/openapi.json"
    }
}
