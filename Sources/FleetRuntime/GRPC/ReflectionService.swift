import FleetProto
import Foundation
import GRPCCore
import SwiftProtobuf

/// grpc.reflection.v1.ServerReflection over the descriptors of proto/ (generated into `FleetDescriptors`): lists
/// the services and answers file-by-name and file-containing-symbol with the file and its dependencies, so
/// grpcurl and similar tools work without the .proto files. `ReflectionServiceV1Alpha` serves the same answers
/// under the older name.
public struct ReflectionService: Grpc_Reflection_V1_ServerReflection.SimpleServiceProtocol {
    let services: [String]
    let files: [String: Google_Protobuf_FileDescriptorProto]
    /// Fully qualified symbol (package.Message, package.Service, package.Service.Method, package.Enum) → file name.
    let symbols: [String: String]

    public init(services: [String]) {
        self.services = services.sorted()
        let set =
            (Data(base64Encoded: FleetDescriptors.base64)).flatMap { try? Google_Protobuf_FileDescriptorSet(serializedBytes: $0) }
            ?? Google_Protobuf_FileDescriptorSet()
        var files: [String: Google_Protobuf_FileDescriptorProto] = [:]
        var symbols: [String: String] = [:]
        for file in set.file {
            files[file.name] = file
            let prefix = file.package.isEmpty ? "" : file.package + "."
            func addMessages(_ messages: [Google_Protobuf_DescriptorProto], scope: String) {
                for message in messages {
                    let name = scope + message.name
                    symbols[name] = file.name
                    for nested in message.enumType { symbols[name + "." + nested.name] = file.name }
                    addMessages(message.nestedType, scope: name + ".")
                }
            }
            addMessages(file.messageType, scope: prefix)
            for enumeration in file.enumType { symbols[prefix + enumeration.name] = file.name }
            for service in file.service {
                symbols[prefix + service.name] = file.name
                for method in service.method { symbols[prefix + service.name + "." + method.name] = file.name }
            }
        }
        self.files = files
        self.symbols = symbols
    }

    public func serverReflectionInfo(
        request: RPCAsyncSequence<Grpc_Reflection_V1_ServerReflectionRequest, any Error>,
        response: RPCWriter<Grpc_Reflection_V1_ServerReflectionResponse>, context: ServerContext
    ) async throws {
        for try await message in request {
            try await response.write(answer(message))
        }
    }

    public func answer(_ request: Grpc_Reflection_V1_ServerReflectionRequest) throws -> Grpc_Reflection_V1_ServerReflectionResponse {
        var reply = Grpc_Reflection_V1_ServerReflectionResponse()
        reply.validHost = request.host
        reply.originalRequest = request
        switch request.messageRequest {
        case .listServices:
            reply.listServicesResponse = .with { list in
                list.service = services.map { name in .with { $0.name = name } }
            }
        case .fileByFilename(let name):
            guard files[name] != nil else { return error(reply, .notFound, "no file '\(name)'") }
            reply.fileDescriptorResponse = .with { $0.fileDescriptorProto = (try? closure(of: name)) ?? [] }
        case .fileContainingSymbol(let symbol):
            guard let name = symbols[symbol.hasPrefix(".") ? String(symbol.dropFirst()) : symbol] else {
                return error(reply, .notFound, "no symbol '\(symbol)'")
            }
            reply.fileDescriptorResponse = .with { $0.fileDescriptorProto = (try? closure(of: name)) ?? [] }
        case .fileContainingExtension, .allExtensionNumbersOfType:
            return error(reply, .unimplemented, "these services define no extensions")
        case nil:
            return error(reply, .invalidArgument, "empty request")
        }
        return reply
    }

    /// The file and everything it imports, serialized, the file itself first.
    func closure(of name: String) throws -> [Data] {
        var seen: Set<String> = []
        var ordered: [Data] = []
        func visit(_ file: String) throws {
            guard !seen.contains(file), let descriptor = files[file] else { return }
            seen.insert(file)
            ordered.append(try descriptor.serializedBytes())
            for dependency in descriptor.dependency { try visit(dependency) }
        }
        try visit(name)
        return ordered
    }

    private func error(
        _ reply: Grpc_Reflection_V1_ServerReflectionResponse, _ code: RPCError.Code, _ message: String
    ) -> Grpc_Reflection_V1_ServerReflectionResponse {
        var reply = reply
        reply.errorResponse = .with {
            $0.errorCode = Int32(code.rawValue)
            $0.errorMessage = message
        }
        return reply
    }
}
