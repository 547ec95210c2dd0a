import FleetSettings

/// The collector library's version, reported as `agent_version`.
public enum FleetCollectorVersion {
    public static let current = FleetwatchVersion.current
}
