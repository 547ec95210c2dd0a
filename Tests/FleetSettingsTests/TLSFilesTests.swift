import Foundation
import Testing

@testable import FleetSettings

/// `ServerTLSFiles` / `ClientTLSFiles`: which combinations turn TLS on, and errors that name the variable.
/// Flags are passed explicitly (they win over FLEETWATCH_TLS_*, which the test environment does not set).
@Suite struct TLSFilesTests {
    let directory: String
    let readable: String

    init() throws {
        directory = NSTemporaryDirectory() + "tls-files-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        readable = directory + "/some.pem"
        try Data("-----BEGIN CERTIFICATE-----\n".utf8).write(to: URL(fileURLWithPath: readable))
    }

    @Test func noServerFilesMeansPlaintext() throws {
        guard ProcessInfo.processInfo.environment["FLEETWATCH_TLS_CERT"] == nil else { return }
        #expect(try ServerTLSFiles.resolve(certificate: nil, key: nil, clientCA: nil) == nil)
    }

    @Test func aCertificateAndKeyTurnServerTLSOn() throws {
        let files = try ServerTLSFiles.resolve(certificate: readable, key: readable, clientCA: readable)
        #expect(files == ServerTLSFiles(certificate: readable, key: readable, clientCA: readable))
    }

    @Test func aCertificateWithoutItsKeyNamesTheKey() {
        guard ProcessInfo.processInfo.environment["FLEETWATCH_TLS_KEY"] == nil else { return }
        #expect(throws: ConfigError(setting: "FLEETWATCH_TLS_KEY", expected: "the private key of FLEETWATCH_TLS_CERT", got: "")) {
            try ServerTLSFiles.resolve(certificate: readable, key: nil, clientCA: nil)
        }
    }

    @Test func aMissingOrFolderPathNamesItsSetting() {
        let missing = directory + "/missing.pem"
        #expect(throws: ConfigError(setting: "FLEETWATCH_TLS_CERT", expected: "a readable PEM file", got: missing)) {
            try ServerTLSFiles.resolve(certificate: missing, key: readable, clientCA: nil)
        }
        #expect(throws: ConfigError(setting: "FLEETWATCH_TLS_CLIENT_CA", expected: "a readable PEM file", got: directory)) {
            try ServerTLSFiles.resolve(certificate: readable, key: readable, clientCA: directory)
        }
        #expect(throws: ConfigError(setting: "FLEETWATCH_TLS_CA", expected: "a readable PEM file", got: missing)) {
            try ClientTLSFiles.resolve(ca: missing, certificate: nil, key: nil)
        }
    }

    @Test func aClientCertificateNeedsItsKey() throws {
        guard ProcessInfo.processInfo.environment["FLEETWATCH_TLS_CLIENT_CERT"] == nil else { return }
        #expect(
            throws: ConfigError(
                setting: "FLEETWATCH_TLS_CLIENT_CERT", expected: "the certificate of FLEETWATCH_TLS_CLIENT_KEY", got: "")
        ) {
            try ClientTLSFiles.resolve(ca: nil, certificate: nil, key: readable)
        }
        #expect(try ClientTLSFiles.resolve(ca: readable, certificate: readable, key: readable)
            == ClientTLSFiles(ca: readable, certificate: readable, key: readable))
    }

    @Test func mismatchAdviceNamesTheURLSetting() {
        let preface = "unavailable: closed the connection before completing the HTTP/2 connection preface."
        #expect(
            TLSMismatchHint.annotate(preface, usesTLS: false, urlSetting: "FLEETWATCH_CONFIG_URL").hasSuffix(
                "(does the server use TLS? then give FLEETWATCH_CONFIG_URL as https:// and set FLEETWATCH_TLS_CA)"))
        #expect(
            TLSMismatchHint.annotate("CERTIFICATE_VERIFY_FAILED", usesTLS: true, urlSetting: "FLEETWATCH_INGEST_URL")
                .contains("does not chain to FLEETWATCH_TLS_CA"))
        #expect(TLSMismatchHint.annotate("connection refused", usesTLS: false, urlSetting: "X") == "connection refused")
    }
}
