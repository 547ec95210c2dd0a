import Foundation
import Testing

@testable import FleetStore

@Suite struct ResolutionPolicyTests {
    let policy = ResolutionPolicy()
    let now = Date(timeIntervalSince1970: 1_795_000_000)

    private func plan(range: TimeInterval, step: Duration? = nil, endingAgo: TimeInterval = 0) -> ResolutionPolicy.Plan {
        let to = now.addingTimeInterval(-endingAgo)
        return policy.plan(from: to.addingTimeInterval(-range), to: to, step: step, now: now)
    }

    @Test func shortRangesReadRawPoints() {
        #expect(plan(range: 600) == .init(resolution: .raw, step: nil))
        #expect(plan(range: 3600) == .init(resolution: .raw, step: .seconds(5)))
    }

    @Test func dayRangesReadMinuteRollupsInWholeMinutes() {
        // 24 h / 720 points = 120 s: two-minute buckets.
        #expect(plan(range: 86_400) == .init(resolution: .minute, step: .seconds(120)))
    }

    @Test func longRangesReadHourRollupsOnceBucketsReachAnHour() {
        // 7 days / 720 = 14 min buckets: minute rollups; 30 days / 720 = one hour: hour rollups.
        #expect(plan(range: 7 * 86_400) == .init(resolution: .minute, step: .seconds(840)))
        #expect(plan(range: 30 * 86_400) == .init(resolution: .hour, step: .seconds(3600)))
        #expect(plan(range: 60 * 86_400) == .init(resolution: .hour, step: .seconds(7200)))
        #expect(plan(range: 365 * 86_400) == .init(resolution: .hour, step: .seconds(46_800)))
    }

    @Test func anExplicitStepPicksTheCoarsestResolutionThatFits() {
        #expect(plan(range: 600, step: .seconds(10)) == .init(resolution: .raw, step: .seconds(10)))
        #expect(plan(range: 600, step: .seconds(60)) == .init(resolution: .minute, step: .seconds(60)))
        #expect(plan(range: 600, step: .seconds(90)) == .init(resolution: .minute, step: .seconds(120)))
        #expect(plan(range: 7200, step: .seconds(3600)) == .init(resolution: .hour, step: .seconds(3600)))
    }

    @Test func rangesOlderThanARetentionUseTheNextRollup() {
        // A short range 40 days ago: raw partitions are gone (30 days), the 1-minute rollup answers.
        #expect(plan(range: 600, endingAgo: 40 * 86_400).resolution == .minute)
        // 100 days ago: past the 1-minute retention (90 days) too.
        #expect(plan(range: 600, endingAgo: 100 * 86_400).resolution == .hour)
    }

    @Test func emptyOrReversedRangesStillPlan() {
        #expect(policy.plan(from: now, to: now, step: nil, now: now) == .init(resolution: .raw, step: nil))
        #expect(policy.plan(from: now, to: now.addingTimeInterval(-60), step: nil, now: now).resolution == .raw)
    }
}
