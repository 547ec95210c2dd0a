/// Finds container cgroups by walking a cgroup hierarchy: podman (`libpod-<id>[.scope]`), docker
/// (`docker-<id>.scope`, or `docker/<id>` with the cgroupfs driver), systemd machines
/// (`machine.slice/machine-<name>.scope`) and services (`system.slice/<unit>.service`).
///
/// Only slices and the known parents (libpod_parent, docker, user@<uid>.service) are descended into, at
/// most `maxDepth` levels, so a walk is a handful of directory listings. Containers come before
/// services, each group sorted, and the list is cut at `limit`.
public struct ContainerDiscovery: Sendable {
    public var limit: Int
    public var maxDepth: Int
    /// Whether system.slice services count (each costs a few file reads per tick); machines and containers always do.
    public var includeServices: Bool

    public init(limit: Int = 50, maxDepth: Int = 6, includeServices: Bool = true) {
        self.limit = limit
        self.maxDepth = maxDepth
        self.includeServices = includeServices
    }

    /// The containers below `root` (paths relative to it). Unreadable directories are skipped.
    public func discover<FileSystem: ProcFileSystem>(in fileSystem: FileSystem, root: String) -> [ContainerCgroup] {
        var found: [ContainerCgroup] = []
        walk(fileSystem, root: root, relative: "", parent: "", depth: 0, into: &found)
        found.sort { lhs, rhs in
            let lhsService = lhs.kind == .systemd
            let rhsService = rhs.kind == .systemd
            if lhsService != rhsService { return !lhsService }
            return lhs.id < rhs.id
        }
        return Array(found.prefix(max(0, limit)))
    }

    private func walk<FileSystem: ProcFileSystem>(
        _ fileSystem: FileSystem, root: String, relative: String, parent: String, depth: Int,
        into found: inout [ContainerCgroup]
    ) {
        guard depth < maxDepth,
            let names = try? fileSystem.listDirectory(relative.isEmpty ? root : root + "/" + relative)
        else { return }
        for name in names {
            let path = relative.isEmpty ? name : relative + "/" + name
            if let container = Self.classify(name: name, parent: parent, path: path) {
                if includeServices || !container.id.hasSuffix(".service") { found.append(container) }
            } else if Self.descends(into: name) {
                walk(fileSystem, root: root, relative: path, parent: name, depth: depth + 1, into: &found)
            }
        }
    }

    /// The container a cgroup directory stands for, or nil.
    static func classify(name: String, parent: String, path: String) -> ContainerCgroup? {
        if let id = containerID(name, prefix: "libpod-") {
            return ContainerCgroup(kind: .podman, id: id, path: path)
        }
        if let id = containerID(name, prefix: "docker-") {
            return ContainerCgroup(kind: .docker, id: id, path: path)
        }
        if parent == "docker", isHexID(Substring(name)) {
            return ContainerCgroup(kind: .docker, id: name, path: path)
        }
        if parent == "machine.slice", name.hasPrefix("machine-"), name.hasSuffix(".scope") {
            let unit = name.dropFirst("machine-".count).dropLast(".scope".count)
            return unit.isEmpty ? nil : ContainerCgroup(kind: .systemd, id: String(unit), path: path)
        }
        if parent == "system.slice", name.hasSuffix(".service"), name.count > ".service".count {
            return ContainerCgroup(kind: .systemd, id: name, path: path)
        }
        return nil
    }

    /// `libpod-<64 hex>` or `libpod-<64 hex>.scope` (not `libpod-conmon-…`, podman's monitor).
    private static func containerID(_ name: String, prefix: String) -> String? {
        guard name.hasPrefix(prefix) else { return nil }
        var id = name.dropFirst(prefix.count)
        if id.hasSuffix(".scope") { id = id.dropLast(".scope".count) }
        return isHexID(id) ? String(id) : nil
    }

    private static func isHexID(_ text: Substring) -> Bool {
        text.utf8.count == 64
            && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    private static func descends(into name: String) -> Bool {
        name.hasSuffix(".slice") || name == "libpod_parent" || name == "docker"
            || (name.hasPrefix("user@") && name.hasSuffix(".service"))
    }
}
