import Testing

@testable import FleetThreads

@Suite struct TaskThreadsTests {
    @Test(arguments: [
        ([:], TaskThreads.Choice.eventLoops), (["FLEETWATCH_EXECUTOR": ""], .eventLoops),
        (["FLEETWATCH_EXECUTOR": "event-loops"], .eventLoops), (["FLEETWATCH_EXECUTOR": "Dispatch"], .dispatch),
        (["FLEETWATCH_EXECUTOR": "threads"], nil),
    ])
    func theEnvironmentChooses(environment: [String: String], choice: TaskThreads.Choice?) {
        #expect(TaskThreads.choice(in: environment) == choice)
    }

    @Test func anUnknownChoiceInstallsNothing() {
        #expect(TaskThreads.install(environment: ["FLEETWATCH_EXECUTOR": "threads"]) == nil)
        #expect(TaskThreads.install(environment: ["FLEETWATCH_EXECUTOR": "dispatch"]) == .dispatch)
    }
}
