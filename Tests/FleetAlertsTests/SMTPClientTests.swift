import Foundation
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import FleetAlerts

/// The SMTP client against a tiny SMTP server in the test, which records what it was sent.
@Suite struct SMTPClientTests {
    /// Answers one session; refuses RCPT TO `refused@…` with 550.
    final class SinkServer: Sendable {
        let channel: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
        let transcript = Mutex<[String]>([])
        let data = Mutex<String>("")

        init() async throws {
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .bind(host: "127.0.0.1", port: 0) { child in
                    child.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: child)
                    }
                }
        }

        var port: Int { channel.channel.localAddress?.port ?? 0 }

        func serveOne() async throws {
            try await channel.executeThenClose { connections in
                for try await connection in connections {
                    try await session(connection)
                    return
                }
            }
        }

        private func session(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async throws {
            try await connection.executeThenClose { inbound, outbound in
                func say(_ text: String) async throws { try await outbound.write(ByteBuffer(string: text + "\r\n")) }
                try await say("220 sink ready")
                var pending: [UInt8] = []
                var inData = false
                for try await buffer in inbound {
                    pending += buffer.readableBytesView
                    while let end = pending.firstIndex(of: UInt8(ascii: "\n")) {
                        let line = String(decoding: pending[..<end].dropLast(pending[..<end].last == 13 ? 1 : 0), as: UTF8.self)
                        pending.removeFirst(end + 1)
                        if inData {
                            if line == "." {
                                inData = false
                                try await say("250 queued")
                            } else {
                                data.withLock { $0 += line + "\n" }
                            }
                            continue
                        }
                        transcript.withLock { $0.append(line) }
                        switch line.prefix(4).uppercased() {
                        case "EHLO": try await say("250-sink\r\n250-8BITMIME\r\n250 SIZE 1000000")
                        case "MAIL": try await say("250 ok")
                        case "RCPT": try await say(line.contains("refused@") ? "550 no such user" : "250 ok")
                        case "DATA":
                            inData = true
                            try await say("354 go ahead")
                        case "QUIT":
                            try await say("221 bye")
                            return
                        default: try await say("500 what")
                        }
                    }
                }
            }
        }
    }

    @Test func aMessageGoesThroughEHLOMailRcptDataAndQuitWithTheDotsStuffed() async throws {
        let server = try await SinkServer()
        async let served: Void = server.serveOne()
        let message = MailMessage.format(
            from: "fw@example.com", to: ["a@example.com"], subject: "hello", body: "first\n.dot line\nlast",
            date: Date(), messageID: "m1@test")
        try await SMTPClient(host: "127.0.0.1", port: server.port).send(
            from: "fw@example.com", to: ["a@example.com", "b@example.com"], message: message)
        try await served
        #expect(
            server.transcript.withLock { $0 } == [
                "EHLO fleetwatch", "MAIL FROM:<fw@example.com>", "RCPT TO:<a@example.com>", "RCPT TO:<b@example.com>",
                "DATA", "QUIT",
            ])
        let data = server.data.withLock { $0 }
        #expect(data.contains("Subject: hello\n"))
        // On the wire the dot line was doubled; the server sees it stuffed (a real server would unstuff it).
        #expect(data.contains("\n..dot line\nlast\n"), "\(data)")
    }

    @Test func aRefusedRecipientFailsNamingTheCommandAndTheAnswer() async throws {
        let server = try await SinkServer()
        async let served: Void = server.serveOne()
        await #expect {
            try await SMTPClient(host: "127.0.0.1", port: server.port).send(
                from: "fw@example.com", to: ["refused@example.com"], message: "Subject: x\r\n\r\nbody\r\n")
        } throws: { error in
            "\(error)".contains("SMTP 550 after RCPT TO: no such user")
        }
        _ = try? await served
    }

    @Test func noServerIsAClearFailure() async throws {
        await #expect {
            try await SMTPClient(host: "127.0.0.1", port: 1, timeout: .seconds(5)).send(
                from: "fw@example.com", to: ["a@example.com"], message: "x\r\n")
        } throws: { error in
            "\(error)".contains("cannot connect to SMTP server 127.0.0.1:1")
        }
    }
}
