import FleetCore
import FleetProto
import Testing

@Suite struct AlertEndTests {
    func alert(_ status: Fleetwatch_V1_AlertStatus, updatedMs: Int64 = 5_000) -> Fleetwatch_V1_Alert {
        .with {
            $0.id = "r/m/cpu=0/1000"
            $0.ruleID = "r"
            $0.ruleName = "cpu high"
            $0.machineID = "m"
            $0.hostname = "host-m"
            $0.labels = ["cpu": "0"]
            $0.status = status
            $0.severity = .critical
            $0.updatedMs = updatedMs
            $0.value = 97
            $0.sequence = 1000
        }
    }

    @Test func firingResolvesAndPendingGoesBackToInactiveWithTheReason() throws {
        let resolved = try #require(Fleetwatch_V1_AlertTransition.ending(alert(.firing), reason: .ruleDeleted, atMs: 9_000))
        #expect(resolved.from == .firing && resolved.to == .resolved)
        #expect(resolved.reason == "rule deleted" && resolved.atMs == 9_000)
        #expect(resolved.sequence == 1000 && resolved.labels == ["cpu": "0"] && resolved.value == 97)
        #expect(resolved.ruleName == "cpu high" && resolved.severity == .critical && resolved.hostname == "host-m")

        let inactive = try #require(Fleetwatch_V1_AlertTransition.ending(alert(.pending), reason: .ruleDisabled, atMs: 9_000))
        #expect(inactive.from == .pending && inactive.to == .inactive && inactive.reason == "rule disabled")
    }

    @Test func anEndingNeverGoesBackInTimeAndEndsOnlyOpenAlerts() {
        // A clock behind the alert's last change would be ignored by the store (state moves forward only).
        #expect(Fleetwatch_V1_AlertTransition.ending(alert(.firing, updatedMs: 20_000), reason: .machineRetired, atMs: 9_000)?.atMs == 20_000)
        #expect(Fleetwatch_V1_AlertTransition.ending(alert(.resolved), reason: .machineRetired, atMs: 9_000) == nil)
        #expect(Fleetwatch_V1_AlertTransition.ending(alert(.inactive), reason: .machineSilent, atMs: 9_000) == nil)
    }
}
