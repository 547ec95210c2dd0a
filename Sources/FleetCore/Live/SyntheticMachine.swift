/// Machines that Fleetwatch itself makes up (`fleetwatch loadgen`, `fleetwatch probe`) carry the identity label
/// `synthetic=<tool>`, so the fleet overview hides them unless asked to show them.
public enum SyntheticMachine {
    /// The identity label's name; its value names the tool (`loadgen`, `probe`).
    public static let label = "synthetic"

    /// True for a machine made up by a Fleetwatch tool: it carries `label` (or the probe's own label).
    public static func isSynthetic(labels: [String: String]) -> Bool {
        labels[label] != nil || labels[Probe.label] != nil
    }
}
