/// Read access to the kernel's /proc and /sys (and a few /etc files) behind a protocol, so the
/// collector runs against the live machine in production and against fixtures in tests.
///
/// Paths are absolute as seen on the monitored machine ("/proc/stat"); an implementation may map
/// them under another root. Implementations may reuse one read buffer, so they are not `Sendable`:
/// one collector owns one file system.
public protocol ProcFileSystem {
    /// Calls `body` with the whole contents of the file at `path`. The bytes are only valid inside `body`.
    func withContents<Result>(
        of path: String, _ body: (UnsafeRawBufferPointer) throws -> Result
    ) throws -> Result

    /// The names in a directory (without "." and "..").
    func listDirectory(_ path: String) throws -> [String]

    /// The process ids currently listed as numeric entries of /proc.
    func processIDs() throws -> [Int32]

    /// `statvfs(3)` of a mount point.
    func fileSystemUsage(of mountPoint: String) throws -> FileSystemUsage

    /// The contents of `/proc/<pid>/<file>`. The live implementation keeps the stat files open
    /// between ticks (one `pread` instead of open, read and close).
    func withProcessFile<Result>(
        pid: Int32, _ file: String, _ body: (UnsafeRawBufferPointer) throws -> Result
    ) throws -> Result

    /// Called after each pass over all processes: files of processes not read in this pass may be closed.
    func endProcessScan()
}

extension ProcFileSystem {
    /// The file's contents decoded as UTF-8 (invalid bytes are replaced). For cold paths only.
    public func readString(_ path: String) throws -> String {
        try withContents(of: path) { String(decoding: $0, as: UTF8.self) }
    }

    public func withProcessFile<Result>(
        pid: Int32, _ file: String, _ body: (UnsafeRawBufferPointer) throws -> Result
    ) throws -> Result {
        try withContents(of: "/proc/\(pid)/\(file)", body)
    }

    public func endProcessScan() {}
}

/// The block counts of a mounted file system as `statvfs(3)` reports them.
public struct FileSystemUsage: Sendable, Equatable {
    /// Fragment size (`f_frsize`): the unit of the block counts.
    public var fragmentSize: UInt64
    /// Total data blocks (`f_blocks`).
    public var blocks: UInt64
    /// Free blocks, including those reserved for root (`f_bfree`).
    public var freeBlocks: UInt64
    /// Free blocks available to unprivileged users (`f_bavail`).
    public var availableBlocks: UInt64

    public init(fragmentSize: UInt64, blocks: UInt64, freeBlocks: UInt64, availableBlocks: UInt64) {
        self.fragmentSize = fragmentSize
        self.blocks = blocks
        self.freeBlocks = freeBlocks
        self.availableBlocks = availableBlocks
    }

    /// Bytes in use, counted as `df` does: blocks that are not free to anyone.
    public var usedBytes: UInt64 { (blocks &- min(freeBlocks, blocks)) &* fragmentSize }

    /// Bytes an unprivileged user can still write, as `df` "Avail".
    public var availableBytes: UInt64 { availableBlocks &* fragmentSize }
}

/// Why reading the proc file system failed.
public struct ProcFileSystemError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var operation: String
    public var errno: Int32

    public init(path: String, operation: String, errno: Int32) {
        self.path = path
        self.operation = operation
        self.errno = errno
    }

    public var description: String { "\(operation) \(path) failed: errno \(errno)" }
}
