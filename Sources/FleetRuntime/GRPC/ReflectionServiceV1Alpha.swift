import FleetProto
import GRPCCore
import SwiftProtobuf

/// grpc.reflection.v1alpha.ServerReflection, the name older tools ask for: its messages are v1's field for field,
/// so each request is read as v1, answered by `ReflectionService` and written back as v1alpha.
public struct ReflectionServiceV1Alpha: Grpc_Reflection_V1alpha_ServerReflection.SimpleServiceProtocol {
    let reflection: ReflectionService

    public init(_ reflection: ReflectionService) { self.reflection = reflection }

    public func serverReflectionInfo(
        request: RPCAsyncSequence<Grpc_Reflection_V1alpha_ServerReflectionRequest, any Error>,
        response: RPCWriter<Grpc_Reflection_V1alpha_ServerReflectionResponse>, context: ServerContext
    ) async throws {
        for try await message in request {
            let answer = try reflection.answer(
                Grpc_Reflection_V1_ServerReflectionRequest(serializedBytes: try message.serializedBytes() as [UInt8]))
            try await response.write(
                Grpc_Reflection_V1alpha_ServerReflectionResponse(serializedBytes: try answer.serializedBytes() as [UInt8]))
        }
    }
}
