import FleetCore
import Testing

@testable import FleetAlerts

/// `inhibit_rules:` in the notify config file.
@Suite struct InhibitRulesConfigTests {
    let base = """
        route: {receiver: ops}
        receivers: [{name: ops}]

        """

    @Test func rulesReadAsWritten() throws {
        let configuration = try NotifyConfigFile.parse(
            base + """
                inhibit_rules:
                  - source_matchers: ['rule="machine down"']
                    target_matchers: [severity=~warning|info, rule!=machine down]
                    equal: [machine]
                  - source_matchers: [severity=critical]
                    target_matchers: [severity=warning]
                """, file: "notify.yaml")
        #expect(configuration.inhibitRules.count == 2)
        let first = try #require(configuration.inhibitRules.first)
        #expect(first.sourceMatchers == [try LabelMatcher(name: "rule", op: .equal, value: "machine down")])
        #expect(first.targetMatchers.map(\.op) == [.matchesRegex, .notEqual])
        #expect(first.equal == ["machine"])
        #expect(configuration.inhibitRules[1].equal.isEmpty)
        #expect(first.isSource(["rule": "machine down"]) && first.isTarget(["severity": "info", "rule": "disk full"]))
    }

    @Test func noRulesMeansNoInhibition() throws {
        #expect(try NotifyConfigFile.parse(base, file: "notify.yaml").inhibitRules.isEmpty)
        #expect(try NotifyConfigFile.parse(base + "inhibit_rules: []\n", file: "notify.yaml").inhibitRules.isEmpty)
    }

    /// Each broken rule stops the start naming the file, the path, the line and the problem.
    @Test(arguments: [
        ("inhibit_rules: [{target_matchers: [a=b]}]", "inhibit_rules[0].source_matchers", "is required", 3),
        ("inhibit_rules: [{source_matchers: [a=b]}]", "inhibit_rules[0].target_matchers", "is required", 3),
        (
            "inhibit_rules: [{source_matchers: [], target_matchers: [a=b]}]", "inhibit_rules[0].source_matchers",
            "at least one", 3
        ),
        (
            "inhibit_rules:\n  - source_matchers: [a=b]\n    target_matchers: [c=~(]",
            "inhibit_rules[0].target_matchers[0]", "does not compile", 5
        ),
        (
            "inhibit_rules:\n  - source_matchers: [a~b]\n    target_matchers: [c=d]",
            "inhibit_rules[0].source_matchers[0]", "needs an operator", 4
        ),
        (
            "inhibit_rules: [{source_matchers: [a=b], target_matchers: [c=d], equal: ['']}]",
            "inhibit_rules[0].equal[0]", "cannot be empty", 3
        ),
        (
            "inhibit_rules: [{source_matchers: [a=b], target_matchers: [c=d], equals: [x]}]",
            "inhibit_rules[0].equals", "unknown key", 3
        ),
        ("inhibit_rules: {source_matchers: [a=b]}", "inhibit_rules", "expected a list", 3),
    ])
    func brokenRulesAreRefused(yaml: String, path: String, problem: String, line: Int) {
        do {
            _ = try NotifyConfigFile.parse(base + yaml, file: "/etc/fleetwatch/notify.yaml")
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect(error.path == path, "\(error)")
            #expect(error.problem.contains(problem), "\(error)")
            #expect(error.line == line, "\(error)")
            #expect("\(error)".hasPrefix("notify config /etc/fleetwatch/notify.yaml: \(path) (line \(line))"), "\(error)")
        }
    }
}
