import FleetCore
import FleetProto
import Foundation
import GRPCCore
import Hummingbird
import Logging

/// /api/v1/rules (docs/api.md): the config service's Rules over REST, passing the caller's admin token on.
struct RulesAPI: Sendable {
    let config: ConfigClient
    let logger: Logger

    func add<Context: RequestContext>(to router: Router<Context>) {
        router.get("/api/v1/rules") { _, _ in
            let rules = try await call { try await config.rules.list(.init()).rules }
            return try JSONResponse.make(RuleList(rules: rules.map(RuleJSON.init)))
        }
        router.get("/api/v1/rules/:id") { _, context in
            let id = try ruleID(context)
            return try JSONResponse.make(RuleJSON(try await call { try await config.rules.get(.with { $0.id = id }) }))
        }
        router.post("/api/v1/rules") { request, context in
            let rule = try await body(request, context).rule()
            let metadata = token(request)
            let created = try await call { try await config.rules.create(.with { $0.rule = rule }, metadata: metadata) }
            return try JSONResponse.make(RuleJSON(created), status: .created)
        }
        router.put("/api/v1/rules/:id") { request, context in
            var rule = try await body(request, context).rule()
            rule.id = try ruleID(context)
            guard rule.version > 0 else { throw APIError.badParameter("version", "version is required: the version you read") }
            let metadata = token(request)
            let updated = try await call { [rule] in try await config.rules.update(.with { $0.rule = rule }, metadata: metadata) }
            return try JSONResponse.make(RuleJSON(updated))
        }
        router.delete("/api/v1/rules/:id") { request, context in
            let id = try ruleID(context)
            let version = Int64(request.uri.queryParameters.get("version") ?? "0") ?? -1
            guard version >= 0 else { throw APIError.badParameter("version", "version must be a number") }
            let metadata = token(request)
            _ = try await call {
                try await config.rules.delete(
                    .with {
                        $0.id = id
                        $0.version = version
                    }, metadata: metadata)
            }
            return Response(status: .noContent)
        }
    }

    private func ruleID(_ context: some RequestContext) throws -> String {
        guard let id = context.parameters.get("id"), !id.isEmpty else { throw APIError(.badRequest, "a rule id is required") }
        return id
    }

    private func body(_ request: Request, _ context: some RequestContext) async throws -> RuleBody {
        try await JSONBody.decode(RuleBody.self, from: request, as: "a rule")
    }

    private func token(_ request: Request) -> Metadata { ConfigClient.forwardedToken(request) }

    private func call<T>(_ body: () async throws -> T) async throws -> T {
        try await ConfigClient.call(logger: logger, body)
    }
}

private struct RuleList: Encodable {
    var rules: [RuleJSON]
}
