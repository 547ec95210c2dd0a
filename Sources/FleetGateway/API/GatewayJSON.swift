import Foundation

/// The one JSON encoding of what the gateway sends (REST answers and WebSocket frames). JSON has no NaN or
/// ±Inf and Foundation's encoder throws on them, so one such value anywhere in the fleet used to turn
/// /api/v1/machines into HTTP 500 and the live feed into silence. Values are checked upstream (`SampleValue`),
/// but a reader must not depend on every writer having been right: a non-finite number is written as null.
enum GatewayJSON {
    static func encode(_ value: some Encodable, formatting: JSONEncoder.OutputFormatting) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = formatting
        do {
            return try encoder.encode(value)
        } catch {
            // Only when something could not be encoded: write non-finite numbers as a marker string that no
            // content can contain (random per call, so a sender cannot forge it), then turn the quoted marker
            // into null. Anything else that failed fails again and is thrown.
            let marker = "fleetwatch-nonfinite-\(UUID().uuidString)"
            encoder.nonConformingFloatEncodingStrategy = .convertToString(
                positiveInfinity: marker, negativeInfinity: marker, nan: marker)
            let text = String(decoding: try encoder.encode(value), as: UTF8.self)
            return Data(text.replacingOccurrences(of: "\"\(marker)\"", with: "null").utf8)
        }
    }
}
