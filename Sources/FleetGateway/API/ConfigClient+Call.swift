import GRPCCore
import Hummingbird
import Logging

extension ConfigClient {
    /// The caller's `Authorization` header, passed on to the config service, which judges the admin token.
    static func forwardedToken(_ request: Request) -> Metadata {
        guard let authorization = request.headers[.authorization] else { return [:] }
        return ["authorization": .string(authorization)]
    }

    /// Calls the config service, turning its status into the API's.
    static func call<T>(logger: Logger, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as RPCError {
            switch error.code {
            case .invalidArgument:
                let field = error.message.split(separator: ":", maxSplits: 1).first.map(String.init)
                throw APIError(.badRequest, error.message, parameter: field)
            case .unauthenticated: throw APIError(.unauthorized, error.message)
            case .permissionDenied: throw APIError(.forbidden, error.message)
            case .notFound: throw APIError(.notFound, error.message)
            case .failedPrecondition: throw APIError(.conflict, error.message)
            default:
                logger.warning("config service call failed", metadata: ["error": "\(error)"])
                throw APIError(.serviceUnavailable, "the config service is not answering (\(error.code)); try again shortly")
            }
        }
    }
}
