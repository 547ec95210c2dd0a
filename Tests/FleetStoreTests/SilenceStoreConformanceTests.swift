import FleetCore
import Foundation
import Testing

@testable import FleetPostgres
@testable import FleetSQLite
@testable import FleetStore

/// Silences behave the same on PostgreSQL and SQLite: round trip of every field, listing all or the active ones,
/// expiry by hand, and removal of long-ended ones.
@Suite struct SilenceStoreConformanceTests {
    func silence(_ id: String, from start: Int64, to end: Int64, createdAt: Int64 = 1) throws -> Silence {
        Silence(
            id: id,
            matchers: [
                try LabelMatcher(parsing: "machine=web-1"), try LabelMatcher(parsing: "severity!=info"),
                try LabelMatcher(parsing: "mount=~/(var|srv)/.*"), try LabelMatcher(parsing: "env!~\"dev|test\""),
            ],
            startsAtMs: start, endsAtMs: end, createdBy: "ops@example.com", comment: "kernel update ✓ 'quoted'",
            createdAtMs: createdAt)
    }

    @Test(arguments: StoreKind.allCases)
    func silencesRoundTripAndListByActivity(kind: StoreKind) async throws {
        try await kind.withStore { metrics in
            let store = try #require(metrics as? any SilenceStore)
            let past = try silence("past", from: 100, to: 200, createdAt: 1)
            let now = try silence("now", from: 900, to: 2000, createdAt: 2)
            let later = try silence("later", from: 1500, to: 3000, createdAt: 3)
            for silence in [past, now, later] { try await store.createSilence(silence) }

            #expect(try await store.silence(id: "now") == now)
            #expect(try await store.silence(id: "nope") == nil)
            #expect(try await store.silences(activeAtMs: nil) == [later, now, past])
            #expect(try await store.silences(activeAtMs: 1000).map(\.id) == ["now"])
            #expect(try await store.silences(activeAtMs: 1500).map(\.id) == ["later", "now"])
            // The end is exclusive: at ends_at_ms a silence is over.
            #expect(try await store.silences(activeAtMs: 2000).map(\.id) == ["later"])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func expiringEndsNowAndKeepsTheSilenceListed(kind: StoreKind) async throws {
        try await kind.withStore { metrics in
            let store = try #require(metrics as? any SilenceStore)
            try await store.createSilence(try silence("active", from: 100, to: 5000))
            try await store.createSilence(try silence("window", from: 3000, to: 5000))

            let expired = try await store.expireSilence(id: "active", atMs: 1000)
            #expect(expired.endsAtMs == 1000 && expired.startsAtMs == 100 && expired.updatedAtMs == 1000)
            #expect(expired.state(atMs: 1000) == .expired)
            #expect(try await store.silence(id: "active") == expired)
            // Expiring again changes nothing.
            #expect(try await store.expireSilence(id: "active", atMs: 1200) == expired)

            let window = try await store.expireSilence(id: "window", atMs: 1000)
            #expect(window.startsAtMs == 1000 && window.endsAtMs == 1000)
            #expect(try await store.silences(activeAtMs: 3500).isEmpty)
            #expect(try await store.silences(activeAtMs: nil).count == 2)

            await #expect(throws: StoreError.notFound("no silence 'nope'")) {
                _ = try await store.expireSilence(id: "nope", atMs: 1000)
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func retentionRemovesOnlySilencesThatEndedBefore(kind: StoreKind) async throws {
        try await kind.withStore { metrics in
            let store = try #require(metrics as? any SilenceStore)
            try await store.createSilence(try silence("old", from: 100, to: 200))
            try await store.createSilence(try silence("recent", from: 100, to: 900))
            try await store.createSilence(try silence("running", from: 100, to: 9000))
            #expect(try await store.deleteSilences(endedBeforeMs: 500) == 1)
            #expect(Set(try await store.silences(activeAtMs: nil).map(\.id)) == ["recent", "running"])
            #expect(try await store.deleteSilences(endedBeforeMs: 500) == 0)
        }
    }
}
