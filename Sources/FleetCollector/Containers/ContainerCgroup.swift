/// What kind of workload a discovered cgroup belongs to.
public enum ContainerKind: String, Sendable, Equatable {
    case podman
    case docker
    /// A systemd service (system.slice/<unit>.service) or machine (machine.slice/machine-<name>.scope).
    case systemd

    /// Whether the workload normally has its own network namespace, so its first process's
    /// /proc/<pid>/net/dev is its own traffic rather than the host's.
    public var hasOwnNetwork: Bool { self != .systemd }
}

/// One container's cgroup, found by `ContainerDiscovery`.
public struct ContainerCgroup: Sendable, Equatable {
    public var kind: ContainerKind
    /// The container's full id (podman, docker) or the unit name (systemd).
    public var id: String
    /// The path of the cgroup below the hierarchy's root, e.g. "machine.slice/libpod-<id>.scope".
    public var path: String

    public init(kind: ContainerKind, id: String, path: String) {
        self.kind = kind
        self.id = id
        self.path = path
    }

    /// The first 12 characters of a container id, as `podman ps` and `docker ps` show it.
    public var shortID: String { kind == .systemd ? id : String(id.prefix(12)) }
}
