/// Where a scrape's text comes from: the HTTP fetcher in production, canned text in tests.
public protocol ExpositionFetcher: Sendable {
    /// The body of one scrape; throws `ScrapeFailure` saying what went wrong.
    func fetch() async throws -> String
}

/// Why a scrape failed, worded for the operator's log.
public struct ScrapeFailure: Error, CustomStringConvertible, Equatable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
