import FleetBus
import FleetSettings
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Queue figures from the RabbitMQ management API (`GET /api/queues/<vhost>`), the same numbers the
/// management UI shows.
public struct RabbitManagementInspector: QueueInspector {
    public static let environmentVariable = "FLEETWATCH_MANAGEMENT_URL"
    public static let defaultURL = "http://guest:guest@127.0.0.1:15672"

    /// RFC 3986 unreserved characters: everything else in a vhost name is percent-encoded ("/" → %2F).
    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    private let endpoint: URL
    private let authorization: String?

    /// - Parameters:
    ///   - url: the management API's base URL; user and password in it are sent as basic authentication.
    ///   - vhost: the virtual host whose queues to read (the AMQP URL's).
    public init(url: String, vhost: String) throws(InspectorError) {
        guard var components = URLComponents(string: url), components.scheme == "http" || components.scheme == "https",
            components.host?.isEmpty == false
        else {
            throw InspectorError(
                "\(Self.environmentVariable) must look like http://user:password@host:15672, got '\(Redaction.url(url))'")
        }
        let user = components.user ?? "", password = components.password ?? ""
        authorization = user.isEmpty ? nil : "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
        components.user = nil
        components.password = nil
        let escapedVhost = vhost.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? vhost
        components.percentEncodedPath = "/api/queues/\(escapedVhost)"
        components.percentEncodedQuery = "columns=name,messages_ready,messages_unacknowledged,consumers"
        guard let endpoint = components.url else { throw InspectorError("cannot build a URL from '\(Redaction.url(url))'") }
        self.endpoint = endpoint
    }

    public func queueStatus() async throws -> [QueueStatus] {
        var request = URLRequest(url: endpoint, timeoutInterval: 5)
        if let authorization { request.setValue(authorization, forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        guard let status = (response as? HTTPURLResponse)?.statusCode, status == 200 else {
            throw InspectorError("the RabbitMQ management API answered \((response as? HTTPURLResponse)?.statusCode ?? 0)")
        }
        struct Row: Decodable {
            var name: String
            var messages_ready: Int?
            var messages_unacknowledged: Int?
            var consumers: Int?
        }
        return try JSONDecoder().decode([Row].self, from: data).map {
            QueueStatus(
                name: $0.name, ready: $0.messages_ready ?? 0, unacked: $0.messages_unacknowledged ?? 0,
                consumers: $0.consumers ?? 0)
        }.sorted { $0.name < $1.name }
    }
}

public struct InspectorError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
