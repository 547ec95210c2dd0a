/// The bounds the edge enforces on what a collector sends (documented in docs/operations.md), and that every
/// consumer of fleet.metrics enforces again at its own boundary (`Fleetwatch_V1_MetricBatch.validate`): anyone
/// with broker access can publish there. Anything outside them is refused with a precise message.
public struct BatchLimits: Sendable, Equatable {
    public var maxReadings = 10_000
    public var maxLabelsPerReading = 16
    public var maxKeyLength = 128
    public var maxLabelNameLength = 64
    public var maxLabelValueLength = 256
    public var maxIdentityLabels = 32
    /// Bytes (UTF-8) of `identity.hostname`: a fully qualified DNS name is at most 253.
    public var maxHostnameLength = 253
    /// Bytes of `identity.os` (the os-release PRETTY_NAME).
    public var maxOSLength = 128
    /// Bytes of `identity.kernel` (Linux caps the release string at 64).
    public var maxKernelLength = 128
    /// Bytes of `identity.agent_version`.
    public var maxAgentVersionLength = 64
    /// `identity.cpu_cores`, from 0 (unknown) up to this.
    public var maxCPUCores: Int32 = 65_536
    /// Entries per ranking of a process snapshot: at most this many by CPU and this many by memory (the
    /// collector's `FLEETWATCH_TOP_PROCESSES` goes up to the same 100).
    public var maxProcesses = 100
    /// Bytes of a process's `name` (the kernel's comm is at most 15; room for a command line's first word).
    public var maxProcessNameLength = 256
    /// Bytes of a process's `user` (Linux user names are at most 32).
    public var maxProcessUserLength = 64
    /// How far ahead of the checker's clock (the edge's, or a consumer's) a batch may be stamped.
    public var maxFutureSkewMs: Int64 = 5 * 60 * 1000
    /// Distinct series one machine may have (`SeriesBudget`): new series past it are refused and counted, at the
    /// edge (the collector's ack says how many) and again by the persister and the live view.
    public var maxSeriesPerMachine = SeriesBudget.defaultLimit
    /// How old a batch may be (a collector backfilling after an outage); older data is past raw retention.
    public var maxAgeMs: Int64 = 30 * 24 * 3600 * 1000

    public init() {}

    public static let standard = BatchLimits()
}
