/// The vocabulary of the "node_exporter" source (`fleetwatch scrape`): readings of a Prometheus node_exporter
/// scrape. The families Fleetwatch knows arrive already translated into the "proc" vocabulary (`ProcReading`:
/// rates of node_exporter's counters are computed by the scraper, which sees consecutive scrapes); every other
/// family passes through under its own Prometheus name, which never contains a dot, so the two cannot collide.
public enum NodeExporterReading {
    public static let source = "node_exporter"

    /// The sources the edge accepts and the normalizer reads.
    public static let knownSources = [ProcReading.source, source]

    /// Whether `key` is a pass-through family name (Prometheus names have no dots; the proc vocabulary always has).
    public static func isPassThrough(_ key: String) -> Bool {
        !key.isEmpty && !key.utf8.contains(UInt8(ascii: "."))
    }
}
