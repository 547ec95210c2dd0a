import FleetProto
import GRPCCore
import GRPCProtobuf

/// Registers an ingest service's Publish method with the size-limited batch decoder instead of the generated one.
public struct SizeLimitedIngest<Service: Fleetwatch_V1_Ingest.StreamingServiceProtocol>: RegistrableRPCService {
    public let service: Service
    public let limit: BatchSizeLimit

    public init(service: Service, limit: BatchSizeLimit = .standard) {
        self.service = service
        self.limit = limit
    }

    public func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        let service = self.service
        router.registerHandler(
            forMethod: Fleetwatch_V1_Ingest.Method.Publish.descriptor,
            deserializer: SizeLimitedBatchDeserializer(limit: limit),
            serializer: ProtobufSerializer<Fleetwatch_V1_PublishResponse>(),
            handler: { request, context in
                try await service.publish(request: request, context: context)
            })
    }
}
