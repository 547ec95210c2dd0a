import Foundation

/// TLS to RabbitMQ (`amqps://`), from the URL's query as RabbitMQ's URI spec names it:
/// `cacertfile` (required: the PEM CA the broker's certificate must chain to), and `certfile` + `keyfile` for a
/// client certificate. The broker's certificate must also name the URL's host.
public struct AMQPTLS: Sendable, Equatable {
    public var caFile: String
    public var certificateFile: String?
    public var keyFile: String?

    public init(caFile: String, certificateFile: String? = nil, keyFile: String? = nil) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
    }

    /// The TLS settings of an amqps URL's `query` (the text after `?`); errors say what is missing or unreadable.
    static func parse(query: Substring) throws(Problem) -> AMQPTLS {
        var parameters: [String: String] = [:]
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1)
            let value = parts.count > 1 ? String(parts[1]).removingPercentEncoding ?? "" : ""
            parameters[String(parts[0])] = value
        }
        guard let ca = parameters["cacertfile"], !ca.isEmpty else {
            throw Problem(reason: "amqps needs ?cacertfile=/path/to/ca.pem (the CA of the broker's certificate)")
        }
        for (name, path) in [("cacertfile", ca), ("certfile", parameters["certfile"]), ("keyfile", parameters["keyfile"])] {
            guard let path else { continue }
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw Problem(reason: "\(name) '\(path)' is not a readable file")
            }
        }
        guard (parameters["certfile"] == nil) == (parameters["keyfile"] == nil) else {
            throw Problem(reason: "certfile and keyfile go together")
        }
        return AMQPTLS(caFile: ca, certificateFile: parameters["certfile"], keyFile: parameters["keyfile"])
    }

    /// Why the query cannot be used; `AMQPURL` reports it with the variable and the URL.
    struct Problem: Error {
        var reason: String
    }
}
