import GRPCCore

/// Exit codes of the CLI clients (docs/cli.md), so scripts can tell failures apart.
enum CLIExit {
    static func code(for status: RPCError.Code) -> Int32 {
        switch status {
        case .notFound: 2
        case .failedPrecondition, .aborted, .alreadyExists: 3
        case .unauthenticated, .permissionDenied: 4
        case .invalidArgument: 65
        case .unavailable, .deadlineExceeded: 69
        default: 1
        }
    }
}

/// A failure the CLI reports as one `error:` line on stderr with exit code 1.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
