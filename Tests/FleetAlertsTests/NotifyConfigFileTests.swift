import FleetCore
import Foundation
import Testing

@testable import FleetAlerts

@Suite struct NotifyConfigFileTests {
    let example = """
        route:
          receiver: ops
          group_by: [rule]
          group_wait: 1s
          group_interval: 2s
          repeat_interval: 1h
          routes:
            - matchers: ['severity="critical"', 'machine=~web-.*']
              receiver: pager
              continue: true
            - matchers: [env!=prod]
              receiver: mail
              group_by: ['...']
        receivers:
          - name: ops
            webhooks: [{url: 'http://127.0.0.1:9/hook'}]
          - name: pager
            slack:
              - url: https://hooks.example.com/T0/B0/x
                channel: '#pager'
            templates:
              title: '{{status}} {{rule}}'
          - name: mail
            email:
              - to: [a@example.com, b@example.com]
                from: fleetwatch@example.com
                smarthost: 127.0.0.1:2525
        templates:
          body: '{{#alerts}}{{machine}} {{/alerts}}'
        """

    @Test func theExampleReadsAsWritten() throws {
        let configuration = try NotifyConfigFile.parse(example, file: "notify.yaml")
        let route = configuration.route
        #expect(route.receiver == "ops")
        #expect(route.grouping == .labels(["rule"]))
        #expect(route.groupWait == .seconds(1) && route.groupInterval == .seconds(2) && route.repeatInterval == .seconds(3600))
        #expect(route.routes.map(\.receiver) == ["pager", "mail"])
        #expect(route.routes[0].continues && route.routes[0].matchers.count == 2)
        #expect(route.routes[1].grouping == .all)
        #expect(route.routes[1].groupWait == .seconds(1))
        #expect(
            route.matchingRoutes(["severity": "critical", "machine": "web-1", "env": "dev"]).map(\.receiver)
                == ["pager", "mail"])
        #expect(configuration.receivers["ops"]?.webhooks.map(\.absoluteString) == ["http://127.0.0.1:9/hook"])
        #expect(configuration.receivers["pager"]?.slack == [.init(url: URL(string: "https://hooks.example.com/T0/B0/x")!, channel: "#pager")])
        #expect(
            configuration.receivers["mail"]?.email
                == [.init(to: ["a@example.com", "b@example.com"], from: "fleetwatch@example.com", host: "127.0.0.1", port: 2525)])
        #expect(configuration.templates(of: "pager").titleSource == "{{status}} {{rule}}")
        #expect(configuration.templates(of: "ops").bodySource == "{{#alerts}}{{machine}} {{/alerts}}")
        #expect(configuration.templates(of: "ops").titleSource == NotificationTemplates.defaultTitle)
    }

    /// The smarthost is read by the one `host:port` parser (HostPort.split): an IPv6 host loses its brackets, so
    /// the SMTP client connects to ::1 rather than looking up the name "[::1]".
    @Test func anIPv6SmarthostIsUnbracketed() throws {
        let yaml = "route: {receiver: ops}\nreceivers: [{name: ops, email: [{to: x@y, from: a@b, smarthost: '[::1]:25'}]}]"
        let configuration = try NotifyConfigFile.parse(yaml, file: "notify.yaml")
        #expect(configuration.receivers["ops"]?.email == [.init(to: ["x@y"], from: "a@b", host: "::1", port: 25)])
    }

    /// Each broken file is refused naming the file, the place in it and the problem.
    @Test(arguments: [
        ("route: {receiver: ops}\nreceivers: [{name: ops}]\nextra: 1", "extra", "unknown key 'extra'"),
        ("route: {receiver: nobody}\nreceivers: [{name: ops}]", "route.receiver", "unknown receiver 'nobody'"),
        ("route: {receiver: ops, routes: [{receiver: gone}]}\nreceivers: [{name: ops}]", "route.routes[0].receiver", "unknown receiver 'gone'"),
        ("route: {receiver: ops, group_wait: soon}\nreceivers: [{name: ops}]", "route.group_wait", "expected a duration"),
        ("route: {receiver: ops, group_interval: 30}\nreceivers: [{name: ops}]", "route.group_interval", "with a unit"),
        ("route: {receiver: ops, routes: [{matchers: ['sev~x']}]}\nreceivers: [{name: ops}]", "route.routes[0].matchers[0]", "needs an operator"),
        ("route: {receiver: ops, routes: [{matchers: ['a=~(']}]}\nreceivers: [{name: ops}]", "route.routes[0].matchers[0]", "does not compile"),
        ("route: {receiver: ops, routes: [{continue: maybe}]}\nreceivers: [{name: ops}]", "route.routes[0].continue", "true or false"),
        ("route: {receiver: ops, matchers: [a=b]}\nreceivers: [{name: ops}]", "route.matchers", "unknown key 'matchers'"),
        ("route: {receiver: ops}\nreceivers: [{name: ops, webhooks: [{url: 'ftp://x'}]}]", "receivers[0].webhooks[0].url", "http(s) URL"),
        ("route: {receiver: ops}\nreceivers: [{name: ops, webhooks: [{uri: 'http://x'}]}]", "receivers[0].webhooks[0].uri", "unknown key"),
        ("route: {receiver: ops}\nreceivers: [{name: ops, email: [{to: x, from: a@b, smarthost: 'h:25'}]}]", "receivers[0].email[0].to", "an address"),
        ("route: {receiver: ops}\nreceivers: [{name: ops, email: [{to: x@y, from: a@b, smarthost: h}]}]", "receivers[0].email[0].smarthost", "host:port"),
        ("route: {receiver: ops}\nreceivers: [{name: ops, email: [{to: x@y, from: a@b, smarthost: '[::1:25'}]}]", "receivers[0].email[0].smarthost", "host:port"),
        ("route: {receiver: ops}\nreceivers: [{name: ops}, {name: ops}]", "receivers[1].name", "defined twice"),
        ("route: {receiver: ops}\nreceivers: [{name: ops}]\ntemplates: {title: '{{#open}}'}", "templates.title", "not a valid Mustache template"),
        ("route: {receiver: ops}\nreceivers: [{name: ops, templates: {body: '{{> other}}'}}]", "receivers[0].templates.body", "not supported"),
        ("route: {group_by: [rule]}\nreceivers: [{name: ops}]", "route.receiver", "is required"),
        ("receivers: [{name: ops}]", "route", "is required"),
        ("route: [1, 2", "", "not valid YAML"),
        ("", "", "is empty"),
    ])
    func problemsStopTheStartNamingWhereAndWhat(yaml: String, path: String, problem: String) {
        do {
            _ = try NotifyConfigFile.parse(yaml, file: "/etc/fleetwatch/notify.yaml")
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect(error.path == path, "\(error)")
            #expect(error.problem.contains(problem), "\(error)")
            #expect("\(error)".hasPrefix("notify config /etc/fleetwatch/notify.yaml:"), "\(error)")
        }
    }

    @Test func aMissingFileIsNamed() {
        #expect(throws: NotifyConfigError.self) { try NotifyConfigFile.load(path: "/nonexistent/notify.yaml") }
    }

    @Test func webhookURLsAreAShorthandForOneReceiverOfEveryAlertAlone() throws {
        let configuration = try #require(NotifyConfiguration.webhooks([URL(string: "http://127.0.0.1:9/a")!]))
        #expect(configuration.route.receiver == "webhook")
        #expect(configuration.route.grouping == .all)
        #expect(configuration.route.groupWait == .zero)
        #expect(NotifyConfiguration.webhooks([]) == nil)
    }
}

/// deploy/notify.example.yaml, which the docs point to, reads without a problem.
@Suite struct NotifyConfigExampleTests {
    @Test func theShippedExampleIsValid() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("deploy/notify.example.yaml").path
        let configuration = try NotifyConfigFile.load(path: path)
        #expect(configuration.route.routes.map(\.receiver) == ["pager", "dba-mail"])
        #expect(configuration.receivers.keys.sorted() == ["dba-mail", "ops", "pager"])
        #expect(
            configuration.route.matchingRoutes(["severity": "critical", "machine": "db-1", "rule": "disk"]).map(\.receiver)
                == ["pager", "dba-mail"])
    }
}
