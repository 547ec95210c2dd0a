import Logging
import Synchronization

/// A logger that keeps every message and its metadata, for tests that check what was logged (and how often).
public final class CapturedLogs: Sendable {
    public let lines = Mutex<[(message: String, metadata: Logger.Metadata)]>([])

    public init() {}

    public var logger: Logger { Logger(label: "test") { _ in Handler(captured: self) } }

    struct Handler: LogHandler {
        let captured: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            captured.lines.withLock { $0.append((event.message.description, event.metadata ?? [:])) }
        }
    }
}
