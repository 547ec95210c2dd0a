#if canImport(CMalloc)
import CMalloc
#endif

/// What malloc holds for this process (glibc's `mallinfo2`, summed over every arena): the bytes live allocations
/// use and the bytes it keeps free. RSS alone cannot tell a process that holds more from one whose freed memory was
/// not given back; these two can (a creep in `fleetwatch_heap_inuse_bytes` is live memory, one in
/// `fleetwatch_heap_free_bytes` is fragmentation or a peak not trimmed yet).
public struct HeapMetrics: Sendable, Equatable {
    /// Bytes of allocated chunks, from the arenas and from mmap (large allocations).
    public var inUseBytes: Double
    /// Bytes of free chunks malloc keeps in its arenas.
    public var freeBytes: Double

    public init(inUseBytes: Double, freeBytes: Double) {
        self.inUseBytes = inUseBytes
        self.freeBytes = freeBytes
    }

    /// This process now; nil where malloc is not glibc's. It walks every arena's free lists under their locks,
    /// which takes well under a millisecond for a Fleetwatch process: fine at each scrape, not per request.
    public static func current() -> HeapMetrics? {
        #if canImport(CMalloc)
        let info = mallinfo2()
        return HeapMetrics(
            inUseBytes: Double(info.uordblks) + Double(info.hblkhd), freeBytes: Double(info.fordblks))
        #else
        return nil
        #endif
    }

    /// The families in Prometheus text format, HELP (from `MetricHelp`) and TYPE included.
    public var exposition: String {
        [("fleetwatch_heap_inuse_bytes", inUseBytes), ("fleetwatch_heap_free_bytes", freeBytes)].map { name, value in
            MetricsExposition.header(name: name, type: "gauge") + "\(name) \(Int64(value))\n"
        }.joined()
    }
}
