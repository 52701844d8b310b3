import Glibc

/// A durable key-value database (Int64 keys, byte values) in one directory.
///
/// Writes go to a write-ahead log and a hot tier (ALEX map over an arena of value
/// records); full hot tiers are frozen and flushed to immutable, memory-mapped run
/// files indexed by a stored PGM model; compaction merges runs. See docs/storage.md.
///
/// Thread safety: every method may be called from any thread at once. Writers are
/// serialized (with group commit of fsyncs); readers never wait for writers except
/// for the brief read lock of the active hot tier.
public final class Database {
    public let directory: String
    let options: DatabaseOptions
    var directoryLock: DirectoryLock?

    // Writer state, guarded by `writerLock` (its condition: group commit and flush backpressure).
    let writerLock = StorageLock(rank: .writer)
    var wal: WALWriter?
    /// Highest sequence number given to a write.
    var lastSequence: UInt64 = 0
    /// Log bytes written / known durable, counted across all WAL files.
    var writtenPosition = 0
    var durablePosition = 0
    var writtenSequence: UInt64 = 0
    var syncInProgress = false
    var unsyncedBytes = 0
    /// Log fsyncs done for commits (group commit makes this smaller than the commit count).
    var logSyncCount = 0
    /// A WAL write or fsync failed: what is durable is unknown, so writes stop (reads go on).
    var writeFailure: OmenError?
    var closed = false
    /// Encoding buffer for single puts and deletes (writer lock held).
    var singleOperation = StorageByteWriter(capacity: 256)

    // Reader state, guarded by `viewLock`.
    let viewLock = StorageLock(rank: .view)
    var view: StorageView
    var visibleSequence: UInt64 = 0
    /// False while the active hot tier holds no version visible at `visibleSequence`
    /// (a fresh tier after a freeze or an open without log records): readers then skip
    /// it, and its read lock, entirely. Set by every `publish`; cleared when a new,
    /// empty active tier is installed.
    var activeTierVisible = true
    var nextFileNumber: UInt64 = 1

    // Maintenance (flush, compaction), serialized by `maintenanceLock`; its failure is
    // recorded in `maintenanceFailure` (below).
    let maintenanceLock = StorageLock(rank: .maintenance)
    /// The manifest as last stored, guarded by `manifestLock` (held only to update it).
    let manifestLock = StorageLock(rank: .manifest)
    var manifest: Manifest
    /// A background flush or compaction failed; writes report it until reopen.
    /// Guarded by `viewLock` (checked by every commit; never wait for a long compaction).
    var maintenanceFailure: OmenError?

    var worker: BackgroundWorker?

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
        activeTierVisible = recovered.hotTier.keyCount > 0
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

    /// The current view and visible sequence number, captured together.
    @inline(__always)
    func currentView() -> (StorageView, UInt64) {
        viewLock.lock()
        let captured = (view, visibleSequence)
        viewLock.unlock()
        return captured
    }

    /// `currentView` plus whether the active tier can hold a visible version.
    @inline(__always)
    func currentReadView() -> (view: StorageView, sequence: UInt64, searchActive: Bool) {
        viewLock.lock()
        let captured = (view, visibleSequence, activeTierVisible)
        viewLock.unlock()
        return captured
    }

    /// Installs a new, empty active tier (writer lock held, nothing unpublished).
    func installEmptyActiveTier(_ change: (StorageView) -> StorageView) {
        viewLock.lock()
        view = change(view)
        activeTierVisible = false
        viewLock.unlock()
    }

    func replaceView(_ change: (StorageView) -> StorageView) {
        viewLock.lock()
        view = change(view)
        viewLock.unlock()
    }

    func publish(sequence: UInt64) {
        viewLock.lock()
        if sequence > visibleSequence { visibleSequence = sequence }
        activeTierVisible = true
        viewLock.unlock()
    }

    // MARK: Reads

    // Every read checks the value bytes it hands out: a run's damaged heap block throws
    // `.corruption` naming the file and offset (docs/storage.md, "Tiers and reads").

    /// Copies nothing: calls `body` with the value of `key` (borrowed for the call) or nil.
    @inline(__always)
    public func withValue<T>(_ key: Int64, _ body: (UnsafeRawBufferPointer?) -> T) throws(OmenError) -> T {
        let (view, sequence, searchActive) = currentReadView()
        return try withExtendedLifetime(view) { () throws(OmenError) -> T in
            switch try view.lookup(key, at: sequence, searchActive: searchActive) {
            case .value(let value): return body(value)
            case .absent, .deleted: return body(nil)
            }
        }
    }

    /// Copies the value of `key` into `buffer` when it fits in `capacity` bytes.
    /// Returns the value's length (also when it did not fit: nothing is copied then),
    /// or nil when the key is absent.
    public func read(_ key: Int64, into buffer: UnsafeMutableRawPointer?, capacity: Int) throws(OmenError) -> Int? {
        let (view, sequence, searchActive) = currentReadView()
        defer { withExtendedLifetime(view) {} }
        guard case .value(let value) = try view.lookup(key, at: sequence, searchActive: searchActive) else { return nil }
        if value.count <= capacity && value.count > 0 {
            buffer!.copyMemory(from: value.baseAddress!, byteCount: value.count)
        }
        return value.count
    }

    /// The value of `key`, copied, or nil.
    public func get(_ key: Int64) throws(OmenError) -> [UInt8]? {
        try withValue(key) { value in value.map { Array($0) } }
    }

    /// A snapshot of the current state.
    public func snapshot() -> Snapshot {
        let (view, sequence, searchActive) = currentReadView()
        return Snapshot(view: view, sequence: sequence, searchActive: searchActive)
    }
}
