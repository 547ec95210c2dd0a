/// Where per-machine credentials and their audit trail live (the edge enrolls and checks them, the config service
/// lists and revokes them). Implemented over PostgreSQL and SQLite. Only a hash of each credential is stored.
public protocol CredentialStore: Sendable {
    /// Stores a new credential and an `enrolled` event (`detail`: what the machine said about itself).
    /// Throws `StoreError.conflict` when the machine already has an active credential.
    func enrollCredential(_ credential: MachineCredential, detail: String) async throws
    /// The credential with this hash, revoked or not; an active one has its last use set to `atMs` first.
    func useCredential(tokenHash: String, atMs: Int64) async throws -> MachineCredential?
    /// Every credential, active and revoked, newest first.
    func credentials() async throws -> [MachineCredential]
    /// Revokes the machine's active credential at `atMs` and records a `revoked` event naming `by`; returns it.
    /// Throws `StoreError.notFound` when the machine has no active credential.
    func revokeCredential(machineID: String, atMs: Int64, by: String) async throws -> MachineCredential
    /// Counts a refused attempt: one `refused` event per machine, reason and minute, its count raised each time.
    func recordCredentialRefusal(machineID: String, reason: String, atMs: Int64) async throws
    /// The newest `limit` events, newest first (by their last occurrence).
    func credentialEvents(limit: Int) async throws -> [CredentialEvent]
}
