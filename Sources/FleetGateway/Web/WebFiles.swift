import Foundation

/// Where the dashboard's files and Chart.js come from.
public struct WebFiles: Sendable, Equatable {
    /// The web/ folder: index.html, machine.html, css/, js/.
    public var root: String
    /// Debian's libjs-chart.js folder, served under /vendor/chart.js/.
    public var chartJS: String

    public static let defaultChartJS = "/usr/share/javascript/chart.js"

    public init(root: String, chartJS: String = defaultChartJS) {
        self.root = root
        self.chartJS = chartJS
    }

    /// web/ beside the executable's package (…/.build/debug/fleetwatch → …/web), else ./web.
    public static func locateRoot(executable: String = CommandLine.arguments[0]) -> String {
        var directory = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("web")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("index.html").path) {
                return candidate.path
            }
            directory.deleteLastPathComponent()
        }
        return FileManager.default.currentDirectoryPath + "/web"
    }

    /// Problems worth refusing to start for: a dashboard without its files would only show 404s.
    public func problems() -> [String] {
        var problems: [String] = []
        if !FileManager.default.fileExists(atPath: root + "/index.html") {
            problems.append("no index.html in the web folder \(root) (set FLEETWATCH_WEB_DIR or --web-dir)")
        }
        return problems
    }

    /// Warnings that do not stop the gateway: without Chart.js the charts stay empty.
    public func warnings() -> [String] {
        FileManager.default.fileExists(atPath: chartJS)
            ? []
            : ["Chart.js not found at \(chartJS): charts will not draw (apt-get install libjs-chart.js, or set FLEETWATCH_CHARTJS_DIR)"]
    }
}
