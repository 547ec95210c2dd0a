import FleetProto
import Testing

@testable import FleetIngest

/// The seed's control stream on the edge: each command becomes the collector command the /admin endpoints send,
/// on the stream of the collector it names, and everything else is refused with a reason.
@Suite struct CollectorControlServiceTests {
    private func command(_ machine: String, _ action: Monitoring_Command.OneOf_Action?) -> Monitoring_Command {
        var command = Monitoring_Command()
        command.machineID = machine
        command.action = action
        return command
    }

    @Test func aChangeOfIntervalReachesTheNamedCollectorsStream() async throws {
        let directory = CollectorDirectory()
        let (_, commands) = directory.register(machine: "m1")
        let service = CollectorControlService(directory: directory, adminToken: "t")

        let response = service.answer(command("m1", .setIntervalSeconds(7)))

        #expect(response.accepted)
        #expect(response.machineID == "m1")
        #expect(response.detail.contains("interval 7 s"))
        var iterator = commands.makeAsyncIterator()
        let sent = try #require(await iterator.next())
        #expect(sent.setInterval.seconds == 7)
    }

    @Test func aSnapshotRequestBecomesRequestProcessSnapshot() async throws {
        let directory = CollectorDirectory()
        let (_, commands) = directory.register(machine: "m1")
        let response = CollectorControlService(directory: directory, adminToken: "t")
            .answer(command("m1", .requestSnapshot(true)))

        #expect(response.accepted)
        var iterator = commands.makeAsyncIterator()
        let sent = try #require(await iterator.next())
        #expect(sent.kind == .requestProcessSnapshot(Fleetwatch_V1_RequestProcessSnapshot()))
    }

    @Test func aCollectorNotConnectedHereIsRefusedByName() {
        let response = CollectorControlService(directory: CollectorDirectory(), adminToken: "t")
            .answer(command("elsewhere", .requestSnapshot(true)))
        #expect(!response.accepted)
        #expect(response.detail == "collector 'elsewhere' is not connected to this edge")
    }

    @Test(arguments: [
        (Monitoring_Command.OneOf_Action?.none, SeedCommandTranslation.Refusal.unknownCommand),
        (.setIntervalSeconds(0), .intervalOutOfRange(0)),
        (.setIntervalSeconds(3601), .intervalOutOfRange(3601)),
        (.requestSnapshot(false), .snapshotNotRequested),
    ])
    func commandsItCannotSendAreRefusedWithTheReason(
        action: Monitoring_Command.OneOf_Action?, refusal: SeedCommandTranslation.Refusal
    ) {
        let directory = CollectorDirectory()
        let (_, _) = directory.register(machine: "m1")
        let response = CollectorControlService(directory: directory, adminToken: "t").answer(command("m1", action))
        #expect(!response.accepted)
        #expect(response.detail == refusal.description)
        #expect(SeedCommandTranslation.collectorCommand(for: command("m1", action)) == .failure(refusal))
    }

    @Test func aCommandWithoutAMachineIsRefused() {
        #expect(SeedCommandTranslation.collectorCommand(for: command("", .requestSnapshot(true))) == .failure(.missingMachine))
    }
}
