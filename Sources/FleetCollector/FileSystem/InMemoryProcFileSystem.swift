/// A `ProcFileSystem` held in memory: files by absolute path, statvfs results by mount point.
/// For tests and for demos that must not depend on the machine they run on.
public final class InMemoryProcFileSystem: ProcFileSystem {
    public var files: [String: [UInt8]]
    public var usages: [String: FileSystemUsage]

    public init(files: [String: String] = [:], usages: [String: FileSystemUsage] = [:]) {
        self.files = files.mapValues { Array($0.utf8) }
        self.usages = usages
    }

    /// Sets (or replaces) the text of one file.
    public func set(_ path: String, _ text: String) {
        files[path] = Array(text.utf8)
    }

    public func withContents<Result>(
        of path: String, _ body: (UnsafeRawBufferPointer) throws -> Result
    ) throws -> Result {
        guard let bytes = files[path] else {
            throw ProcFileSystemError(path: path, operation: "open", errno: 2)
        }
        return try bytes.withUnsafeBytes(body)
    }

    public func listDirectory(_ path: String) throws -> [String] {
        let prefix = path.hasSuffix("/") ? path : path + "/"
        var names = Set<String>()
        for key in files.keys where key.hasPrefix(prefix) {
            let rest = key.dropFirst(prefix.count)
            if let first = rest.split(separator: "/").first { names.insert(String(first)) }
        }
        return names.sorted()
    }

    public func processIDs() throws -> [Int32] {
        try listDirectory("/proc").compactMap { Int32($0) }
    }

    public func fileSystemUsage(of mountPoint: String) throws -> FileSystemUsage {
        guard let usage = usages[mountPoint] else {
            throw ProcFileSystemError(path: mountPoint, operation: "statvfs", errno: 2)
        }
        return usage
    }
}
