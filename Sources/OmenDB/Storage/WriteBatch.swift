/// An ordered list of puts, deletes and range deletes applied atomically by `Database.write`.
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
    /// A range delete: the key field holds the range's first key, the value its last
    /// key (inclusive, 8 bytes little-endian).
    static let deleteRangeKind: UInt8 = 3

    /// Kinds 4-6: a put, delete and range delete in a named table (the table id, 4
    /// bytes, follows the kind); kinds 1-3 are in the default table.
    static let tablePutKind: UInt8 = 4
    static let tableDeleteKind: UInt8 = 5
    static let tableDeleteRangeKind: UInt8 = 6

    /// Adds a put of `value` under `key`; a later operation on the same key wins.
    public func put(_ key: Int64, _ value: UnsafeRawBufferPointer) {
        encoded.appendPut(key, value, table: 0)
        largestValue = max(largestValue, value.count)
        count += 1
        note(0)
    }

    public func put(_ key: Int64, _ value: [UInt8]) {
        value.withUnsafeBytes { put(key, $0) }
    }

    /// Adds a delete of `key` (whether or not it exists).
    public func delete(_ key: Int64) {
        encoded.appendDelete(key, table: 0)
        count += 1
        note(0)
    }

    /// Adds a delete of every key in `range` (half-open; an empty range adds nothing).
    /// Later operations of the batch on keys in the range are not affected.
    public func deleteRange(_ range: Range<Int64>) {
        guard !range.isEmpty else { return }
        deleteRange(range.lowerBound...(range.upperBound - 1))
    }

    /// Adds a delete of every key in `range` (inclusive: reaches `Int64.max`).
    public func deleteRange(_ range: ClosedRange<Int64>) {
        encoded.appendDeleteRange(range, table: 0)
        count += 1
        hasRangeDeletes = true
        note(0)
    }

    // MARK: Named tables (a batch may span tables: it commits atomically all the same)

    /// Adds a put of `value` under `key` in `table`. A table of another database or a
    /// dropped table makes `Database.write` fail (`.misuse`, `.notFound`).
    public func put(_ key: Int64, _ value: UnsafeRawBufferPointer, table: Table) {
        guard table.id != 0 else { put(key, value); return noteHandle(table) }
        encoded.appendPut(key, value, table: table.id)
        largestValue = max(largestValue, value.count)
        count += 1
        note(table)
    }

    public func put(_ key: Int64, _ value: [UInt8], table: Table) {
        value.withUnsafeBytes { put(key, $0, table: table) }
    }

    /// Adds a delete of `key` in `table`.
    public func delete(_ key: Int64, table: Table) {
        guard table.id != 0 else { delete(key); return noteHandle(table) }
        encoded.appendDelete(key, table: table.id)
        count += 1
        note(table)
    }

    /// Adds a delete of every key in `range` (half-open) in `table`.
    public func deleteRange(_ range: Range<Int64>, table: Table) {
        guard !range.isEmpty else { return }
        deleteRange(range.lowerBound...(range.upperBound - 1), table: table)
    }

    /// Adds a delete of every key in `range` (inclusive) in `table`.
    public func deleteRange(_ range: ClosedRange<Int64>, table: Table) {
        guard table.id != 0 else { deleteRange(range); return noteHandle(table) }
        encoded.appendDeleteRange(range, table: table.id)
        count += 1
        hasRangeDeletes = true
        note(table)
    }

    /// The tables the batch writes, when it writes just one (nil: several, or none yet).
    private(set) var singleTable: UInt32?
    /// Whether the operations so far span more than one table.
    private(set) var spansTables = false
    /// The table handles the `table:` forms were given (`Database.write` checks that
    /// each is its own: a default table of another database is refused too).
    private(set) var handles: [Table] = []

    @inline(__always)
    private func note(_ id: UInt32) {
        if count == 1 { singleTable = id } else if singleTable != id && !spansTables { singleTable = nil; spansTables = true }
    }

    private func note(_ table: Table) {
        note(table.id)
        noteHandle(table)
    }

    private func noteHandle(_ table: Table) {
        if !handles.contains(where: { $0 === table }) { handles.append(table) }
    }

    /// Whether the batch holds a range delete.
    public private(set) var hasRangeDeletes = false

    /// Removes every operation.
    public func clear() {
        encoded.bytes.removeAll(keepingCapacity: true)
        count = 0
        largestValue = 0
        hasRangeDeletes = false
        singleTable = nil
        spansTables = false
        handles = []
    }

    /// Size of the encoded operations in bytes.
    public var byteCount: Int { encoded.bytes.count }
}

/// The encoding of one operation (docs/format.md): kind, the table id for a named table
/// (kinds 4-6; the default table's kinds 1-3 have none), key, value length, value. The
/// one encoder of batches and single writes; `BatchOperations` decodes.
extension StorageByteWriter {
    @inline(__always)
    mutating func appendPut(_ key: Int64, _ value: UnsafeRawBufferPointer, table: UInt32) {
        appendHeader(table == 0 ? WriteBatch.putKind : WriteBatch.tablePutKind, table, key, UInt32(truncatingIfNeeded: value.count))
        if value.count > 0 { append(value) }
    }

    @inline(__always)
    mutating func appendDelete(_ key: Int64, table: UInt32) {
        appendHeader(table == 0 ? WriteBatch.deleteKind : WriteBatch.tableDeleteKind, table, key, 0)
    }

    /// A range delete: the key field holds the first key, the 8-byte value the last.
    @inline(__always)
    mutating func appendDeleteRange(_ range: ClosedRange<Int64>, table: UInt32) {
        appendHeader(table == 0 ? WriteBatch.deleteRangeKind : WriteBatch.tableDeleteRangeKind, table, range.lowerBound, 8)
        append(range.upperBound)
    }

    @inline(__always)
    private mutating func appendHeader(_ kind: UInt8, _ table: UInt32, _ key: Int64, _ length: UInt32) {
        append(kind)
        if table != 0 { append(table) }
        append(key)
        append(length)
    }
}

/// One decoded operation of a batch; `value` points into the batch or WAL bytes.
/// `kind` is one of the default table's kinds (1-3): a named table's kinds decode to
/// them with `table` set.
struct BatchOperation {
    var key: Int64
    var kind: UInt8
    var value: UnsafeRawBufferPointer
    var table: UInt32 = 0

    var isDelete: Bool { kind == WriteBatch.deleteKind }
    var isRangeDelete: Bool { kind == WriteBatch.deleteRangeKind }
    /// A range delete's last key (inclusive).
    var rangeLast: Int64 { Int64(littleEndian: value.loadUnaligned(as: Int64.self)) }
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
            var kind = try reader.read(UInt8.self)
            var table: UInt32 = 0
            if kind >= WriteBatch.tablePutKind && kind <= WriteBatch.tableDeleteRangeKind {
                table = try reader.read(UInt32.self)
                guard table != 0 else { throw reader.corruption("a named-table operation names table 0") }
                kind -= WriteBatch.tablePutKind - WriteBatch.putKind
            }
            let key = try reader.read(Int64.self)
            let length = Int(try reader.read(UInt32.self))
            guard kind == WriteBatch.putKind || kind == WriteBatch.deleteKind || kind == WriteBatch.deleteRangeKind else {
                throw reader.corruption("unknown operation kind \(kind)")
            }
            let value = try reader.bytes(length)
            let operation = BatchOperation(key: key, kind: kind, value: UnsafeRawBufferPointer(start: value, count: length), table: table)
            if kind == WriteBatch.deleteRangeKind && (length != 8 || operation.rangeLast < key) {
                throw reader.corruption("malformed range delete (\(length)-byte end, first key \(key))")
            }
            try body(operation)
        }
        guard reader.remaining == 0 else { throw reader.corruption("\(reader.remaining) stray bytes after the last operation") }
    }

    /// The distinct tables the operations write, ascending.
    static func tables(_ bytes: UnsafeRawBufferPointer, count: Int) throws(OmenError) -> [UInt32] {
        var tables: [UInt32] = []
        try forEach(bytes, count: count, fileName: "batch", fileOffset: 0) { operation in
            if !tables.contains(operation.table) { tables.append(operation.table) }
        }
        return tables.sorted()
    }
}
