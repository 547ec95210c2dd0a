import FleetProto
import Foundation

/// Where metric history lives: what the persister writes and what the gateway reads.
/// Implemented over PostgreSQL (`PostgresMetricStore`) and, for the hub, SQLite; the protocol carries
/// no database types so every caller works against either.
public protocol MetricStore: Sendable {
    /// Creates or upgrades the schema; safe to call from several replicas at once.
    func migrate() async throws

    /// Writes the samples (one row per machine tick, `MachineTick`), machine identities, process snapshots and
    /// sequence accounting of `batches` atomically. Idempotent: persisting a batch again changes nothing.
    /// Rollups follow in `rollUp(now:)`; history answers from raw ticks until then.
    func persist(_ batches: [Fleetwatch_V1_MetricBatch]) async throws -> PersistResult

    /// Aggregates every closed 1-minute bucket with new or late raw data into `samples_1m`, and every closed
    /// hour with recomputed minutes into `samples_1h` (`RollupPolicy`). Each bucket is recomputed from the tier
    /// below (replacing, never adding), so a redelivery or a late sample cannot count twice. Safe to call from
    /// several processes at once; the persister runs it every few seconds.
    @discardableResult
    func rollUp(now: Date) async throws -> RollupReport

    /// Drops raw samples and rollups older than their retention, relative to `now`; rolls up first, so no raw
    /// data leaves before its rollups exist.
    @discardableResult
    func applyRetention(now: Date) async throws -> RetentionReport

    /// The newest value of every series of `machine` (nil-free: series without recent data are absent).
    func latest(machine: String) async throws -> [LatestSample]

    /// The history of one series between `from` and `to`, bucketed by `step` (nil: about
    /// `ResolutionPolicy.maxPoints` buckets), read from raw samples or a rollup as `ResolutionPolicy` decides.
    func history(
        machine: String, metric: String, labels: [String: String], from: Date, to: Date, step: Duration?
    ) async throws -> MetricHistory

    /// Every machine ever seen, with its latest identity, except those retired and silent since.
    func machines() async throws -> [MachineRecord]

    /// Retires `machine` at `at`: `machines()` leaves it out until it reports a batch received after `at`. Its
    /// history stays. False when no such machine was ever seen.
    func retire(machine: String, at: Date) async throws -> Bool

    /// The most recent process snapshot of `machine`, if any was persisted.
    func latestProcesses(machine: String) async throws -> Fleetwatch_V1_ProcessSnapshot?

    /// How many distinct batch sequence numbers of `machine` were persisted, to prove nothing was lost
    /// or duplicated end to end.
    func sequenceAccounting(machine: String) async throws -> SequenceAccounting
}
