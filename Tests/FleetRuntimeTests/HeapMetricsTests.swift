import Testing

@testable import FleetRuntime

@Suite struct HeapMetricsTests {
    @Test func liveAllocationsShowInTheBytesInUse() throws {
        let before = try #require(HeapMetrics.current())
        // 64 MiB in 64 KiB blocks (under glibc's mmap threshold only at first; both kinds count), written so they are real.
        let kept: [[UInt8]] = (0..<1_024).map { [UInt8](repeating: UInt8($0 % 251), count: 65_536) }
        let during = try #require(HeapMetrics.current())
        #expect(during.inUseBytes - before.inUseBytes >= 60 * 1_048_576)
        #expect(kept.count == 1_024 && kept[1_023][65_535] == UInt8(1_023 % 251))
    }

    @Test func theExpositionNamesBothFamiliesWithHelp() {
        let text = HeapMetrics(inUseBytes: 1_048_576, freeBytes: 4_096).exposition
        #expect(text.contains("# HELP fleetwatch_heap_inuse_bytes "))
        #expect(text.contains("# TYPE fleetwatch_heap_inuse_bytes gauge\nfleetwatch_heap_inuse_bytes 1048576\n"))
        #expect(text.contains("# TYPE fleetwatch_heap_free_bytes gauge\nfleetwatch_heap_free_bytes 4096\n"))
    }
}
