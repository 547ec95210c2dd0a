import FleetSettings

/// The nodes of one RabbitMQ cluster, as `FLEETWATCH_AMQP_URL` names them: one URL, or several separated by
/// commas (`amqp://u:p@10.0.0.1:5672/%2f,amqp://u:p@10.0.0.2:5672/%2f`). Every connection tries them in turn
/// and moves to the next one when its node refuses or dies (`AMQPNodeRotation`). Never empty; every URL names
/// the same vhost, since they are one broker. A comma inside a password must be written `%2c`.
public struct AMQPURLList: Sendable, Equatable, CustomStringConvertible {
    /// The URLs in the order given; at least one.
    public let urls: [AMQPURL]

    /// The first URL: the one a lone connection tries first, and the vhost of all of them.
    public var first: AMQPURL { urls[0] }

    /// A list of one.
    public init(_ url: AMQPURL) {
        urls = [url]
    }

    /// `first` followed by `others`.
    public init(_ first: AMQPURL, _ others: [AMQPURL]) {
        urls = [first] + others
    }

    /// Parses one URL or a comma-separated list of them (spaces around the commas are allowed). An empty entry, a
    /// malformed URL or URLs of different vhosts throw an `AMQPURLError` naming `variable` and the entry.
    public init(parsing text: String, variable: String = AMQPURL.environmentVariable) throws(AMQPURLError) {
        let entries = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        var urls: [AMQPURL] = []
        for (index, entry) in entries.enumerated() {
            let position = entries.count == 1 ? "" : "URL \(index + 1) of \(entries.count): "
            guard entry.contains(where: { $0 != " " && $0 != "\t" && $0 != "\n" && $0 != "\r" }) else {
                // Each URL masked on its own: the error shows them all.
                throw AMQPURLError(
                    variable: variable, value: entries.map { Redaction.url($0) }.joined(separator: ","),
                    reason: "\(position)empty (two commas in a row, or a trailing comma?)")
            }
            do {
                urls.append(try AMQPURL(parsing: entry, variable: variable))
            } catch {
                throw AMQPURLError(variable: variable, value: entry, reason: position + error.reason)
            }
        }
        if let other = urls.first(where: { $0.vhost != urls[0].vhost }) {
            throw AMQPURLError(
                variable: variable, value: "\(other)",
                reason: "every URL of the list must name the same vhost ('\(urls[0].vhost)' and '\(other.vhost)')")
        }
        self.urls = urls
    }

    /// Reads `FLEETWATCH_AMQP_URL` from `environment`, falling back to `AMQPURL.defaultURL` when unset or empty.
    public static func fromEnvironment(_ environment: [String: String]) throws(AMQPURLError) -> AMQPURLList {
        let value =
            environment[AMQPURL.environmentVariable].flatMap { $0.isEmpty ? nil : $0 } ?? AMQPURL.defaultURL
        return try AMQPURLList(parsing: value)
    }

    /// The URLs with their passwords masked, separated by commas: safe for logs.
    public var description: String {
        urls.map(\.description).joined(separator: ",")
    }
}
