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
    // Hot per-row state (iterators read it per move): no dynamic exclusivity checks
    // (one thread at a time; docs/performance.md, "Exclusivity checks").
    @exclusivity(unchecked) public private(set) var isActive = true
    /// The sequence number of the commit, after a commit that wrote something.
    public private(set) var commitSequence: UInt64?

    /// The begin snapshot (REPEATABLE_READ, SERIALIZABLE): every table's view (held
    /// until the transaction is freed), the default table's, and the sequence; nil for
    /// READ_COMMITTED.
    private let catalog: CatalogView?
    private let view: StorageView?
    private let snapshotSequence: UInt64
    /// Registered in `SequencePins` until the transaction ends.
    private let bound: UInt64
    /// Whether the commit validates (a read-write REPEATABLE_READ / SERIALIZABLE transaction).
    private let validates: Bool
    /// The default table's writes, reads and scanned ranges, and each named table's
    /// the transaction touched (validation keeps tables apart: key 5 of one table
    /// never conflicts with key 5 of another).
    @exclusivity(unchecked) private var main = TransactionTable()
    /// The named tables' states in first-use order, `namedIDs` their ids. A transaction
    /// touches few tables: a look-up tries the last one used (`lastNamed`), then searches
    /// the ids, with no hashing and no copy of the state per read.
    @exclusivity(unchecked) private var named: [TransactionTable] = []
    @exclusivity(unchecked) private var namedIDs: [UInt32] = []
    @exclusivity(unchecked) private var lastNamed = 0
    /// SERIALIZABLE: the key ranges iterators covered, with their tables, by slot (an
    /// iterator widens its slot per move without looking its table up).
    @exclusivity(unchecked) private var scans: [(table: UInt32, range: ClosedRange<Int64>)] = []
    /// Bumps on every write to any table: an iterator re-reads its table's write set
    /// only when it changed (no dictionary lookup or write-set copy per row).
    @exclusivity(unchecked) private(set) var writeCount: UInt64 = 0
    /// READ_COMMITTED zero-copy reads: the snapshots their values live in.
    private var keptSnapshots: [Snapshot] = []

    init(database: Database, options: TransactionOptions) {
        self.database = database
        isolation = options.isolation == .readUncommitted ? .readCommitted : options.isolation
        isReadOnly = options.readOnly
        validates = !options.readOnly && isolation.readsSnapshot
        bound = database.pins.beginTransaction(validating: validates) { database.visibleSequenceNow() }
        if isolation.readsSnapshot {
            (catalog, snapshotSequence) = database.published.readCatalog { catalog, sequence in (catalog, sequence) }
            view = catalog!.defaultView
        } else {
            (catalog, view, snapshotSequence) = (nil, nil, 0)
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
        if let own = main.writes.record(key) { return body(own.isTombstone ? nil : own.value) }
        if main.writes.isRangeDeleted(key) { return body(nil) }
        if tracksReads { main.reads.append(key) }
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
        if view != nil || main.writes.record(key) != nil || main.writes.isRangeDeleted(key) { return try withValue(key) { $0 } }
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
        try makeIterator(table: database.defaultTableHandle)
    }

    /// An iterator over `table` as this transaction sees it (its snapshot with its own
    /// writes in `table` merged in).
    /// - Throws: `.misuse` for a table of another database; `.notFound` for a dropped table.
    public func makeIterator(table: Table) throws(OmenError) -> TransactionIterator {
        try checkActive()
        try database.checkOwner(table)
        if catalog == nil { try checkOpen() }
        let snapshot = catalog.map {
            Snapshot(catalog: $0, sequence: snapshotSequence, pins: database.pins, owner: database.instance, directory: database.directory)
        } ?? database.snapshot()
        // A table missing from the snapshot fails now rather than at the first seek.
        _ = try snapshot.view(of: table)
        return TransactionIterator(transaction: self, table: table.id, base: snapshot.makeIterator(table: table))
    }

    /// Notes that an iterator of table `table` covered `range` (SERIALIZABLE validates
    /// it at commit). Returns the slot to widen as the iterator moves on.
    func noteScanned(_ range: ClosedRange<Int64>, extending slot: Int?, table: UInt32) -> Int? {
        guard tracksReads else { return nil }
        if let slot {
            let old = scans[slot].range
            scans[slot].range = min(old.lowerBound, range.lowerBound)...max(old.upperBound, range.upperBound)
            return slot
        }
        withTable(table) { _ in }  // the table takes part in the commit's validation
        scans.append((table, range))
        return scans.count - 1
    }

    /// Table `table`'s write set (the default table's: `main`), for iterators.
    @inline(__always)
    func writes(_ table: UInt32) -> WriteSet {
        if table == 0 { return main.writes }
        guard let slot = namedSlot(table) else { return WriteSet() }
        return named[slot].writes
    }

    /// The slot in `named` of table `table` (not 0), or nil when the transaction has not touched it.
    @inline(__always)
    private func namedSlot(_ table: UInt32) -> Int? {
        if lastNamed < namedIDs.count && namedIDs[lastNamed] == table { return lastNamed }
        guard let slot = namedIDs.firstIndex(of: table) else { return nil }
        lastNamed = slot
        return slot
    }

    /// The slot in `named` of table `table` (not 0), made on first use.
    private func makeNamedSlot(_ table: UInt32) -> Int {
        if let slot = namedSlot(table) { return slot }
        named.append(TransactionTable())
        namedIDs.append(table)
        lastNamed = named.count - 1
        return lastNamed
    }

    /// Table `table`'s write set, mutable (sorting its keys mutates its cache).
    func mutableWrites<T>(_ table: UInt32, _ body: (inout WriteSet) -> T) -> T {
        withTable(table) { body(&$0.writes) }
    }

    /// Table `table`'s state, made on first use.
    @inline(__always)
    private func withTable<T>(_ table: UInt32, _ body: (inout TransactionTable) -> T) -> T {
        table == 0 ? body(&main) : body(&named[makeNamedSlot(table)])
    }

    // MARK: Writes

    /// Stores a copy of `value` under `key` in this transaction.
    public func put(_ key: Int64, _ value: UnsafeRawBufferPointer) throws(OmenError) {
        try checkWritable()
        guard value.count <= database.options.maximumValueSize else {
            throw OmenError(.tooLarge, "a value of \(value.count) bytes exceeds the limit of \(database.options.maximumValueSize) bytes")
        }
        writeCount &+= 1
        main.writes.put(key, value)
    }

    public func put(_ key: Int64, _ value: [UInt8]) throws(OmenError) {
        try withRawBytes(of: value) { (raw) throws(OmenError) in try put(key, raw) }
    }

    /// Deletes `key` in this transaction (whether or not it exists).
    public func delete(_ key: Int64) throws(OmenError) {
        try checkWritable()
        writeCount &+= 1
        main.writes.delete(key)
    }

    /// Deletes every key in `range` (half-open; an empty range writes nothing) in this
    /// transaction: its own reads and iterators see the keys gone at once; at commit it
    /// is one range tombstone. Under REPEATABLE_READ and SERIALIZABLE the commit
    /// conflicts with any commit after the snapshot that wrote a key in the range (as a
    /// write of each key would).
    public func deleteRange(_ range: Range<Int64>) throws(OmenError) {
        try checkWritable()
        guard !range.isEmpty else { return }
        writeCount &+= 1
        main.writes.deleteRange(range.lowerBound...(range.upperBound - 1))
    }

    /// Deletes every key in `range` (inclusive: reaches `Int64.max`) in this transaction.
    public func deleteRange(_ range: ClosedRange<Int64>) throws(OmenError) {
        try checkWritable()
        writeCount &+= 1
        main.writes.deleteRange(range)
    }

    private func checkWritable() throws(OmenError) {
        try checkActive()
        try checkOpen()
        guard !isReadOnly else { throw OmenError(.readOnly, "the transaction is read-only") }
    }

    // MARK: Tables (a transaction may span tables: its commit is one atomic log record)

    /// `withValue(_:_:)` in `table`.
    /// - Throws: `.misuse` for a table of another database; `.notFound` for a dropped
    ///   table (a table created after a snapshot transaction began reads as empty).
    public func withValue<T>(_ key: Int64, table: Table, _ body: (UnsafeRawBufferPointer?) -> T) throws(OmenError) -> T {
        try checkActive()
        try database.checkOwner(table)
        if table.id == 0 { return try withValue(key, body) }
        let slot = namedSlot(table.id)
        if let slot {
            if let own = named[slot].writes.record(key) { return body(own.isTombstone ? nil : own.value) }
            if named[slot].writes.isRangeDeleted(key) { return body(nil) }
        }
        if let catalog {
            let view = try snapshotView(of: table, in: catalog)
            if tracksReads { named[slot ?? makeNamedSlot(table.id)].reads.append(key) }
            switch try view.lookup(key, at: snapshotSequence) {
            case .value(let value): return body(value)
            case .absent, .deleted: return body(nil)
            }
        }
        try checkOpen()
        return try database.withValue(key, table: table, body)
    }

    /// `table`'s view in the begin snapshot `catalog`.
    @inline(__always)
    private func snapshotView(of table: Table, in catalog: CatalogView) throws(OmenError) -> StorageView {
        // The directory (a String to retain) only for the error of a dropped table.
        let id = Int(table.id)
        if id < catalog.views.count, let found = catalog.views[id] { return found }
        return try Snapshot.view(of: table, in: catalog, directory: database.directory)
    }

    /// `read(_:into:capacity:)` in `table`.
    public func read(_ key: Int64, into buffer: UnsafeMutableRawPointer?, capacity: Int, table: Table) throws(OmenError) -> Int? {
        try withValue(key, table: table) { value -> Int? in
            guard let value else { return nil }
            if value.count <= capacity && value.count > 0 {
                buffer!.copyMemory(from: value.baseAddress!, byteCount: value.count)
            }
            return value.count
        }
    }

    /// The value of `key` in `table`, copied, or nil.
    public func get(_ key: Int64, table: Table) throws(OmenError) -> [UInt8]? {
        try withValue(key, table: table) { value in value.map { Array($0) } }
    }

    /// The value of `key` in `table` without a copy, valid until the transaction ends, or nil.
    public func value(_ key: Int64, table: Table) throws(OmenError) -> UnsafeRawBufferPointer? {
        try checkActive()
        try database.checkOwner(table)
        if table.id == 0 { return try value(key) }
        // The begin snapshot's views and own writes live as long as the transaction.
        if catalog != nil { return try withValue(key, table: table) { $0 } }
        let own = namedSlot(table.id).map { named[$0].writes.record(key) != nil || named[$0].writes.isRangeDeleted(key) } ?? false
        if own { return try withValue(key, table: table) { $0 } }
        try checkOpen()
        let latest = database.snapshot()
        if keptSnapshots.last?.catalog !== latest.catalog || keptSnapshots.last?.sequence != latest.sequence {
            keptSnapshots.append(latest)
        }
        return try keptSnapshots.last!.get(key, table: table)
    }

    /// Stores a copy of `value` under `key` in `table` in this transaction.
    public func put(_ key: Int64, _ value: UnsafeRawBufferPointer, table: Table) throws(OmenError) {
        try checkTableWritable(table)
        if table.id == 0 { return try put(key, value) }
        guard value.count <= database.options.maximumValueSize else {
            throw OmenError(.tooLarge, "a value of \(value.count) bytes exceeds the limit of \(database.options.maximumValueSize) bytes")
        }
        writeCount &+= 1
        withTable(table.id) { $0.writes.put(key, value) }
    }

    public func put(_ key: Int64, _ value: [UInt8], table: Table) throws(OmenError) {
        try withRawBytes(of: value) { (raw) throws(OmenError) in try put(key, raw, table: table) }
    }

    /// Deletes `key` in `table` in this transaction.
    public func delete(_ key: Int64, table: Table) throws(OmenError) {
        try checkTableWritable(table)
        writeCount &+= 1
        withTable(table.id) { $0.writes.delete(key) }
    }

    /// Deletes every key in `range` (half-open) of `table` in this transaction.
    public func deleteRange(_ range: Range<Int64>, table: Table) throws(OmenError) {
        try checkTableWritable(table)
        guard !range.isEmpty else { return }
        try deleteRange(range.lowerBound...(range.upperBound - 1), table: table)
    }

    /// Deletes every key in `range` (inclusive) of `table` in this transaction.
    public func deleteRange(_ range: ClosedRange<Int64>, table: Table) throws(OmenError) {
        try checkTableWritable(table)
        writeCount &+= 1
        withTable(table.id) { $0.writes.deleteRange(range) }
    }

    /// `checkWritable`, and that `table` is this database's and not dropped (a write to
    /// a table dropped later fails at commit with `.notFound`).
    private func checkTableWritable(_ table: Table) throws(OmenError) {
        try checkWritable()
        try database.checkOwner(table)
        guard table.id == 0 || database.published.read(table: table.id, { view, _ in view != nil }) else {
            throw database.dropped(table)
        }
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
        var tables = [(UInt32(0), main)] + named.indices.sorted { namedIDs[$0] < namedIDs[$1] }.map { (namedIDs[$0], named[$0]) }
        // Sorted once here; the copies below share the sorted keys.
        for i in tables.indices { _ = tables[i].1.writes.sortedKeys() }
        let writing = tables.filter { !$0.1.writes.isEmpty }
        guard !writing.isEmpty else { return }
        // Only snapshot transactions validate (READ_COMMITTED writes over whatever committed).
        var footprint: TablesFootprint?
        if validates {
            footprint = TablesFootprint(parts: tables.map { table, state in
                var writes = state.writes
                return (table, ConflictFootprint(writes: writes.sortedKeys(), reads: state.reads, ranges: scans.compactMap { $0.table == table ? $0.range : nil },
                                                 deletedRanges: writes.rangeDeletes))
            })
        }
        // One log record for every table: the commit is atomic across them.
        var encoded = StorageByteWriter()
        for (table, state) in writing {
            var writes = state.writes
            writes.encode(table: table, into: &encoded)
        }
        let count = writing.reduce(0) { $0 + $1.1.writes.count }
        let largestValue = writing.reduce(0) { max($0, $1.1.writes.largestValue) }
        commitSequence = try withRawBytes(of: encoded.bytes) { (raw) throws(OmenError) -> UInt64 in
            try database.commitTransaction(raw, count: count, table: writing.count == 1 ? writing[0].0 : nil,
                                           largestValue: largestValue, snapshot: snapshotSequence, footprint: footprint)
        }
    }

    /// Discards this transaction's writes and ends it. Idempotent.
    public func rollback() { end() }

    private func end() {
        guard isActive else { return }
        isActive = false
        database.pins.endTransaction(bound: bound, validating: validates)
        main.reads = []
        scans = []
        for slot in named.indices {
            named[slot].reads = []
        }
    }
}
