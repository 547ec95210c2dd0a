// FoundationEssentials, not Foundation: this file was the only one that pulled Foundation (and with it
// ICU, ~40 MB) into the static agent (issue 14).
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The machine's own credential on disk: `<data dir>/collector/credential` (a scraper's in `<data dir>/scrape`,
/// beside its outbox, as the machine it reports is its own), one line, mode 0600, written once (created with that
/// mode, fsynced, then renamed into place, so it is never readable by others nor half written).
public struct CredentialFile: Sendable {
    public let path: String

    /// The credential of whoever keeps its outbox in `<dataDirectory>/<folder>`.
    public init(dataDirectory: String, folder: String = "collector") {
        path = dataDirectory + "/" + folder + "/credential"
    }

    /// The stored credential, or nil when there is none yet. Throws when the file exists but cannot be used.
    public func read() throws -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CredentialFileError(path: path, problem: "cannot be read: \(error)")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw CredentialFileError(path: path, problem: "is not UTF-8 text; delete it to enroll again")
        }
        let credential = text.trimmingWhitespace()
        guard !credential.isEmpty, !credential.contains(where: \.isNewline) else {
            throw CredentialFileError(path: path, problem: "is empty or has more than one line; delete it to enroll again")
        }
        return credential
    }

    /// Stores `credential` readable by this user only.
    public func store(_ credential: String) throws {
        let directory = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = path + ".tmp"
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw CredentialFileError(path: temporary, problem: "cannot be created: \(String(cString: strerror(errno)))")
        }
        let bytes = Array((credential + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor)
        close(descriptor)
        guard written == bytes.count, synced == 0, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw CredentialFileError(path: path, problem: "cannot be written: \(String(cString: strerror(errno)))")
        }
    }
}

/// The credential file exists but is unusable, or cannot be written.
public struct CredentialFileError: Error, CustomStringConvertible {
    public let path: String
    public let problem: String
    public var description: String { "machine credential \(path) \(problem)" }
}
