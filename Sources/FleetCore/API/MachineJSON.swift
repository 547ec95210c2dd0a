import FleetProto

/// A machine in the JSON shape of the REST API's machine object (docs/api.md, `GET /api/v1/machines`): `status` as
/// `stale`, summary values null until known. What only the live view knows (alert counts, `silent`, `synthetic`,
/// `refused_series`) is written when given: the CLI, which has the machine's gRPC form, leaves it out rather than
/// guess.
public struct MachineJSON: Encodable, Sendable {
    public var identity: Fleetwatch_V1_MachineIdentity
    public var status: MachineStatus?
    public var lastSeenMs: Int64
    public var summary: MachineSummary
    public var live: Live?

    public init(
        identity: Fleetwatch_V1_MachineIdentity, status: MachineStatus?, lastSeenMs: Int64, summary: MachineSummary,
        live: Live? = nil
    ) {
        self.identity = identity
        self.status = status
        self.lastSeenMs = lastSeenMs
        self.summary = summary
        self.live = live
    }

    public init(_ machine: Fleetwatch_V1_Machine) {
        self.init(
            identity: machine.identity, status: MachineStatus(machine.status), lastSeenMs: machine.lastSeenMs,
            summary: MachineSummary(machine.summary))
    }

    /// What the live view adds to a machine object.
    public struct Live: Sendable {
        public var alerts: AlertCounts
        /// Silent for `silent_after_s` or longer: left out of the dashboard's default view.
        public var silent: Bool
        /// Made up by `fleetwatch loadgen` or `fleetwatch probe` (`SyntheticMachine`): left out of the default view.
        public var synthetic: Bool
        /// Series of its newest batch refused over the per-machine series limit (FLEETWATCH_MAX_SERIES); 0: none.
        public var refusedSeries: Int

        public init(alerts: AlertCounts, silent: Bool, synthetic: Bool, refusedSeries: Int) {
            self.alerts = alerts
            self.silent = silent
            self.synthetic = synthetic
            self.refusedSeries = refusedSeries
        }
    }

    /// `"alerts": {"firing": 1, "pending": 0, "silenced": 0, "worst": "critical"}`: the machine's open alerts; those
    /// an active silence matches count as silenced only.
    public struct AlertCounts: Encodable, Sendable {
        public var firing: Int
        public var pending: Int
        /// Open alerts an active silence matches (in neither `firing` nor `pending`).
        public var silenced: Int
        /// The highest severity among the firing alerts; nil (null) when none fires.
        public var worst: Fleetwatch_V1_Severity?

        public init(firing: Int, pending: Int, silenced: Int = 0, worst: Fleetwatch_V1_Severity?) {
            self.firing = firing
            self.pending = pending
            self.silenced = silenced
            self.worst = worst
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(firing, forKey: .firing)
            try container.encode(pending, forKey: .pending)
            try container.encode(silenced, forKey: .silenced)
            try container.encode(worst.map(RuleMapping.severityName), forKey: .worst)
        }

        enum CodingKeys: String, CodingKey { case firing, pending, silenced, worst }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(identity.machineID, forKey: .machineID)
        try container.encode(identity.hostname, forKey: .hostname)
        try container.encode(identity.os, forKey: .os)
        try container.encode(identity.kernel, forKey: .kernel)
        try container.encode(Int(identity.cpuCores), forKey: .cores)
        try container.encode(identity.agentVersion, forKey: .agentVersion)
        try container.encode(identity.labels, forKey: .labels)
        try container.encode(status?.rawValue, forKey: .status)
        try container.encode(lastSeenMs, forKey: .lastSeenMs)
        try container.encode(summary, forKey: .summary)
        if let live {
            try container.encode(live.alerts, forKey: .alerts)
            try container.encode(live.silent, forKey: .silent)
            try container.encode(live.synthetic, forKey: .synthetic)
            try container.encode(live.refusedSeries, forKey: .refusedSeries)
        }
    }

    enum CodingKeys: String, CodingKey {
        case machineID = "machine_id"
        case hostname, os, kernel, cores
        case agentVersion = "agent_version"
        case labels, status
        case lastSeenMs = "last_seen_ms"
        case summary, alerts, silent, synthetic
        case refusedSeries = "refused_series"
    }
}
