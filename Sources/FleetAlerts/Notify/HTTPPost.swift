import AsyncHTTPClient
import Foundation

/// POSTs JSON with the shared HTTP client; anything but a 2xx answer is a `DeliveryFailure`.
struct HTTPPost: Sendable {
    let client: HTTPClient
    /// How long one POST may take, connecting included.
    let timeout: Duration

    func json(_ body: Data, to url: URL) async throws {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(body)
        let response = try await client.execute(request, timeout: .nanoseconds(Int64(timeout / .nanoseconds(1))))
        // Read to the end, so the connection can be reused; the answer's content does not matter.
        for try await _ in response.body {}
        guard (200..<300).contains(response.status.code) else { throw DeliveryFailure("HTTP \(response.status.code)") }
    }
}
