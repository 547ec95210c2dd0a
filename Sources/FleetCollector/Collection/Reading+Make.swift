import FleetProto

extension Fleetwatch_V1_Reading {
    /// A reading as the collector's sources make them: a key, a value and its labels.
    static func make(_ key: String, _ value: Double, _ labels: [String: String] = [:]) -> Fleetwatch_V1_Reading {
        var reading = Fleetwatch_V1_Reading()
        reading.key = key
        reading.value = value
        if !labels.isEmpty { reading.labels = labels }
        return reading
    }
}
