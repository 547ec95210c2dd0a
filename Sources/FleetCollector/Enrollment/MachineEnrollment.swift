import FleetCore
import FleetProto
import GRPCCore
import Logging

/// Trades the join token for this machine's own credential at the edge (fleetwatch.v1.Enrollment) and keeps it in
/// the `CredentialFile`. Runs before the first batch is sent and retries until it succeeds or the task is
/// cancelled: the edge may be unreachable, or refuse for a reason an operator fixes (a wrong join token, a
/// credential to revoke first), which is logged as an error on every attempt.
public struct MachineEnrollment: Sendable {
    public let joinToken: String
    public let file: CredentialFile
    /// Waits between attempts, doubling from the first to the last.
    public var retryDelays: (first: Duration, last: Duration) = (.seconds(1), .seconds(30))
    /// The identity to enroll as; nil when cancelled while waiting for it.
    private let identity: @Sendable () async -> Fleetwatch_V1_MachineIdentity?

    /// Enrolls as `identity`, known at start (the collector's, from /etc/machine-id and /proc).
    public init(joinToken: String, identity: Fleetwatch_V1_MachineIdentity, file: CredentialFile) {
        self.init(joinToken: joinToken, file: file, identity: { identity })
    }

    /// Enrolls as the identity `identity` returns once it is known: a scraper learns its machine from the
    /// exporter's first answer (`ScrapedIdentity`).
    public init(
        joinToken: String, file: CredentialFile, identity: @escaping @Sendable () async -> Fleetwatch_V1_MachineIdentity?
    ) {
        self.joinToken = joinToken
        self.file = file
        self.identity = identity
    }

    /// The new credential, stored (or the one a previous run stored); nil when cancelled first.
    func enroll<Transport: ClientTransport>(with client: GRPCClient<Transport>, logger: Logger) async -> String? {
        if let stored = try? file.read() { return stored }
        guard let identity = await identity() else { return nil }
        let enrollment = Fleetwatch_V1_Enrollment.Client(wrapping: client)
        var request = Fleetwatch_V1_EnrollRequest()
        request.joinToken = joinToken
        request.machineID = identity.machineID
        request.identity = identity
        var delay = retryDelays.first
        while !Task.isCancelled {
            do {
                let response = try await enrollment.enroll(request)
                try file.store(response.credential)
                logger.info("enrolled: this machine has its own credential", metadata: ["file": "\(file.path)"])
                return response.credential
            } catch let error as RPCError where Self.needsAnOperator(error.code) {
                logger.error(
                    "enrollment refused; retrying", metadata: ["code": "\(error.code)", "error": "\(error.message)"])
            } catch {
                logger.warning("enrollment failed; retrying", metadata: ["error": "\(error)"])
            }
            do {
                try await Task.sleep(for: delay)
            } catch {
                return nil
            }
            delay = min(delay * 2, retryDelays.last)
        }
        return nil
    }

    /// Refusals no retry fixes by itself.
    static func needsAnOperator(_ code: RPCError.Code) -> Bool {
        [.unauthenticated, .permissionDenied, .alreadyExists, .invalidArgument, .failedPrecondition, .unimplemented]
            .contains(code)
    }
}
