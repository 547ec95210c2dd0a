import Foundation
import Hummingbird

/// Browser sign-in for a gateway with viewer tokens: `GET /api/v1/session` says whether a token is needed and
/// whether this browser has a session; `POST /api/v1/session` with `{"token": "…"}` sets the session cookie
/// (HttpOnly, SameSite=Strict); `DELETE /api/v1/session` signs out.
struct SessionAPI: Sendable {
    let access: ViewerAccess
    let now: @Sendable () -> Int64

    struct State: ResponseEncodable {
        var required: Bool
        var signedIn: Bool

        enum CodingKeys: String, CodingKey {
            case required
            case signedIn = "signed_in"
        }
    }

    struct SignIn: Decodable { var token: String }

    func add<Context: RequestContext>(to router: Router<Context>) {
        router.get("/api/v1/session") { request, _ -> State in
            State(
                required: access.isRequired,
                signedIn: access.admits(
                    authorization: request.headers[.authorization], cookie: request.headers[.cookie], nowMs: now()))
        }
        router.post("/api/v1/session") { request, context -> Response in
            guard access.isRequired else {
                throw APIError(.notFound, "this gateway needs no viewer token (FLEETWATCH_VIEWER_TOKEN is not set)")
            }
            let signIn = try await JSONBody.decode(SignIn.self, from: request, as: "{\"token\": \"…\"}")
            guard let session = access.session(for: signIn.token, nowMs: now()) else {
                throw APIError(.unauthorized, "not a viewer token of this gateway")
            }
            let maxAge = Int(ViewerAccess.sessionLifetime.components.seconds)
            return Response(
                status: .noContent,
                headers: [
                    .setCookie:
                        "\(ViewerAccess.cookieName)=\(session); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Strict"
                ])
        }
        router.delete("/api/v1/session") { _, _ -> Response in
            Response(
                status: .noContent,
                headers: [.setCookie: "\(ViewerAccess.cookieName)=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"])
        }
    }
}
