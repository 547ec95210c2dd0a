import Testing

@testable import FleetRuntime

/// `Readiness`: /readyz is 200 only when every registered condition holds, and names those that do not.
@Suite struct ReadinessTests {
    @Test func registeredConditionsStartUnmetAndAreListedSorted() {
        let readiness = Readiness(["grpc", "amqp", "database"])
        #expect(!readiness.isReady)
        #expect(readiness.unmet == ["amqp", "database", "grpc"])
    }

    @Test func readyOnlyWhenEveryConditionHolds() {
        let readiness = Readiness(["amqp", "database"])
        readiness.set("amqp", true)
        #expect(readiness.unmet == ["database"])
        readiness.set("database", true)
        #expect(readiness.isReady)
        readiness.set("amqp", false)
        #expect(readiness.unmet == ["amqp"], "a condition that stops holding makes the process unready again")
    }

    @Test func noConditionsMeansReadyAndLateConditionsCount() {
        let readiness = Readiness()
        #expect(readiness.isReady)
        readiness.set("grpc", false)
        #expect(readiness.unmet == ["grpc"])
    }
}
