/// Names containers from their engines' metadata when it is readable: podman's
/// `/var/lib/containers/storage/overlay-containers/containers.json` (`"names":[…]`) and docker's
/// `/var/lib/docker/containers/<id>/config.v2.json` (`"Name":"/…"`). Anything else keeps its short id,
/// and systemd units their unit name.
///
/// A name, once looked up, is kept for the container's life (the engines write their metadata when a
/// container is created, before it starts), so the files are read only when a new container appears. The JSON is searched for the two keys rather than decoded,
/// which keeps Foundation off the agent.
public struct ContainerNames {
    public var podmanStore: String
    public var dockerRoot: String
    /// id → name, or nil when the metadata did not name it (it keeps its short id).
    private var known: [String: String?] = [:]

    public init(
        podmanStore: String = "/var/lib/containers/storage/overlay-containers/containers.json",
        dockerRoot: String = "/var/lib/docker/containers"
    ) {
        self.podmanStore = podmanStore
        self.dockerRoot = dockerRoot
    }

    /// The label value of each container, in the order given; names used twice get the short id appended.
    public mutating func names<FileSystem: ProcFileSystem>(
        of containers: [ContainerCgroup], in fileSystem: FileSystem
    ) -> [String] {
        var podmanNames: [String: String]?
        var result: [String] = []
        var used: Set<String> = []
        for container in containers {
            var name: String?
            if let remembered = known[container.id] {
                name = remembered
            } else {
                switch container.kind {
                case .podman:
                    if podmanNames == nil {
                        podmanNames = (try? fileSystem.readString(podmanStore)).map(Self.podmanNames) ?? [:]
                    }
                    name = podmanNames?[container.id]
                case .docker:
                    name = (try? fileSystem.readString("\(dockerRoot)/\(container.id)/config.v2.json"))
                        .flatMap(Self.dockerName)
                case .systemd:
                    name = container.id
                }
                known[container.id] = .some(name)
            }
            var label = name ?? container.shortID
            if !used.insert(label).inserted {
                label += "-" + container.shortID
                used.insert(label)
            }
            result.append(label)
        }
        let live = Set(containers.map(\.id))
        if known.count > live.count { known = known.filter { live.contains($0.key) } }
        return result
    }

    /// id → first name, from podman's containers.json (`[{"id":"…","names":["…"],…},…]`).
    static func podmanNames(_ json: String) -> [String: String] {
        var names: [String: String] = [:]
        var rest = Substring(json)
        while let id = value(after: "\"id\":\"", in: &rest) {
            var lookahead = rest
            // The names of this entry come before the next entry's id.
            let nextID = lookahead.firstRange(of: "\"id\":\"")?.lowerBound ?? lookahead.endIndex
            lookahead = lookahead[..<nextID]
            if let name = value(after: "\"names\":[\"", in: &lookahead), !name.isEmpty { names[id] = name }
        }
        return names
    }

    /// The container name of docker's config.v2.json, without its leading slash.
    static func dockerName(_ json: String) -> String? {
        var rest = Substring(json)
        guard let name = value(after: "\"Name\":\"", in: &rest) else { return nil }
        let trimmed = name.hasPrefix("/") ? String(name.dropFirst()) : name
        return trimmed.isEmpty ? nil : trimmed
    }

    /// The string that follows `marker` up to the next quote; `text` moves past it.
    private static func value(after marker: String, in text: inout Substring) -> String? {
        guard let start = text.firstRange(of: marker)?.upperBound,
            let end = text[start...].firstIndex(of: "\"")
        else { return nil }
        defer { text = text[text.index(after: end)...] }
        return String(text[start..<end])
    }
}
