/// Which publish each outstanding delivery tag of a confirm-mode channel belongs to, and what a
/// basic.ack / basic.nack (with or without `multiple`) settles. A pure value, so the protocol logic
/// is tested without a broker.
///
/// Tags start at 1 after confirm.select and grow by one per publish on that channel; `multiple`
/// settles every outstanding tag up to and including the given one.
struct PublisherConfirmTracker<Owner: Hashable>: Sendable where Owner: Sendable {
    /// One settled tag: whose it was and whether the broker took it.
    struct Settlement: Equatable, Sendable {
        var tag: UInt64
        var owner: Owner
        var acked: Bool
    }

    private var nextTag: UInt64 = 1
    private var lowestOutstanding: UInt64 = 1
    private var owners: [UInt64: Owner] = [:]

    /// Publishes waiting for their confirm.
    var outstanding: Int { owners.count }

    /// Records the next publish on the channel; returns its delivery tag.
    mutating func register(_ owner: Owner) -> UInt64 {
        let tag = nextTag
        nextTag += 1
        owners[tag] = owner
        return tag
    }

    /// Applies basic.ack (`acked`) or basic.nack for `tag`; unknown tags (already settled) are ignored.
    mutating func settle(tag: UInt64, multiple: Bool, acked: Bool) -> [Settlement] {
        var settled: [Settlement] = []
        if multiple {
            // Never past the last tag handed out, whatever the broker sends.
            let upper = min(tag, nextTag - 1)
            if lowestOutstanding <= upper {
                settled.reserveCapacity(Int(upper - lowestOutstanding + 1))
                for candidate in lowestOutstanding...upper {
                    if let owner = owners.removeValue(forKey: candidate) {
                        settled.append(Settlement(tag: candidate, owner: owner, acked: acked))
                    }
                }
            }
        } else if let owner = owners.removeValue(forKey: tag) {
            settled.append(Settlement(tag: tag, owner: owner, acked: acked))
        }
        while lowestOutstanding < nextTag, owners[lowestOutstanding] == nil { lowestOutstanding += 1 }
        return settled
    }

    /// The channel is gone (closed or connection lost): forgets every outstanding tag and starts
    /// over at tag 1 for the next confirm.select. Returns the owners that never got an answer.
    mutating func reset() -> [Owner] {
        let lost = owners.sorted { $0.key < $1.key }.map(\.value)
        owners.removeAll()
        nextTag = 1
        lowestOutstanding = 1
        return lost
    }
}
