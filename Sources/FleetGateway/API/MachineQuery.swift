import FleetCore
import FleetFanout

/// The filters and page of GET /api/v1/machines (docs/api.md): `q`, `status`, `alerting`, `label`, `silent`,
/// `synthetic`, `limit`, `offset`. Without parameters every machine is listed, as before the filters existed;
/// the dashboard asks for `silent=hide&synthetic=hide` itself. Parsing and matching are pure, so every rule
/// about bad input is unit-tested without a server.
public struct MachineQuery: Sendable, Equatable {
    /// Whether machines of a kind (silent, synthetic) are shown, left out, or the only ones shown.
    public enum Visibility: String, Sendable, Equatable, CaseIterable {
        case show, hide, only

        func admits(_ isOfKind: Bool) -> Bool {
            switch self {
            case .show: true
            case .hide: !isOfKind
            case .only: isOfKind
            }
        }
    }

    /// `key=value` (that value) or `key` (any value) on the machine's identity labels.
    public struct LabelMatch: Sendable, Equatable {
        public var name: String
        public var value: String?

        func matches(_ labels: [String: String]) -> Bool {
            guard let actual = labels[name] else { return false }
            return value.map { $0 == actual } ?? true
        }
    }

    /// Lowercased; matched as a substring of the hostname or the machine id.
    public var text: String?
    /// Empty: any status.
    public var statuses: Set<MachineStatus> = []
    /// True: with firing or pending alerts; false: with none; nil: either.
    public var alerting: Bool?
    /// All must match.
    public var labels: [LabelMatch] = []
    public var silent: Visibility = .show
    public var synthetic: Visibility = .show
    public var limit: Int?
    public var offset = 0

    public static let maxLimit = 10_000

    public init() {}

    /// - Parameter values: every value given for a query parameter name (empty when absent).
    public static func parse(_ values: (String) -> [String]) throws(APIError) -> MachineQuery {
        func single(_ name: String) throws(APIError) -> String? {
            let given = values(name)
            guard given.count <= 1 else { throw .badParameter(name, "\(name) may be given once") }
            return given.first.flatMap { $0.isEmpty ? nil : $0 }
        }
        func visibility(_ name: String) throws(APIError) -> Visibility {
            guard let text = try single(name) else { return .show }
            guard let visibility = Visibility(rawValue: text) else {
                throw .badParameter(name, "\(name) must be show, hide or only, got '\(text.prefix(40))'")
            }
            return visibility
        }
        func count(_ name: String, in range: ClosedRange<Int>) throws(APIError) -> Int? {
            guard let text = try single(name) else { return nil }
            guard let number = Int(text), range.contains(number) else {
                throw .badParameter(
                    name, "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), got '\(text.prefix(40))'")
            }
            return number
        }

        var query = MachineQuery()
        query.text = try single("q").map { $0.lowercased() }
        if let text = try single("status") {
            for name in text.split(separator: ",", omittingEmptySubsequences: true) {
                guard let status = MachineStatus(rawValue: String(name)) else {
                    throw .badParameter(
                        "status", "unknown status '\(name.prefix(40))'; use online, stale or offline (comma-separated)")
                }
                query.statuses.insert(status)
            }
        }
        switch try single("alerting") {
        case nil: break
        case "true": query.alerting = true
        case "false": query.alerting = false
        case let other?: throw .badParameter("alerting", "alerting must be true or false, got '\(other.prefix(40))'")
        }
        for text in values("label") where !text.isEmpty {
            let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = parts.first, !name.isEmpty else {
                throw .badParameter("label", "label must be name=value or name, got '\(text.prefix(40))'")
            }
            query.labels.append(LabelMatch(name: String(name), value: parts.count == 2 ? String(parts[1]) : nil))
        }
        query.silent = try visibility("silent")
        query.synthetic = try visibility("synthetic")
        query.limit = try count("limit", in: 1...maxLimit)
        query.offset = try count("offset", in: 0...Int(Int32.max)) ?? 0
        return query
    }

    /// True when `machine` passes every filter, seen at `nowMs`.
    func matches(
        _ machine: LiveMachine, nowMs: Int64, thresholds: MachineStatus.Thresholds, alerts: MachineAlerts
    ) -> Bool {
        let identity = machine.identity
        if let text, !identity.hostname.lowercased().contains(text), !machine.machineID.lowercased().contains(text) {
            return false
        }
        if !statuses.isEmpty, !statuses.contains(machine.status(nowMs: nowMs, thresholds: thresholds)) { return false }
        if let alerting, alerting != (alerts.firing + alerts.pending > 0) { return false }
        if !labels.allSatisfy({ $0.matches(identity.labels) }) { return false }
        let silent = MachineStatus.isSilent(lastSeenMs: machine.lastSeenMs, nowMs: nowMs, thresholds: thresholds)
        return self.silent.admits(silent) && synthetic.admits(SyntheticMachine.isSynthetic(labels: identity.labels))
    }
}
