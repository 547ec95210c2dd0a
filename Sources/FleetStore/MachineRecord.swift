import Foundation

/// A machine as the store knows it: its latest identity and when it was first and last heard of.
public struct MachineRecord: Sendable, Equatable {
    public var machineID: String
    public var hostname: String
    public var os: String
    public var kernel: String
    public var cores: Int
    public var agentVersion: String
    public var labels: [String: String]
    public var firstSeen: Date
    /// The edge's receive time of the newest batch (the batch time when the edge set none).
    public var lastSeen: Date
    public var lastSequence: UInt64

    public init(
        machineID: String, hostname: String, os: String, kernel: String, cores: Int, agentVersion: String,
        labels: [String: String], firstSeen: Date, lastSeen: Date, lastSequence: UInt64
    ) {
        self.machineID = machineID
        self.hostname = hostname
        self.os = os
        self.kernel = kernel
        self.cores = cores
        self.agentVersion = agentVersion
        self.labels = labels
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.lastSequence = lastSequence
    }
}
