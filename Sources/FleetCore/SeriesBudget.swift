/// The per-machine series limit (issue 12): how many distinct series one machine may have. A machine past it
/// could fill the database, the live view and every rule's state by itself (100,000 series in half a second were
/// once accepted whole). Series the machine already has always pass; new series past the limit are refused and
/// counted, the rest of their batch goes on.
///
/// Pure and clock-free: the caller passes each batch's time. A series counts while it was seen in the current or
/// the previous window (`windowMs`, an hour by default), so a machine whose series churn (containers come and go)
/// gets room back, without keeping a timestamp per series. Memory: two sets of 8-byte hashes per machine.
public struct SeriesBudget: Sendable {
    /// Series per machine, FLEETWATCH_MAX_SERIES.
    public let limit: Int
    public let windowMs: Int64

    struct Machine: Sendable {
        var current: Set<UInt64> = []
        var previous: Set<UInt64> = []
        /// Series of `previous` seen again in this window (so in both sets).
        var carried = 0
        var windowStartMs: Int64

        var count: Int { current.count + previous.count - carried }

        mutating func rotate(atMs: Int64, windowMs: Int64) {
            guard atMs - windowStartMs >= windowMs else { return }
            // Two windows or more without a batch: nothing is remembered.
            previous = atMs - windowStartMs >= 2 * windowMs ? [] : current
            current = []
            carried = 0
            windowStartMs = atMs
        }
    }

    private var machines: [String: Machine] = [:]
    private var lastSweepMs: Int64 = .min

    public static let defaultLimit = 5_000

    public init(limit: Int = SeriesBudget.defaultLimit, windowMs: Int64 = 3_600_000) {
        self.limit = max(1, limit)
        self.windowMs = max(1, windowMs)
    }

    /// Admits the series of one batch of `machine` at `atMs` (hashes from `SeriesHash`, in the batch's order);
    /// returns the positions refused: new series that would take the machine past `limit`.
    public mutating func admit(machine id: String, series: [UInt64], atMs: Int64) -> [Int] {
        sweep(atMs: atMs)
        var machine = machines.removeValue(forKey: id) ?? Machine(windowStartMs: atMs)
        machine.rotate(atMs: atMs, windowMs: windowMs)
        var refused: [Int] = []
        for (position, hash) in series.enumerated() where !machine.current.contains(hash) {
            if machine.previous.contains(hash) {
                machine.current.insert(hash)
                machine.carried += 1
            } else if machine.count < limit {
                machine.current.insert(hash)
            } else {
                refused.append(position)
            }
        }
        machines[id] = machine
        return refused
    }

    /// Distinct series `machine` has now (0 for one never seen).
    public func count(machine: String) -> Int { machines[machine]?.count ?? 0 }

    /// Machines silent for two windows are forgotten, at most once per window.
    private mutating func sweep(atMs: Int64) {
        guard lastSweepMs == .min || atMs - lastSweepMs >= windowMs else { return }
        lastSweepMs = atMs
        machines = machines.filter { atMs - $0.value.windowStartMs < 2 * windowMs }
    }
}
