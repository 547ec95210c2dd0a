import Foundation
import Testing

@testable import FleetAlerts

@Suite struct MailMessageTests {
    let message = MailMessage.format(
        from: "fw@example.com", to: ["a@example.com", "b@example.com"], subject: "[FIRING] disk – full",
        body: "line one\n.starts with a dot\r\n..two dots\rlast", date: Date(timeIntervalSince1970: 0),
        messageID: "id@fleetwatch")

    @Test func everyLineEndsInCRLFAndLinesStartingWithADotGetAnother() {
        let lines = message.components(separatedBy: "\r\n")
        #expect(lines.last == "")
        #expect(!message.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(!message.replacingOccurrences(of: "\r\n", with: "").contains("\r"))
        #expect(lines.contains("..starts with a dot"))
        #expect(lines.contains("...two dots"))
        #expect(lines.contains("line one") && lines.contains("last"))
    }

    @Test func headersComeFirstThenABlankLine() throws {
        let lines = message.components(separatedBy: "\r\n")
        let blank = try #require(lines.firstIndex(of: ""))
        let headers = lines[..<blank]
        #expect(headers.contains("From: fw@example.com"))
        #expect(headers.contains("To: a@example.com, b@example.com"))
        #expect(headers.contains("Date: Thu, 01 Jan 1970 00:00:00 +0000"))
        #expect(headers.contains("Content-Type: text/plain; charset=utf-8"))
        // Not ASCII: an RFC 2047 encoded word.
        #expect(headers.contains { $0.hasPrefix("Subject: =?UTF-8?B?") })
        #expect(MailMessage.encodedHeader("plain\r\nBcc: x@y") == "plain  Bcc: x@y")
    }
}
