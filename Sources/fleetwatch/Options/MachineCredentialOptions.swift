import ArgumentParser
import FleetIngest
import FleetRuntime
import FleetSettings
import FleetStore
import Logging

/// Per-machine identity on an edge (docs/operations.md "Machine identity"): a join token turns enrollment on, and
/// requiring credentials stops the shared collector token from publishing. Neither set: the shared token publishes
/// as any machine, as before.
struct MachineCredentialOptions: ParsableArguments {
    @Option(help: "Join token with which new machines obtain their own credential (FLEETWATCH_JOIN_TOKEN).")
    var joinToken: String?

    @Option(help: "File whose first line is the join token (FLEETWATCH_JOIN_TOKEN_FILE).")
    var joinTokenFile: String?

    @Flag(
        help:
            "Refuse the shared collector token for publishing: only machine credentials (FLEETWATCH_REQUIRE_MACHINE_CREDENTIALS=1)."
    )
    var requireMachineCredentials = false

    /// The join token, if any.
    func join() throws -> String? {
        try Setting.secret(joinToken, file: joinTokenFile, env: "FLEETWATCH_JOIN_TOKEN")
    }

    /// Whether only machine credentials may publish.
    func required() throws -> Bool {
        if requireMachineCredentials { return true }
        switch Setting.value(nil, env: "FLEETWATCH_REQUIRE_MACHINE_CREDENTIALS")?.lowercased() {
        case nil, "", "0", "false", "no": return false
        case "1", "true", "yes": return true
        case let other?:
            throw ConfigError(setting: "FLEETWATCH_REQUIRE_MACHINE_CREDENTIALS", expected: "1 or 0", got: other)
        }
    }

    /// Whether the edge needs the credential store.
    func enabled() throws -> Bool { try join() != nil || required() }

    /// The edge's credential check and enrollment service over `store`.
    func edge(
        store: any CredentialStore, sharedTokens: [String], logger: Logger
    ) throws
        -> (gate: MachineCredentialGate, enrollment: EnrollmentService)
    {
        let join = try join()
        let required = try required()
        logger.info(
            "machine credentials on",
            metadata: ["enrollment": "\(join == nil ? "off" : "on")", "shared_token_publishes": "\(!required)"])
        return (
            MachineCredentialGate(
                store: store, sharedTokens: TokenAuthenticator(tokens: sharedTokens), requireCredentials: required,
                logger: logger, now: currentTimeMillis),
            EnrollmentService(store: store, joinToken: join, logger: logger, now: currentTimeMillis)
        )
    }
}
