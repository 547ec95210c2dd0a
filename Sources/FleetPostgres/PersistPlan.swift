import FleetCore
import FleetProto
import FleetStore
import Foundation
import PostgresNIO
import SwiftProtobuf

/// Everything one `persist` call writes, prepared before the transaction opens so the transaction
/// only ships bytes: the machine ticks (COPY rows once their layouts have ids), and per-machine arrays
/// for the small upserts.
struct PersistPlan: Sendable {
    static let copyChunkBytes = 1 << 20

    var ticks: [MachineTick] = []
    /// Every sample of the call, repeats included (a repeat or a batch listed twice counts as a duplicate).
    var sampleCount = 0
    var days: Set<DailyPartition> = []

    // One row per machine (an upsert must not touch a row twice), sorted by machine id for lock order.
    var machineIDs: [String] = []
    var hostnames: [String] = []
    var oses: [String] = []
    var kernels: [String] = []
    var cores: [Int32] = []
    var agentVersions: [String] = []
    var labelsJSON: [String] = []
    var firstSeenMs: [Int64] = []
    var lastSeenMs: [Int64] = []
    var lastSequences: [Int64] = []

    var batchMachineIDs: [String] = []
    var batchSequences: [Int64] = []

    var snapshotMachineIDs: [String] = []
    var snapshotMs: [Int64] = []
    var snapshotPayloads: [ByteBuffer] = []

    init(_ batches: [Fleetwatch_V1_MetricBatch]) throws {
        ticks = MachineTick.group(batches)
        sampleCount = batches.reduce(0) { $0 + $1.samples.count }
        for tick in ticks { days.insert(DailyPartition(containingMilliseconds: tick.milliseconds)) }

        var machines: [String: (identity: Fleetwatch_V1_MachineIdentity, first: Int64, last: Int64, sequence: UInt64)] =
            [:]
        var snapshots: [String: (ms: Int64, snapshot: Fleetwatch_V1_ProcessSnapshot)] = [:]
        var batchKeys: Set<BatchKey> = []
        for batch in batches {
            let machineID = batch.machine.machineID
            let seenMs = SampleTime.seenMilliseconds(of: batch)
            if var known = machines[machineID] {
                if seenMs >= known.last { known.identity = batch.machine }
                known.first = min(known.first, seenMs)
                known.last = max(known.last, seenMs)
                known.sequence = max(known.sequence, batch.sequence)
                machines[machineID] = known
            } else {
                machines[machineID] = (batch.machine, seenMs, seenMs, batch.sequence)
            }

            batchKeys.insert(BatchKey(machineID: machineID, sequence: Int64(clamping: batch.sequence)))

            if batch.hasProcesses {
                let ms = SampleTime.milliseconds(of: batch.processes, in: batch)
                if let known = snapshots[machineID], known.ms > ms { continue }
                snapshots[machineID] = (ms, batch.processes)
            }
        }

        let json = JSONEncoder()
        json.outputFormatting = .sortedKeys
        for (machineID, machine) in machines.sorted(by: { $0.key < $1.key }) {
            machineIDs.append(machineID)
            hostnames.append(machine.identity.hostname)
            oses.append(machine.identity.os)
            kernels.append(machine.identity.kernel)
            cores.append(machine.identity.cpuCores)
            agentVersions.append(machine.identity.agentVersion)
            labelsJSON.append(String(decoding: try json.encode(machine.identity.labels), as: UTF8.self))
            firstSeenMs.append(machine.first)
            lastSeenMs.append(machine.last)
            lastSequences.append(Int64(clamping: machine.sequence))
        }
        for key in batchKeys.sorted() {
            batchMachineIDs.append(key.machineID)
            batchSequences.append(key.sequence)
        }
        for (machineID, snapshot) in snapshots.sorted(by: { $0.key < $1.key }) {
            snapshotMachineIDs.append(machineID)
            snapshotMs.append(snapshot.ms)
            let bytes: [UInt8] = try snapshot.snapshot.serializedBytes()
            snapshotPayloads.append(ByteBuffer(bytes: bytes))
        }
    }

    /// Distinct batches in this call (a batch listed twice counts once).
    var batchCount: Int { batchSequences.count }

    /// The distinct layouts of this call's ticks.
    var layouts: Set<SeriesLayout> { Set(ticks.map(\.layout)) }

    /// The COPY text rows (machine_id, ts_ms, layout, vals) in chunks of about `copyChunkBytes`.
    func copyChunks(layoutIDs: [SeriesLayout: Int32]) -> [ByteBuffer] {
        var chunks: [ByteBuffer] = []
        var encoder = CopyTextEncoder(capacity: Self.copyChunkBytes + 4096)
        for tick in ticks {
            encoder.appendText(tick.machineID)
            encoder.appendInteger(tick.milliseconds)
            encoder.appendInteger(Int64(layoutIDs[tick.layout]!))
            encoder.appendDoubleArray(tick.values)
            encoder.endRow()
            if encoder.count >= Self.copyChunkBytes { chunks.append(encoder.take()) }
        }
        if encoder.count > 0 { chunks.append(encoder.take()) }
        return chunks
    }

    private struct BatchKey: Hashable, Comparable {
        var machineID: String
        var sequence: Int64

        static func < (lhs: BatchKey, rhs: BatchKey) -> Bool {
            (lhs.machineID, lhs.sequence) < (rhs.machineID, rhs.sequence)
        }
    }
}
