/// The hub's pipeline panel reads the in-process queues themselves.
extension InProcessBus: QueueInspector {
    public func queueStatus() async throws -> [QueueStatus] {
        statuses()
    }
}
