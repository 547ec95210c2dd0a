import FleetPostgres
import Foundation
import Testing

/// The TLS part of FLEETWATCH_DATABASE_URL: libpq's sslmode names, sslrootcert, and what each mode checks.
@Suite struct PostgresTLSURLTests {
    let base = "postgres://fleetwatch@db.example.com:5432/fleetwatch"

    @Test func acceptsTheVerifyModes() throws {
        #expect(try PostgresStoreConfiguration(url: base + "?sslmode=verify-full").tls == .verifyFull)
        #expect(try PostgresStoreConfiguration(url: base + "?sslmode=verify-ca").tls == .verifyCA)
        #expect(try PostgresStoreConfiguration(url: base + "?sslmode=require").rootCertificate == nil)
    }

    @Test func refusesAnUnreadableRootCertificateNamingTheVariable() {
        #expect {
            try PostgresStoreConfiguration(url: base + "?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem")
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("FLEETWATCH_DATABASE_URL: ") && text.contains("sslrootcert must name a readable PEM file")
        }
    }

    @Test func namesTheModesForAnUnknownOne() {
        #expect {
            try PostgresStoreConfiguration(url: base + "?sslmode=bogus")
        } throws: { error in "\(error)".contains("sslmode must be disable, prefer, require, verify-ca or verify-full") }
    }

    @Test func onlyTheVerifyModesRecogniseARefusedCertificate() throws {
        struct Handshake: Error, CustomDebugStringConvertible {
            var debugDescription: String { "sslError: CERTIFICATE_VERIFY_FAILED" }
        }
        let full = try PostgresStoreConfiguration(url: base + "?sslmode=verify-full")
        #expect(
            full.certificateRejection(in: Handshake())
                == "FLEETWATCH_DATABASE_URL: PostgreSQL's certificate does not chain to the system trust roots or does not name db.example.com (sslmode=verify-full)")
        #expect(try PostgresStoreConfiguration(url: base + "?sslmode=require").certificateRejection(in: Handshake()) == nil)
        #expect(full.certificateRejection(in: CancellationError()) == nil)
    }
}
