/// Left-aligned columns for terminal output; numbers right-aligned.
struct TextTable {
    var header: [String]
    var rows: [[String]] = []

    func render() -> String {
        let widths = header.indices.map { column in
            ([header] + rows).map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                let numeric = cell.count < 16 && Double(cell.split(separator: " ").first ?? "") != nil
                return numeric && column > 0 ? pad + cell : cell + pad
            }
            .joined(separator: "  ").trimmingTrailingSpaces
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }
}

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

extension String {
    fileprivate var trimmingTrailingSpaces: String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}
