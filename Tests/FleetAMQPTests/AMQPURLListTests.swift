import Testing

@testable import FleetAMQP

@Suite struct AMQPURLListTests {
    @Test func oneURLIsAListOfOne() throws {
        let list = try AMQPURLList(parsing: "amqp://guest:guest@127.0.0.1:5672/%2f")
        #expect(list.urls == [AMQPURL()])
        #expect(list == AMQPURLList(AMQPURL()))
    }

    @Test func parsesACommaSeparatedListInOrder() throws {
        let list = try AMQPURLList(
            parsing: "amqp://u:p@127.0.0.1:5672/%2f, amqp://u:p@127.0.0.1:5673/%2f ,amqp://u:p@[::1]:5674/%2f")
        #expect(list.urls.map(\.port) == [5672, 5673, 5674])
        #expect(list.urls.map(\.host) == ["127.0.0.1", "127.0.0.1", "::1"])
        #expect(list.first.port == 5672)
        #expect(list.urls.allSatisfy { $0.user == "u" && $0.password == "p" && $0.vhost == "/" })
    }

    @Test func aPercentEncodedCommaStaysInThePassword() throws {
        let list = try AMQPURLList(parsing: "amqp://u:a%2cb@h1:5672/%2f,amqp://u:a%2cb@h2:5672/%2f")
        #expect(list.urls.map(\.password) == ["a,b", "a,b"])
        #expect(list.urls.map(\.host) == ["h1", "h2"])
    }

    @Test(arguments: [
        ("amqp://a:5672/%2f,", "URL 2 of 2: empty (two commas in a row, or a trailing comma?)"),
        ("amqp://a/%2f,,amqp://b/%2f", "URL 2 of 3: empty (two commas in a row, or a trailing comma?)"),
        (",amqp://a/%2f", "URL 1 of 2: empty (two commas in a row, or a trailing comma?)"),
    ])
    func rejectsEmptyEntries(text: String, reason: String) {
        #expect(throws: AMQPURLError(variable: "FLEETWATCH_AMQP_URL", value: text, reason: reason)) {
            try AMQPURLList(parsing: text)
        }
    }

    @Test func aMalformedEntryIsNamedByItsPosition() {
        let reason = "URL 2 of 2: port '99999' is not a number between 1 and 65535"
        #expect(throws: AMQPURLError(variable: "FLEETWATCH_AMQP_URL", value: "amqp://b:99999/", reason: reason)) {
            try AMQPURLList(parsing: "amqp://a/,amqp://b:99999/")
        }
        // A single URL keeps the error it always had.
        #expect(throws: AMQPURLError(variable: "FLEETWATCH_AMQP_URL", value: "x", reason: "missing the amqp:// scheme")) {
            try AMQPURLList(parsing: "x")
        }
    }

    @Test func errorsNeverShowAPassword() {
        #expect {
            _ = try AMQPURLList(parsing: "amqp://u:s3cret@a:5672/,amqp://u:s3cret@b:notaport/")
        } throws: { error in
            "\(error)".contains("amqp://u:***@b:notaport/") && !"\(error)".contains("s3cret")
        }
    }

    @Test func anEmptyEntryErrorMasksEveryPassword() {
        #expect {
            _ = try AMQPURLList(parsing: "amqp://u:s3cret@a/%2f,,amqp://u:s3cret@b/%2f")
        } throws: { error in
            "\(error)".contains("URL 2 of 3: empty") && !"\(error)".contains("s3cret")
        }
    }

    @Test func everyURLMustNameTheSameVhost() {
        #expect {
            _ = try AMQPURLList(parsing: "amqp://a/%2f,amqp://b/staging")
        } throws: { error in
            "\(error)".contains("every URL of the list must name the same vhost ('/' and 'staging')")
        }
    }

    @Test func environmentFallsBackToTheDefault() throws {
        #expect(try AMQPURLList.fromEnvironment([:]) == AMQPURLList(AMQPURL()))
        #expect(try AMQPURLList.fromEnvironment(["FLEETWATCH_AMQP_URL": ""]) == AMQPURLList(AMQPURL()))
        #expect(try AMQPURLList.fromEnvironment(["FLEETWATCH_AMQP_URL": "amqp://a,amqp://b"]).urls.count == 2)
    }

    @Test func descriptionMasksEveryPassword() throws {
        let list = try AMQPURLList(parsing: "amqp://u:secret@a:5672/%2f,amqp://u:secret@b:5673/%2f")
        #expect(list.description == "amqp://u:***@a:5672/%2f,amqp://u:***@b:5673/%2f")
    }

    @Test func aConfigurationOfOneURLHasOneNode() {
        var configuration = AMQPConfiguration(url: AMQPURL(port: 5673))
        #expect(configuration.nodes.urls == [AMQPURL(port: 5673)])
        configuration.nodes = AMQPURLList(AMQPURL(port: 1), [AMQPURL(port: 2)])
        #expect(configuration.url == AMQPURL(port: 1))
    }
}
