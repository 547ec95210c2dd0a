/// One reader of a `LiveHub`: choose a topic with `follow`, then read `updates` — each element is
/// everything that changed since the previous one, with current values. Cancel when done.
public final class LiveSubscription: Sendable {
    let id: Int
    private let hub: LiveHub
    private let signals: AsyncStream<Void>

    init(id: Int, hub: LiveHub, signals: AsyncStream<Void>) {
        self.id = id
        self.hub = hub
        self.signals = signals
    }

    /// Follows `topic` from now on; the next update is a full snapshot of it.
    public func follow(_ topic: LiveTopic) {
        hub.follow(id, topic: topic)
    }

    /// Tells the reader something through its update stream (for example that its request was invalid).
    public func notify(_ notice: String) {
        hub.notify(id, notice: notice)
    }

    /// Coalesced updates; ends after `cancel()`.
    public var updates: some AsyncSequence<LiveUpdate, Never> & Sendable {
        signals.map { [hub, id] in hub.drain(id) }.filter { !$0.isEmpty }
    }

    public func cancel() {
        hub.unsubscribe(id)
    }

    deinit {
        hub.unsubscribe(id)
    }
}
