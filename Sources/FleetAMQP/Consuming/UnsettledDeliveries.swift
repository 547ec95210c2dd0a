/// The delivery tags a consumer channel has received but not yet acked or nacked, in order, and the
/// plan to settle a set of them with as few frames as possible: one `multiple` frame for a run
/// that covers every outstanding tag up to its end, single frames for the rest. Tags the channel no
/// longer knows are dropped from the plan, because acking an unknown tag makes the broker close the
/// channel (PRECONDITION_FAILED).
struct UnsettledDeliveries: Sendable {
    /// One basic.ack / basic.nack frame to send.
    struct Frame: Equatable, Sendable {
        var tag: UInt64
        var multiple: Bool
    }

    /// Ascending; deliveries arrive with growing tags.
    private(set) var tags: [UInt64] = []

    var count: Int { tags.count }

    mutating func received(_ tag: UInt64) {
        if let last = tags.last, tag <= last {
            let index = tags.firstIndex { $0 > tag } ?? tags.endIndex
            tags.insert(tag, at: index)
        } else {
            tags.append(tag)
        }
    }

    /// Removes `settle` from the outstanding tags and returns the frames that settle exactly those.
    mutating func plan(_ settle: [UInt64]) -> [Frame] {
        let wanted = Set(settle)
        guard !wanted.isEmpty else { return [] }
        var prefix = 0
        while prefix < tags.count, wanted.contains(tags[prefix]) { prefix += 1 }
        var frames: [Frame] = []
        if prefix >= 2 {
            frames.append(Frame(tag: tags[prefix - 1], multiple: true))
        } else if prefix == 1 {
            frames.append(Frame(tag: tags[0], multiple: false))
        }
        var remaining: [UInt64] = []
        remaining.reserveCapacity(tags.count - prefix)
        for tag in tags[prefix...] {
            if wanted.contains(tag) {
                frames.append(Frame(tag: tag, multiple: false))
            } else {
                remaining.append(tag)
            }
        }
        tags = remaining
        return frames
    }

    /// The channel is gone: the broker requeues everything it delivered on it.
    mutating func reset() { tags.removeAll() }
}
