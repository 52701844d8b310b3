/// An ordered list of puts and deletes applied atomically by `Database.write`.
///
/// The operations are kept already encoded in the WAL's operation format (see
/// docs/format.md), so committing a batch copies it into the log once.
/// Not thread-safe: use a batch from one thread at a time.
public final class WriteBatch {
    // Stored properties marked @exclusivity(unchecked) skip Swift's dynamic exclusivity
    // checks on this hot path (docs/performance.md, "Exclusivity checks").
    /// Encoded operations: kind (1 byte), key (8), value length (4), value bytes.
    @exclusivity(unchecked) private(set) var encoded = StorageByteWriter()
    /// Number of operations.
    @exclusivity(unchecked) public private(set) var count = 0
    /// Length of the largest value put (checked against the database's limit).
    @exclusivity(unchecked) public private(set) var largestValue = 0

    public init() {}

    static let putKind: UInt8 = 1
    static let deleteKind: UInt8 = 2

    /// Adds a put of `value` under `key`; a later operation on the same key wins.
    public func put(_ key: Int64, _ value: UnsafeRawBufferPointer) {
        encoded.append(Self.putKind)
        encoded.append(key)
        encoded.append(UInt32(truncatingIfNeeded: value.count))
        if value.count > 0 { encoded.append(value) }
        largestValue = max(largestValue, value.count)
        count += 1
    }

    public func put(_ key: Int64, _ value: [UInt8]) {
        value.withUnsafeBytes { put(key, $0) }
    }

    /// Adds a delete of `key` (whether or not it exists).
    public func delete(_ key: Int64) {
        encoded.append(Self.deleteKind)
        encoded.append(key)
        encoded.append(UInt32(0))
        count += 1
    }

    /// Removes every operation.
    public func clear() {
        encoded.bytes.removeAll(keepingCapacity: true)
        count = 0
        largestValue = 0
    }

    /// Size of the encoded operations in bytes.
    public var byteCount: Int { encoded.bytes.count }
}

/// One decoded operation of a batch; `value` points into the batch or WAL bytes.
struct BatchOperation {
    var key: Int64
    var isDelete: Bool
    var value: UnsafeRawBufferPointer
}

/// Decodes the operations of an encoded batch.
enum BatchDecoding {
    /// Calls `body` for each of `count` operations in `bytes`; throws on malformed input.
    static func forEach(_ bytes: UnsafeRawBufferPointer, count: Int, fileName: String, fileOffset: Int,
                        _ body: (BatchOperation) throws(OmenError) -> Void) throws(OmenError) {
        guard let base = bytes.baseAddress else {
            guard count == 0 else { throw OmenError(.corruption, "\(fileName): empty batch claims \(count) operations at offset \(fileOffset)") }
            return
        }
        var reader = StorageByteReader(base, count: bytes.count, fileOffset: fileOffset, fileName: fileName)
        for _ in 0..<count {
            let kind = try reader.read(UInt8.self)
            let key = try reader.read(Int64.self)
            let length = Int(try reader.read(UInt32.self))
            guard kind == WriteBatch.putKind || kind == WriteBatch.deleteKind else {
                throw reader.corruption("unknown operation kind \(kind)")
            }
            let value = try reader.bytes(length)
            try body(BatchOperation(key: key, isDelete: kind == WriteBatch.deleteKind,
                                    value: UnsafeRawBufferPointer(start: value, count: length)))
        }
        guard reader.remaining == 0 else { throw reader.corruption("\(reader.remaining) stray bytes after the last operation") }
    }
}
