import ArgumentParser
import Foundation

/// How a command that failed while running ends: one `error: <message>` line on stderr and a non-zero exit code
/// (64 for bad usage found late, the code an `ExitCode` carries, 1 otherwise). Help and `--version` still exit 0.
enum CLIFailure {
    static func exit(_ error: any Error) -> Never {
        if let code = error as? ExitCode {
            Foundation.exit(code.rawValue)
        }
        let code = Fleetwatch.exitCode(for: error)
        if code == .success {
            Fleetwatch.exit(withError: error)
        }
        report(Fleetwatch.message(for: error))
        Foundation.exit(code.rawValue)
    }

    /// Writes `error: <message>` to stderr; the one place the CLI spells its error lines.
    static func report(_ message: String) {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    }
}
