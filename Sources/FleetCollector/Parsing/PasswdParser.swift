/// Parses /etc/passwd ("name:x:uid:gid:gecos:home:shell") into user names by uid.
/// The first entry of a uid wins, as `getpwuid` does.
public enum PasswdParser {
    public static func parse(_ text: String) -> [UInt32: String] {
        var names: [UInt32: String] = [:]
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            guard !line.hasPrefix("#") else { continue }
            let fields = line.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
            guard fields.count >= 3, !fields[0].isEmpty, let uid = UInt32(fields[2]) else { continue }
            if names[uid] == nil { names[uid] = String(fields[0]) }
        }
        return names
    }
}
