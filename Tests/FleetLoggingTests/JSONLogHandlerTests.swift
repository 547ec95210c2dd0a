import Foundation
import Logging
import Testing

@testable import FleetLogging

@Suite struct JSONLogHandlerTests {
    func encoded(_ text: String) -> String {
        var line = ""
        JSONLogHandler.appendJSONString(text, to: &line)
        return line
    }

    @Test func stringsAreValidJSONWhateverTheyHold() throws {
        for text in ["plain", "quote \" and \\ backslash", "line\nbreak\ttab\r", "bell \u{07} nul \u{00}", "héllo 🚀"] {
            let line = encoded(text)
            let decoded = try JSONDecoder().decode(String.self, from: Data(line.utf8))
            #expect(decoded == text, "\(line)")
        }
        #expect(encoded("\u{07}") == "\"\\u0007\"")
        #expect(encoded("a\"b") == "\"a\\\"b\"")
    }

    @Test func theLevelComesFromTheFlagAndABadOneIsNamed() throws {
        #expect(try Logger.Level.fromSetting("debug") == .debug)
        #expect(throws: (any Error).self) { try Logger.Level.fromSetting("loud") }
        do {
            _ = try Logger.Level.fromSetting("loud")
        } catch {
            #expect("\(error)".contains("FLEETWATCH_LOG_LEVEL"))
        }
    }
}
