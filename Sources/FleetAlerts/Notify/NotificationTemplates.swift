import FleetCore
import Foundation
import Mustache

/// The title and body of notifications, as Mustache templates over `NotificationTemplateContext` (docs/alerts.md,
/// "Template context"). Output is plain text: nothing is HTML-escaped. Templates are parsed once, at start: one that
/// does not parse, or uses partials, parents, blocks or a delimiter change (none of which a notification has), is
/// refused with the reason, so rendering never fails.
public struct NotificationTemplates: Sendable {
    public static let defaultTitle =
        "[{{status_upper}}] {{rule}}{{#group_text}} ({{group_text}}){{/group_text}}: {{firing_count}} firing, {{resolved_count}} resolved"
    public static let defaultBody = """
        {{#firing}}
        FIRING {{rule}} on {{hostname}} ({{machine}}){{#series}} [{{series}}]{{/series}}{{#value}} value {{value}}{{/value}}{{#description}}: {{description}}{{/description}}
        {{/firing}}
        {{#resolved}}
        RESOLVED {{rule}} on {{hostname}} ({{machine}}){{#series}} [{{series}}]{{/series}}{{#reason}} ({{reason}}){{/reason}}
        {{/resolved}}
        """

    /// The built-in title and body.
    public static let defaults = try! NotificationTemplates(title: nil, body: nil)

    public let titleSource: String
    public let bodySource: String
    private let title: MustacheTemplate
    private let body: MustacheTemplate

    /// Nil takes the default. Throws `TemplateError` naming `title` or `body` and the problem.
    public init(title: String?, body: String?) throws(TemplateError) {
        titleSource = title ?? Self.defaultTitle
        bodySource = body ?? Self.defaultBody
        self.title = try Self.compile(titleSource, field: "title")
        self.body = try Self.compile(bodySource, field: "body")
    }

    /// The title and body of `notification`.
    public func render(_ notification: AlertNotification) -> (title: String, body: String) {
        let context = NotificationTemplateContext.make(notification)
        return (
            title.render(context).trimmingCharacters(in: .whitespacesAndNewlines),
            body.render(context).trimmingCharacters(in: .newlines)
        )
    }

    /// A template that cannot be used, and why.
    public struct TemplateError: Error, CustomStringConvertible, Sendable {
        /// `title` or `body`.
        public var field: String
        public var problem: String
        public var description: String { "\(field): \(problem)" }
    }

    private static func compile(_ source: String, field: String) throws(TemplateError) -> MustacheTemplate {
        // Partials, parents and blocks need a library the notifier does not have (and a block definition outside
        // a parent stops the renderer); a delimiter change could hide them from this check.
        if let tag = source.firstMatch(of: /\{\{\s*([<>$=])/) {
            throw TemplateError(
                field: field, problem: "'{{\(tag.1)' is not supported (no partials, parents, blocks or delimiter changes)")
        }
        do {
            return try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + source)
        } catch {
            throw TemplateError(field: field, problem: "not a valid Mustache template: \(error)")
        }
    }
}
