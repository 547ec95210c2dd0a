/// The one version string of every Fleetwatch binary: `fleetwatch --version`, `fleetwatch-agent --version`, the
/// collector's `agent_version` and the `fleetwatch_build_info` metric. Bump it here, and only here, on a release.
public enum FleetwatchVersion {
    public static let current = "0.1.0"

    /// The Swift compiler the binary was built with (major.minor), for `fleetwatch_build_info{swift=…}`.
    public static var swift: String {
        #if compiler(>=6.4)
            "6.4+"
        #elseif compiler(>=6.3)
            "6.3"
        #elseif compiler(>=6.2)
            "6.2"
        #elseif compiler(>=6.1)
            "6.1"
        #else
            "6.0"
        #endif
    }
}
