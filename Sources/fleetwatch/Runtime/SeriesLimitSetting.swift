import FleetCore
import FleetSettings

/// FLEETWATCH_MAX_SERIES: the per-machine series limit (`BatchLimits.maxSeriesPerMachine`, default 5,000) that the
/// edge, the persister and the live view enforce. Set the same value on every process.
func batchLimits() throws -> BatchLimits {
    var limits = BatchLimits.standard
    limits.maxSeriesPerMachine = try Setting.integer(
        Setting.value(nil, env: "FLEETWATCH_MAX_SERIES", default: String(SeriesBudget.defaultLimit)),
        setting: "FLEETWATCH_MAX_SERIES", in: 1...1_000_000)
    return limits
}

/// A live view holding at most FLEETWATCH_MAX_SERIES series per machine.
func liveCache() throws -> LastValueCache {
    LastValueCache(maxSeriesPerMachine: try batchLimits().maxSeriesPerMachine)
}
