import Synchronization

/// A group of reads and writes that commits all together or not at all, isolated from
/// concurrent transactions per its `IsolationLevel` (docs/transactions.md).
///
/// Optimistic: nothing blocks; writes stay private (read back by this transaction's
/// own reads and iterators) until `commit`, which writes them as one log record and
/// fails with `.conflict` when the level's validation finds a conflicting commit.
///
/// Thread safety: one thread at a time; any number of transactions run concurrently.
/// Every method of an ended (committed or rolled-back) transaction throws `.misuse`.
public final class Transaction {
    let database: Database
    public let isolation: IsolationLevel
    public let isReadOnly: Bool
    public private(set) var isActive = true
    /// The sequence number of the commit, after a commit that wrote something.
    public private(set) var commitSequence: UInt64?

    /// The begin snapshot (REPEATABLE_READ, SERIALIZABLE): its view (held until the
    /// transaction is freed) and sequence; nil for READ_COMMITTED.
    private let view: StorageView?
    private let snapshotSequence: UInt64
    /// Registered in `SequencePins` until the transaction ends.
    private let bound: UInt64
    /// Whether the commit validates (a read-write REPEATABLE_READ / SERIALIZABLE transaction).
    private let validates: Bool
    private(set) var writes = WriteSet()
    /// SERIALIZABLE: keys read from the snapshot, and the key ranges iterators covered.
    private var reads: [Int64] = []
    var scannedRanges: [ClosedRange<Int64>] = []
    /// READ_COMMITTED zero-copy reads: the snapshots their values live in.
    private var keptSnapshots: [Snapshot] = []

    init(database: Database, options: TransactionOptions) {
        self.database = database
        isolation = options.isolation == .readUncommitted ? .readCommitted : options.isolation
        isReadOnly = options.readOnly
        validates = !options.readOnly && isolation.readsSnapshot
        bound = database.pins.beginTransaction(validating: validates) { database.visibleSequenceNow() }
        if isolation.readsSnapshot {
            (view, snapshotSequence) = database.published.read { view, sequence in (view, sequence) }
        } else {
            (view, snapshotSequence) = (nil, 0)
        }
    }

    deinit { rollback() }

    /// Whether reads and scans are recorded for validation (SERIALIZABLE read-write).
    var tracksReads: Bool { isolation == .serializable && !isReadOnly }

    @inline(__always)
    func checkActive() throws(OmenError) {
        guard isActive else { throw OmenError(.misuse, "the transaction has already ended (committed or rolled back)") }
    }

    /// READ_COMMITTED reads and every write need the database open (snapshot reads
    /// do not: their view stays readable after close, as a snapshot's does).
    @inline(__always)
    private func checkOpen() throws(OmenError) {
        if database.closedFlag.load(ordering: .acquiring) {
            throw OmenError(.misuse, "database '\(database.directory)' is closed")
        }
    }

    // MARK: Reads

    /// Calls `body` with the value of `key` as this transaction sees it (its own write
    /// first), borrowed for the call, or nil when absent or deleted.
    @inline(__always)
    public func withValue<T>(_ key: Int64, _ body: (UnsafeRawBufferPointer?) -> T) throws(OmenError) -> T {
        try checkActive()
        if let own = writes.record(key) { return body(own.isTombstone ? nil : own.value) }
        if writes.isRangeDeleted(key) { return body(nil) }
        if tracksReads { reads.append(key) }
        if let view {
            switch try view.lookup(key, at: snapshotSequence) {
            case .value(let value): return body(value)
            case .absent, .deleted: return body(nil)
            }
        }
        try checkOpen()
        return try database.withValue(key, body)
    }

    /// Copies the value of `key` into `buffer` when it fits in `capacity` bytes (as
    /// `Database.read`): returns its length (also when it did not fit: nothing is
    /// copied then), or nil when absent or deleted. Not generic, so callers in other
    /// modules (the C API) need no specialization.
    public func read(_ key: Int64, into buffer: UnsafeMutableRawPointer?, capacity: Int) throws(OmenError) -> Int? {
        try withValue(key) { value -> Int? in
            guard let value else { return nil }
            if value.count <= capacity && value.count > 0 {
                buffer!.copyMemory(from: value.baseAddress!, byteCount: value.count)
            }
            return value.count
        }
    }

    /// The value of `key`, copied, or nil.
    public func get(_ key: Int64) throws(OmenError) -> [UInt8]? {
        try withValue(key) { value in value.map { Array($0) } }
    }

    /// The value of `key` without a copy, valid until the transaction ends, or nil.
    public func value(_ key: Int64) throws(OmenError) -> UnsafeRawBufferPointer? {
        // Own writes and the begin snapshot's view live as long as the transaction.
        if view != nil || writes.record(key) != nil || writes.isRangeDeleted(key) { return try withValue(key) { $0 } }
        // READ_COMMITTED: read the newest state, and keep the snapshot the value lives in.
        try checkActive()
        try checkOpen()
        let latest = database.snapshot()
        if keptSnapshots.last?.view !== latest.view || keptSnapshots.last?.sequence != latest.sequence {
            keptSnapshots.append(latest)
        }
        return try keptSnapshots.last!.get(key)
    }

    /// An iterator over this transaction's view with its own writes merged in.
    public func makeIterator() throws(OmenError) -> TransactionIterator {
        try checkActive()
        if view == nil { try checkOpen() }
        let snapshot = view.map { Snapshot(view: $0, sequence: snapshotSequence, pins: database.pins) } ?? database.snapshot()
        return TransactionIterator(transaction: self, base: snapshot.makeIterator())
    }

    /// Notes that an iterator covered `range` (SERIALIZABLE validates it at commit).
    /// Returns the slot to widen as the iterator moves on.
    func noteScanned(_ range: ClosedRange<Int64>, extending slot: Int?) -> Int? {
        guard tracksReads else { return nil }
        if let slot {
            let old = scannedRanges[slot]
            scannedRanges[slot] = min(old.lowerBound, range.lowerBound)...max(old.upperBound, range.upperBound)
            return slot
        }
        scannedRanges.append(range)
        return scannedRanges.count - 1
    }

    /// The write set, for iterators (sorting its keys mutates its cache).
    func mutableWrites<T>(_ body: (inout WriteSet) -> T) -> T { body(&writes) }

    // MARK: Writes

    /// Stores a copy of `value` under `key` in this transaction.
    public func put(_ key: Int64, _ value: UnsafeRawBufferPointer) throws(OmenError) {
        try checkWritable()
        guard value.count <= database.options.maximumValueSize else {
            throw OmenError(.tooLarge, "a value of \(value.count) bytes exceeds the limit of \(database.options.maximumValueSize) bytes")
        }
        writes.put(key, value)
    }

    public func put(_ key: Int64, _ value: [UInt8]) throws(OmenError) {
        try withRawBytes(of: value) { (raw) throws(OmenError) in try put(key, raw) }
    }

    /// Deletes `key` in this transaction (whether or not it exists).
    public func delete(_ key: Int64) throws(OmenError) {
        try checkWritable()
        writes.delete(key)
    }

    /// Deletes every key in `range` (half-open; an empty range writes nothing) in this
    /// transaction: its own reads and iterators see the keys gone at once; at commit it
    /// is one range tombstone. Under REPEATABLE_READ and SERIALIZABLE the commit
    /// conflicts with any commit after the snapshot that wrote a key in the range (as a
    /// write of each key would).
    public func deleteRange(_ range: Range<Int64>) throws(OmenError) {
        try checkWritable()
        guard !range.isEmpty else { return }
        writes.deleteRange(range.lowerBound...(range.upperBound - 1))
    }

    /// Deletes every key in `range` (inclusive: reaches `Int64.max`) in this transaction.
    public func deleteRange(_ range: ClosedRange<Int64>) throws(OmenError) {
        try checkWritable()
        writes.deleteRange(range)
    }

    private func checkWritable() throws(OmenError) {
        try checkActive()
        try checkOpen()
        guard !isReadOnly else { throw OmenError(.readOnly, "the transaction is read-only") }
    }

    // MARK: Ending

    /// Writes this transaction's changes as one log record, all or nothing, then ends
    /// it. With nothing written it only ends (a read-only or read-only-in-practice
    /// transaction always commits: it read one consistent snapshot).
    ///
    /// - Throws: `.conflict` (nothing written; the message names the key or range)
    ///   when validation found a conflicting commit after this transaction's snapshot;
    ///   the errors of `Database.write` otherwise. The transaction has ended either way.
    public func commit() throws(OmenError) {
        try checkActive()
        defer { end() }
        guard !writes.isEmpty else { return }
        // Only snapshot transactions validate (READ_COMMITTED writes over whatever committed).
        let footprint = validates ? ConflictFootprint(writes: writes.sortedKeys(), reads: reads, ranges: scannedRanges,
                                                        deletedRanges: writes.rangeDeletes) : nil
        let encoded = writes.encoded()
        commitSequence = try withRawBytes(of: encoded.bytes) { (raw) throws(OmenError) -> UInt64 in
            try database.commitTransaction(raw, count: writes.count, largestValue: writes.largestValue,
                                           snapshot: snapshotSequence, footprint: footprint)
        }
    }

    /// Discards this transaction's writes and ends it. Idempotent.
    public func rollback() { end() }

    private func end() {
        guard isActive else { return }
        isActive = false
        database.pins.endTransaction(bound: bound, validating: validates)
        reads = []
        scannedRanges = []
    }
}
