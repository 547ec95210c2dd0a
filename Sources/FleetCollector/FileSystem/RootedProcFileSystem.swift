#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The live `ProcFileSystem`: POSIX `open`/`read` into one reused buffer, no Foundation.
/// `root` is "/" in production; tests point it at a directory tree of fixtures.
///
/// /proc/<pid>/stat files stay open between ticks and are re-read with `pread` at offset 0 (the
/// kernel regenerates them on every read): that halves the system time of a process scan. A kept
/// descriptor of an exited process fails with ESRCH; it is then closed and the pid reopened, so a
/// reused pid is read afresh. At most `maxKeptProcessFiles` descriptors are kept.
///
/// The machine-wide /proc files read every tick (/proc/stat, meminfo, loadavg, uptime, mounts, diskstats,
/// net/dev: any /proc path not under a pid) are kept open the same way, at most `maxKeptFiles` of them, and
/// re-read from offset 0; one that fails is closed and opened again.
public final class RootedProcFileSystem: ProcFileSystem {
    public let root: String
    public let maxKeptProcessFiles: Int
    /// Machine-wide /proc files kept open between reads.
    public static let maxKeptFiles = 16
    private var buffer: UnsafeMutableRawBufferPointer
    private var keptStatFiles: [Int32: (fd: Int32, scan: UInt32)] = [:]
    private var keptFiles: [String: Int32] = [:]
    private var scan: UInt32 = 0

    public init(root: String = "/", maxKeptProcessFiles: Int? = nil) {
        var trimmed = root
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.root = trimmed
        self.buffer = .allocate(byteCount: 64 * 1024, alignment: 16)
        var limit = rlimit()
        let soft = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 ? Int(clamping: limit.rlim_cur) : 1024
        self.maxKeptProcessFiles = maxKeptProcessFiles ?? max(0, min(4096, soft / 2 - 64))
    }

    deinit {
        for (_, kept) in keptStatFiles { close(kept.fd) }
        for (_, fd) in keptFiles { close(fd) }
        buffer.deallocate()
    }

    public func withProcessFile<Result>(
        pid: Int32, _ file: String, _ body: (UnsafeRawBufferPointer) throws -> Result
    ) throws -> Result {
        guard file == "stat" else { return try withContents(of: "/proc/\(pid)/\(file)", body) }
        if let kept = keptStatFiles[pid] {
            let n = pread(kept.fd, buffer.baseAddress!, buffer.count, 0)
            if n > 0 {
                keptStatFiles[pid] = (kept.fd, scan)
                return try body(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            }
            close(kept.fd)
            keptStatFiles[pid] = nil
        }
        let path = resolve("/proc/\(pid)/stat")
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ProcFileSystemError(path: path, operation: "open", errno: errno) }
        // A stat file is far smaller than the buffer and generated whole, so one read returns all of it.
        let n = read(fd, buffer.baseAddress!, buffer.count)
        guard n > 0 else {
            let code = errno
            close(fd)
            throw ProcFileSystemError(path: path, operation: "read", errno: code)
        }
        if keptStatFiles.count < maxKeptProcessFiles {
            keptStatFiles[pid] = (fd, scan)
        } else {
            close(fd)
        }
        return try body(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
    }

    public func endProcessScan() {
        for (pid, kept) in keptStatFiles where kept.scan != scan {
            close(kept.fd)
            keptStatFiles[pid] = nil
        }
        scan &+= 1
    }

    /// Descriptors currently kept open for process stat files.
    public var keptProcessFileCount: Int { keptStatFiles.count }

    /// Descriptors currently kept open for machine-wide /proc files.
    public var keptFileCount: Int { keptFiles.count }

    private func resolve(_ path: String) -> String {
        root == "/" ? path : root + path
    }

    public func withContents<Result>(
        of path: String, _ body: (UnsafeRawBufferPointer) throws -> Result
    ) throws -> Result {
        let full = resolve(path)
        if Self.isMachineWideProcFile(path) {
            if let fd = keptFiles[path] {
                if let used = try? fill(from: fd, positioned: true, path: full) {
                    return try body(UnsafeRawBufferPointer(rebasing: buffer[0..<used]))
                }
                close(fd)
                keptFiles[path] = nil
            }
            if keptFiles.count < Self.maxKeptFiles {
                let fd = open(full, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { throw ProcFileSystemError(path: full, operation: "open", errno: errno) }
                let used: Int
                do {
                    used = try fill(from: fd, positioned: true, path: full)
                } catch {
                    close(fd)
                    throw error
                }
                keptFiles[path] = fd
                return try body(UnsafeRawBufferPointer(rebasing: buffer[0..<used]))
            }
        }
        let fd = open(full, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ProcFileSystemError(path: full, operation: "open", errno: errno) }
        defer { close(fd) }
        let used = try fill(from: fd, positioned: false, path: full)
        return try body(UnsafeRawBufferPointer(rebasing: buffer[0..<used]))
    }

    /// "/proc/<something not a pid>/…": the kernel regenerates these on each read from offset 0.
    static func isMachineWideProcFile(_ path: String) -> Bool {
        let prefix = "/proc/".utf8
        let utf8 = path.utf8
        guard utf8.count > prefix.count, utf8.starts(with: prefix) else { return false }
        let next = utf8[utf8.index(utf8.startIndex, offsetBy: prefix.count)]
        return !(next >= 0x30 && next <= 0x39) && !utf8.dropFirst(prefix.count).starts(with: "self/".utf8)
            && !utf8.dropFirst(prefix.count).starts(with: "thread-self/".utf8)
    }

    /// Reads the whole file into `buffer` (from offset 0 with `pread` when `positioned`), growing the buffer as
    /// needed, and returns the byte count.
    private func fill(from fd: Int32, positioned: Bool, path: String) throws -> Int {
        var used = 0
        while true {
            if used == buffer.count {
                // /proc files report size 0, so grow on demand and keep the larger buffer for next time.
                let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 16)
                bigger.copyMemory(from: UnsafeRawBufferPointer(buffer))
                buffer.deallocate()
                buffer = bigger
            }
            let n =
                positioned
                ? pread(fd, buffer.baseAddress! + used, buffer.count - used, off_t(used))
                : read(fd, buffer.baseAddress! + used, buffer.count - used)
            if n < 0 {
                if errno == EINTR { continue }
                throw ProcFileSystemError(path: path, operation: "read", errno: errno)
            }
            if n == 0 { break }
            used += n
        }
        return used
    }

    public func listDirectory(_ path: String) throws -> [String] {
        var names: [String] = []
        try forEachEntry(resolve(path)) { name in
            let string = String(decoding: name, as: UTF8.self)
            if string != "." && string != ".." { names.append(string) }
        }
        return names
    }

    public func processIDs() throws -> [Int32] {
        var pids: [Int32] = []
        pids.reserveCapacity(512)
        try forEachEntry(resolve("/proc")) { name in
            var value: Int32 = 0
            guard !name.isEmpty else { return }
            for byte in name {
                guard byte >= 0x30 && byte <= 0x39 else { return }
                value = value &* 10 &+ Int32(byte &- 0x30)
            }
            pids.append(value)
        }
        return pids
    }

    public func fileSystemUsage(of mountPoint: String) throws -> FileSystemUsage {
        var result = statvfs()
        let full = resolve(mountPoint)
        guard statvfs(full, &result) == 0 else {
            throw ProcFileSystemError(path: full, operation: "statvfs", errno: errno)
        }
        return FileSystemUsage(
            fragmentSize: UInt64(result.f_frsize), blocks: UInt64(result.f_blocks),
            freeBlocks: UInt64(result.f_bfree), availableBlocks: UInt64(result.f_bavail))
    }

    private func forEachEntry(_ fullPath: String, _ body: (UnsafeRawBufferPointer) -> Void) throws {
        guard let dir = opendir(fullPath) else {
            throw ProcFileSystemError(path: fullPath, operation: "opendir", errno: errno)
        }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            withUnsafePointer(to: &entry.pointee.d_name) { tuple in
                tuple.withMemoryRebound(to: CChar.self, capacity: 256) { cString in
                    body(UnsafeRawBufferPointer(start: cString, count: strlen(cString)))
                }
            }
        }
    }
}
