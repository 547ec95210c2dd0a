import FleetProto
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The collector's durable outbox: every batch waits here, on disk, until the edge acks its sequence.
///
/// Layout under `directory`: `batches/<sequence, 20 digits>.pb` holds one serialized `RawBatch` each
/// (written to a temp file, fsynced, renamed and the folder fsynced before `append` returns, so a crash
/// leaves either the whole batch or none, and a batch handed to the uploader survives one).
///
/// A number is never assigned twice, even across restarts: at start the next number is one past the
/// highest of the batch files and of the high-water marker `batches/<sequence>.acked`. When the highest
/// batch ever assigned leaves the outbox (acked, rejected or dropped), its file is renamed to that marker
/// rather than unlinked (a rename is atomic: after a crash either the batch or the marker is there), and
/// the previous marker is unlinked. So one append costs one file fsync, one rename and one folder fsync;
/// nothing else is fsynced per tick. (`next-sequence`, written by earlier versions, is still read.)
///
/// The marker's file is recycled: the next append renames it to its own temp file (`<sequence>.pb.tmp`, truncated
/// and rewritten), so an agent whose batches are acked before the next tick creates and deletes no file per tick.
/// That matters on ext4 without a journal, where creating an inode shortly after deleting one scans the inode
/// bitmap for recently deleted ones (≈ 1 ms per tick on the benchmark machine). A temp file found at start was
/// never acknowledged as stored, but its number says every smaller one was assigned, so it becomes the marker of
/// the number before it.
///
/// The files are opened, renamed and unlinked relative to one descriptor of `batches/`, kept open, which is also
/// the one fsynced. The last few appended batches stay in memory until acked (`recentLimit`), so the uploader
/// sends a fresh batch without reading back the file just written; older ones are read from disk. Either way the
/// uploader sends the stored bytes (`OutboxBatch`): a batch is encoded once.
///
/// Bounded by a batch count and a byte total: when full, the oldest batch is dropped, counted and logged.
public final class BatchBuffer: Sendable {
    public let directory: String
    public let maxBatches: Int
    public let maxBytes: Int
    /// How many of the newest unacked batches are also kept in memory (the rest are read from their files).
    public static let recentLimit = 8
    private let durable: Bool
    private let logger: Logger
    private let state: Mutex<State>
    /// `batches/`, open for the life of the buffer.
    private let folder: Int32

    private struct Entry {
        var sequence: UInt64
        /// Serialized size; -1 marks an entry acked out of order, skipped until compaction.
        var size: Int
    }

    private struct State {
        var entries: [Entry] = []
        var head = 0
        var liveCount = 0
        var liveBytes = 0
        var nextSequence: UInt64 = 1
        var dropped = 0
        var rejected = 0
        /// The sequence of the high-water marker file `<sequence>.acked`, if there is one.
        var marker: UInt64?
        /// The newest appended, unacked batches (at most `recentLimit`), oldest first, as written.
        var recent: [OutboxBatch] = []
    }

    /// Opens (creating if needed) the buffer in `directory` and reloads batches left unacked by a
    /// previous run. `durable: false` skips fsync (tests, or machines where losing the last seconds
    /// on power loss is acceptable).
    public init(
        directory: String, maxBatches: Int = 100_000, maxBytes: Int = 256 << 20, durable: Bool = true,
        logger: Logger = Logger(label: "fleetwatch.collector.buffer")
    ) throws {
        self.directory = directory
        self.maxBatches = max(1, maxBatches)
        self.maxBytes = max(1, maxBytes)
        self.durable = durable
        self.logger = logger
        try Self.makeDirectories(directory + "/batches")

        var state = State()
        var found: [Entry] = []
        var markers: [UInt64] = []
        let batchesDirectory = directory + "/batches"
        for name in try Self.list(batchesDirectory) {
            let path = batchesDirectory + "/" + name
            if name.hasSuffix(".pb.tmp"), let sequence = UInt64(name.dropLast(7)), sequence > 1 {
                // An append interrupted by a crash, maybe in the recycled marker: it may be the only proof that
                // `sequence - 1` was handed out, so it counts as that marker even when it cannot be renamed
                // to one (then it stays, never unlinked, and the next start reads it the same way).
                markers.append(sequence - 1)
                _ = rename(path, batchesDirectory + "/" + Self.fileName(of: sequence - 1, suffix: ".acked"))
                continue
            }
            if name.hasSuffix(".tmp") {
                unlink(path)  // an append interrupted by a crash: never acknowledged as stored
                continue
            }
            if name.hasSuffix(".acked"), let sequence = UInt64(name.dropLast(6)) {
                markers.append(sequence)
                continue
            }
            guard name.hasSuffix(".pb"), let sequence = UInt64(name.dropLast(3)) else { continue }
            var info = stat()
            guard stat(path, &info) == 0 else { continue }
            found.append(Entry(sequence: sequence, size: Int(info.st_size)))
        }
        found.sort { $0.sequence < $1.sequence }
        state.entries = found
        state.liveCount = found.count
        state.liveBytes = found.reduce(0) { $0 + $1.size }
        let persisted = Self.readSequenceFile(directory + "/next-sequence") ?? 1
        let highestMarker = markers.max()
        state.nextSequence = max(persisted, (found.last?.sequence ?? 0) + 1, (highestMarker ?? 0) + 1, 1)
        state.marker = highestMarker
        for stale in markers where stale != highestMarker {
            unlink(batchesDirectory + "/" + Self.fileName(of: stale, suffix: ".acked"))  // a crash between rename and unlink
        }
        self.state = Mutex(state)
        folder = open(batchesDirectory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard folder >= 0 else {
            throw BatchBufferError(path: batchesDirectory, operation: "open directory", errno: errno)
        }
        if !found.isEmpty {
            logger.info(
                "reloaded unacked batches",
                metadata: [
                    "count": "\(found.count)", "bytes": "\(state.liveBytes)",
                    "first": "\(found.first!.sequence)", "next_sequence": "\(state.nextSequence)",
                ])
        }
        self.state.withLock { enforceCaps(&$0) }
    }

    deinit {
        close(folder)
    }

    /// Assigns the next sequence number to `batch`, stores it durably and returns the number.
    /// Drops (and logs) the oldest batches if the buffer is over its caps afterwards.
    @discardableResult
    public func append(_ batch: Fleetwatch_V1_RawBatch) throws -> UInt64 {
        try state.withLock { state in
            let sequence = state.nextSequence
            state.nextSequence = sequence + 1
            var stamped = batch
            stamped.sequence = sequence
            let bytes: [UInt8] = try stamped.serializedBytes()
            let name = Self.fileName(of: sequence, suffix: ".pb")
            // Reuse the marker's file (and inode) as this batch's temp file; its name keeps the high-water mark.
            var recycled: UInt64?
            if let marker = state.marker, marker < sequence,
                renameat(folder, Self.fileName(of: marker, suffix: ".acked"), folder, name + ".tmp") == 0
            {
                state.marker = nil
                recycled = marker
            }
            do {
                try writeAtomically(name, bytes, removeOnFailure: recycled == nil)
            } catch {
                if let marker = recycled,
                    renameat(folder, name + ".tmp", folder, Self.fileName(of: marker, suffix: ".acked")) == 0
                {
                    state.marker = marker
                }
                throw error
            }
            state.entries.append(Entry(sequence: sequence, size: bytes.count))
            state.liveCount += 1
            state.liveBytes += bytes.count
            state.recent.append(OutboxBatch(sequence: sequence, bytes: bytes))
            if state.recent.count > Self.recentLimit { state.recent.removeFirst() }
            enforceCaps(&state)
            return sequence
        }
    }

    /// Forgets a batch the edge has acknowledged. Returns false if it was not pending (already acked or dropped).
    @discardableResult
    public func ack(_ sequence: UInt64) -> Bool {
        state.withLock { remove(sequence, from: &$0) }
    }

    /// Forgets a batch the edge refused as invalid, counting it as rejected.
    @discardableResult
    public func reject(_ sequence: UInt64) -> Bool {
        state.withLock { state in
            guard remove(sequence, from: &state) else { return false }
            state.rejected += 1
            return true
        }
    }

    /// Every unacked batch, oldest first, decoded.
    public func pending() -> [Fleetwatch_V1_RawBatch] {
        pending(after: 0, limit: .max).compactMap { try? Fleetwatch_V1_RawBatch(serializedBytes: $0.bytes) }
    }

    /// Up to `limit` unacked batches with a sequence greater than `sequence`, oldest first, as stored.
    /// A batch file that cannot be read back, or does not decode, is dropped, counted and logged.
    public func pending(after sequence: UInt64, limit: Int) -> [OutboxBatch] {
        state.withLock { state in
            var result: [OutboxBatch] = []
            var index = firstIndex(after: sequence, in: state)
            var unreadable: [UInt64] = []
            while index < state.entries.count, result.count < limit {
                let entry = state.entries[index]
                index += 1
                guard entry.size >= 0 else { continue }
                if let kept = state.recent.first(where: { $0.sequence == entry.sequence }) {
                    result.append(kept)
                    continue
                }
                do {
                    let bytes = try readFile(Self.fileName(of: entry.sequence, suffix: ".pb"))
                    // Checked once here, on the rare path from disk: a damaged file never reaches the edge.
                    _ = try Fleetwatch_V1_RawBatch(serializedBytes: bytes)
                    result.append(OutboxBatch(sequence: entry.sequence, bytes: bytes))
                } catch {
                    logger.error(
                        "dropping unreadable buffered batch",
                        metadata: ["sequence": "\(entry.sequence)", "error": "\(error)"])
                    unreadable.append(entry.sequence)
                }
            }
            for bad in unreadable where remove(bad, from: &state) { state.dropped += 1 }
            return result
        }
    }

    /// Unacked batches.
    public var depth: Int { state.withLock { $0.liveCount } }
    /// Bytes of unacked batches.
    public var byteCount: Int { state.withLock { $0.liveBytes } }
    /// Batches dropped because the buffer was full (or unreadable) since this process started.
    public var droppedBatches: Int { state.withLock { $0.dropped } }
    /// Batches removed because the edge rejected them, since this process started.
    public var rejectedBatches: Int { state.withLock { $0.rejected } }
    /// The number the next appended batch will get.
    public var nextSequence: UInt64 { state.withLock { $0.nextSequence } }
    /// The oldest unacked sequence, if any.
    public var oldestSequence: UInt64? {
        state.withLock { state in
            state.entries[state.head...].first(where: { $0.size >= 0 })?.sequence
        }
    }

    // MARK: - Internals (called with the lock held)

    private func enforceCaps(_ state: inout State) {
        while state.liveCount > maxBatches || (state.liveBytes > maxBytes && state.liveCount > 1) {
            guard let oldest = state.entries[state.head...].first(where: { $0.size >= 0 }) else { break }
            _ = remove(oldest.sequence, from: &state)
            state.dropped += 1
            logger.warning(
                "outbox full: dropped the oldest unacked batch",
                metadata: [
                    "sequence": "\(oldest.sequence)", "dropped_total": "\(state.dropped)",
                    "max_batches": "\(maxBatches)", "max_bytes": "\(maxBytes)",
                ])
        }
    }

    private func remove(_ sequence: UInt64, from state: inout State) -> Bool {
        let index = firstIndex(after: sequence &- 1, in: state)
        guard index < state.entries.count, state.entries[index].sequence == sequence,
            state.entries[index].size >= 0
        else { return false }
        if sequence == state.nextSequence &- 1 {
            keepAsHighWaterMarker(sequence, in: &state)
        } else {
            unlinkat(folder, Self.fileName(of: sequence, suffix: ".pb"), 0)
        }
        if let kept = state.recent.firstIndex(where: { $0.sequence == sequence }) { state.recent.remove(at: kept) }
        state.liveCount -= 1
        state.liveBytes -= state.entries[index].size
        state.entries[index].size = -1
        while state.head < state.entries.count, state.entries[state.head].size < 0 { state.head += 1 }
        if state.head > 1024 && state.head * 2 > state.entries.count {
            state.entries.removeFirst(state.head)
            state.head = 0
        }
        return true
    }

    /// Turns the file of the highest sequence ever assigned into the marker that keeps the number from
    /// being assigned again after a restart, and forgets the previous marker.
    private func keepAsHighWaterMarker(_ sequence: UInt64, in state: inout State) {
        let marker = Self.fileName(of: sequence, suffix: ".acked")
        if renameat(folder, Self.fileName(of: sequence, suffix: ".pb"), folder, marker) == 0 {
            if let previous = state.marker, previous != sequence {
                unlinkat(folder, Self.fileName(of: previous, suffix: ".acked"), 0)
            }
            state.marker = sequence
            return
        }
        // The rename failed (the file vanished or the disk refuses): fall back to the sequence file.
        let code = errno
        do {
            try writeAtomically("../next-sequence", Array("\(sequence + 1)\n".utf8))
        } catch {
            logger.error(
                "cannot persist the outbox's next sequence; a restart may reuse a number",
                metadata: ["sequence": "\(sequence)", "rename_errno": "\(code)", "error": "\(error)"])
        }
        unlinkat(folder, Self.fileName(of: sequence, suffix: ".pb"), 0)
    }

    /// Index of the first entry with a sequence greater than `sequence` (binary search).
    private func firstIndex(after sequence: UInt64, in state: State) -> Int {
        var low = state.head
        var high = state.entries.count
        while low < high {
            let mid = (low + high) / 2
            if state.entries[mid].sequence <= sequence { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// `<sequence, 20 digits><suffix>`: names sort in sequence order.
    private static func fileName(of sequence: UInt64, suffix: String) -> String {
        let digits = String(sequence)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + suffix
    }

    /// Writes `name` (relative to `batches/`) through a temp file: written, fsynced, renamed, the folder fsynced.
    private func writeAtomically(_ name: String, _ bytes: [UInt8], removeOnFailure: Bool = true) throws {
        let temporary = name + ".tmp"
        let fd = openat(folder, temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw BatchBufferError(path: pathInFolder(temporary), operation: "create", errno: errno) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(fd)
                if removeOnFailure { unlinkat(folder, temporary, 0) }
                throw BatchBufferError(path: pathInFolder(temporary), operation: "write", errno: code)
            }
            written += n
        }
        if durable && fsync(fd) != 0 {
            let code = errno
            close(fd)
            throw BatchBufferError(path: pathInFolder(temporary), operation: "fsync", errno: code)
        }
        close(fd)
        guard renameat(folder, temporary, folder, name) == 0 else {
            throw BatchBufferError(path: pathInFolder(name), operation: "rename", errno: errno)
        }
        if durable {
            // The rename is durable once the folder holding the new name is: `batches/`, or the outbox's own
            // folder for the fallback sequence file.
            if name.hasPrefix("../") {
                let parent = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                if parent >= 0 {
                    fsync(parent)
                    close(parent)
                }
            } else {
                fsync(folder)
            }
        }
    }

    private func pathInFolder(_ name: String) -> String {
        directory + "/batches/" + name
    }

    private func readFile(_ name: String) throws -> [UInt8] {
        let path = pathInFolder(name)
        let fd = openat(folder, name, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw BatchBufferError(path: path, operation: "open", errno: errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw BatchBufferError(path: path, operation: "stat", errno: errno) }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw BatchBufferError(path: path, operation: "read", errno: n == 0 ? EIO : errno) }
            done += n
        }
        return bytes
    }

    private static func readSequenceFile(_ path: String) -> UInt64? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 32)
        guard fgets(&buffer, 32, file) != nil else { return nil }
        let text = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return UInt64(text.trimmingWhitespace())
    }

    private static func makeDirectories(_ path: String) throws {
        var prefix = ""
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            prefix += (prefix.isEmpty && !path.hasPrefix("/") ? "" : "/") + component
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw BatchBufferError(path: prefix, operation: "create directory", errno: errno)
            }
        }
    }

    private static func list(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else {
            throw BatchBufferError(path: path, operation: "open directory", errno: errno)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}

/// A file operation of the outbox failed; the message names the path and the system error.
public struct BatchBufferError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var operation: String
    public var errno: Int32

    public var description: String {
        "FLEETWATCH_DATA_DIR: cannot \(operation) \(path): \(String(cString: strerror(errno))) (errno \(errno))"
    }
}
