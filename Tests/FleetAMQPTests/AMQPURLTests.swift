import Testing

@testable import FleetAMQP

@Suite struct AMQPURLTests {
    @Test func parsesTheDefaultURL() throws {
        let url = try AMQPURL(parsing: "amqp://guest:guest@127.0.0.1:5672/%2f")
        #expect(url == AMQPURL(user: "guest", password: "guest", host: "127.0.0.1", port: 5672, vhost: "/"))
    }

    @Test func decodesUserPasswordAndVhost() throws {
        let url = try AMQPURL(parsing: "amqp://fleet%40ops:p%3Ass%2Fw@broker.example:5673/fleet%2Fprod")
        #expect(url.user == "fleet@ops")
        #expect(url.password == "p:ss/w")
        #expect(url.host == "broker.example")
        #expect(url.port == 5673)
        #expect(url.vhost == "fleet/prod")
    }

    @Test func appliesDefaults() throws {
        let url = try AMQPURL(parsing: "amqp://rabbit")
        #expect(url == AMQPURL(host: "rabbit"))
        #expect(try AMQPURL(parsing: "amqp://rabbit/").vhost == "/")
        #expect(try AMQPURL(parsing: "amqp://rabbit/?heartbeat=10").vhost == "/")
        #expect(try AMQPURL(parsing: "amqp://u:p@rabbit/staging").vhost == "staging")
    }

    @Test func parsesIPv6Hosts() throws {
        let url = try AMQPURL(parsing: "amqp://[::1]:5672/%2f")
        #expect(url.host == "::1")
        #expect(url.port == 5672)
    }

    @Test(arguments: [
        ("x", "missing the amqp:// scheme"),
        ("http://host/", "unsupported scheme 'http'"),
        ("amqps://host/", "amqps needs ?cacertfile=/path/to/ca.pem (the CA of the broker's certificate)"),
        ("amqp://", "missing host"),
        ("amqp://host:notaport/", "port 'notaport' is not a number between 1 and 65535"),
        ("amqp://host:70000/", "port '70000' is not a number between 1 and 65535"),
        ("amqp://host/a/b", "a '/' in the vhost must be written %2f"),
        ("amqp://us%zzer:p@host/", "invalid percent-encoding in the user"),
    ])
    func rejectsMalformedURLs(text: String, reason: String) {
        #expect(throws: AMQPURLError(variable: "FLEETWATCH_AMQP_URL", value: text, reason: reason)) {
            try AMQPURL(parsing: text)
        }
    }

    @Test func errorsNeverShowThePassword() {
        #expect {
            _ = try AMQPURL(parsing: "amqp://fleet:s3cret@host:99999/")
        } throws: { error in
            "\(error)".contains("amqp://fleet:***@host:99999/") && !"\(error)".contains("s3cret")
        }
    }

    @Test func errorNamesTheVariableAndTheExpectedForm() {
        do {
            _ = try AMQPURL.fromEnvironment(["FLEETWATCH_AMQP_URL": "x"])
            Issue.record("expected an error")
        } catch {
            #expect(
                error.description
                    == "FLEETWATCH_AMQP_URL: expected amqp://user:pass@host:port/vhost (e.g. amqp://guest:guest@127.0.0.1:5672/%2f), got 'x': missing the amqp:// scheme"
            )
        }
    }

    @Test func environmentFallsBackToTheDefault() throws {
        #expect(try AMQPURL.fromEnvironment([:]) == AMQPURL())
        #expect(try AMQPURL.fromEnvironment(["FLEETWATCH_AMQP_URL": ""]) == AMQPURL())
        #expect(try AMQPURL.fromEnvironment(["FLEETWATCH_AMQP_URL": "amqp://a:b@h:1/v"]).host == "h")
    }

    @Test func descriptionMasksThePassword() {
        let url = AMQPURL(user: "guest", password: "secret", host: "127.0.0.1", port: 5672, vhost: "/")
        #expect(url.description == "amqp://guest:***@127.0.0.1:5672/%2f")
    }
}
