import FleetSettings
import Foundation

/// The standard `process_*` metrics of this process (the names every Prometheus client library uses), read from
/// /proc/self at each scrape, plus `fleetwatch_build_info`.
public struct ProcessMetrics: Sendable, Equatable {
    public var cpuSeconds: Double
    public var residentBytes: Double
    public var virtualBytes: Double
    public var openFDs: Int
    public var maxFDs: Int
    public var startTimeSeconds: Double

    /// This process now; nil when /proc cannot be read (not Linux), so /metrics simply leaves them out.
    public static func current() -> ProcessMetrics? {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let system = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")
        else { return nil }
        var limit = rlimit()
        let maxFDs = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 ? Int(clamping: limit.rlim_cur) : -1
        return parse(
            stat: stat, procStat: system, openFDs: fds.count, maxFDs: maxFDs,
            clockTicksPerSecond: Double(sysconf(Int32(_SC_CLK_TCK))), pageSize: Double(sysconf(Int32(_SC_PAGESIZE))))
    }

    /// The metrics from the text of /proc/self/stat and /proc/stat (for the boot time); nil if either is not
    /// what the kernel writes. Fields after the command name (which may hold spaces and parentheses) are counted
    /// from its closing parenthesis: utime 14, stime 15, starttime 22, vsize 23, rss 24 (proc(5)).
    public static func parse(
        stat: String, procStat: String, openFDs: Int, maxFDs: Int, clockTicksPerSecond: Double, pageSize: Double
    ) -> ProcessMetrics? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state).
        func field(_ number: Int) -> Double? { fields.indices.contains(number - 3) ? Double(fields[number - 3]) : nil }
        guard let utime = field(14), let stime = field(15), let start = field(22), let vsize = field(23),
            let rss = field(24), clockTicksPerSecond > 0,
            let bootLine = procStat.split(separator: "\n").first(where: { $0.hasPrefix("btime ") }),
            let bootTime = Double(bootLine.dropFirst("btime ".count).trimmingCharacters(in: .whitespaces))
        else { return nil }
        return ProcessMetrics(
            cpuSeconds: (utime + stime) / clockTicksPerSecond, residentBytes: rss * pageSize, virtualBytes: vsize,
            openFDs: openFDs, maxFDs: maxFDs, startTimeSeconds: bootTime + start / clockTicksPerSecond)
    }

    /// The families in Prometheus text format, HELP (from `MetricHelp`) and TYPE included.
    public var exposition: String {
        var families: [(String, String, String)] = [
            ("process_cpu_seconds_total", "counter", Self.number(cpuSeconds)),
            ("process_resident_memory_bytes", "gauge", Self.number(residentBytes)),
            ("process_virtual_memory_bytes", "gauge", Self.number(virtualBytes)),
            ("process_open_fds", "gauge", String(openFDs)),
        ]
        if maxFDs >= 0 { families.append(("process_max_fds", "gauge", String(maxFDs))) }
        families.append(("process_start_time_seconds", "gauge", Self.number(startTimeSeconds)))
        return families.map { name, type, value in
            MetricsExposition.header(name: name, type: type) + "\(name) \(value)\n"
        }.joined()
    }

    /// `fleetwatch_build_info{version="0.1.0",swift="6.3"} 1`.
    public static var buildInfo: String {
        MetricsExposition.header(name: "fleetwatch_build_info", type: "gauge")
            + "fleetwatch_build_info{version=\"\(FleetwatchVersion.current)\",swift=\"\(FleetwatchVersion.swift)\"} 1\n"
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
