import FleetCore

/// A seeded, reproducible random source for the fuzz harness (FleetCore's SplitMix64): the same seed gives the
/// same inputs on every platform and Swift version, which `SystemRandomNumberGenerator` cannot promise.
struct FuzzRandom: RandomNumberGenerator {
    private var generator: SplitMix64

    init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    /// The generator of case `index` of a run seeded with `seed`: each case can be replayed on its own.
    init(seed: UInt64, case index: Int) {
        var mixer = SplitMix64(seed: seed ^ (UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15))
        generator = SplitMix64(seed: mixer.next())
    }

    mutating func next() -> UInt64 { generator.next() }

    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }

    mutating func pick<T>(_ choices: [T]) -> T { choices.randomElement(using: &self)! }
}
