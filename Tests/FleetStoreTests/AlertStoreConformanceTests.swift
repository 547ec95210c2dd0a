import FleetProto
import Foundation
import Testing

@testable import FleetPostgres
@testable import FleetSQLite
@testable import FleetStore

/// Rules and alert history behave the same on PostgreSQL and SQLite.
@Suite struct AlertStoreConformanceTests {
    func rule(_ id: String, version: Int64 = 1, threshold: Double = 80) -> Fleetwatch_V1_Rule {
        .with {
            $0.id = id
            $0.name = "cpu high \(id)"
            $0.metric = "cpu.usage_percent"
            $0.comparator = .greater
            $0.threshold = threshold
            $0.version = version
            $0.enabled = true
        }
    }

    func transition(_ to: Fleetwatch_V1_AlertStatus, at ms: Int64, sequence: Int64 = 1) -> Fleetwatch_V1_AlertTransition {
        .with {
            $0.ruleID = "r1"
            $0.ruleName = "cpu high"
            $0.ruleVersion = 1
            $0.machineID = "m1"
            $0.labels = ["cpu": "total"]
            $0.to = to
            $0.atMs = ms
            $0.value = Double(ms)
            $0.sequence = sequence
            $0.severity = .critical
        }
    }

    @Test(arguments: StoreKind.allCases)
    func rulesRoundTripWithOptimisticConcurrency(kind: StoreKind) async throws {
        try await kind.withStore { metrics in
            let store = try #require(metrics as? any RuleStore)
            try await store.createRule(rule("b"))
            try await store.createRule(rule("a"))
            #expect(try await store.rules().map(\.id) == ["a", "b"])
            #expect(try await store.rule(id: "a") == rule("a"))
            #expect(try await store.rule(id: "zz") == nil)

            try await store.updateRule(rule("a", version: 2, threshold: 90), expectedVersion: 1)
            #expect(try await store.rule(id: "a")?.threshold == 90)
            await #expect(throws: StoreError.self) { try await store.updateRule(rule("a", version: 2), expectedVersion: 1) }
            do {
                try await store.updateRule(rule("a", version: 2), expectedVersion: 1)
            } catch let error as StoreError {
                guard case .conflict(let why) = error else { Issue.record("expected a conflict, got \(error)"); return }
                #expect(why.contains("version 2"))
            }
            await #expect(throws: StoreError.notFound("no rule 'zz'")) { try await store.updateRule(rule("zz"), expectedVersion: 1) }

            await #expect(throws: StoreError.self) { _ = try await store.deleteRule(id: "a", expectedVersion: 1) }
            #expect(try await store.deleteRule(id: "a", expectedVersion: 2).threshold == 90)
            #expect(try await store.deleteRule(id: "b", expectedVersion: 0).id == "b")
            await #expect(throws: StoreError.notFound("no rule 'a'")) { _ = try await store.deleteRule(id: "a", expectedVersion: 0) }
            #expect(try await store.rules().isEmpty)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func alertHistoryIsIdempotentAndFollowsTime(kind: StoreKind) async throws {
        try await kind.withStore { metrics in
            let store = try #require(metrics as? any AlertStore)
            let pending = transition(.pending, at: 1000), firing = transition(.firing, at: 1000)
            let resolved = transition(.resolved, at: 9000)
            try await store.record([pending, firing])
            try await store.record([resolved])
            try await store.record([firing, pending])  // redelivered, late: changes nothing
            try await store.record([transition(.pending, at: 20_000, sequence: 2)])

            let all = try await store.alerts(.init())
            #expect(all.map(\.sequence) == [2, 1])
            #expect(all.map(\.status) == [.pending, .resolved])
            let first = try #require(all.last)
            #expect(first.startedMs == 1000 && first.updatedMs == 9000 && first.value == 9000)
            #expect(first.id == "r1/m1/cpu=total/1")
            #expect(first.severity == .critical)

            let firingOrPending = try await store.alerts(.with { $0.statuses = [.firing, .pending] })
            #expect(firingOrPending.map(\.sequence) == [2])
            #expect(try await store.alerts(.with { $0.machineID = "other" }).isEmpty)
            #expect(try await store.alerts(.with { $0.sinceMs = 10_000 }).map(\.sequence) == [2])
            #expect(try await store.alerts(.with { $0.limit = 1 }).count == 1)

            let detail = try #require(try await store.alert(id: first.id))
            #expect(detail.history.map(\.to) == [.pending, .firing, .resolved])
            #expect(try await store.alert(id: "nope") == nil)
        }
    }
}
