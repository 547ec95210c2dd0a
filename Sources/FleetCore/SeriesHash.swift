import FleetProto

/// A 64-bit name for one series (metric or reading key plus labels), for `SeriesBudget`. Label order does not
/// matter (labels are a map), and nothing is allocated: no sorting, no joined string.
public enum SeriesHash {
    public static func of(_ name: String, _ labels: [String: String]) -> UInt64 {
        var hash = fnv(name.utf8, FNV.offset)
        for (key, value) in labels {
            var label = fnv(key.utf8, FNV.offset)
            label = fnv(CollectionOfOne(UInt8(0x1F)), label)
            label = fnv(value.utf8, label)
            hash &+= mix(label)
        }
        return mix(hash)
    }

    private enum FNV {
        static let offset: UInt64 = 0xcbf2_9ce4_8422_2325
        static let prime: UInt64 = 0x100_0000_01b3
    }

    private static func fnv(_ bytes: some Sequence<UInt8>, _ seed: UInt64) -> UInt64 {
        var hash = seed
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= FNV.prime
        }
        return hash
    }

    /// splitmix64's finalizer: spreads FNV's low-entropy high bits before label hashes are summed.
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Fleetwatch_V1_RawBatch {
    /// The series of each reading, in order.
    public var seriesHashes: [UInt64] { readings.map { SeriesHash.of($0.key, $0.labels) } }

    /// Removes the readings at `positions` (ascending, as `SeriesBudget.admit` returns them).
    public mutating func removeReadings(at positions: [Int]) {
        guard !positions.isEmpty else { return }
        let refused = Set(positions)
        readings = readings.enumerated().filter { !refused.contains($0.offset) }.map(\.element)
    }
}

extension Fleetwatch_V1_MetricBatch {
    /// The series of each sample, in order.
    public var seriesHashes: [UInt64] { samples.map { SeriesHash.of($0.name, $0.labels) } }

    /// Removes the samples at `positions` (ascending, as `SeriesBudget.admit` returns them).
    public mutating func removeSamples(at positions: [Int]) {
        guard !positions.isEmpty else { return }
        let refused = Set(positions)
        samples = samples.enumerated().filter { !refused.contains($0.offset) }.map(\.element)
    }
}
