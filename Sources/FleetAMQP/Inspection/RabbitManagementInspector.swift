import AsyncHTTPClient
import FleetBus
import FleetSettings
import Foundation

/// Queue figures from the RabbitMQ management API (`GET /api/queues/<vhost>`), the same numbers the
/// management UI shows.
public struct RabbitManagementInspector: QueueInspector {
    public static let environmentVariable = "FLEETWATCH_MANAGEMENT_URL"
    public static let defaultURL = "http://guest:guest@127.0.0.1:15672"

    /// RFC 3986 unreserved characters: everything else in a vhost name is percent-encoded ("/" → %2F).
    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// How long one read of the queue figures may take, connecting included.
    public static let timeout: Duration = .seconds(5)
    /// The largest answer read; a vhost with tens of thousands of queues stays well below it.
    private static let maxResponseBytes = 32 << 20

    private let endpoint: URL
    private let authorization: String?
    private let httpClient: HTTPClient

    /// - Parameters:
    ///   - url: the management API's base URL; user and password in it are sent as basic authentication.
    ///   - vhost: the virtual host whose queues to read (the AMQP URL's).
    ///   - httpClient: the client to send the requests with; its owner shuts it down.
    public init(url: String, vhost: String, httpClient: HTTPClient = .shared) throws(InspectorError) {
        self.httpClient = httpClient
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
        var request = HTTPClientRequest(url: endpoint.absoluteString)
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        let data: Data
        do {
            let response = try await httpClient.execute(
                request, timeout: .nanoseconds(Int64(Self.timeout / .nanoseconds(1))))
            guard response.status.code == 200 else {
                throw InspectorError(
                    "the RabbitMQ management API at \(Redaction.url(endpoint.absoluteString)) answered \(response.status.code) \(response.status.reasonPhrase)")
            }
            data = Data(try await response.body.collect(upTo: Self.maxResponseBytes).readableBytesView)
        } catch let error as InspectorError {
            throw error
        } catch {
            throw InspectorError(
                "cannot read queue figures from the RabbitMQ management API at \(Redaction.url(endpoint.absoluteString)): \(error)")
        }
        struct Row: Decodable {
            var name: String
            var messages_ready: Int?
            var messages_unacknowledged: Int?
            var consumers: Int?
        }
        let rows: [Row]
        do {
            rows = try JSONDecoder().decode([Row].self, from: data)
        } catch {
            throw InspectorError("the RabbitMQ management API answered something other than a list of queues: \(error)")
        }
        return rows.map {
            QueueStatus(
                name: $0.name, ready: $0.messages_ready ?? 0, unacked: $0.messages_unacknowledged ?? 0,
                consumers: $0.consumers ?? 0)
        }.sorted { $0.name < $1.name }
    }
}

/// The management API cannot be used: a malformed URL, an unreachable or refusing server, or an unexpected answer.
public struct InspectorError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
