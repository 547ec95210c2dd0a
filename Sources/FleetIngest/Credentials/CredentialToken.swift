import Crypto
import Foundation

/// A per-machine credential: "fwm_" and 32 random bytes in unpadded base64url. The store keeps only `hash(of:)`.
public enum CredentialToken {
    /// Marks a credential apart from shared collector tokens in logs and in the edge's checks.
    public static let prefix = "fwm_"

    /// A new credential from `generator` (the system's, which reads the kernel's CSPRNG, outside tests).
    public static func generate<G: RandomNumberGenerator>(using generator: inout G) -> String {
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let base64 = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return prefix + base64
    }

    /// Lowercase hex SHA-256 of the credential string.
    public static func hash(of credential: String) -> String {
        SHA256.hash(data: Array(credential.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// Whether `text` has the shape of a credential (the prefix, then 43 base64url characters).
    public static func looksLikeCredential(_ text: String) -> Bool {
        guard text.hasPrefix(prefix) else { return false }
        let body = text.utf8.dropFirst(prefix.utf8.count)
        return body.count == 43
            && body.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == 0x2D || byte == 0x5F
            }
    }
}
