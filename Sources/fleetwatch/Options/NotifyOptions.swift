import ArgumentParser
import FleetAlerts
import FleetSettings
import Foundation

/// Where alert notifications go: a routing file, or webhook URLs as a shorthand; shared by `alert` and `hub`.
struct NotifyOptions: ParsableArguments {
    @Option(help: "Notification routes, receivers and templates, a YAML file (FLEETWATCH_NOTIFY_CONFIG; docs/alerts.md).")
    var notifyConfig: String?

    @Option(
        name: .customLong("webhook-urls"),
        help: "Shorthand for a notify config posting every firing and resolved alert to these URLs, comma-separated (FLEETWATCH_WEBHOOK_URLS).")
    var webhookURLs: String?

    @Option(help: "Attempts per notification and destination before it goes to fleet.notify.dlq (FLEETWATCH_WEBHOOK_ATTEMPTS, default 5).")
    var webhookAttempts: Int?

    /// Tries per destination.
    func attempts() throws -> Int {
        try Setting.integer(
            Setting.value(webhookAttempts.map(String.init), env: "FLEETWATCH_WEBHOOK_ATTEMPTS", default: "5"),
            setting: "FLEETWATCH_WEBHOOK_ATTEMPTS", in: 1...100)
    }

    /// The routing to use; nil when nothing is to be notified. A file with any problem stops the process here,
    /// naming the file, the place in it and the problem.
    func configuration() throws -> NotifyConfiguration? {
        let file = Setting.value(notifyConfig, env: "FLEETWATCH_NOTIFY_CONFIG").flatMap { $0.isEmpty ? nil : $0 }
        let urls = try webhooks(Setting.value(webhookURLs, env: "FLEETWATCH_WEBHOOK_URLS") ?? "")
        if let file {
            guard urls.isEmpty else {
                throw ConfigError(
                    setting: "FLEETWATCH_WEBHOOK_URLS", expected: "not set together with FLEETWATCH_NOTIFY_CONFIG (name the webhooks in the file)",
                    got: urls.map(\.absoluteString).joined(separator: ","))
            }
            return try NotifyConfigFile.load(path: file)
        }
        return NotifyConfiguration.webhooks(urls)
    }

    private func webhooks(_ text: String) throws -> [URL] {
        try text.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map {
            guard let url = URL(string: $0), ["http", "https"].contains(url.scheme ?? "") else {
                throw ConfigError(setting: "FLEETWATCH_WEBHOOK_URLS", expected: "http(s) URLs, comma-separated", got: $0)
            }
            return url
        }
    }
}
