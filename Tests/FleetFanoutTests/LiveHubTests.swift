import FleetCore
import FleetFanout
import FleetProto
import Testing

func metricBatch(_ machine: String, at ms: Int64, _ samples: [(String, Double)], processes: Bool = false)
    -> Fleetwatch_V1_MetricBatch
{
    .with {
        $0.machine = .with {
            $0.machineID = machine
            $0.hostname = "host-" + machine
        }
        $0.timestampMs = ms
        $0.samples = samples.map { name, value in
            .with {
                $0.name = name
                $0.value = value
                $0.timestampMs = ms
            }
        }
        if processes { $0.processes = .with { $0.timestampMs = ms } }
    }
}

/// Reads the next update, failing instead of hanging when none comes.
func nextUpdate(_ subscription: LiveSubscription) async throws -> LiveUpdate {
    try await withThrowingTaskGroup(of: LiveUpdate?.self) { group in
        group.addTask {
            for await update in subscription.updates { return update }
            return nil
        }
        group.addTask {
            try await Task.sleep(for: .seconds(5))
            return nil
        }
        let first = try await group.next() ?? nil
        group.cancelAll()
        return try #require(first, "no update within 5 s")
    }
}

@Suite struct LiveHubTests {
    @Test func fleetSubscribersStartWithEverythingThenGetOnlyChangedMachines() async throws {
        let hub = LiveHub()
        hub.apply(metricBatch("b", at: 1, [("load.1m", 1)]))
        hub.apply(metricBatch("a", at: 1, [("load.1m", 1)]))
        let subscription = hub.subscribe()
        defer { subscription.cancel() }
        subscription.follow(.fleet)
        let snapshot = try await nextUpdate(subscription)
        #expect(snapshot.isSnapshot)
        #expect(snapshot.machines.map(\.machineID) == ["a", "b"])

        hub.apply(metricBatch("b", at: 2, [("load.1m", 2)]))
        let change = try await nextUpdate(subscription)
        #expect(!change.isSnapshot)
        #expect(change.machines.map(\.machineID) == ["b"])
        #expect(change.machines.first?.summary.load1m == 2)
    }

    @Test func aSlowReaderIsCoalescedToTheNewestValues() async throws {
        let hub = LiveHub()
        let slow = hub.subscribe()
        defer { slow.cancel() }
        slow.follow(.machine("m"))
        // 1,000 batches arrive while the reader is not reading: it later sees one update with the newest values.
        for t in 1...1000 { hub.apply(metricBatch("m", at: Int64(t), [("load.1m", Double(t)), ("proc.count", 7)])) }
        let update = try await nextUpdate(slow)
        #expect(update.isSnapshot)
        #expect(update.samples.map(\.value) == [1000, 7])
        hub.apply(metricBatch("m", at: 2000, [("load.1m", 5)]))
        let next = try await nextUpdate(slow)
        #expect(next.samples.map(\.metric) == ["load.1m"])
    }

    @Test func aStalledReaderDoesNotHoldUpOthers() async throws {
        let hub = LiveHub()
        let stalled = hub.subscribe()
        stalled.follow(.fleet)
        defer { stalled.cancel() }
        let reader = hub.subscribe()
        defer { reader.cancel() }
        reader.follow(.machine("m"))
        _ = try await nextUpdate(reader)  // the "waiting for it" notice
        for t in 1...100 {
            hub.apply(metricBatch("m", at: Int64(t), [("load.1m", Double(t))]))
            let update = try await nextUpdate(reader)
            #expect(update.samples.last?.value == Double(t))
        }
    }

    @Test func machineSubscribersSeeOnlyTheirMachine() async throws {
        let hub = LiveHub()
        let subscription = hub.subscribe()
        defer { subscription.cancel() }
        subscription.follow(.machine("m"))
        let waiting = try await nextUpdate(subscription)
        #expect(waiting.notices.first?.contains("no data from machine 'm'") == true)

        hub.apply(metricBatch("other", at: 1, [("load.1m", 9)]))
        hub.apply(metricBatch("m", at: 1, [("load.1m", 1)], processes: true))
        let update = try await nextUpdate(subscription)
        #expect(update.machines.map(\.machineID) == ["m"])
        #expect(update.samples.map(\.value) == [1])
        #expect(update.processes?.timestampMs == 1)
    }

    @Test func followingAnotherTopicStartsWithItsSnapshot() async throws {
        let hub = LiveHub()
        hub.apply(metricBatch("m", at: 1, [("load.1m", 1), ("proc.count", 3)]))
        let subscription = hub.subscribe()
        defer { subscription.cancel() }
        subscription.follow(.fleet)
        _ = try await nextUpdate(subscription)
        subscription.follow(.machine("m"))
        let update = try await nextUpdate(subscription)
        #expect(update.topic == .machine("m"))
        #expect(update.isSnapshot)
        #expect(update.samples.count == 2)
    }

    @Test func cancellingEndsTheUpdatesAndForgetsTheSubscriber() async throws {
        let hub = LiveHub()
        let subscription = hub.subscribe()
        subscription.follow(.fleet)
        #expect(hub.subscriberCount == 1)
        subscription.cancel()
        #expect(hub.subscriberCount == 0)
        var count = 0
        for await _ in subscription.updates { count += 1 }
        #expect(count <= 1)
    }
}

extension LiveHubTests {
    /// Whoever feeds the hub, it never holds a value the gateway cannot send (`LastValueCache`).
    @Test func theHubKeepsOnlyUsableValues() async throws {
        let hub = LiveHub()
        hub.apply(metricBatch("m1", at: 1, [("load.1m", 2), ("load.5m", -.infinity), ("load.15m", 1e301)]))
        let subscription = hub.subscribe()
        defer { subscription.cancel() }
        subscription.follow(.machine("m1"))
        let snapshot = try await nextUpdate(subscription)
        #expect(snapshot.samples.map(\.metric) == ["load.1m"])
        #expect(snapshot.samples.allSatisfy { $0.value.isFinite })
    }
}
