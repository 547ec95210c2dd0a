import Foundation
import Testing

@testable import FleetRuntime

@Suite struct EventLoopTimersTests {
    /// With the hooks installed (in this test process too: what every `fleetwatch` process runs), every kind of
    /// sleep still wakes, and not before its time; a zero or past deadline wakes at once.
    @Test func everySleepWakesOnTimeWithTheHooks() async throws {
        _ = EventLoopTimers.install()
        let clock = ContinuousClock()
        var started = clock.now
        try await Task.sleep(for: .milliseconds(40))
        #expect(clock.now - started >= .milliseconds(40))
        started = clock.now
        try await Task.sleep(nanoseconds: 30_000_000)
        #expect(clock.now - started >= .milliseconds(30))
        started = clock.now
        try await SuspendingClock().sleep(for: .milliseconds(20))
        #expect(clock.now - started >= .milliseconds(20))
        try await clock.sleep(until: clock.now - .seconds(1))
        try await Task.sleep(for: .zero)
    }

    @Test func aCancelledSleepEndsEarly() async throws {
        _ = EventLoopTimers.install()
        let clock = ContinuousClock()
        let started = clock.now
        let sleeper = Task { try await Task.sleep(for: .seconds(30)) }
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        #expect(clock.now - started < .seconds(5))
    }
}
