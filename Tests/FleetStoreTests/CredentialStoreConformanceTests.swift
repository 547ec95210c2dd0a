import Foundation
import Testing

@testable import FleetPostgres
@testable import FleetSQLite
@testable import FleetStore

/// Machine credentials behave the same on PostgreSQL and SQLite: one active credential per machine, lookup by hash
/// with its last use, revocation, and an audit trail whose refusals aggregate per machine, reason and minute.
@Suite struct CredentialStoreConformanceTests {
    @Test(arguments: StoreKind.allCases)
    func enrollLookUpRevokeAndEnrollAgain(kind: StoreKind) async throws {
        try await kind.withStore { metrics in
            let store = try #require(metrics as? any CredentialStore)
            let first = MachineCredential(machineID: "web-1", tokenHash: "aa11", createdAtMs: 1_000)
            try await store.enrollCredential(first, detail: "hostname web-1.example.com")

            await #expect(throws: StoreError.conflict("machine 'web-1' already has an active credential")) {
                try await store.enrollCredential(
                    MachineCredential(machineID: "web-1", tokenHash: "bb22", createdAtMs: 1_500), detail: "")
            }
            let used = try #require(try await store.useCredential(tokenHash: "aa11", atMs: 2_000))
            #expect(used.machineID == "web-1" && used.lastUsedAtMs == 2_000 && used.isActive)
            #expect(try await store.useCredential(tokenHash: "nope", atMs: 2_000) == nil)

            let revoked = try await store.revokeCredential(machineID: "web-1", atMs: 3_000, by: "ops")
            #expect(revoked.revokedAtMs == 3_000 && revoked.tokenHash == "aa11")
            // A revoked credential is still found (so the edge can say so) but its last use no longer moves.
            let after = try #require(try await store.useCredential(tokenHash: "aa11", atMs: 4_000))
            #expect(!after.isActive && after.lastUsedAtMs == 2_000)
            await #expect(throws: StoreError.notFound("machine 'web-1' has no active credential")) {
                try await store.revokeCredential(machineID: "web-1", atMs: 5_000, by: "ops")
            }

            let second = MachineCredential(machineID: "web-1", tokenHash: "cc33", createdAtMs: 6_000)
            try await store.enrollCredential(second, detail: "")
            #expect(try await store.credentials().map(\.tokenHash) == ["cc33", "aa11"])

            let events = try await store.credentialEvents(limit: 10)
            #expect(events.map(\.kind) == [.enrolled, .revoked, .enrolled])
            #expect(events[1].detail == "by ops" && events[2].detail == "hostname web-1.example.com")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func refusalsAggregatePerMachineReasonAndMinute(kind: StoreKind) async throws {
        try await kind.withStore { metrics in
            let store = try #require(metrics as? any CredentialStore)
            let minute: Int64 = 1_800_000_000_000 - (1_800_000_000_000 % 60_000)
            for offset in [0, 10_000, 59_999] as [Int64] {
                try await store.recordCredentialRefusal(machineID: "web-1", reason: "revoked credential", atMs: minute + offset)
            }
            try await store.recordCredentialRefusal(machineID: "web-1", reason: "revoked credential", atMs: minute + 60_000)
            try await store.recordCredentialRefusal(machineID: "", reason: "unknown credential", atMs: minute + 5)

            let events = try await store.credentialEvents(limit: 10)
            #expect(events.count == 3)
            let newest = try #require(events.first)
            #expect(newest.atMs == minute + 60_000 && newest.count == 1)
            let aggregated = try #require(events.first { $0.count == 3 })
            #expect(aggregated.atMs == minute && aggregated.lastAtMs == minute + 59_999 && aggregated.kind == .refused)
            #expect(events.contains { $0.machineID == "" && $0.detail == "unknown credential" })
            #expect(try await store.credentialEvents(limit: 1).count == 1)
        }
    }
}
