import Testing

@testable import FleetAMQP

@Suite struct PublisherConfirmTrackerTests {
    @Test func tagsStartAtOneAndGrow() {
        var tracker = PublisherConfirmTracker<String>()
        #expect(tracker.register("a") == 1)
        #expect(tracker.register("a") == 2)
        #expect(tracker.register("b") == 3)
        #expect(tracker.outstanding == 3)
    }

    @Test func multipleSettlesEverythingUpToTheTag() {
        var tracker = PublisherConfirmTracker<String>()
        for owner in ["a", "a", "b", "b"] { _ = tracker.register(owner) }
        let settled = tracker.settle(tag: 3, multiple: true, acked: true)
        #expect(settled.map(\.tag) == [1, 2, 3])
        #expect(settled.map(\.owner) == ["a", "a", "b"])
        #expect(tracker.outstanding == 1)
        #expect(tracker.settle(tag: 4, multiple: false, acked: false) == [.init(tag: 4, owner: "b", acked: false)])
        #expect(tracker.outstanding == 0)
    }

    @Test func outOfOrderSinglesThenMultipleSkipSettledTags() {
        var tracker = PublisherConfirmTracker<Int>()
        for owner in 1...5 { _ = tracker.register(owner) }
        #expect(tracker.settle(tag: 2, multiple: false, acked: true).map(\.tag) == [2])
        #expect(tracker.settle(tag: 2, multiple: false, acked: true).isEmpty)
        #expect(tracker.settle(tag: 4, multiple: true, acked: true).map(\.tag) == [1, 3, 4])
        #expect(tracker.settle(tag: 99, multiple: true, acked: true).map(\.tag) == [5])
    }

    @Test func resetReturnsTheUnansweredAndRestartsTags() {
        var tracker = PublisherConfirmTracker<String>()
        _ = tracker.register("x")
        _ = tracker.register("y")
        _ = tracker.settle(tag: 1, multiple: false, acked: true)
        #expect(tracker.reset() == ["y"])
        #expect(tracker.register("z") == 1)
    }
}

@Suite struct UnsettledDeliveriesTests {
    @Test func contiguousPrefixIsOneMultipleFrame() {
        var unsettled = UnsettledDeliveries()
        for tag: UInt64 in 1...5 { unsettled.received(tag) }
        #expect(unsettled.plan([1, 2, 3]) == [.init(tag: 3, multiple: true)])
        #expect(unsettled.tags == [4, 5])
    }

    @Test func gapsAreSettledOneByOne() {
        var unsettled = UnsettledDeliveries()
        for tag: UInt64 in 1...6 { unsettled.received(tag) }
        #expect(unsettled.plan([2, 4]) == [.init(tag: 2, multiple: false), .init(tag: 4, multiple: false)])
        #expect(unsettled.plan([1, 3, 6]) == [.init(tag: 3, multiple: true), .init(tag: 6, multiple: false)])
        #expect(unsettled.tags == [5])
    }

    @Test func unknownTagsAreNeverSent() {
        var unsettled = UnsettledDeliveries()
        unsettled.received(7)
        #expect(unsettled.plan([3, 7, 9]) == [.init(tag: 7, multiple: false)])
        #expect(unsettled.plan([7]).isEmpty)
    }
}
