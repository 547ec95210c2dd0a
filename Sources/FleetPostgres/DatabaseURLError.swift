/// A database URL that cannot be used, naming the variable it came from and the expected form.
public struct DatabaseURLError: Error, Sendable, Equatable, CustomStringConvertible {
    public var variable: String
    /// The URL with any password replaced by `***`.
    public var redactedValue: String
    public var problem: String

    public static let expectedForm =
        "postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require|verify-ca|verify-full&sslrootcert=ca.pem&search_path=schema&host=/socket/dir]"

    public var description: String {
        "\(variable): expected \(Self.expectedForm), got '\(redactedValue)' (\(problem))"
    }
}
