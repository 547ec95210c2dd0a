import Testing

@testable import FleetAMQP

@Suite struct AMQPNodeRotationTests {
    private let cluster = AMQPURLList(AMQPURL(port: 5672), [AMQPURL(port: 5673), AMQPURL(port: 5674)])

    @Test func advancesThroughEveryNodeAndWrapsAround() {
        var rotation = AMQPNodeRotation(nodes: cluster)
        var ports: [Int] = []
        for _ in 0..<7 {
            ports.append(rotation.current.port)
            rotation.advance()
        }
        #expect(ports == [5672, 5673, 5674, 5672, 5673, 5674, 5672])
    }

    @Test(arguments: [(0, 5672), (1, 5673), (2, 5674), (3, 5672), (7, 5673), (-1, 5674)])
    func startsAtTheGivenNodeModuloTheCount(start: Int, port: Int) {
        #expect(AMQPNodeRotation(nodes: cluster, start: start).current.port == port)
    }

    @Test func connectionsOfOneBusSpreadOverTheNodes() {
        // The publisher starts at 0, consumers at 1, 2, …: three connections use three nodes.
        let firsts = (0..<3).map { AMQPNodeRotation(nodes: cluster, start: $0).current.port }
        #expect(Set(firsts).count == 3)
    }

    @Test func aSingleNodeStaysCurrent() {
        var rotation = AMQPNodeRotation(nodes: AMQPURLList(AMQPURL(port: 5680)), start: 5)
        rotation.advance()
        rotation.advance()
        #expect(rotation.current.port == 5680)
        #expect(rotation.position == "")
    }

    @Test func positionNamesTheNodeForLogs() {
        var rotation = AMQPNodeRotation(nodes: cluster)
        #expect(rotation.position == " (node 1 of 3)")
        rotation.advance()
        #expect(rotation.position == " (node 2 of 3)")
    }
}
