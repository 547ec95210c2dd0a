import FleetCore
import FleetFanout
import FleetProto
import FleetStore
import Logging
import Synchronization
import Testing

/// The live view knows the active silences: a silenced alert is counted as silenced, not firing, and a change of
/// silences re-sends the open alerts (their `silenced_by` changed).
@Suite struct LiveHubSilenceTests {
    func firing(_ machine: String, rule: String = "cpu high", severity: Fleetwatch_V1_Severity = .critical, at: Int64 = 1)
        -> Fleetwatch_V1_AlertTransition
    {
        .with {
            $0.ruleID = "r-\(rule)"
            $0.ruleName = rule
            $0.machineID = machine
            $0.hostname = machine
            $0.labels = ["cpu": "total"]
            $0.severity = severity
            $0.to = .firing
            $0.atMs = at
            $0.sequence = at
        }
    }

    func silence(_ id: String, _ matchers: [String], from: Int64 = 0, until: Int64 = 10_000) throws -> Silence {
        Silence(
            id: id, matchers: try matchers.map { try LabelMatcher(parsing: $0) }, startsAtMs: from, endsAtMs: until,
            createdBy: "test", comment: "", createdAtMs: 0)
    }

    @Test func aSilencedAlertCountsAsSilencedNotFiring() throws {
        let hub = LiveHub()
        hub.apply(firing("web-1"))
        hub.apply(firing("web-1", rule: "disk full", severity: .warning))
        #expect(hub.alerts(of: "web-1", atMs: 5).firing == 2)
        #expect(hub.alerts(of: "web-1", atMs: 5).worst == .critical)

        hub.applySilences([try silence("s1", ["rule=cpu high"])])
        let counts = hub.alerts(of: "web-1", atMs: 5)
        #expect(counts.firing == 1 && counts.silenced == 1 && counts.worst == .warning)
        #expect(hub.silencedBy(firing("web-1"), atMs: 5) == ["s1"])
        #expect(hub.silencedBy(firing("web-1", rule: "disk full"), atMs: 5).isEmpty)
        #expect(hub.alerts(of: "web-1", atMs: 10_000).firing == 2, "the silence has ended by then")
        var resolved = firing("web-1")
        resolved.to = .resolved
        #expect(hub.silencedBy(resolved, atMs: 5).isEmpty, "only open alerts are marked")
    }

    @Test func aChangeOfSilencesResendsTheOpenAlertsOfFollowedMachines() async throws {
        let hub = LiveHub()
        hub.apply(metricBatch("web-1", at: 1, [("load.1m", 1)]))
        hub.apply(firing("web-1"))
        let subscription = hub.subscribe()
        defer { subscription.cancel() }
        subscription.follow(.fleet)
        _ = try await nextUpdate(subscription)

        #expect(hub.applySilences([try silence("s1", ["machine=web-1"])]))
        let update = try await nextUpdate(subscription)
        #expect(update.alerts.map(\.machineID) == ["web-1"])
        #expect(update.machines.map(\.machineID) == ["web-1"])
        #expect(!hub.applySilences([try silence("s1", ["machine=web-1"])]), "the same silences change nothing")
    }

    @Test func theFollowerReadsTheStoreAndKeepsTheLastSilencesWhenAReadFails() async throws {
        let hub = LiveHub()
        hub.apply(firing("web-1"))
        let store = FakeSilences([try silence("s1", ["machine=web-1"])])
        let follower = LiveSilenceFollower(hub: hub, store: store, logger: .init(label: "test"), now: { 5 })
        #expect(await follower.refresh())
        #expect(hub.alerts(of: "web-1", atMs: 5).silenced == 1)
        store.failing.withLock { $0 = true }
        #expect(await follower.refresh() == false)
        #expect(hub.alerts(of: "web-1", atMs: 5).silenced == 1)
        store.failing.withLock { $0 = false }
        store.held.withLock { $0 = [] }
        #expect(await follower.refresh())
        #expect(hub.alerts(of: "web-1", atMs: 5).firing == 1)
    }
}

/// Silences in memory, with a switch that makes reads fail.
private final class FakeSilences: SilenceStore {
    let held: Mutex<[Silence]>
    let failing = Mutex(false)

    init(_ silences: [Silence]) { held = Mutex(silences) }

    struct Down: Error {}

    func createSilence(_ silence: Silence) async throws { held.withLock { $0.append(silence) } }
    func silence(id: String) async throws -> Silence? { held.withLock { $0.first { $0.id == id } } }
    func silences(activeAtMs: Int64?) async throws -> [Silence] {
        if failing.withLock({ $0 }) { throw Down() }
        return held.withLock { all in all.filter { activeAtMs == nil || $0.state(atMs: activeAtMs!) == .active } }
    }
    func expireSilence(id: String, atMs: Int64) async throws -> Silence { throw Down() }
    func deleteSilences(endedBeforeMs: Int64) async throws -> Int { 0 }
}
