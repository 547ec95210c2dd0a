#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The live `ProcFileSystem`: POSIX `open`/`read` into one reused buffer, no Foundation.
/// `root` is "/" in production; tests point it at a directory tree of fixtures.
public final class RootedProcFileSystem: ProcFileSystem {
    public let root: String
    private var buffer: UnsafeMutableRawBufferPointer

    public init(root: String = "/") {
        var trimmed = root
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.root = trimmed
        self.buffer = .allocate(byteCount: 64 * 1024, alignment: 16)
    }

    deinit { buffer.deallocate() }

    private func resolve(_ path: String) -> String {
        root == "/" ? path : root + path
    }

    public func withContents<Result>(
        of path: String, _ body: (UnsafeRawBufferPointer) throws -> Result
    ) throws -> Result {
        let full = resolve(path)
        let fd = open(full, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ProcFileSystemError(path: full, operation: "open", errno: errno) }
        defer { close(fd) }
        var used = 0
        while true {
            if used == buffer.count {
                // /proc files report size 0, so grow on demand and keep the larger buffer for next time.
                let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 16)
                bigger.copyMemory(from: UnsafeRawBufferPointer(buffer))
                buffer.deallocate()
                buffer = bigger
            }
            let n = read(fd, buffer.baseAddress! + used, buffer.count - used)
            if n < 0 {
                if errno == EINTR { continue }
                throw ProcFileSystemError(path: full, operation: "read", errno: errno)
            }
            if n == 0 { break }
            used += n
        }
        return try body(UnsafeRawBufferPointer(rebasing: buffer[0..<used]))
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
