import Foundation

/// Human units for terminal output.
enum Units {
    static func percent(_ value: Double?) -> String { value.map { String(format: "%.1f", $0) } ?? "-" }

    static func rate(_ bytesPerSecond: Double?) -> String {
        guard let value = bytesPerSecond else { return "-" }
        let units = ["B/s", "KB/s", "MB/s", "GB/s"]
        var scaled = value
        var unit = 0
        while scaled >= 1000 && unit < units.count - 1 {
            scaled /= 1000
            unit += 1
        }
        return String(format: unit == 0 ? "%.0f %@" : "%.1f %@", scaled, units[unit])
    }

    static func ago(milliseconds: Int64) -> String {
        let seconds = max(0, milliseconds / 1000)
        if seconds < 120 { return "\(seconds)s ago" }
        if seconds < 7200 { return "\(seconds / 60)m ago" }
        if seconds < 172_800 { return "\(seconds / 3600)h ago" }
        return "\(seconds / 86_400)d ago"
    }
}
