import Foundation

/// An e-mail as SMTP's DATA carries it (RFC 5322): headers, a blank line, the text body, every line ending in CRLF
/// and every line that starts with a dot given a second one (RFC 5321 §4.5.2), without the final `.` line.
public enum MailMessage {
    public static func format(
        from: String, to: [String], subject: String, body: String, date: Date, messageID: String
    ) -> String {
        let headers = [
            "From: \(from)",
            "To: \(to.joined(separator: ", "))",
            "Subject: \(encodedHeader(subject))",
            "Date: \(rfc5322(date))",
            "Message-ID: <\(messageID)>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
        ]
        let lines = headers + [""] + normalizedLines(body)
        return lines.map { $0.hasPrefix(".") ? "." + $0 : $0 }.map { $0 + "\r\n" }.joined()
    }

    /// The body's lines, whatever line endings it had (CRLF, LF or CR).
    static func normalizedLines(_ text: String) -> [String] {
        text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// ASCII headers as they are; anything else as an RFC 2047 encoded word. Line breaks never reach a header.
    static func encodedHeader(_ text: String) -> String {
        let flat = text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        if flat.allSatisfy({ $0.isASCII }) { return flat }
        return "=?UTF-8?B?\(Data(flat.utf8).base64EncodedString())?="
    }

    static func rfc5322(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}
