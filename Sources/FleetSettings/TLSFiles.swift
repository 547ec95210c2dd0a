#if canImport(FoundationEssentials)
    import FoundationEssentials  // not Foundation: keeps ICU out of the static agent (issue 14)
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The PEM files a server presents (FLEETWATCH_TLS_CERT, FLEETWATCH_TLS_KEY) and, optionally, the CA its clients'
/// certificates must be signed by (FLEETWATCH_TLS_CLIENT_CA: set, every client must present one). Paths only:
/// FleetRuntime loads and checks the contents (`ServerTLS`).
public struct ServerTLSFiles: Sendable, Equatable {
    public var certificate: String
    public var key: String
    public var clientCA: String?

    public init(certificate: String, key: String, clientCA: String? = nil) {
        self.certificate = certificate
        self.key = key
        self.clientCA = clientCA
    }

    /// The files the flags or FLEETWATCH_TLS_* variables name; nil (plaintext, the default) when none is set.
    /// A missing partner (a certificate without a key, a client CA without both) or an unreadable path throws,
    /// naming the variable.
    public static func resolve(certificate: String?, key: String?, clientCA: String?) throws(ConfigError) -> Self? {
        let certificate = Setting.value(certificate, env: "FLEETWATCH_TLS_CERT")
        let key = Setting.value(key, env: "FLEETWATCH_TLS_KEY")
        let clientCA = Setting.value(clientCA, env: "FLEETWATCH_TLS_CLIENT_CA")
        switch (certificate, key) {
        case (nil, nil):
            if let clientCA {
                throw ConfigError(
                    setting: "FLEETWATCH_TLS_CLIENT_CA", expected: "FLEETWATCH_TLS_CERT and FLEETWATCH_TLS_KEY set too",
                    got: clientCA)
            }
            return nil
        case (.some, nil):
            throw ConfigError(setting: "FLEETWATCH_TLS_KEY", expected: "the private key of FLEETWATCH_TLS_CERT", got: "")
        case (nil, .some):
            throw ConfigError(setting: "FLEETWATCH_TLS_CERT", expected: "the certificate of FLEETWATCH_TLS_KEY", got: "")
        case (.some(let certificate), .some(let key)):
            try TLSFile.checkReadable(certificate, setting: "FLEETWATCH_TLS_CERT")
            try TLSFile.checkReadable(key, setting: "FLEETWATCH_TLS_KEY")
            if let clientCA { try TLSFile.checkReadable(clientCA, setting: "FLEETWATCH_TLS_CLIENT_CA") }
            return Self(certificate: certificate, key: key, clientCA: clientCA)
        }
    }
}

/// What a client trusts on `https://` URLs and what it presents: the CA file (FLEETWATCH_TLS_CA; none: the system
/// trust roots) and an optional client certificate and key (FLEETWATCH_TLS_CLIENT_CERT, FLEETWATCH_TLS_CLIENT_KEY)
/// for servers that require one. Plain `http://` URLs ignore it.
public struct ClientTLSFiles: Sendable, Equatable {
    public var ca: String?
    public var certificate: String?
    public var key: String?

    public init(ca: String? = nil, certificate: String? = nil, key: String? = nil) {
        self.ca = ca
        self.certificate = certificate
        self.key = key
    }

    /// The files the flags or FLEETWATCH_TLS_* variables name; an unreadable path or a certificate without its key
    /// (or the reverse) throws, naming the variable.
    public static func resolve(ca: String?, certificate: String?, key: String?) throws(ConfigError) -> Self {
        let ca = Setting.value(ca, env: "FLEETWATCH_TLS_CA")
        let certificate = Setting.value(certificate, env: "FLEETWATCH_TLS_CLIENT_CERT")
        let key = Setting.value(key, env: "FLEETWATCH_TLS_CLIENT_KEY")
        if let ca { try TLSFile.checkReadable(ca, setting: "FLEETWATCH_TLS_CA") }
        switch (certificate, key) {
        case (nil, nil): break
        case (.some, nil):
            throw ConfigError(
                setting: "FLEETWATCH_TLS_CLIENT_KEY", expected: "the private key of FLEETWATCH_TLS_CLIENT_CERT", got: "")
        case (nil, .some):
            throw ConfigError(
                setting: "FLEETWATCH_TLS_CLIENT_CERT", expected: "the certificate of FLEETWATCH_TLS_CLIENT_KEY", got: "")
        case (.some(let certificate), .some(let key)):
            try TLSFile.checkReadable(certificate, setting: "FLEETWATCH_TLS_CLIENT_CERT")
            try TLSFile.checkReadable(key, setting: "FLEETWATCH_TLS_CLIENT_KEY")
        }
        return Self(ca: ca, certificate: certificate, key: key)
    }
}

/// The one check both file sets share.
enum TLSFile {
    static func checkReadable(_ path: String, setting: String) throws(ConfigError) {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) != S_IFDIR, access(path, R_OK) == 0 else {
            throw ConfigError(setting: setting, expected: "a readable PEM file", got: path)
        }
    }
}
