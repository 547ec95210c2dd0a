import FleetCore
import Testing

@testable import FleetCollector

@Suite("CollectorAgent end to end", .timeLimit(.minutes(1)))
struct CollectorAgentTests {
    @Test func collectsBuffersUploadsAndContinuesTheSequenceAfterRestart() async throws {
        let edge = FakeEdge()
        let dataDirectory = Fixture.temporaryDirectory()
        try await withFakeEdge(edge) { port in
            var configuration = CollectorConfiguration(dataDirectory: dataDirectory)
            configuration.ingestURL = "http://127.0.0.1:\(port)"
            configuration.token = "t0ken"
            configuration.interval = .seconds(1)
            configuration.machineIDOverride = "agent-test"
            configuration.labels = ["env": "test"]
            configuration.durableBuffer = false

            let agent = try CollectorAgent(configuration: configuration)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await agent.run() }
                #expect(await eventually { agent.statistics.batchesAcked >= 2 })
                group.cancelAll()
                try await group.waitForAll()
            }
            let statistics = agent.statistics
            #expect(statistics.batchesCollected >= 2)
            #expect(statistics.batchesDropped == 0)
            #expect(statistics.lastTickReadings > 5)
            #expect(statistics.lastTickCPU > .zero)
            let sentBefore = edge.state.withLock { $0.received }
            #expect(sentBefore.first == 1)
            #expect(edge.state.withLock { $0.authorizations }.allSatisfy { $0 == "Bearer t0ken" })

            // A new agent on the same data directory continues after the highest sequence ever assigned.
            let restarted = try CollectorAgent(configuration: configuration)
            #expect(restarted.buffer.nextSequence == agent.buffer.nextSequence)
            #expect(restarted.identity.machineID == "agent-test")
            #expect(restarted.identity.labels == ["env": "test"])
        }
    }

    @Test func anInvalidMachineIDOverrideStopsTheStart() {
        var configuration = CollectorConfiguration(dataDirectory: Fixture.temporaryDirectory())
        configuration.machineIDOverride = "host.example.com"
        #expect(throws: MachineIDError.self) { try CollectorAgent(configuration: configuration) }
    }
}
