import Glibc
import Synchronization

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

    /// Snapshot and transaction sequences (own lock, rank `.pins`).
    let pins = SequencePins()

    // The tiers and visible sequence, guarded by `viewLock` for writers (freeze, flush,
    // compaction, commits publishing); readers read their lock-free copy, `published`.
    let viewLock = StorageLock(rank: .view)
    @exclusivity(unchecked) var view: StorageView
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
        view = StorageView(active: recovered.hotTier, frozen: [], runs: recovered.runs)
        published = PublishedView(view: view, sequence: recovered.lastSequence)
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

    /// The current view and visible sequence number, captured together (writer side:
    /// takes the view lock; readers use `published`).
    func currentView() -> (StorageView, UInt64) {
        viewLock.lock()
        let captured = (view, visibleSequence)
        viewLock.unlock()
        return captured
    }

    /// Replaces the view (freeze, flush, compaction, bulk load) and publishes it.
    func replaceView(_ change: (StorageView) -> StorageView) {
        viewLock.lock()
        view = change(view)
        published.publish(view: view)
        viewLock.unlock()
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

    /// A snapshot of the current state.
    public func snapshot() -> Snapshot {
        published.read { view, sequence in Snapshot(view: view, sequence: sequence, pins: pins) }
    }

    /// An iterator over the current state that `StorageIterator.refresh` can move to a
    /// later state.
    public func makeIterator() -> StorageIterator { StorageIterator(snapshot: snapshot(), database: self) }

    /// A snapshot of the current state, or `current` itself when that is still the
    /// current state (same view, same visible sequence): no allocation, no pin.
    /// - Throws: `.misuse` when the database is closed.
    func snapshot(reusing current: Snapshot) throws(OmenError) -> Snapshot {
        if closedFlag.load(ordering: .acquiring) { throw OmenError(.misuse, "database '\(directory)' is closed") }
        return published.read { view, sequence in
            view === current.view && sequence == current.sequence
                ? current : Snapshot(view: view, sequence: sequence, pins: pins)
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
