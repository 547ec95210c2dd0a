import FleetSettings
import NIOSSL

/// Reads PEM certificates and keys, and checks a key belongs to its certificate, with errors that name the
/// setting: what servers and clients do at start, before anything listens or connects.
public enum PEMLoading {
    /// The certificates in the file at `path`: at least one, or an error naming `setting`.
    public static func certificates(_ path: String, setting: String) throws(ConfigError) -> [NIOSSLCertificate] {
        let certificates = try? NIOSSLCertificate.fromPEMFile(path)
        guard let certificates, !certificates.isEmpty else {
            throw ConfigError(setting: setting, expected: "a PEM file of certificates", got: path)
        }
        return certificates
    }

    /// The private key in the file at `path`, or an error naming `setting`.
    public static func privateKey(_ path: String, setting: String) throws(ConfigError) -> NIOSSLPrivateKey {
        guard let key = try? NIOSSLPrivateKey(file: path, format: .pem) else {
            throw ConfigError(setting: setting, expected: "a PEM private key (unencrypted)", got: path)
        }
        return key
    }

    /// Throws, naming `keySetting`, unless `key` is the private key of the first certificate of `chain`
    /// (BoringSSL checks the pair when a context takes them).
    public static func checkPair(
        chain: [NIOSSLCertificate], key: NIOSSLPrivateKey, keyPath: String, keySetting: String, certificateSetting: String
    ) throws(ConfigError) {
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        guard (try? NIOSSLContext(configuration: configuration)) != nil else {
            throw ConfigError(
                setting: keySetting, expected: "the private key of the certificate in \(certificateSetting)", got: keyPath)
        }
    }
}
