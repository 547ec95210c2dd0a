/// Maps uids to user names from /etc/passwd, read once and re-read at most once a minute when an
/// unknown uid shows up (a user added after start). Unknown uids are shown as the number, like `ps`.
public struct UserNameCache {
    private var names: [UInt32: String] = [:]
    private var loadedAt: Double?
    private let reloadAfterSeconds: Double

    public init(reloadAfterSeconds: Double = 60) {
        self.reloadAfterSeconds = reloadAfterSeconds
    }

    public mutating func name(
        for uid: UInt32, nowSeconds: Double, fileSystem: some ProcFileSystem
    ) -> String {
        if let name = names[uid] { return name }
        if loadedAt.map({ nowSeconds - $0 >= reloadAfterSeconds }) ?? true {
            loadedAt = nowSeconds
            if let text = try? fileSystem.readString("/etc/passwd") {
                names = PasswdParser.parse(text)
            }
            if let name = names[uid] { return name }
        }
        return String(uid)
    }
}
