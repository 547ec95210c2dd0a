import Foundation
import Testing

@testable import FleetAMQP

/// `amqps://` URLs: the TLS files from the query (RabbitMQ's URI names), port 5671 by default, errors that say
/// what is missing.
@Suite struct AMQPTLSURLTests {
    let file: String

    init() throws {
        file = NSTemporaryDirectory() + "amqps-\(UUID().uuidString).pem"
        try Data("-----BEGIN CERTIFICATE-----\n".utf8).write(to: URL(fileURLWithPath: file))
    }

    @Test func amqpsTakesItsFilesFromTheQueryAndPort5671() throws {
        let url = try AMQPURL(parsing: "amqps://u:p@rabbit.example.com/%2f?cacertfile=\(file)&certfile=\(file)&keyfile=\(file)")
        #expect(url.port == 5671)
        #expect(url.tls == AMQPTLS(caFile: file, certificateFile: file, keyFile: file))
        #expect(url.description == "amqps://u:***@rabbit.example.com:5671/%2f")
        #expect(try AMQPURL(parsing: "amqp://rabbit/?cacertfile=\(file)").tls == nil)
    }

    @Test(arguments: [
        ("?cacertfile=/nonexistent/ca.pem", "cacertfile '/nonexistent/ca.pem' is not a readable file"),
        ("?certfile=CA", "amqps needs ?cacertfile=/path/to/ca.pem (the CA of the broker's certificate)"),
    ])
    func refusesUnusableTLSFiles(query: String, reason: String) {
        let text = "amqps://rabbit/" + query.replacingOccurrences(of: "CA", with: file)
        #expect(throws: AMQPURLError(variable: "FLEETWATCH_AMQP_URL", value: text, reason: reason)) {
            try AMQPURL(parsing: text)
        }
    }

    @Test func aClientCertificateNeedsItsKey() {
        let text = "amqps://rabbit/?cacertfile=\(file)&certfile=\(file)"
        #expect(throws: AMQPURLError(variable: "FLEETWATCH_AMQP_URL", value: text, reason: "certfile and keyfile go together")) {
            try AMQPURL(parsing: text)
        }
    }
}
