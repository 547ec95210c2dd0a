/// AMQP topic matching: words separated by `.`, `*` matches exactly one word, `#` zero or more.
enum TopicPattern {
    static func matches(_ pattern: String, _ key: String) -> Bool {
        match(pattern.split(separator: ".", omittingEmptySubsequences: false)[...],
              key.split(separator: ".", omittingEmptySubsequences: false)[...])
    }

    private static func match(_ pattern: ArraySlice<Substring>, _ key: ArraySlice<Substring>) -> Bool {
        guard let head = pattern.first else { return key.isEmpty }
        if head == "#" {
            let rest = pattern.dropFirst()
            if rest.isEmpty { return true }
            for start in key.indices + [key.endIndex] where match(rest, key[start...]) { return true }
            return false
        }
        guard let word = key.first else { return false }
        return (head == "*" || head == word) && match(pattern.dropFirst(), key.dropFirst())
    }
}
