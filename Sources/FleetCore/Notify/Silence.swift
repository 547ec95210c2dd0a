/// A silence, as in Alertmanager: while active it keeps the alerts its matchers select out of notifications.
/// Evaluation goes on, and the dashboard shows those alerts as silenced. A maintenance window is a silence that
/// starts in the future.
public struct Silence: Sendable, Equatable, Identifiable {
    /// Where a silence is in its life at a given time.
    public enum State: String, Sendable, Codable, CaseIterable {
        /// Starts later (a scheduled maintenance window).
        case pending
        case active
        /// Ended, or expired by hand.
        case expired
    }

    public var id: String
    /// All must hold for an alert to be silenced; at least one is required.
    public var matchers: [LabelMatcher]
    public var startsAtMs: Int64
    public var endsAtMs: Int64
    /// Who created it (free text: a name or an e-mail address).
    public var createdBy: String
    public var comment: String
    public var createdAtMs: Int64
    /// When it was last changed: created, or expired by hand.
    public var updatedAtMs: Int64

    /// Longest `createdBy` and `comment`, in bytes; most matchers per silence; longest silence.
    public static let maxCreatedByBytes = 256
    public static let maxCommentBytes = 4096
    public static let maxMatchers = 32
    public static let maxDurationMs: Int64 = 366 * 86_400_000

    public init(
        id: String, matchers: [LabelMatcher], startsAtMs: Int64, endsAtMs: Int64, createdBy: String, comment: String,
        createdAtMs: Int64, updatedAtMs: Int64? = nil
    ) {
        self.id = id
        self.matchers = matchers
        self.startsAtMs = startsAtMs
        self.endsAtMs = endsAtMs
        self.createdBy = createdBy
        self.comment = comment
        self.createdAtMs = createdAtMs
        self.updatedAtMs = updatedAtMs ?? createdAtMs
    }

    public func state(atMs now: Int64) -> State {
        if now >= endsAtMs { return .expired }
        return now < startsAtMs ? .pending : .active
    }

    /// Whether it silences an alert with `labels` at `now`.
    public func silences(_ labels: [String: String], atMs now: Int64) -> Bool {
        state(atMs: now) == .active && matchers.matchAll(labels)
    }

    /// The same silence, expired at `now`: it ends now (a pending one also starts now, so it never takes effect);
    /// one already over is kept as it was.
    public func expired(atMs now: Int64) -> Silence {
        var copy = self
        switch state(atMs: now) {
        case .expired: return self
        case .pending: copy.startsAtMs = now
        case .active: break
        }
        copy.endsAtMs = now
        copy.updatedAtMs = now
        return copy
    }

    /// The problems that make this silence unusable, each naming the field; empty when it is valid.
    public func problems() -> [ValidationError] {
        var problems: [ValidationError] = []
        if matchers.isEmpty {
            problems.append(ValidationError("matchers", "at least one matcher is required (a silence of everything is refused)"))
        }
        if matchers.count > Self.maxMatchers {
            problems.append(ValidationError("matchers", "at most \(Self.maxMatchers) matchers"))
        }
        if matchers.allSatisfy({ $0.matches([:]) }) && !matchers.isEmpty {
            problems.append(ValidationError("matchers", "these matchers also match an alert with no labels: they would silence everything"))
        }
        if endsAtMs <= startsAtMs {
            problems.append(ValidationError("ends_at_ms", "must be after starts_at_ms"))
        } else if endsAtMs - startsAtMs > Self.maxDurationMs {
            problems.append(ValidationError("ends_at_ms", "a silence lasts at most 366 days"))
        }
        if createdBy.trimmingCharacters(in: " ").isEmpty {
            problems.append(ValidationError("created_by", "is required (who silenced it)"))
        } else if createdBy.utf8.count > Self.maxCreatedByBytes {
            problems.append(ValidationError("created_by", "is longer than \(Self.maxCreatedByBytes) bytes"))
        }
        if comment.utf8.count > Self.maxCommentBytes {
            problems.append(ValidationError("comment", "is longer than \(Self.maxCommentBytes) bytes"))
        }
        return problems
    }
}

extension Collection where Element == Silence {
    /// The ids of the silences that silence an alert with `labels` at `now` (empty: not silenced).
    public func silencing(_ labels: [String: String], atMs now: Int64) -> [String] {
        filter { $0.silences(labels, atMs: now) }.map(\.id)
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> Substring {
        var text = Substring(self)
        while text.first == set { text = text.dropFirst() }
        while text.last == set { text = text.dropLast() }
        return text
    }
}
