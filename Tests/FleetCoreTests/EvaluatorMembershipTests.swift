import FleetCore
import Testing

@Suite struct EvaluatorMembershipTests {
    @Test func liveMembersAreThoseHeardWithinTheTTLAndAlwaysMe() {
        var membership = EvaluatorMembership(me: "b", ttlMs: 5_000)
        #expect(membership.live(nowMs: 0) == ["b"])
        membership.heard("c", atMs: 1_000)
        membership.heard("a", atMs: 4_000)
        #expect(membership.live(nowMs: 5_000) == ["a", "b", "c"])
        // c fell silent: gone after the TTL; an old heartbeat arriving late does not bring it back.
        #expect(membership.live(nowMs: 6_001) == ["a", "b"])
        membership.heard("a", atMs: 2_000)
        #expect(membership.live(nowMs: 8_500) == ["a", "b"])
        #expect(membership.live(nowMs: 9_001) == ["b"])
    }

    @Test func partitionsAreSharedRoundRobinOverTheSortedMembers() {
        let two = (0..<4).map { EvaluatorMembership.owner(of: $0, among: ["alert-1", "alert-2"]) }
        #expect(two == ["alert-1", "alert-2", "alert-1", "alert-2"])
        let three = (0..<4).compactMap { EvaluatorMembership.owner(of: $0, among: ["a", "b", "c"]) }
        #expect(Dictionary(grouping: three, by: { $0 }).mapValues(\.count) == ["a": 2, "b": 1, "c": 1])
        #expect(EvaluatorMembership.owner(of: 0, among: []) == nil)
    }
}
