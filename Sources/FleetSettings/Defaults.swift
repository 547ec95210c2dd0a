#if canImport(FoundationEssentials)
    import FoundationEssentials  // not Foundation: keeps ICU out of the static agent (issue 14)
#else
    import Foundation
#endif

/// Default addresses and URLs of DESIGN.md.
public enum Defaults {
    public static let amqpURL = "amqp://guest:guest@127.0.0.1:5672/%2f"
    public static let databaseURL = "postgres://fleetwatch@127.0.0.1:5432/fleetwatch"
    public static let ingestURL = "http://127.0.0.1:7070"
    public static let ingestListen = "127.0.0.1:7070"
    public static let configURL = "http://127.0.0.1:7071"
    public static let configListen = "127.0.0.1:7071"
    public static let httpAddress = "127.0.0.1:8080"

    /// Health/metrics listeners of the pipeline processes; `:0` picks a free port (replicas).
    public static let ingestHealth = "127.0.0.1:9070"
    public static let normalizeHealth = "127.0.0.1:9071"
    public static let persistHealth = "127.0.0.1:9072"
    public static let collectHealth = "127.0.0.1:9073"
    public static let configHealth = "127.0.0.1:9074"
    public static let alertHealth = "127.0.0.1:9075"
    public static let probeHealth = "127.0.0.1:9076"
    public static let scrapeHealth = "127.0.0.1:9077"

    /// $FLEETWATCH_DATA_DIR, else $XDG_DATA_HOME/fleetwatch, else ~/.local/share/fleetwatch.
    public static var dataDirectory: String {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["FLEETWATCH_DATA_DIR"], !explicit.isEmpty { return explicit }
        if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty { return xdg + "/fleetwatch" }
        return (environment["HOME"] ?? "/root") + "/.local/share/fleetwatch"
    }
}
