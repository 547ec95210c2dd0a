/// Where a machine keeps its cgroup files: the unified (v2) hierarchy, or v1 controllers, each
/// mounted on its own directory (also hybrid mode, whose unified hierarchy carries no controllers).
public enum CgroupLayout: Sendable, Equatable {
    /// cgroup v2 mounted at `root` (normally /sys/fs/cgroup).
    case unified(root: String)
    /// cgroup v1: the cpuacct, memory and blkio controllers' mount points.
    case legacy(cpuacct: String, memory: String, blkio: String)

    /// Detects the layout under /sys/fs/cgroup: v2 when the root has `cgroup.controllers`, v1 when
    /// the memory controller is mounted; nil when neither is readable (no cgroups, or not mounted here).
    public static func detect<FileSystem: ProcFileSystem>(
        in fileSystem: FileSystem, base: String = "/sys/fs/cgroup"
    )
        -> CgroupLayout?
    {
        if (try? fileSystem.withContents(of: base + "/cgroup.controllers", { _ in true })) == true {
            return .unified(root: base)
        }
        if (try? fileSystem.withContents(of: base + "/memory/cgroup.procs", { _ in true })) == true {
            return .legacy(cpuacct: base + "/cpuacct", memory: base + "/memory", blkio: base + "/blkio")
        }
        return nil
    }

    /// The hierarchy whose directories name the containers (and hold cgroup.procs).
    public var namingRoot: String {
        switch self {
        case .unified(let root): root
        case .legacy(_, let memory, _): memory
        }
    }
}
