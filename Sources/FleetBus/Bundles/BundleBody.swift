/// The body of a bundle message (`RawBundle`, `MetricBundle`): field 1, `repeated` of already-encoded
/// messages. Protobuf encodes a repeated message field as the concatenation of its elements, each tagged and
/// length-prefixed, so a bundle is built from the bytes its callers encoded once, concurrently, without
/// decoding or encoding anything again.
public struct BundleBody: Sendable {
    public private(set) var bytes: [UInt8] = []
    public private(set) var count = 0

    public init() {}

    public init(_ elements: some Sequence<[UInt8]>) {
        for element in elements { append(element) }
    }

    /// Adds one encoded element (a serialized `RawBatch` or `MetricBatch`).
    public mutating func append(_ element: [UInt8]) {
        // No reserveCapacity here: reserving exactly the next size on every append would copy the whole body
        // each time (quadratic); append's geometric growth copies each byte a bounded number of times.
        bytes.append(0x0A)  // field 1, wire type 2 (length-delimited)
        var length = UInt64(element.count)
        while length >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: length) | 0x80)
            length >>= 7
        }
        bytes.append(UInt8(length))
        bytes.append(contentsOf: element)
        count += 1
    }

    /// Whether `element` goes into this bundle within `limits`; an empty bundle takes anything, so a batch larger
    /// than `maxBytes` still travels, alone.
    public func canTake(_ element: [UInt8], within limits: BundlePublisher.Limits) -> Bool {
        count == 0 || (count < limits.maxBatches && size(adding: element) <= limits.maxBytes)
    }

    /// The size of the body once `element` is added.
    public func size(adding element: [UInt8]) -> Int {
        var prefix = 2
        var length = element.count >> 7
        while length > 0 {
            prefix += 1
            length >>= 7
        }
        return bytes.count + prefix + element.count
    }
}
