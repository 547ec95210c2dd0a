import GRPCCore

extension CallOptions {
    /// The defaults with a deadline.
    static func with(timeout: Duration) -> CallOptions {
        var options = CallOptions.defaults
        options.timeout = timeout
        return options
    }
}
