import Testing

@testable import FleetCollector

@Suite("Parsers of cgroup v2 and v1 files")
struct CgroupParserTests {
    private func parse<T>(_ name: String, _ parser: (UnsafeRawBufferPointer) -> T) -> T {
        Fixture.text("cgroup/" + name).withBytes(parser)
    }

    @Test func v2CPUStatGivesUsageInNanoseconds() {
        #expect(parse("v2/cpu.stat", CgroupV2Parser.cpuUsageNanoseconds) == 579_885_957_000)
        #expect("user_usec 1\nsystem_usec 2\n".withBytes(CgroupV2Parser.cpuUsageNanoseconds) == nil)
    }

    @Test func v2MemoryCurrentAndInactiveFile() {
        #expect(parse("v2/memory.current", CgroupV2Parser.single) == 8_392_704)
        #expect(parse("v2/memory.stat", CgroupV2Parser.inactiveFileBytes) == 1_699_840)
        #expect("max\n".withBytes(CgroupV2Parser.single) == nil)
        #expect("".withBytes(CgroupV2Parser.single) == nil)
    }

    @Test func v2IOStatSumsDevices() {
        #expect(parse("v2/io.stat", CgroupV2Parser.ioTotals) == CgroupIOTotals(readBytes: 2_879_488, writeBytes: 1_048_576))
        #expect("".withBytes(CgroupV2Parser.ioTotals) == CgroupIOTotals(readBytes: 0, writeBytes: 0))
        // Fields without a number, or unknown, are skipped.
        #expect(
            "8:0 rbytes=x wbytes=5 foo\n".withBytes(CgroupV2Parser.ioTotals)
                == CgroupIOTotals(readBytes: 0, writeBytes: 5))
    }

    @Test func v1FilesFromALivePodmanContainer() {
        #expect(parse("v1/cpuacct.usage", CgroupV1Parser.single) == 579_833_334_607)
        #expect(parse("v1/memory.usage_in_bytes", CgroupV1Parser.single) == 466_944)
        // total_inactive_file, not the cgroup-local inactive_file line before it.
        #expect(parse("v1/memory.stat", CgroupV1Parser.inactiveFileBytes) == 0)
        #expect("inactive_file 7\ntotal_inactive_file 9\n".withBytes(CgroupV1Parser.inactiveFileBytes) == 9)
        #expect(
            parse("v1/blkio.throttle.io_service_bytes", CgroupV1Parser.ioTotals) == CgroupIOTotals(readBytes: 0, writeBytes: 0))
    }

    @Test func v1BlkioSumsReadAndWriteOverDevices() {
        #expect(
            parse("v1/blkio.throttle.io_service_bytes_devices", CgroupV1Parser.ioTotals)
                == CgroupIOTotals(readBytes: 1_052_672, writeBytes: 2_097_152))
    }

    @Test func podmanAndDockerNamesFromTheirMetadata() {
        let names = ContainerNames.podmanNames(Fixture.text("cgroup/containers.json"))
        #expect(names["a3d11478e5aca51f3d833f757120f029b47519613d7ae97c3021c70331367c36"] == "sweet_bouman")
        #expect(names["bbbb1478e5aca51f3d833f757120f029b47519613d7ae97c3021c70331367c36"] == "web")
        #expect(names.count == 2)
        #expect(ContainerNames.podmanNames("not json") == [:])
        #expect(ContainerNames.dockerName(#"{"ID":"abc","Name":"/redis","State":{}}"#) == "redis")
        #expect(ContainerNames.dockerName(#"{"Name":""}"#) == nil)
    }
}
