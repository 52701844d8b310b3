import Glibc
import Synchronization

/// The source of `Database.instance`.
private let nextDatabaseInstance = Atomic<UInt64>(0)

/// A durable key-value database (Int64 keys, byte values) in one directory.
///
/// Writes go to a write-ahead log and a hot tier (ALEX map over an arena of value
/// records); full hot tiers are frozen and flushed to immutable, memory-mapped run
/// files indexed by a stored PGM model; compaction merges runs. See docs/storage.md.
///
/// Thread safety: every method may be called from any thread at once. Writers are
/// serialized (with group commit of fsyncs); reads take no lock and never wait for
/// writers (docs/transactions.md, "Readers and writers").
public final class Database {
    public let directory: String
    let options: DatabaseOptions
    /// Distinguishes this handle from every other in the process (`Table.owner`).
    let instance = nextDatabaseInstance.wrappingAdd(1, ordering: .relaxed).newValue
    let defaultTableHandle: Table
    // Stored properties marked @exclusivity(unchecked) skip Swift's dynamic exclusivity
    // checks on this hot path (docs/performance.md, "Exclusivity checks").
    @exclusivity(unchecked) var directoryLock: DirectoryLock?

    // Writer state, guarded by `writerLock` (its condition: group commit and flush backpressure).
    let writerLock = StorageLock(rank: .writer)
    @exclusivity(unchecked) var wal: WALWriter?
    /// Highest sequence number given to a write.
    @exclusivity(unchecked) var lastSequence: UInt64 = 0
    /// Log bytes written / known durable, counted across all WAL files.
    @exclusivity(unchecked) var writtenPosition = 0
    @exclusivity(unchecked) var durablePosition = 0
    @exclusivity(unchecked) var writtenSequence: UInt64 = 0
    @exclusivity(unchecked) var syncInProgress = false
    @exclusivity(unchecked) var unsyncedBytes = 0
    /// Log fsyncs done for commits (group commit makes this smaller than the commit count).
    @exclusivity(unchecked) var logSyncCount = 0
    /// A WAL write or fsync failed: what is durable is unknown, so writes stop (reads go on).
    @exclusivity(unchecked) var writeFailure: OmenError?
    @exclusivity(unchecked) var closed = false
    /// `closed`, readable without the writer lock (set under it).
    let closedFlag = Atomic<Bool>(false)
    /// Encoding buffer for single puts and deletes (writer lock held).
    @exclusivity(unchecked) var singleOperation = StorageByteWriter(capacity: 256)
    /// Keys of recent commits, for transaction validation (writer lock held).
    @exclusivity(unchecked) var commitLog = CommitLog()
    /// Transaction commits refused with `.conflict` (writer lock held).
    @exclusivity(unchecked) var conflictCount = 0
    /// The tables written since the last freeze (writer lock held): what the flush
    /// budget adds up and a freeze looks at, so that a commit costs nothing per table
    /// that was not written.
    @exclusivity(unchecked) var hotTables: [UInt32] = []
    /// Whether the active log holds a record (writer lock held): a bulk load, which
    /// leaves no record, first freezes and flushes until none is left below its sequence.
    @exclusivity(unchecked) var activeLogHoldsRecords = false

    /// Snapshot and transaction sequences (own lock, rank `.pins`).
    let pins = SequencePins()

    // The tables' tiers and visible sequence, guarded by `viewLock` for writers (freeze,
    // flush, compaction, commits publishing); readers read their lock-free copy, `published`.
    let viewLock = StorageLock(rank: .view)
    @exclusivity(unchecked) var catalog: CatalogView
    @exclusivity(unchecked) var visibleSequence: UInt64 = 0
    let published: PublishedView
    @exclusivity(unchecked) var nextFileNumber: UInt64 = 1

    // Maintenance (flush, compaction), serialized by `maintenanceLock`; its failure is
    // recorded in `maintenanceFailure` (below).
    let maintenanceLock = StorageLock(rank: .maintenance)
    /// The manifest as last stored, guarded by `manifestLock` (held only to update it).
    let manifestLock = StorageLock(rank: .manifest)
    @exclusivity(unchecked) var manifest: Manifest
    /// A background flush or compaction failed; writes report it until reopen.
    /// Guarded by `viewLock` (checked by every commit; never wait for a long compaction).
    @exclusivity(unchecked) var maintenanceFailure: OmenError?

    @exclusivity(unchecked) var worker: BackgroundWorker?

    /// Checkpoints copying log files now, and the logs flushes retired meanwhile, removed
    /// when the last of those checkpoints is done with them (Checkpoint.swift). Guarded by `viewLock`.
    var logCopiers = 0
    var retiredLogs: [UInt64] = []

    /// Opens (or creates) the database in `directory`.
    ///
    /// - Throws: `.busy` when another handle holds the directory (the message names its
    ///   process), `.invalidArgument` for bad options or an existing database with
    ///   `errorIfExists`, `.ioError` for file-system failures, `.corruption` for
    ///   damaged files (naming file and offset), `.unsupported` for a newer format.
    public init(directory: String, options: DatabaseOptions = DatabaseOptions()) throws(OmenError) {
        self.directory = directory
        self.options = try options.validated()
        let recovered = try Recovery.open(directory: directory, options: self.options)
        directoryLock = recovered.lock
        manifest = recovered.manifest
        wal = recovered.wal
        lastSequence = recovered.lastSequence
        writtenSequence = recovered.lastSequence
        visibleSequence = recovered.lastSequence
        nextFileNumber = recovered.nextFileNumber
        defaultTableHandle = Table(name: "", id: 0, owner: instance)
        let tables = [Manifest.TableEntry(id: 0, name: "")] + recovered.manifest.tables
        let slots = Int(tables.map(\.id).max()!) + 1
        var views = [StorageView?](repeating: nil, count: slots)
        var names = [String](repeating: "", count: slots)
        for table in tables {
            views[Int(table.id)] = StorageView(active: recovered.hotTiers[table.id]!, frozen: [],
                                               runs: recovered.runs.filter { $0.descriptor.table == table.id })
            names[Int(table.id)] = table.name
        }
        catalog = CatalogView(views: views, names: names, generations: [], activeLogs: recovered.activeLogs)
        hotTables = tables.map(\.id).filter { !recovered.hotTiers[$0]!.isUnwritten }
        activeLogHoldsRecords = recovered.logsHoldRecords
        published = PublishedView(catalog: catalog, sequence: recovered.lastSequence)
        if !options.readOnly && options.backgroundWork {
            worker = BackgroundWorker(database: self)
        }
    }

    deinit {
        if !closed { try? close() }
    }

    /// Stops background work, makes the log durable and releases the directory lock.
    /// Snapshots and iterators taken earlier stay readable. Idempotent.
    public func close() throws(OmenError) {
        let alreadyClosed = writerLock.withLock { () -> Bool in
            let was = closed
            closed = true
            closedFlag.store(true, ordering: .releasing)
            return was
        }
        if alreadyClosed { return }
        worker?.stop()
        worker = nil
        var failure: OmenError?
        // Nothing appended since the last log fsync (e.g. a read-only session): no fsync.
        if let wal, writeFailure == nil, writtenPosition > durablePosition {
            do throws(OmenError) { try wal.file.syncData() } catch { failure = error }
        }
        wal = nil
        directoryLock = nil
        if let failure { throw failure }
    }

    var isReadOnly: Bool { options.readOnly }

    /// A new file number (for a WAL or a run).
    func allocateFileNumber() -> UInt64 {
        viewLock.withLock { () -> UInt64 in
            let number = nextFileNumber
            nextFileNumber += 1
            return number
        }
    }

    /// The default table's current view and the visible sequence number, captured
    /// together (writer side: takes the view lock; readers use `published`).
    func currentView() -> (StorageView, UInt64) {
        viewLock.lock()
        let captured = (catalog.defaultView, visibleSequence)
        viewLock.unlock()
        return captured
    }

    /// The current catalog and visible sequence number, captured together.
    func currentCatalog() -> (CatalogView, UInt64) {
        viewLock.lock()
        let captured = (catalog, visibleSequence)
        viewLock.unlock()
        return captured
    }

    /// Replaces the catalog (freeze, flush, table create and drop) and publishes it.
    func replaceCatalog(_ change: (CatalogView) -> CatalogView) {
        viewLock.lock()
        catalog = change(catalog)
        published.publish(catalog: catalog)
        viewLock.unlock()
    }

    /// Replaces table `table`'s view (compaction, bulk load, a range delete) and
    /// publishes it; nothing when the table was dropped.
    func replaceView(table: UInt32 = 0, _ change: (StorageView) -> StorageView) {
        replaceCatalog { old in
            guard let view = old.view(table) else { return old }
            return old.replacing(table, with: change(view))
        }
    }

    /// Makes commits up to `sequence` visible to new reads.
    func publish(sequence: UInt64) {
        viewLock.lock()
        if sequence > visibleSequence {
            visibleSequence = sequence
            published.publish(sequence: sequence)
        }
        viewLock.unlock()
    }

    // MARK: Reads

    // Every read checks the value bytes it hands out: a run's damaged heap block throws
    // `.corruption` naming the file and offset (docs/storage.md, "Tiers and reads").

    /// Copies nothing: calls `body` with the value of `key` (borrowed for the call) or nil.
    /// Lock-free: no lock, no reference count, no store to memory shared with other readers.
    @inline(__always)
    public func withValue<T>(_ key: Int64, _ body: (UnsafeRawBufferPointer?) -> T) throws(OmenError) -> T {
        try published.read { (view, sequence) throws(OmenError) -> T in
            switch try view.lookup(key, at: sequence) {
            case .value(let value): return body(value)
            case .absent, .deleted: return body(nil)
            }
        }
    }

    /// Copies the value of `key` into `buffer` when it fits in `capacity` bytes.
    /// Returns the value's length (also when it did not fit: nothing is copied then),
    /// or nil when the key is absent.
    public func read(_ key: Int64, into buffer: UnsafeMutableRawPointer?, capacity: Int) throws(OmenError) -> Int? {
        try published.read { (view, sequence) throws(OmenError) -> Int? in
            guard case .value(let value) = try view.lookup(key, at: sequence) else { return nil }
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

    // MARK: Reads in a table

    /// `withValue(_:_:)` in `table`.
    /// - Throws: `.notFound` for a dropped table, `.misuse` for a table of another database.
    @inline(__always)
    public func withValue<T>(_ key: Int64, table: Table, _ body: (UnsafeRawBufferPointer?) -> T) throws(OmenError) -> T {
        try checkOwner(table)
        if table.id == 0 { return try withValue(key, body) }
        return try published.read(table: table.id) { (view, sequence) throws(OmenError) -> T in
            guard let view else { throw dropped(table) }
            switch try view.lookup(key, at: sequence) {
            case .value(let value): return body(value)
            case .absent, .deleted: return body(nil)
            }
        }
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

    /// An iterator over `table`'s current state (`makeIterator()`). For a dropped table
    /// or a table of another database, its first seek throws (`.notFound`, `.misuse`).
    public func makeIterator(table: Table) -> StorageIterator {
        StorageIterator(snapshot: snapshot(), table: table, database: self)
    }

    /// A snapshot of the current state of every table.
    public func snapshot() -> Snapshot {
        published.readCatalog { catalog, sequence in Snapshot(catalog: catalog, sequence: sequence, pins: pins, owner: instance, directory: directory) }
    }

    /// An iterator over the current state that `StorageIterator.refresh` can move to a
    /// later state.
    public func makeIterator() -> StorageIterator { StorageIterator(snapshot: snapshot(), table: defaultTableHandle, database: self) }

    /// A snapshot of the current state, or `current` itself when that is still the
    /// current state (same view, same visible sequence): no allocation, no pin.
    /// - Throws: `.misuse` when the database is closed.
    func snapshot(reusing current: Snapshot) throws(OmenError) -> Snapshot {
        if closedFlag.load(ordering: .acquiring) { throw OmenError(.misuse, "database '\(directory)' is closed") }
        return published.readCatalog { catalog, sequence in
            catalog === current.catalog && sequence == current.sequence
                ? current : Snapshot(catalog: catalog, sequence: sequence, pins: pins, owner: instance, directory: directory)
        }
    }

    /// The newest visible sequence number.
    func visibleSequenceNow() -> UInt64 { viewLock.withLock { visibleSequence } }

    /// Begins a transaction (docs/transactions.md).
    /// - Throws: `.misuse` when the database is closed; `.readOnly` for a read-write
    ///   transaction on a database opened read-only.
    public func beginTransaction(_ options: TransactionOptions = TransactionOptions()) throws(OmenError) -> Transaction {
        if closedFlag.load(ordering: .acquiring) { throw OmenError(.misuse, "database '\(directory)' is closed") }
        if !options.readOnly && self.options.readOnly {
            throw OmenError(.readOnly, "database '\(directory)' is open read-only: only read-only transactions can begin")
        }
        return Transaction(database: self, options: options)
    }
}
