import Foundation
import Testing

@testable import FleetSettings

/// `Setting`: the flag wins, then the FLEETWATCH_* variable, then the default; secrets may come from a file. Each
/// test sets variables under names of its own, so tests running in parallel never see each other's.
@Suite struct SettingTests {
    /// A variable name no other test uses, set to `value` (nil: unset) for the test.
    private func variable(_ value: String?) -> String {
        let name = "FLEETWATCH_TEST_\(UInt64.random(in: 0...UInt64.max))"
        if let value { setenv(name, value, 1) }
        return name
    }

    private func temporaryFile(_ contents: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fleetwatch-secret-\(UUID())").path
        try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func theFlagWinsThenTheVariableThenTheDefault() {
        let set = variable("from-env")
        #expect(Setting.value("from-flag", env: set, default: "fallback") == "from-flag")
        #expect(Setting.value(nil, env: set, default: "fallback") == "from-env")
        #expect(Setting.value(nil, env: variable(nil), default: "fallback") == "fallback")
    }

    @Test func emptyFlagsAndVariablesCountAsUnset() {
        #expect(Setting.value("", env: variable("from-env"), default: "fallback") == "from-env")
        #expect(Setting.value("", env: variable(""), default: "fallback") == "fallback")
        #expect(Setting.value(nil, env: variable("")) == nil)
    }

    @Test func aSecretComesFromTheFlagTheVariableOrTheFirstLineOfItsFile() throws {
        let path = try temporaryFile("s3cret\nsecond line ignored\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let name = variable("direct")
        #expect(try Setting.secret("flag", file: path, env: name) == "flag")
        #expect(try Setting.secret(nil, file: path, env: name) == "direct", "the variable wins over a file")

        let fromFile = variable(nil)
        #expect(try Setting.secret(nil, file: path, env: fromFile) == "s3cret")
        setenv(fromFile + "_FILE", path, 1)
        #expect(try Setting.secret(nil, file: nil, env: fromFile) == "s3cret", "<VARIABLE>_FILE names the file")
        #expect(try Setting.secret(nil, file: nil, env: variable(nil)) == nil)
    }

    @Test func anUnreadableOrEmptySecretFileIsAnErrorNamingTheFileSetting() throws {
        let name = variable(nil)
        #expect(throws: ConfigError(setting: name + "_FILE", expected: "a readable file holding the secret", got: "/nonexistent/secret")) {
            try Setting.secret(nil, file: "/nonexistent/secret", env: name)
        }
        let empty = try temporaryFile("\n")
        defer { try? FileManager.default.removeItem(atPath: empty) }
        #expect(throws: ConfigError(setting: name + "_FILE", expected: "a non-empty first line", got: empty)) {
            try Setting.secret(nil, file: empty, env: name)
        }
    }

    @Test func integersOutsideTheirRangeNameTheSettingAndTheRange() throws {
        #expect(try Setting.integer("64", setting: "--prefetch", in: 1...1000) == 64)
        for bad in ["0", "1001", "ten", ""] {
            let error = #expect(throws: ConfigError.self) { try Setting.integer(bad, setting: "--prefetch", in: 1...1000) }
            #expect(error?.description == "--prefetch: expected a whole number in 1...1000, got '\(bad)'")
        }
    }

    @Test func redactionHidesOnlyThePassword() {
        #expect(Redaction.url("amqp://guest:secret@host:5672/%2f") == "amqp://guest:***@host:5672/%2f")
        #expect(Redaction.url("postgres://fleetwatch@127.0.0.1:5432/db") == "postgres://fleetwatch@127.0.0.1:5432/db")
        #expect(Redaction.url("not a url") == "not a url")
        #expect(Redaction.url("http://u:p@h/path?x=a:b@c") == "http://u:***@h/path?x=a:b@c")
    }
}
