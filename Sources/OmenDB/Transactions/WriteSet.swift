/// A transaction's own writes, private until commit: the newest put or delete of each
/// key, as records in an arena (they never move, so zero-copy reads of the
/// transaction's own values stay valid until the transaction is freed), and its range
/// deletes (a range delete drops the own writes it covers; later ones stand).
///
/// Memory: the arena's record (24-byte header + value, rounded to 8) per write, plus
/// ~20 bytes per distinct key for the dictionary and the sorted key list.
struct WriteSet {
    /// Made on the first write (a read-only transaction allocates none).
    private var arena: ValueArena?
    private var newest: [Int64: HotRecord] = [:]
    /// Keys in order, rebuilt lazily when a new key was added since.
    private var sortedCache: [Int64] = []
    /// Bumps when a key is added (iterators re-read `sortedKeys` then).
    private(set) var keyVersion: UInt64 = 0
    private var sortedVersion: UInt64 = .max
    private(set) var largestValue = 0
    private(set) var encodedBytes = 0

    /// Inclusive key ranges deleted, in the order written.
    private(set) var rangeDeletes: [ClosedRange<Int64>] = []

    var isEmpty: Bool { newest.isEmpty && rangeDeletes.isEmpty }
    /// Operations the commit writes.
    var count: Int { newest.count + rangeDeletes.count }

    private mutating func records() -> ValueArena {
        if let arena { return arena }
        let made = ValueArena()
        arena = made
        return made
    }

    mutating func put(_ key: Int64, _ value: UnsafeRawBufferPointer) {
        add(key, HotRecord(records().append(sequence: 0, older: nil, isTombstone: false, value: value)))
        largestValue = max(largestValue, value.count)
    }

    mutating func delete(_ key: Int64) {
        add(key, HotRecord(records().append(sequence: 0, older: nil, isTombstone: true,
                                        value: UnsafeRawBufferPointer(start: nil, count: 0))))
    }

    /// Deletes every key in `range`: own writes there are dropped (a later write stands).
    mutating func deleteRange(_ range: ClosedRange<Int64>) {
        let covered = newest.keys.filter { range.contains($0) }
        for key in covered {
            encodedBytes -= 13 + newest.removeValue(forKey: key)!.length
        }
        if !covered.isEmpty { keyVersion &+= 1 }
        rangeDeletes.append(range)
        encodedBytes += 21
    }

    /// Whether a range delete of this transaction covers `key` (a later own write of
    /// `key`, found by `record`, takes precedence).
    @inline(__always)
    func isRangeDeleted(_ key: Int64) -> Bool {
        rangeDeletes.isEmpty ? false : rangeDeletes.contains { $0.contains(key) }
    }

    private mutating func add(_ key: Int64, _ record: HotRecord) {
        if let old = newest.updateValue(record, forKey: key) {
            encodedBytes -= 13 + old.length
        } else {
            keyVersion &+= 1
        }
        encodedBytes += 13 + record.length
    }

    /// This transaction's newest write of `key` (a tombstone for a delete), or nil.
    @inline(__always)
    func record(_ key: Int64) -> HotRecord? {
        // Most reads happen before (or without) any write: skip hashing the key then.
        newest.isEmpty ? nil : newest[key]
    }

    /// The written keys in ascending order.
    mutating func sortedKeys() -> [Int64] {
        if sortedVersion != keyVersion {
            sortedCache = newest.keys.sorted()
            sortedVersion = keyVersion
        }
        return sortedCache
    }

    /// Appends the writes in the WAL's batch encoding, as operations in table `table`
    /// (the default table's kinds for 0): the range deletes first, then the own writes
    /// in key order (written after every range delete that covers them, so they stand).
    mutating func encode(table: UInt32, into writer: inout StorageByteWriter) {
        writer.bytes.reserveCapacity(writer.bytes.count + encodedBytes + (table == 0 ? 0 : 4 * count))
        for range in rangeDeletes { writer.appendDeleteRange(range, table: table) }
        for key in sortedKeys() {
            let record = newest[key]!
            if record.isTombstone {
                writer.appendDelete(key, table: table)
            } else {
                writer.appendPut(key, record.value, table: table)
            }
        }
    }
}

/// A transaction's reads and writes in one table.
struct TransactionTable {
    var writes = WriteSet()
    /// SERIALIZABLE: keys read from the snapshot (the ranges iterators covered are the
    /// transaction's `scans`).
    var reads: [Int64] = []
}
