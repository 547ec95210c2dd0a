import Foundation
import Hummingbird

/// An error the API reports as JSON, `{"error": "...", "parameter": "..."}`, with a status that says whose
/// fault it is.
public struct APIError: HTTPResponseError, Equatable {
    public var status: HTTPResponse.Status
    public var message: String
    /// The query parameter at fault, if one is.
    public var parameter: String?

    public init(_ status: HTTPResponse.Status, _ message: String, parameter: String? = nil) {
        self.status = status
        self.message = message
        self.parameter = parameter
    }

    public static func badParameter(_ parameter: String, _ message: String) -> APIError {
        APIError(.badRequest, message, parameter: parameter)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        try JSONResponse.make(ErrorBody(error: message, parameter: parameter), status: status)
    }
}

private struct ErrorBody: Encodable {
    var error: String
    var parameter: String?

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(error, forKey: .error)
        try container.encode(parameter, forKey: .parameter)
    }

    enum CodingKeys: String, CodingKey { case error, parameter }
}

/// JSON responses with the content type set; non-finite numbers are written as null (`GatewayJSON`).
enum JSONResponse {
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try GatewayJSON.encode(value, formatting: [.sortedKeys, .withoutEscapingSlashes])
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// JSON already written (`JSONText`).
    static func make(text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
