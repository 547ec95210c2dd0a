import FleetCore
import FleetProto
import Testing

@testable import FleetCollector

@Suite("Container discovery and per-container readings")
struct ContainerDiscoveryTests {
    static let podmanID = "a3d11478e5aca51f3d833f757120f029b47519613d7ae97c3021c70331367c36"
    static let dockerID = String(repeating: "d", count: 64)
    static let rootlessID = "0123456789abcdef" + String(repeating: "0", count: 48)

    /// A cgroup v2 machine: a podman container under machine.slice (with its conmon scope), a docker
    /// container and a service under system.slice, a rootless podman container under user.slice.
    static func unifiedMachine() -> InMemoryProcFileSystem {
        let fs = InMemoryProcFileSystem()
        let root = "/sys/fs/cgroup"
        fs.set(root + "/cgroup.controllers", "cpu io memory pids\n")
        fs.set(root + "/init.scope/cgroup.procs", "1\n")
        fs.set(root + "/cpu.stat", "usage_usec 1\n")
        func cgroup(_ path: String, cpuUsec: UInt64, memory: UInt64, pid: Int? = nil) {
            fs.set("\(root)/\(path)/cpu.stat", "usage_usec \(cpuUsec)\nuser_usec 1\nsystem_usec 1\n")
            fs.set("\(root)/\(path)/memory.current", "\(memory)\n")
            fs.set("\(root)/\(path)/memory.stat", "anon 1\ninactive_file 1000\n")
            fs.set("\(root)/\(path)/io.stat", "8:0 rbytes=0 wbytes=0 rios=0 wios=0 dbytes=0 dios=0\n")
            fs.set("\(root)/\(path)/cgroup.procs", pid.map { "\($0)\n" } ?? "")
        }
        cgroup("machine.slice/libpod-\(podmanID).scope", cpuUsec: 1_000_000, memory: 11_000, pid: 42)
        cgroup("machine.slice/libpod-conmon-\(podmanID).scope", cpuUsec: 5, memory: 5)
        cgroup("system.slice/docker-\(dockerID).scope", cpuUsec: 0, memory: 21_000)
        cgroup("system.slice/nginx.service", cpuUsec: 0, memory: 31_000)
        cgroup(
            "user.slice/user-1000.slice/user@1000.service/user.slice/libpod-\(rootlessID).scope", cpuUsec: 0,
            memory: 41_000)
        fs.set("/proc/42/net/dev", Fixture.text("live/net_dev"))
        fs.set(
            "/var/lib/containers/storage/overlay-containers/containers.json",
            #"[{"id":"\#(podmanID)","names":["web"],"image":"x"}]"#)
        fs.set("/var/lib/docker/containers/\(dockerID)/config.v2.json", #"{"ID":"\#(dockerID)","Name":"/redis"}"#)
        return fs
    }

    @Test func findsPodmanDockerAndSystemdCgroups() {
        let found = ContainerDiscovery().discover(in: Self.unifiedMachine(), root: "/sys/fs/cgroup")
        #expect(found.map(\.kind) == [.podman, .podman, .docker, .systemd])
        #expect(found.map(\.id) == [Self.rootlessID, Self.podmanID, Self.dockerID, "nginx.service"])
        #expect(found[1].path == "machine.slice/libpod-\(Self.podmanID).scope")
        #expect(found[0].shortID == "0123456789ab")
    }

    @Test func servicesCanBeLeftOut() {
        let found = ContainerDiscovery(includeServices: false).discover(in: Self.unifiedMachine(), root: "/sys/fs/cgroup")
        #expect(found.map(\.kind) == [.podman, .podman, .docker])
    }

    @Test func theListIsBoundedWithContainersFirst() {
        let found = ContainerDiscovery(limit: 2).discover(in: Self.unifiedMachine(), root: "/sys/fs/cgroup")
        #expect(found.map(\.id) == [Self.rootlessID, Self.podmanID])
    }

    @Test func namesComeFromMetadataOrTheShortID() {
        let fs = Self.unifiedMachine()
        let found = ContainerDiscovery().discover(in: fs, root: "/sys/fs/cgroup")
        var names = ContainerNames()
        #expect(names.names(of: found, in: fs) == ["0123456789ab", "web", "redis", "nginx.service"])
    }

    @Test func metadataIsReadOncePerNewContainer() {
        let fs = InMemoryProcFileSystem()
        let store = "/var/lib/containers/storage/overlay-containers/containers.json"
        let first = ContainerCgroup(kind: .podman, id: Self.podmanID, path: "a")
        let second = ContainerCgroup(kind: .podman, id: Self.rootlessID, path: "b")
        var names = ContainerNames()
        #expect(names.names(of: [first], in: fs) == ["a3d11478e5ac"])  // no store: the short id
        fs.set(store, #"[{"id":"\#(Self.podmanID)","names":["web"]},{"id":"\#(Self.rootlessID)","names":["db"]}]"#)
        // Known containers are not looked up again; a new one reads the store.
        #expect(names.names(of: [first, second], in: fs) == ["a3d11478e5ac", "db"])
        fs.files[store] = nil
        #expect(names.names(of: [second], in: fs) == ["db"])
    }

    @Test func readingsCarryTheContainerLabelAndRatesStartAtTheSecondTick() throws {
        let fs = Self.unifiedMachine()
        var sampler = ContainerSampler()
        var first: [Fleetwatch_V1_Reading] = []
        sampler.collect(from: fs, seconds: nil, into: &first)
        // Memory only: current minus inactive_file.
        #expect(Set(first.map(\.key)) == [ProcReading.cgroupMemoryBytes])
        #expect(value(first, ProcReading.cgroupMemoryBytes, "web") == 10_000)
        #expect(value(first, ProcReading.cgroupMemoryBytes, "nginx.service") == 30_000)

        let scope = "/sys/fs/cgroup/machine.slice/libpod-\(Self.podmanID).scope"
        fs.set(scope + "/cpu.stat", "usage_usec 2500000\n")  // 1.5 s of CPU in 2 s
        fs.set(scope + "/io.stat", "8:0 rbytes=4096 wbytes=8192\n")
        var second: [Fleetwatch_V1_Reading] = []
        sampler.collect(from: fs, seconds: 2, into: &second)
        #expect(value(second, ProcReading.cgroupCPUSecondsPerSecond, "web") == 0.75)
        #expect(value(second, ProcReading.cgroupIOReadBytesPerSecond, "web") == 2048)
        #expect(value(second, ProcReading.cgroupIOWriteBytesPerSecond, "web") == 4096)
        #expect(value(second, ProcReading.cgroupNetRxBytesPerSecond, "web") == 0)
        #expect(value(second, ProcReading.cgroupCPUSecondsPerSecond, "redis") == 0)
        // A service shares the host's network: no network readings for it.
        #expect(value(second, ProcReading.cgroupNetRxBytesPerSecond, "nginx.service") == nil)
        #expect(second.allSatisfy { $0.labels.keys.sorted() == ["container"] })

        // A counter that went back (a restarted container) gives no rate that tick.
        fs.set(scope + "/cpu.stat", "usage_usec 10\n")
        var third: [Fleetwatch_V1_Reading] = []
        sampler.collect(from: fs, seconds: 2, into: &third)
        #expect(value(third, ProcReading.cgroupCPUSecondsPerSecond, "web") == nil)
        #expect(value(third, ProcReading.cgroupMemoryBytes, "web") == 10_000)
    }

    @Test func legacyControllersAreReadWhereV1IsAllThereIs() throws {
        let fs = InMemoryProcFileSystem()
        let base = "/sys/fs/cgroup"
        let path = "libpod_parent/libpod-\(Self.podmanID)"
        fs.set(base + "/memory/cgroup.procs", "1\n")
        fs.set(base + "/unified/cgroup.procs", "1\n")  // hybrid: the unified hierarchy has no controllers
        fs.set("\(base)/memory/\(path)/cgroup.procs", "42\n")
        fs.set("\(base)/memory/\(path)/memory.usage_in_bytes", Fixture.text("cgroup/v1/memory.usage_in_bytes"))
        fs.set("\(base)/memory/\(path)/memory.stat", Fixture.text("cgroup/v1/memory.stat"))
        fs.set("\(base)/cpuacct/\(path)/cpuacct.usage", "1000000000\n")
        fs.set(
            "\(base)/blkio/\(path)/blkio.throttle.io_service_bytes",
            Fixture.text("cgroup/v1/blkio.throttle.io_service_bytes_devices"))
        fs.set("/proc/42/net/dev", Fixture.text("live/net_dev"))
        #expect(
            CgroupLayout.detect(in: fs)
                == .legacy(cpuacct: base + "/cpuacct", memory: base + "/memory", blkio: base + "/blkio"))

        var sampler = ContainerSampler()
        var first: [Fleetwatch_V1_Reading] = []
        sampler.collect(from: fs, seconds: nil, into: &first)
        #expect(value(first, ProcReading.cgroupMemoryBytes, "a3d11478e5ac") == 466_944)
        fs.set("\(base)/cpuacct/\(path)/cpuacct.usage", "1500000000\n")
        var second: [Fleetwatch_V1_Reading] = []
        sampler.collect(from: fs, seconds: 1, into: &second)
        #expect(value(second, ProcReading.cgroupCPUSecondsPerSecond, "a3d11478e5ac") == 0.5)
        #expect(value(second, ProcReading.cgroupIOReadBytesPerSecond, "a3d11478e5ac") == 0)
        #expect(value(second, ProcReading.cgroupNetTxBytesPerSecond, "a3d11478e5ac") == 0)
    }

    @Test func noCgroupsMeansNoReadings() {
        var sampler = ContainerSampler()
        var readings: [Fleetwatch_V1_Reading] = []
        sampler.collect(from: InMemoryProcFileSystem(), seconds: 1, into: &readings)
        #expect(readings.isEmpty)
        #expect(CgroupLayout.detect(in: InMemoryProcFileSystem()) == nil)
    }

    private func value(_ readings: [Fleetwatch_V1_Reading], _ key: String, _ container: String) -> Double? {
        readings.first { $0.key == key && $0.labels["container"] == container }?.value
    }
}
