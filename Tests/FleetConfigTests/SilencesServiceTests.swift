import FleetConfig
import FleetCore
import FleetProto
import FleetSQLite
import FleetStore
import Foundation
import GRPCCore
import GRPCInProcessTransport
import Logging
import Synchronization
import Testing

/// fleetwatch.v1.Silences over a real gRPC server (in process) on the SQLite store: the admin token guards writes,
/// unusable silences come back as INVALID_ARGUMENT naming the field, and Alerts.List/Get name the silences active
/// now in `silenced_by`.
@Suite struct SilencesServiceTests {
    static let token = "s3cret"
    static let admin: Metadata = ["authorization": "Bearer s3cret"]

    final class Clock: Sendable {
        let ms = Mutex<Int64>(1_000_000)
        func now() -> Int64 { ms.withLock { $0 } }
        func advance(_ by: Int64) { ms.withLock { $0 += by } }
    }

    struct Clients {
        let silences: Fleetwatch_V1_Silences.Client<InProcessTransport.Client>
        let alerts: Fleetwatch_V1_Alerts.Client<InProcessTransport.Client>
        let store: SQLiteMetricStore
        let clock: Clock
    }

    /// Runs `body` against a config service with the silences and alerts services; `token` nil: no admin token set.
    func withService(token: String? = SilencesServiceTests.token, _ body: (Clients) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fw-silences-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteMetricStore(path: directory.appendingPathComponent("t.sqlite").path)
        try await store.migrate()
        let clock = Clock()
        let now: @Sendable () -> Int64 = { clock.now() }
        let transport = InProcessTransport()
        try await withGRPCServer(
            transport: transport.server,
            services: [
                SilencesService(store: store, logger: Logger(label: "test"), now: now),
                AlertsService(store: store, silences: store, now: now),
            ],
            interceptors: [AdminTokenInterceptor(token: token)]
        ) { _ in
            try await withGRPCClient(transport: transport.client) { client in
                try await body(
                    Clients(
                        silences: .init(wrapping: client), alerts: .init(wrapping: client), store: store, clock: clock))
            }
        }
    }

    func silence(_ matchers: [String], lastingMs: Int64 = 3_600_000, startsInMs: Int64 = 0, at now: Int64)
        throws -> Fleetwatch_V1_Silence
    {
        try .with {
            $0.matchers = try matchers.map { try SilenceMapping.matcher(parsing: $0) }
            $0.startsAtMs = startsInMs == 0 ? 0 : now + startsInMs
            $0.endsAtMs = now + startsInMs + lastingMs
            $0.createdBy = "ops"
            $0.comment = "kernel update"
        }
    }

    func refusal(_ body: () async throws -> Void) async -> RPCError? {
        do {
            try await body()
            return nil
        } catch let error as RPCError {
            return error
        } catch {
            Issue.record("expected an RPCError, got \(error)")
            return nil
        }
    }

    @Test func writesNeedTheAdminTokenAndReadsDoNot() async throws {
        try await withService { clients in
            let request = Fleetwatch_V1_CreateSilenceRequest.with {
                $0.silence = try! silence(["machine=web-1"], at: clients.clock.now())
            }
            let anonymous = await refusal { _ = try await clients.silences.create(request) }
            #expect(anonymous?.code == .unauthenticated)
            #expect(anonymous?.message.contains("silence changes need the admin token") == true)
            let wrong = await refusal { _ = try await clients.silences.create(request, metadata: ["authorization": "Bearer no"]) }
            #expect(wrong?.code == .unauthenticated)

            let created = try await clients.silences.create(request, metadata: Self.admin)
            #expect(!created.id.isEmpty && created.state == .active && created.createdBy == "ops")
            #expect(try await clients.silences.list(.init()).silences.map(\.id) == [created.id])
            let expire = await refusal { _ = try await clients.silences.expire(.with { $0.id = created.id }) }
            #expect(expire?.code == .unauthenticated)
        }
        try await withService(token: nil) { clients in
            let request = Fleetwatch_V1_CreateSilenceRequest.with {
                $0.silence = try! silence(["machine=web-1"], at: clients.clock.now())
            }
            let refused = await refusal { _ = try await clients.silences.create(request, metadata: Self.admin) }
            #expect(refused?.code == .permissionDenied)
            #expect(refused?.message.contains("FLEETWATCH_ADMIN_TOKEN") == true)
        }
    }

    @Test func unusableSilencesAreRefusedNamingTheField() async throws {
        try await withService { clients in
            let now = clients.clock.now()
            func field(of silence: Fleetwatch_V1_Silence) async -> String? {
                let error = await refusal {
                    _ = try await clients.silences.create(.with { $0.silence = silence }, metadata: Self.admin)
                }
                #expect(error?.code == .invalidArgument)
                return error?.message.split(separator: ":").first.map(String.init)
            }
            #expect(await field(of: try silence([], at: now)) == "matchers")
            #expect(await field(of: try silence(["env!=prod"], at: now)) == "matchers")  // matches everything
            var badRegex = try silence(["machine=web-1"], at: now)
            badRegex.matchers.append(.with {
                $0.name = "host"
                $0.op = .regex
                $0.value = "web-(("
            })
            #expect(await field(of: badRegex) == "matchers[1]")
            var noOp = try silence(["machine=web-1"], at: now)
            noOp.matchers[0].op = .unspecified
            #expect(await field(of: noOp) == "matchers[0]")
            #expect(await field(of: try silence(["machine=web-1"], lastingMs: -5, at: now)) == "ends_at_ms")
            var anonymous = try silence(["machine=web-1"], at: now)
            anonymous.createdBy = "  "
            #expect(await field(of: anonymous) == "created_by")
            var past = try silence(["machine=web-1"], at: now)
            past.startsAtMs = now - 10_000
            past.endsAtMs = now - 5_000
            #expect(await field(of: past) == "ends_at_ms")

            #expect(try await clients.silences.list(.init()).silences.isEmpty)
            let missing = await refusal { _ = try await clients.silences.expire(.with { $0.id = "nope" }, metadata: Self.admin) }
            #expect(missing?.code == .notFound)
        }
    }

    @Test func alertsNameTheActiveSilencesThatMatchThem() async throws {
        try await withService { clients in
            let now = clients.clock.now()
            try await clients.store.record([
                firing("cpu", machine: "web-1", labels: ["cpu": "0"], at: now - 1000),
                firing("cpu", machine: "db-1", labels: ["cpu": "0"], at: now - 900),
            ])
            let web = try silence(["machine=~web-.*", "severity=critical"], at: now)
            let db = try silence(["machine=db-1"], startsInMs: 60_000, at: now)
            let created = try await clients.silences.create(.with { $0.silence = web }, metadata: Self.admin)
            let window = try await clients.silences.create(.with { $0.silence = db }, metadata: Self.admin)
            #expect(window.state == .pending)

            func silencedBy() async throws -> [String: [String]] {
                let alerts = try await clients.alerts.list(.init()).alerts
                return Dictionary(uniqueKeysWithValues: alerts.map { ($0.machineID, $0.silencedBy) })
            }
            #expect(try await silencedBy() == ["web-1": [created.id], "db-1": []])
            let webAlert = try #require(try await clients.alerts.list(.with { $0.machineID = "web-1" }).alerts.first)
            #expect(try await clients.alerts.get(.with { $0.id = webAlert.id }).silencedBy == [created.id])

            // The maintenance window starts: db-1 is silenced too.
            clients.clock.advance(60_000)
            #expect(try await silencedBy() == ["web-1": [created.id], "db-1": [window.id]])

            let expired = try await clients.silences.expire(.with { $0.id = created.id }, metadata: Self.admin)
            #expect(expired.state == .expired && expired.endsAtMs == clients.clock.now())
            #expect(try await silencedBy() == ["web-1": [], "db-1": [window.id]])
            #expect(try await clients.silences.list(.with { $0.states = [.expired] }).silences.map(\.id) == [created.id])
            #expect(try await clients.silences.list(.with { $0.states = [.active, .pending] }).silences.map(\.id) == [window.id])
            #expect(try await clients.silences.list(.init()).silences.count == 2)
        }
    }

    func firing(_ rule: String, machine: String, labels: [String: String], at ms: Int64) -> Fleetwatch_V1_AlertTransition {
        .with {
            $0.ruleID = rule
            $0.ruleName = "cpu high"
            $0.machineID = machine
            $0.hostname = machine
            $0.labels = labels
            $0.from = .pending
            $0.to = .firing
            $0.atMs = ms
            $0.sequence = ms
            $0.value = 99
            $0.severity = .critical
        }
    }
}
