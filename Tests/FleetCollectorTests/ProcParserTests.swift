import Testing

@testable import FleetCollector

@Suite("Parsers of /proc files")
struct ProcParserTests {
    @Test func cpuStatFromLiveFixture() throws {
        let sample = try #require(CPUStatParser.parse(Fixture.text("live/stat")))
        #expect(
            sample.total
                == CPUTimes(user: 46895, nice: 0, system: 7489, idle: 34034, iowait: 489, irq: 0, softirq: 84, steal: 202))
        #expect(sample.cores.count == 2)
        #expect(sample.cores[1]?.user == 27788)
        #expect(sample.total.total == 46895 + 7489 + 34034 + 489 + 84 + 202)
        #expect(sample.total.busy == 46895 + 7489 + 84 + 202)
    }

    @Test func cpuRatiosFromTwoTicks() throws {
        let first = try #require(CPUStatParser.parse(Fixture.text("edge/stat_tick1")))
        let second = try #require(CPUStatParser.parse(Fixture.text("edge/stat_tick2")))
        #expect(second.total.busyRatio(since: first.total) == 0.4)
        #expect(second.total.iowaitRatio(since: first.total) == 0.1)
        #expect(second.cores[0]!.busyRatio(since: first.cores[0]!) == 0.25)
        #expect(second.cores[1]!.busyRatio(since: first.cores[1]!) == 0.4375)
        #expect(first.total.busyRatio(since: first.total) == nil)
        #expect(first.total.busyRatio(since: second.total) == nil)
    }

    @Test func meminfoFromLiveFixture() throws {
        let info = try #require(MeminfoParser.parse(Fixture.text("live/meminfo")))
        #expect(info.memTotalKiB == 24_684_092)
        #expect(info.memAvailableKiB == 23_873_716)
        #expect(info.memFreeKiB == 22_445_292)
        #expect(info.buffersKiB == 26_616)
        #expect(info.cachedKiB == 1_610_204)
        #expect(info.swapTotalKiB == 0)
        #expect(info.swapFreeKiB == 0)
    }

    /// procps `free` (3.3.10+) reports used = MemTotal - MemAvailable; our figure must agree.
    @Test func memoryUsedMatchesFreeSemantics() throws {
        let info = try #require(MeminfoParser.parse(Fixture.text("live/meminfo")))
        let totalBytes = info.memTotalKiB * 1024
        let availableBytes = info.memAvailableKiB * 1024
        #expect(info.usedKiB * 1024 == totalBytes - availableBytes)
        #expect(info.usedKiB == 810_376)
        #expect(info.swapUsedKiB == 0)
    }

    @Test func meminfoWithoutMemAvailableEstimatesIt() throws {
        let info = try #require(MeminfoParser.parse(Fixture.text("edge/meminfo_old_kernel")))
        #expect(info.memAvailableKiB == 512_000 + 128_000 + 256_000)
        #expect(info.swapUsedKiB == 256_000)
        #expect(MeminfoParser.parse("garbage") == nil)
    }

    @Test func loadavgAndUptime() throws {
        let load = try #require(LoadavgParser.parse(Fixture.text("live/loadavg")))
        #expect(load == LoadAverage(one: 2.65, five: 1.60, fifteen: 0.71))
        #expect(UptimeParser.parse(Fixture.text("live/uptime")) == 447.68)
        #expect(UptimeParser.parse("") == nil)
    }

    @Test func diskstatsFromLiveFixtureKeepsRealDisks() {
        let disks = DiskstatsParser.parse(Fixture.text("live/diskstats"))
        #expect(disks.map(\.device) == ["vda", "zram0"])
        #expect(disks[0] == DiskCounters(device: "vda", sectorsRead: 3_027_362, sectorsWritten: 2_953_336))
    }

    @Test func diskstatsSkipsLoopRamAndPartitionsOfListedDisks() {
        let disks = DiskstatsParser.parse(Fixture.text("edge/diskstats_tick1"))
        #expect(disks.map(\.device) == ["sda", "nvme0n1", "mmcblk0", "dm-0", "zram0"])
        #expect(disks[0] == DiskCounters(device: "sda", sectorsRead: 20000, sectorsWritten: 40000))
        // A partition whose disk is not listed (e.g. in a container) is kept.
        let lonely = DiskstatsParser.parse("   8       1 sda1 9 0 19 4 19 3 39 8 0 9 13 0 0 0 0\n")
        #expect(lonely.map(\.device) == ["sda1"])
    }

    @Test func netDevFromLiveFixture() {
        let interfaces = NetDevParser.parse(Fixture.text("live/net_dev"))
        #expect(interfaces.map(\.interface) == ["ifb0", "ifb1", "eth0"])
        #expect(interfaces[2] == InterfaceCounters(interface: "eth0", receivedBytes: 51_654_605, transmittedBytes: 46_867))
        let withLoopback = NetDevParser.parse(Fixture.text("live/net_dev"), includeLoopback: true)
        #expect(withLoopback.first == InterfaceCounters(interface: "lo", receivedBytes: 27160, transmittedBytes: 27160))
    }

    @Test func netDevWithoutSpaceAfterColon() {
        let interfaces = NetDevParser.parse(Fixture.text("edge/net_dev_tick1"))
        #expect(interfaces.map(\.interface) == ["eth0", "wlan0"])
        #expect(
            interfaces[1] == InterfaceCounters(interface: "wlan0", receivedBytes: 123_456_789_012, transmittedBytes: 987_654_321))
    }

    @Test func mountsFromLiveFixtureKeepOnlyTheRootDisk() {
        let mounts = MountsParser.parse(Fixture.text("live/mounts"))
        #expect(mounts == [MountEntry(device: "/dev/vda", mountPoint: "/", fileSystemType: "ext4")])
    }

    @Test func mountsSkipPseudoFileSystemsAndDeduplicateDevices() {
        let mounts = MountsParser.parse(Fixture.text("edge/mounts"))
        #expect(
            mounts == [
                MountEntry(device: "overlay", mountPoint: "/", fileSystemType: "overlay"),
                MountEntry(device: "/dev/sda1", mountPoint: "/data", fileSystemType: "ext4"),
                MountEntry(device: "/dev/sdb1", mountPoint: "/mnt/my disk", fileSystemType: "xfs"),
                MountEntry(device: "server:/export", mountPoint: "/mnt/nfs", fileSystemType: "nfs4"),
            ])
        // overlay anywhere but the root is a container's layer, not a disk.
        #expect(MountsParser.parse("overlay /var/lib/docker/overlay2/x/merged overlay rw 0 0\n").isEmpty)
    }

    @Test func processStatFromLiveFixture() throws {
        let stat = try #require(ProcessStatParser.parse(Fixture.text("live/pid_stat")))
        #expect(stat == ProcessStat(pid: 1, name: "process_api", cpuTicks: 54 + 297, residentPages: 3135, startTicks: 31))
    }

    @Test func processStatWithParenthesesAndSpacesInName() throws {
        let stat = try #require(ProcessStatParser.parse(Fixture.text("edge/pid_stat_weird")))
        #expect(stat == ProcessStat(pid: 4242, name: "my (weird) proc", cpuTicks: 2000, residentPages: 25600, startTicks: 10000))
        #expect(ProcessStatParser.parse("12 (truncated") == nil)
    }

    @Test func processStatusEffectiveUID() {
        #expect(ProcessStatusParser.effectiveUserID(Fixture.text("live/pid_status")) == 0)
        #expect(ProcessStatusParser.effectiveUserID("Name:\tx\nUid:\t1000\t105\t1000\t1000\n") == 105)
        #expect(ProcessStatusParser.effectiveUserID("Name:\tx\n") == nil)
    }

    @Test func passwdFirstEntryOfAUidWins() {
        let names = PasswdParser.parse(Fixture.text("edge/passwd"))
        #expect(names == [0: "root", 1: "daemon", 105: "postgres", 1000: "alice"])
        #expect(PasswdParser.parse(Fixture.text("live/passwd"))[0] == "root")
    }

    @Test func osReleasePrettyName() {
        #expect(OSRelease.prettyName(Fixture.text("edge/os-release")) == "Debian GNU/Linux 12 (bookworm)")
        #expect(OSRelease.prettyName("PRETTY_NAME=Alpine\n") == "Alpine")
        #expect(OSRelease.prettyName("NAME=x\n") == nil)
    }

    @Test func partitionDetection() {
        let devices: Set<String> = ["sda", "nvme0n1", "mmcblk0", "md0"]
        #expect(DiskstatsParser.isPartition("sda1", of: devices))
        #expect(DiskstatsParser.isPartition("sda15", of: devices))
        #expect(DiskstatsParser.isPartition("nvme0n1p2", of: devices))
        #expect(DiskstatsParser.isPartition("mmcblk0p1", of: devices))
        #expect(DiskstatsParser.isPartition("md0p1", of: devices))
        #expect(!DiskstatsParser.isPartition("nvme0n1", of: devices))
        #expect(!DiskstatsParser.isPartition("sdb1", of: devices))
        #expect(!DiskstatsParser.isPartition("nvme0n10", of: devices))
    }
}
