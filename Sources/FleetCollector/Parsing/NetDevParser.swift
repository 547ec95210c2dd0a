/// Cumulative byte counters of one network interface from /proc/net/dev.
public struct InterfaceCounters: Sendable, Equatable {
    public var interface: String
    public var receivedBytes: UInt64
    public var transmittedBytes: UInt64

    public init(interface: String, receivedBytes: UInt64, transmittedBytes: UInt64) {
        self.interface = interface
        self.receivedBytes = receivedBytes
        self.transmittedBytes = transmittedBytes
    }
}

/// Parses /proc/net/dev ("  eth0: rx_bytes rx_packets … tx_bytes …"), skipping the loopback
/// interface unless asked to keep it.
public enum NetDevParser {
    public static func parse(_ bytes: UnsafeRawBufferPointer, includeLoopback: Bool = false) -> [InterfaceCounters] {
        var scanner = ByteScanner(bytes)
        var result: [InterfaceCounters] = []
        while !scanner.isAtEnd {
            scanner.skipBlanks()
            // Header lines have no colon before the end of the line ("Inter-|", " face |").
            guard let name = scanner.bytes(upTo: 0x3A), !name.isEmpty, !name.contains(0x7C) else {
                scanner.skipLine()
                continue
            }
            if !includeLoopback && name.equals("lo") {
                scanner.skipLine()
                continue
            }
            let received = scanner.unsigned()
            scanner.skipTokens(7)
            let transmitted = scanner.unsigned()
            if let received, let transmitted {
                result.append(
                    InterfaceCounters(interface: name.string, receivedBytes: received, transmittedBytes: transmitted))
            }
            scanner.skipLine()
        }
        return result
    }

    public static func parse(_ text: String, includeLoopback: Bool = false) -> [InterfaceCounters] {
        text.withBytes { parse($0, includeLoopback: includeLoopback) }
    }
}
