import FleetCore
import FleetProto

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Builds the `MachineIdentity` sent with every batch: id from /etc/machine-id (or the override),
/// hostname, OS pretty name, kernel release, online cores, configured labels and the agent version.
public struct MachineIdentityBuilder {
    public var machineIDOverride: String?
    public var labels: [String: String]
    public var agentVersion: String
    /// The host name; nil asks the kernel (`gethostname`).
    public var hostname: String?
    /// Online CPU count; nil asks `sysconf`.
    public var cpuCores: Int?

    public init(
        machineIDOverride: String? = nil, labels: [String: String] = [:],
        agentVersion: String = FleetCollectorVersion.current, hostname: String? = nil, cpuCores: Int? = nil
    ) {
        self.machineIDOverride = machineIDOverride
        self.labels = labels
        self.agentVersion = agentVersion
        self.hostname = hostname
        self.cpuCores = cpuCores
    }

    /// Throws `MachineIDError` when the override is invalid, or when neither /etc/machine-id nor the
    /// host name yields a usable id.
    public func build(fileSystem: some ProcFileSystem) throws -> Fleetwatch_V1_MachineIdentity {
        let host = hostname ?? Self.kernelHostname()
        var identity = Fleetwatch_V1_MachineIdentity()
        identity.machineID = try machineID(fileSystem: fileSystem, hostname: host)
        // Cut to the edge's limits: an identity over them would get every batch refused.
        let limits = BatchLimits.standard
        identity.hostname = Self.prefix(host, maxBytes: limits.maxHostnameLength)
        identity.os = Self.prefix(Self.prettyName(fileSystem: fileSystem) ?? "Linux", maxBytes: limits.maxOSLength)
        identity.kernel = Self.prefix(
            ((try? fileSystem.readString("/proc/sys/kernel/osrelease")) ?? "").trimmingWhitespace(),
            maxBytes: limits.maxKernelLength)
        let cores = cpuCores ?? Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        identity.cpuCores = Int32(clamping: min(max(cores, 0), Int(limits.maxCPUCores)))
        identity.labels = labels
        identity.agentVersion = Self.prefix(agentVersion, maxBytes: limits.maxAgentVersionLength)
        return identity
    }

    /// The longest prefix of `text` of at most `maxBytes` bytes of UTF-8 that ends on a character boundary.
    static func prefix(_ text: String, maxBytes: Int) -> String {
        guard text.utf8.count > maxBytes else { return text }
        var bytes = 0
        var end = text.startIndex
        for index in text.indices {
            let next = text.index(after: index)
            bytes += text.utf8.distance(from: index, to: next)
            if bytes > maxBytes { break }
            end = next
        }
        return String(text[..<end])
    }

    private func machineID(fileSystem: some ProcFileSystem, hostname: String) throws -> String {
        if let machineIDOverride {
            return try MachineID.validate(machineIDOverride)
        }
        for path in ["/etc/machine-id", "/var/lib/dbus/machine-id"] {
            if let id = try? fileSystem.readString(path).trimmingWhitespace(), MachineID.isValid(id) {
                return id
            }
        }
        guard let fromHost = MachineID.sanitize(hostname) else {
            throw MachineIDError(source: "/etc/machine-id (missing) and hostname", value: hostname)
        }
        return fromHost
    }

    /// PRETTY_NAME of /etc/os-release (falling back to /usr/lib/os-release), unquoted.
    static func prettyName(fileSystem: some ProcFileSystem) -> String? {
        for path in ["/etc/os-release", "/usr/lib/os-release"] {
            guard let text = try? fileSystem.readString(path) else { continue }
            return OSRelease.prettyName(text)
        }
        return nil
    }

    static func kernelHostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
