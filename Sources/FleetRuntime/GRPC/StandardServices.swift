import GRPCCore

/// The standard services every Fleetwatch gRPC server adds to its own: grpc.health.v1 (SERVING while the process
/// is ready) and server reflection, v1 and v1alpha, listing `names` plus these three.
public enum StandardServices {
    public static let names = [
        "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection",
    ]

    public static func make(serving names: [String], isServing: @escaping @Sendable () -> Bool) -> [any RegistrableRPCService] {
        let all = names + Self.names
        let reflection = ReflectionService(services: all)
        return [HealthService(services: all, isServing: isServing), reflection, ReflectionServiceV1Alpha(reflection)]
    }
}
