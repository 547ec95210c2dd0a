import NIOCore
import NIOHTTP1
import NIOPosix

/// GETs a scrape target over plain HTTP/1.1 with SwiftNIO (one connection per scrape, as Prometheus's scrapes of a
/// slow interval do), within `timeout`, and returns the body of a 200 answer.
public struct HTTPExpositionFetcher: ExpositionFetcher, CustomStringConvertible {
    public let target: ScrapeTarget
    public let timeout: Duration
    /// A larger body is refused: node_exporter answers with 100-300 KiB.
    public let maxBodyBytes: Int

    public init(target: ScrapeTarget, timeout: Duration = .seconds(10), maxBodyBytes: Int = 16 << 20) {
        self.target = target
        self.timeout = timeout
        self.maxBodyBytes = maxBodyBytes
    }

    public var description: String { target.description }

    public func fetch() async throws -> String {
        try await withThrowingTaskGroup(of: String.self) { group in
            group.addTask { try await get() }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw ScrapeFailure("scraping \(target) took longer than \(timeout)")
            }
            defer { group.cancelAll() }
            guard let body = try await group.next() else { throw CancellationError() }
            return body
        }
    }

    private func get() async throws -> String {
        let channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(5))
                .connect(host: target.host, port: target.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(
                            wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw ScrapeFailure("cannot connect to \(target): \(error)")
        }
        return try await channel.executeThenClose { inbound, outbound in
            var headers = HTTPHeaders()
            headers.add(name: "Host", value: "\(target.host):\(target.port)")
            headers.add(name: "Accept", value: "text/plain;version=0.0.4")
            headers.add(name: "Connection", value: "close")
            try await outbound.write(.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: target.path, headers: headers)))
            try await outbound.write(.end(nil))
            var status: HTTPResponseStatus?
            var body = ByteBuffer()
            for try await part in inbound {
                switch part {
                case .head(let head):
                    status = head.status
                case .body(var chunk):
                    guard body.readableBytes + chunk.readableBytes <= maxBodyBytes else {
                        throw ScrapeFailure("\(target) answered with more than \(maxBodyBytes) bytes")
                    }
                    body.writeBuffer(&chunk)
                case .end:
                    guard status == .ok else {
                        throw ScrapeFailure("\(target) answered HTTP \(status?.code ?? 0)")
                    }
                    return String(buffer: body)
                }
            }
            throw ScrapeFailure("\(target) closed the connection before the end of its answer")
        }
    }
}
