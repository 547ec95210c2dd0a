import FleetProto
import Testing

@testable import FleetCollector

@Suite("The identity a scraper enrolls with", .timeLimit(.minutes(1)))
struct ScrapedIdentityTests {
    private static func identity(_ machine: String) -> Fleetwatch_V1_MachineIdentity {
        var identity = Fleetwatch_V1_MachineIdentity()
        identity.machineID = machine
        return identity
    }

    @Test func aWaiterGetsTheFirstIdentitySetAndLaterOnesChangeNothing() async {
        let scraped = ScrapedIdentity()
        let waiter = Task { await scraped.value() }
        scraped.set(Self.identity("node-1"))
        scraped.set(Self.identity("node-2"))
        #expect(await waiter.value?.machineID == "node-1")
        #expect(await scraped.value()?.machineID == "node-1")
    }

    @Test func aCancelledWaiterGetsNil() async {
        let scraped = ScrapedIdentity()
        let waiter = Task { await scraped.value() }
        waiter.cancel()
        #expect(await waiter.value == nil)
        scraped.set(Self.identity("node-1"))
        #expect(await scraped.value()?.machineID == "node-1")
    }
}
