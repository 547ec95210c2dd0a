import Foundation
import Hummingbird

/// A request body read as JSON (at most 64 KiB); a body that does not decode is a 400 naming what was expected.
enum JSONBody {
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, as what: String) async throws -> T {
        let buffer = try await request.body.collect(upTo: 64 * 1024)
        do {
            return try JSONDecoder().decode(type, from: Data(buffer.readableBytesView))
        } catch {
            throw APIError(.badRequest, "the body must be \(what) as JSON (docs/api.md): \(error)")
        }
    }
}
