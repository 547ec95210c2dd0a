import FleetCore
import Testing

@Suite struct LabelSetTests {
    @Test func sortsKeys() {
        #expect(LabelSet.key(["mount": "/", "fstype": "ext4"]) == "fstype=ext4,mount=/")
        #expect(LabelSet.key([:]) == "")
    }

    @Test(arguments: [
        ["a": "b"], ["mount": "/mnt/a,b=c"], ["x\\y": "z\\"], ["": ""], ["k": "", "j": "=,"],
    ])
    func roundTrips(_ labels: [String: String]) {
        #expect(LabelSet.parse(LabelSet.key(labels)) == labels)
    }
}
