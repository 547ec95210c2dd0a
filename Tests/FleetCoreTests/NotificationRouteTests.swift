import FleetCore
import Testing

@Suite struct NotificationRouteTests {
    func matchers(_ texts: String...) throws -> [LabelMatcher] { try texts.map(LabelMatcher.init(parsing:)) }

    @Test func theRootMatchesEverythingAndChildrenInheritWhatTheyLeaveUnset() throws {
        let root = NotificationRoute(
            root: .init(
                matchers: try matchers("severity=never"), receiver: "ops", groupBy: .labels(["rule"]),
                groupWait: .seconds(1), groupInterval: .seconds(2), repeatInterval: .seconds(3),
                routes: [.init(matchers: try matchers("severity=critical"), receiver: "pager", groupWait: .seconds(9))]))
        let fallback = root.matchingRoutes(["severity": "warning"])
        #expect(fallback.map(\.id) == ["root"])
        #expect(fallback.first?.receiver == "ops")

        let critical = try #require(root.matchingRoutes(["severity": "critical"]).first)
        #expect(critical.id == "root/0")
        #expect(critical.receiver == "pager")
        #expect(critical.grouping == .labels(["rule"]))
        #expect(critical.groupWait == .seconds(9))
        #expect(critical.groupInterval == .seconds(2))
        #expect(critical.repeatInterval == .seconds(3))
    }

    @Test func theFirstMatchingChildWinsUnlessItContinues() throws {
        let spec = NotificationRoute.Spec(
            receiver: "default",
            routes: [
                .init(matchers: try matchers("env=prod"), receiver: "prod"),
                .init(matchers: try matchers("severity=critical"), receiver: "pager"),
            ])
        let stopping = NotificationRoute(root: spec)
        #expect(stopping.matchingRoutes(["env": "prod", "severity": "critical"]).map(\.receiver) == ["prod"])
        #expect(stopping.matchingRoutes(["env": "dev", "severity": "critical"]).map(\.receiver) == ["pager"])

        var continuing = spec
        continuing.routes[0].continues = true
        #expect(
            NotificationRoute(root: continuing).matchingRoutes(["env": "prod", "severity": "critical"]).map(\.receiver)
                == ["prod", "pager"])
    }

    @Test func nestedRoutesMatchDepthFirstAndFallBackToTheirParent() throws {
        let root = NotificationRoute(
            root: .init(
                receiver: "default",
                routes: [
                    .init(
                        matchers: try matchers("team=db"), receiver: "db",
                        routes: [.init(matchers: try matchers("severity=critical"), receiver: "db-pager")])
                ]))
        #expect(root.matchingRoutes(["team": "db", "severity": "critical"]).map(\.id) == ["root/0/0"])
        #expect(root.matchingRoutes(["team": "db", "severity": "info"]).map(\.id) == ["root/0"])
        #expect(root.matchingRoutes(["team": "web"]).map(\.id) == ["root"])
        #expect(root.allRoutes.map(\.id) == ["root", "root/0", "root/0/0"])
    }

    @Test func groupLabelsAreTheGroupByLabelsOrAllOfThem() {
        let labels = ["rule": "cpu high", "machine": "web-1", "cpu": "total"]
        let byRule = NotificationRoute(root: .init(groupBy: .labels(["rule", "env"])))
        #expect(byRule.groupLabels(of: labels) == ["rule": "cpu high", "env": ""])
        #expect(NotificationRoute(root: .init(groupBy: .all)).groupLabels(of: labels) == labels)
        #expect(NotificationRoute(root: .init()).groupLabels(of: labels) == [:])
    }

    @Test func intervalsTooShortToBeACadenceAreRaised() {
        let root = NotificationRoute(root: .init(groupInterval: .zero, repeatInterval: .milliseconds(1)))
        #expect(root.groupInterval == NotificationRoute.minimumGroupInterval)
        #expect(root.repeatInterval == NotificationRoute.minimumGroupInterval)
    }
}
