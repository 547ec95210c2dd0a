import Foundation
import NIOCore
import NIOPosix

/// A small SMTP client over SwiftNIO for notifications: EHLO (HELO if refused), MAIL FROM, RCPT TO, DATA, QUIT,
/// over plain TCP. No AUTH and no STARTTLS: it talks to a local relay or an internal smarthost (docs/alerts.md).
public struct SMTPClient: Sendable {
    public let host: String
    public let port: Int
    /// How long a whole session may take, connecting included.
    public let timeout: Duration
    /// The name this client gives itself in EHLO.
    public let heloName: String

    public init(host: String, port: Int, timeout: Duration = .seconds(10), heloName: String = "fleetwatch") {
        self.host = host
        self.port = port
        self.timeout = timeout
        self.heloName = heloName
    }

    /// Sends `message` (a formatted `MailMessage`) from `from` to every address of `to`. Throws `DeliveryFailure`
    /// naming the command the server refused and its answer, or why the connection failed.
    public func send(from: String, to: [String], message: String) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await session(from: from, to: to, message: message) }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw DeliveryFailure("SMTP session with \(host):\(port) took longer than \(timeout)")
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    private func session(from: String, to: [String], message: String) async throws {
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(5))
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw DeliveryFailure("cannot connect to SMTP server \(host):\(port): \(error)")
        }
        try await channel.executeThenClose { inbound, outbound in
            var replies = SMTPReplyReader(inbound.makeAsyncIterator())
            func command(_ line: String, named name: String? = nil, expecting codes: Set<Int>) async throws -> SMTPReply {
                try await outbound.write(ByteBuffer(string: line + "\r\n"))
                let reply = try await replies.next()
                guard codes.contains(reply.code) else {
                    let sent = name ?? String(line.prefix { $0 != ":" })
                    throw DeliveryFailure("SMTP \(reply.code) after \(sent): \(reply.text)")
                }
                return reply
            }
            let greeting = try await replies.next()
            guard greeting.code == 220 else { throw DeliveryFailure("SMTP greeting \(greeting.code): \(greeting.text)") }
            do {
                _ = try await command("EHLO \(heloName)", expecting: [250])
            } catch is DeliveryFailure {
                _ = try await command("HELO \(heloName)", expecting: [250])
            }
            _ = try await command("MAIL FROM:<\(from)>", expecting: [250])
            for address in to { _ = try await command("RCPT TO:<\(address)>", expecting: [250, 251]) }
            _ = try await command("DATA", expecting: [354])
            _ = try await command(message + ".", named: "the message", expecting: [250])
            try? await outbound.write(ByteBuffer(string: "QUIT\r\n"))
            _ = try? await replies.next()
        }
    }
}

/// One SMTP reply: its code and the text of all its lines.
struct SMTPReply: Sendable {
    var code: Int
    var text: String
}

/// Reads SMTP replies (`250-first line`, …, `250 last line`) from a stream of bytes.
struct SMTPReplyReader {
    private var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private var pending: [UInt8] = []

    init(_ iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator) {
        self.iterator = iterator
    }

    mutating func next() async throws -> SMTPReply {
        var lines: [String] = []
        while true {
            let line = try await nextLine()
            guard line.count >= 3, let code = Int(line.prefix(3)) else {
                throw DeliveryFailure("not an SMTP reply: '\(line.prefix(80))'")
            }
            lines.append(String(line.dropFirst(4)))
            if line.count == 3 || line[line.index(line.startIndex, offsetBy: 3)] != "-" {
                return SMTPReply(code: code, text: lines.joined(separator: " "))
            }
        }
    }

    private mutating func nextLine() async throws -> String {
        while true {
            if let end = pending.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(pending[..<end])
                pending.removeFirst(end + 1)
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard pending.count < 64 * 1024 else { throw DeliveryFailure("SMTP reply line longer than 64 KiB") }
            guard let buffer = try await iterator.next() else {
                throw DeliveryFailure("SMTP server closed the connection")
            }
            pending += buffer.readableBytesView
        }
    }
}
