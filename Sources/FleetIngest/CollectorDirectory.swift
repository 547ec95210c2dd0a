import FleetProto
import Synchronization

/// The collectors streaming to this edge right now, by machine id, so an operator can send one a
/// command (change its interval, ask for a process snapshot) down its open Publish stream.
public final class CollectorDirectory: Sendable {
    private struct Entry {
        var stream: UInt64
        var commands: AsyncStream<Fleetwatch_V1_Command>.Continuation
    }

    private let entries = Mutex<(next: UInt64, byMachine: [String: Entry])>((0, [:]))

    public init() {}

    /// Registers the stream of `machine` (a newer stream replaces an older one); commands for it arrive
    /// on the returned sequence until `unregister` is called with the returned id.
    func register(machine: String) -> (id: UInt64, commands: AsyncStream<Fleetwatch_V1_Command>) {
        let (commands, continuation) = AsyncStream.makeStream(
            of: Fleetwatch_V1_Command.self, bufferingPolicy: .bufferingNewest(16))
        let (id, replaced) = entries.withLock { state -> (UInt64, Entry?) in
            state.next += 1
            let replaced = state.byMachine.updateValue(Entry(stream: state.next, commands: continuation), forKey: machine)
            return (state.next, replaced)
        }
        replaced?.commands.finish()
        return (id, commands)
    }

    func unregister(machine: String, id: UInt64) {
        let removed = entries.withLock { state -> Entry? in
            guard state.byMachine[machine]?.stream == id else { return nil }
            return state.byMachine.removeValue(forKey: machine)
        }
        removed?.commands.finish()
    }

    /// Queues `command` for `machine`; false when that machine is not connected to this edge.
    @discardableResult
    public func send(_ command: Fleetwatch_V1_Command, to machine: String) -> Bool {
        guard let entry = entries.withLock({ $0.byMachine[machine] }) else { return false }
        if case .enqueued = entry.commands.yield(command) { return true }
        return false
    }

    /// Machine ids with an open stream, sorted.
    public var connected: [String] {
        entries.withLock { $0.byMachine.keys.sorted() }
    }
}
