import FleetIngest
import FleetProto
import FleetStore
import GRPCCore
import Logging
import Synchronization
import Testing

/// A `CredentialStore` in memory, with a switch that makes it unreachable.
final class InMemoryCredentialStore: CredentialStore {
    private struct State {
        var credentials: [MachineCredential] = []
        var refusals: [(machine: String, reason: String)] = []
        var enrolled: [(machine: String, detail: String)] = []
        var unreachable = false
    }
    private let state = Mutex(State())

    var refusals: [(machine: String, reason: String)] { state.withLock { $0.refusals } }
    var enrolled: [(machine: String, detail: String)] { state.withLock { $0.enrolled } }
    func setUnreachable(_ value: Bool) { state.withLock { $0.unreachable = value } }

    private func check() throws {
        if state.withLock({ $0.unreachable }) { throw StoreError.unavailable(operation: "test", detail: "down") }
    }

    func enrollCredential(_ credential: MachineCredential, detail: String) async throws {
        try check()
        try state.withLock {
            if $0.credentials.contains(where: { $0.machineID == credential.machineID && $0.isActive }) {
                throw StoreError.conflict("active")
            }
            $0.credentials.append(credential)
            $0.enrolled.append((credential.machineID, detail))
        }
    }

    func useCredential(tokenHash: String, atMs: Int64) async throws -> MachineCredential? {
        try check()
        return state.withLock { state in
            guard let index = state.credentials.firstIndex(where: { $0.tokenHash == tokenHash }) else { return nil }
            if state.credentials[index].isActive { state.credentials[index].lastUsedAtMs = atMs }
            return state.credentials[index]
        }
    }

    func credentials() async throws -> [MachineCredential] { state.withLock { $0.credentials } }

    func revokeCredential(machineID: String, atMs: Int64, by: String) async throws -> MachineCredential {
        try state.withLock { state in
            guard let index = state.credentials.firstIndex(where: { $0.machineID == machineID && $0.isActive }) else {
                throw StoreError.notFound(machineID)
            }
            state.credentials[index].revokedAtMs = atMs
            return state.credentials[index]
        }
    }

    func recordCredentialRefusal(machineID: String, reason: String, atMs: Int64) async throws {
        state.withLock { $0.refusals.append((machineID, reason)) }
    }

    func credentialEvents(limit: Int) async throws -> [CredentialEvent] { [] }
}

/// The edge's credential rules: the shared token only while credentials are not required, a credential only for
/// its own machine id, revocation within the cache time, and enrollment by join token.
@Suite struct MachineCredentialGateTests {
    let clock = ManualMillisecondClock()
    let store = InMemoryCredentialStore()

    func gate(required: Bool) -> MachineCredentialGate {
        MachineCredentialGate(
            store: store, sharedTokens: TokenAuthenticator(tokens: ["shared"]), requireCredentials: required,
            logger: Logger(label: "test"), now: { [clock] in clock.now() })
    }

    func enroll(_ machine: String, joinToken: String = "join-1") async throws -> String {
        let service = EnrollmentService(
            store: store, joinToken: "join-1", logger: Logger(label: "test"), now: { [clock] in clock.now() })
        var request = Fleetwatch_V1_EnrollRequest()
        request.joinToken = joinToken
        request.machineID = machine
        request.identity.hostname = "\(machine).example.com<script>"
        return try await service.enroll(request: request, context: .testing).credential
    }

    func code(_ body: () async throws -> Void) async -> RPCError.Code? {
        do {
            try await body()
            return nil
        } catch let error as RPCError {
            return error.code
        } catch {
            return .unknown
        }
    }

    @Test func credentialsLookRandomAndHashToSHA256() {
        var generator = SystemRandomNumberGenerator()
        let one = CredentialToken.generate(using: &generator)
        let two = CredentialToken.generate(using: &generator)
        #expect(one != two && CredentialToken.looksLikeCredential(one) && one.count == 47)
        #expect(!CredentialToken.looksLikeCredential("fwm_short") && !CredentialToken.looksLikeCredential("shared"))
        #expect(CredentialToken.hash(of: "abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func theSharedTokenPublishesUntilCredentialsAreRequired() async throws {
        #expect(try await gate(required: false).admit(authorization: "Bearer shared") == .sharedToken)
        let strict = gate(required: true)
        #expect(await code { _ = try await strict.admit(authorization: "Bearer shared") } == .permissionDenied)
        #expect(store.refusals.map(\.reason) == ["shared collector token while machine credentials are required"])
        #expect(await code { _ = try await strict.admit(authorization: "Bearer other") } == .unauthenticated)
        #expect(await code { _ = try await strict.admit(authorization: nil) } == .unauthenticated)
    }

    @Test func aCredentialPublishesOnlyAsItsOwnMachine() async throws {
        let credential = try await enroll("web-1")
        #expect(store.enrolled.map(\.detail) == ["hostname web-1.example.comscript"])
        let gate = gate(required: true)
        let identity = try await gate.admit(authorization: "Bearer \(credential)")
        #expect(identity == .machine(id: "web-1", tokenHash: CredentialToken.hash(of: credential)))
        try await gate.checkBatch(machineID: "web-1", from: identity)
        do {
            try await gate.checkBatch(machineID: "db-9", from: identity)
            Issue.record("a batch of another machine was admitted")
        } catch let error as RPCError {
            #expect(error.code == .permissionDenied)
            #expect(error.message.contains("'web-1'") && error.message.contains("'db-9'"))
        }
        #expect(store.refusals.map(\.machine) == ["web-1"])
        #expect(try await store.credentials().first?.lastUsedAtMs == 1_000_000)
    }

    @Test func aRevokedCredentialIsRefusedOnceTheCacheTimePassed() async throws {
        let credential = try await enroll("web-1")
        let gate = gate(required: true)
        let identity = try await gate.admit(authorization: "Bearer \(credential)")
        _ = try await store.revokeCredential(machineID: "web-1", atMs: 1_000_100, by: "test")
        // Inside the cache time the open stream still publishes; past it, the next batch is refused.
        clock.advance(by: 4_000)
        try await gate.checkBatch(machineID: "web-1", from: identity)
        clock.advance(by: 1_001)
        #expect(await code { try await gate.checkBatch(machineID: "web-1", from: identity) } == .unauthenticated)
        #expect(await code { _ = try await gate.admit(authorization: "Bearer \(credential)") } == .unauthenticated)
        #expect(store.refusals.map(\.reason) == ["revoked credential", "revoked credential"])
        #expect(store.refusals.map(\.machine) == ["web-1", "web-1"])
        #expect(
            await code { _ = try await gate.admit(authorization: "Bearer fwm_" + String(repeating: "A", count: 43)) }
                == .unauthenticated)
        #expect(store.refusals.last?.reason == "unknown machine credential")
    }

    @Test func anUnreachableStoreKeepsKnownCredentialsAndRefusesNewOnesForNow() async throws {
        let known = try await enroll("web-1")
        let unseen = try await enroll("web-2")
        let gate = gate(required: true)
        let identity = try await gate.admit(authorization: "Bearer \(known)")
        store.setUnreachable(true)
        clock.advance(by: 60_000)
        try await gate.checkBatch(machineID: "web-1", from: identity)
        #expect(await code { _ = try await gate.admit(authorization: "Bearer \(unseen)") } == .unavailable)
    }

    @Test func enrollmentNeedsTheJoinTokenAndRefusesASecondActiveCredential() async throws {
        #expect(await code { _ = try await enroll("web-1", joinToken: "wrong") } == .unauthenticated)
        #expect(store.refusals.map(\.reason) == ["wrong join token"])
        #expect(await code { _ = try await enroll("../x") } == .invalidArgument)
        _ = try await enroll("web-1")
        #expect(await code { _ = try await enroll("web-1") } == .alreadyExists)
        _ = try await store.revokeCredential(machineID: "web-1", atMs: 1, by: "test")
        _ = try await enroll("web-1")

        let off = EnrollmentService(store: store, joinToken: nil, logger: Logger(label: "test"), now: { 0 })
        #expect(await code { _ = try await off.enroll(request: .init(), context: .testing) } == .failedPrecondition)
    }
}

/// Milliseconds since 1970 that move only when told.
final class ManualMillisecondClock: Sendable {
    private let value = Mutex<Int64>(1_000_000)
    func now() -> Int64 { value.withLock { $0 } }
    func advance(by milliseconds: Int64) { value.withLock { $0 += milliseconds } }
}

extension ServerContext {
    /// A context for calling a service method directly.
    static var testing: ServerContext {
        ServerContext(
            descriptor: Fleetwatch_V1_Enrollment.Method.Enroll.descriptor, remotePeer: "in-process:test",
            localPeer: "in-process:test", cancellation: .init())
    }
}
