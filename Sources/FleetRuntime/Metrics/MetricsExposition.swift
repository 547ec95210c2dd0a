import Foundation
import Prometheus

/// The text of /metrics: the registry's families with a HELP line from `MetricHelp` in front of each TYPE line
/// (swift-metrics cannot carry help text to the registry), then `process_*`, the heap's `fleetwatch_heap_*` and `fleetwatch_build_info`.
public enum MetricsExposition {
    public static func render(_ registry: PrometheusCollectorRegistry) -> [UInt8] {
        var text = withHelp(String(decoding: registry.emitToBuffer(), as: UTF8.self))
        text += ProcessMetrics.current()?.exposition ?? ""
        text += HeapMetrics.current()?.exposition ?? ""
        text += ProcessMetrics.buildInfo
        return Array(text.utf8)
    }

    /// `text` with `# HELP` inserted before every `# TYPE` line whose family has a text in `MetricHelp` and no
    /// HELP line of its own.
    static func withHelp(_ text: String) -> String {
        var out: [Substring] = []
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)[...]
        if lines.last == "" { lines = lines.dropLast() }
        var helped: Set<Substring> = []
        for line in lines {
            if line.hasPrefix("# HELP "), let name = line.dropFirst("# HELP ".count).split(separator: " ").first {
                helped.insert(name)
            } else if line.hasPrefix("# TYPE "), let name = line.dropFirst("# TYPE ".count).split(separator: " ").first,
                !helped.contains(name), let help = MetricHelp.texts[String(name)]
            {
                out.append(Substring(helpLine(name: String(name), help: help)))
            }
            out.append(line)
        }
        return out.isEmpty ? "" : out.joined(separator: "\n") + "\n"
    }

    /// `# HELP name text` and `# TYPE name type` lines for a family written by hand.
    static func header(name: String, type: String) -> String {
        (MetricHelp.texts[name].map { helpLine(name: name, help: $0) + "\n" } ?? "") + "# TYPE \(name) \(type)\n"
    }

    private static func helpLine(name: String, help: String) -> String {
        "# HELP \(name) " + help.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }
}
