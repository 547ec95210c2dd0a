import FleetProto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Synchronization
import Testing

@testable import FleetCollector

/// An Enrollment service that refuses the first `refusals` calls as a wrong join token, then hands out a credential.
final class FakeEnrollment: Fleetwatch_V1_Enrollment.SimpleServiceProtocol, Sendable {
    struct State {
        var refusals = 1
        var requests: [Fleetwatch_V1_EnrollRequest] = []
    }
    let state = Mutex(State())
    static let credential = "fwm_" + String(repeating: "k", count: 43)

    func enroll(request: Fleetwatch_V1_EnrollRequest, context: ServerContext) async throws -> Fleetwatch_V1_EnrollResponse {
        let refuse = state.withLock { state in
            state.requests.append(request)
            defer { state.refusals -= 1 }
            return state.refusals > 0
        }
        if refuse { throw RPCError(code: .unauthenticated, message: "wrong join token") }
        var response = Fleetwatch_V1_EnrollResponse()
        response.machineID = request.machineID
        response.credential = Self.credential
        return response
    }
}

@Suite("Machine enrollment and the credential file", .timeLimit(.minutes(1)))
struct MachineEnrollmentTests {
    @Test func theCredentialFileIsWrittenForThisUserOnlyAndReadBack() throws {
        let directory = Fixture.temporaryDirectory()
        let file = CredentialFile(dataDirectory: directory)
        #expect(try file.read() == nil)
        try file.store("fwm_abc")
        #expect(try file.read() == "fwm_abc")
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        try Data("\n".utf8).write(to: URL(fileURLWithPath: file.path))
        #expect(throws: CredentialFileError.self) { try file.read() }
    }

    @Test func theUploaderEnrollsOnceThenPublishesWithItsOwnCredential() async throws {
        let edge = FakeEdge()
        let enrollment = FakeEnrollment()
        let server = GRPCServer(
            transport: .http2NIOPosix(address: .ipv4(host: "127.0.0.1", port: 0), transportSecurity: .plaintext),
            services: [edge, enrollment], interceptors: [AuthorizationRecorder(edge: edge)])
        let directory = Fixture.temporaryDirectory()
        var identity = Fleetwatch_V1_MachineIdentity()
        identity.machineID = "web-1"
        identity.hostname = "web-1.example.com"
        var machine = MachineEnrollment(joinToken: "join-1", identity: identity, file: CredentialFile(dataDirectory: directory))
        machine.retryDelays = (.milliseconds(10), .milliseconds(20))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            let port = try #require(try await server.listeningAddress?.ipv4?.port)
            let buffer = try IngestUploaderTests.filledBuffer(2)
            let uploader = IngestUploader(
                endpoint: IngestEndpoint(host: "127.0.0.1", port: port), token: "shared", buffer: buffer,
                control: CollectorControl(interval: .seconds(5)), options: IngestUploaderTests.fastRetry,
                enrollment: machine)
            #expect(await IngestUploaderTests.run(uploader) { buffer.depth == 0 })
            server.beginGracefulShutdown()
            group.cancelAll()
        }
        let requests = enrollment.state.withLock { $0.requests }
        #expect(requests.count == 2, "refused once, then enrolled; never again")
        #expect(requests.last?.joinToken == "join-1" && requests.last?.machineID == "web-1")
        #expect(requests.last?.identity.hostname == "web-1.example.com")
        #expect(edge.state.withLock { $0.authorizations }.allSatisfy { $0 == "Bearer \(FakeEnrollment.credential)" })
        #expect(edge.state.withLock { $0.received } == [1, 2])
        #expect(try CredentialFile(dataDirectory: directory).read() == FakeEnrollment.credential)
    }
}
