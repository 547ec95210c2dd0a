import FleetCore
import FleetProto
import FleetStore
import GRPCCore
import Logging

/// fleetwatch.v1.Enrollment on the edge: trades the join token (FLEETWATCH_JOIN_TOKEN) for a machine's own
/// credential. The credential is returned once and only its hash is stored; a machine that already has an active
/// credential is refused (ALREADY_EXISTS), so the join token cannot take over an enrolled machine's identity.
public struct EnrollmentService: Fleetwatch_V1_Enrollment.SimpleServiceProtocol {
    private let store: any CredentialStore
    private let joinTokens: TokenAuthenticator?
    private let logger: Logger
    private let now: @Sendable () -> Int64
    private let makeCredential: @Sendable () -> String

    /// - Parameters:
    ///   - joinToken: nil turns enrollment off (FAILED_PRECONDITION); several may be given, comma-separated.
    ///   - makeCredential: a new credential (random; injected for tests).
    public init(
        store: any CredentialStore, joinToken: String?, logger: Logger, now: @escaping @Sendable () -> Int64,
        makeCredential: @escaping @Sendable () -> String = {
            var generator = SystemRandomNumberGenerator()
            return CredentialToken.generate(using: &generator)
        }
    ) {
        self.store = store
        self.joinTokens = joinToken.map { TokenAuthenticator(tokens: $0.split(separator: ",").map(String.init)) }
        self.logger = logger
        self.now = now
        self.makeCredential = makeCredential
    }

    public func enroll(
        request: Fleetwatch_V1_EnrollRequest, context: ServerContext
    ) async throws
        -> Fleetwatch_V1_EnrollResponse
    {
        guard let joinTokens else {
            throw RPCError(
                code: .failedPrecondition, message: "enrollment is off on this edge: start it with FLEETWATCH_JOIN_TOKEN")
        }
        let at = now()
        guard joinTokens.accepts(authorization: "Bearer " + request.joinToken) else {
            let machine = MachineID.isValid(request.machineID) ? request.machineID : ""
            logger.warning("enrollment refused: wrong join token", metadata: ["machine": "\(machine)"])
            try? await store.recordCredentialRefusal(machineID: machine, reason: "wrong join token", atMs: at)
            throw RPCError(code: .unauthenticated, message: "wrong join token (FLEETWATCH_JOIN_TOKEN of the edge)")
        }
        if let problem = MachineID.problem(with: request.machineID) {
            throw RPCError(code: .invalidArgument, message: "machine_id: \(problem)")
        }
        let credential = makeCredential()
        let record = MachineCredential(
            machineID: request.machineID, tokenHash: CredentialToken.hash(of: credential), createdAtMs: at)
        // Only the characters of a DNS name reach the audit trail.
        let hostname = String(
            String.UnicodeScalarView(
                request.identity.hostname.unicodeScalars.filter { $0.isASCII && (MachineID.isValid(String($0)) || $0 == ".") }
                    .prefix(253)))
        do {
            try await store.enrollCredential(record, detail: hostname.isEmpty ? "" : "hostname \(hostname)")
        } catch StoreError.conflict {
            throw RPCError(
                code: .alreadyExists,
                message:
                    "machine '\(request.machineID)' already has an active credential: use its credential file, or revoke it first (fleetwatch credentials revoke \(request.machineID))"
            )
        } catch {
            throw RPCError(code: .unavailable, message: "cannot store the credential now, retry later: \(error)")
        }
        logger.info("machine enrolled", metadata: ["machine": "\(request.machineID)", "fingerprint": "\(record.fingerprint)"])
        var response = Fleetwatch_V1_EnrollResponse()
        response.machineID = request.machineID
        response.credential = credential
        return response
    }
}
