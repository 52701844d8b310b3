/// The write path: WAL append, hot-tier apply, durability per sync mode, freezing.
extension Database {
    /// Log bytes after which NORMAL mode wakes the background thread to fsync.
    static let normalSyncBytes = 8 << 20
    /// Frozen tiers allowed to wait for their flush before writers wait.
    static let maximumFrozenTiers = 2
    /// Range tombstones a hot tier takes before it is frozen (each range delete rebuilds
    /// the tier's list; in a run they are coalesced and searched in O(log n)).
    static let hotTierRangeTombstoneLimit = 1024

    public func put(_ key: Int64, _ value: [UInt8]) throws(OmenError) {
        try withRawBytes(of: value) { (raw) throws(OmenError) in try put(key, raw) }
    }

    /// Stores a copy of `value` under `key` (a batch of one, without allocating one).
    public func put(_ key: Int64, _ value: UnsafeRawBufferPointer) throws(OmenError) {
        try checkWriteArguments(largestValue: value.count)
        writerLock.lock()
        defer { writerLock.unlock() }
        singleOperation.bytes.removeAll(keepingCapacity: true)
        singleOperation.appendPut(key, value, table: 0)
        _ = try withRawBytes(of: singleOperation.bytes) { (raw) throws(OmenError) in try commitLocked(raw, count: 1, table: 0) }
    }

    /// Deletes `key` (whether or not it exists).
    public func delete(_ key: Int64) throws(OmenError) {
        try checkWriteArguments(largestValue: 0)
        writerLock.lock()
        defer { writerLock.unlock() }
        singleOperation.bytes.removeAll(keepingCapacity: true)
        singleOperation.appendDelete(key, table: 0)
        _ = try withRawBytes(of: singleOperation.bytes) { (raw) throws(OmenError) in try commitLocked(raw, count: 1, table: 0) }
    }

    /// Deletes every key in `range` (half-open, as iterator bounds; an empty range writes
    /// nothing) with one range tombstone: O(1) to write whatever the range holds
    /// (docs/storage.md, "Range tombstones").
    public func deleteRange(_ range: Range<Int64>) throws(OmenError) {
        guard !range.isEmpty else { return }
        try deleteRange(range.lowerBound...(range.upperBound - 1))
    }

    /// Deletes every key in `range` (inclusive: reaches `Int64.max`).
    public func deleteRange(_ range: ClosedRange<Int64>) throws(OmenError) {
        try checkWriteArguments(largestValue: 0)
        writerLock.lock()
        defer { writerLock.unlock() }
        singleOperation.bytes.removeAll(keepingCapacity: true)
        singleOperation.appendDeleteRange(range, table: 0)
        _ = try withRawBytes(of: singleOperation.bytes) { (raw) throws(OmenError) in try commitLocked(raw, count: 1, table: 0) }
    }

    // MARK: Writes in a table (each one a batch of one; `.notFound` for a dropped table,
    // `.misuse` for a table of another database)

    public func put(_ key: Int64, _ value: [UInt8], table: Table) throws(OmenError) {
        try withRawBytes(of: value) { (raw) throws(OmenError) in try put(key, raw, table: table) }
    }

    /// Stores a copy of `value` under `key` in `table`.
    public func put(_ key: Int64, _ value: UnsafeRawBufferPointer, table: Table) throws(OmenError) {
        try checkOwner(table)
        if table.id == 0 { return try put(key, value) }
        try checkWriteArguments(largestValue: value.count)
        writerLock.lock()
        defer { writerLock.unlock() }
        singleOperation.bytes.removeAll(keepingCapacity: true)
        singleOperation.appendPut(key, value, table: table.id)
        try commitSingle(table)
    }

    /// Deletes `key` in `table` (whether or not it exists).
    public func delete(_ key: Int64, table: Table) throws(OmenError) {
        try checkOwner(table)
        if table.id == 0 { return try delete(key) }
        try checkWriteArguments(largestValue: 0)
        writerLock.lock()
        defer { writerLock.unlock() }
        singleOperation.bytes.removeAll(keepingCapacity: true)
        singleOperation.appendDelete(key, table: table.id)
        try commitSingle(table)
    }

    /// Deletes every key in `range` (half-open) in `table` with one range tombstone.
    public func deleteRange(_ range: Range<Int64>, table: Table) throws(OmenError) {
        try checkOwner(table)
        guard !range.isEmpty else { return }
        try deleteRange(range.lowerBound...(range.upperBound - 1), table: table)
    }

    /// Deletes every key in `range` (inclusive) in `table` with one range tombstone.
    public func deleteRange(_ range: ClosedRange<Int64>, table: Table) throws(OmenError) {
        try checkOwner(table)
        if table.id == 0 { return try deleteRange(range) }
        try checkWriteArguments(largestValue: 0)
        writerLock.lock()
        defer { writerLock.unlock() }
        singleOperation.bytes.removeAll(keepingCapacity: true)
        singleOperation.appendDeleteRange(range, table: table.id)
        try commitSingle(table)
    }

    /// Commits `singleOperation`, one operation in `table` (writer lock held).
    private func commitSingle(_ table: Table) throws(OmenError) {
        do throws(OmenError) {
            _ = try withRawBytes(of: singleOperation.bytes) { (raw) throws(OmenError) in try commitLocked(raw, count: 1, table: table.id) }
        } catch {
            throw error.code == .notFound ? dropped(table) : error
        }
    }

    /// Applies `batch` atomically: after a crash either all of it or none of it is
    /// visible; when this returns it is visible to new reads (and durable with `.full`).
    public func write(_ batch: WriteBatch) throws(OmenError) {
        for table in batch.handles { try checkOwner(table) }
        try checkWriteArguments(largestValue: batch.largestValue)
        guard batch.count > 0 else { return }
        writerLock.lock()
        defer { writerLock.unlock() }
        _ = try withRawBytes(of: batch.encoded.bytes) { (raw) throws(OmenError) in
            try commitLocked(raw, count: batch.count, table: batch.singleTable)
        }
    }

    /// Commits a transaction's encoded writes: under the writer lock, validates
    /// `footprint` (when given) against the commits after `snapshot`, then logs and
    /// applies the writes as one record. Returns the commit's sequence number.
    func commitTransaction(_ operations: UnsafeRawBufferPointer, count: Int, table: UInt32?, largestValue: Int,
                           snapshot: UInt64, footprint: TablesFootprint?) throws(OmenError) -> UInt64 {
        try checkWriteArguments(largestValue: largestValue)
        writerLock.lock()
        defer { writerLock.unlock() }
        return try commitLocked(operations, count: count, table: table) { () throws(OmenError) in
            guard let footprint, let conflict = commitLog.firstConflict(after: snapshot, with: footprint) else { return }
            conflictCount += 1
            let names = currentCatalog().0.names
            let table = conflict.table == 0 ? "" : " of table '\(names.indices.contains(Int(conflict.table)) ? names[Int(conflict.table)] : String(conflict.table))'"
            throw OmenError(.conflict, Self.describe(conflict, table: table, snapshot: snapshot))
        }
    }

    private static func describe(_ conflict: CommitLog.Conflict, table: String, snapshot: UInt64) -> String {
        let written = conflict.written.count == 1 ? "key \(conflict.written.lowerBound)\(table)"
            : "keys \(conflict.written.lowerBound)...\(conflict.written.upperBound)\(table) (a bulk load or range delete)"
        let by = "by the commit at sequence \(conflict.sequence), after this transaction's snapshot (sequence \(snapshot))"
        switch conflict.found {
        case .wroteSameKey(let key):
            return "key \(key)\(table), which this transaction writes, was written \(by)"
        case .readKey(let key):
            return "key \(key)\(table), which this transaction read, was written \(by)"
        case .scannedRange(let range):
            return "\(written), inside the range \(range.lowerBound)...\(range.upperBound) this transaction scanned, written \(by)"
        case .deletedRange(let range):
            return "\(written), inside the range \(range.lowerBound)...\(range.upperBound) this transaction deletes, written \(by)"
        }
    }

    private func checkWriteArguments(largestValue: Int) throws(OmenError) {
        guard !options.readOnly else { throw OmenError(.readOnly, "database '\(directory)' is open read-only") }
        guard largestValue <= options.maximumValueSize else {
            throw OmenError(.tooLarge, "a value of \(largestValue) bytes exceeds the limit of \(options.maximumValueSize) bytes")
        }
    }

    /// Logs, applies and (per sync mode) makes durable one batch of encoded operations
    /// (writer lock held), all in table `table` (nil: the batch may span tables, found
    /// by decoding it); `validate` runs just before the sequence number is taken, with
    /// the lock held since. Returns the sequence number.
    /// - Throws: `.notFound` (before anything is logged) when a table written was dropped.
    @discardableResult
    private func commitLocked(_ operations: UnsafeRawBufferPointer, count: Int, table: UInt32?,
                              validate: () throws(OmenError) -> Void = {}) throws(OmenError) -> UInt64 {
        try checkWritable()
        try makeRoomIfNeeded()
        try validate()
        guard let wal else { throw OmenError(.misuse, "database '\(directory)' is closed") }
        // Tables are created and dropped under the writer lock: the catalog read here holds.
        let catalog = currentCatalog().0
        var single: (UInt32, HotTier)?
        var tiers: [(UInt32, HotTier)] = []
        if let table {
            guard let view = catalog.view(table) else { throw OmenError(.notFound, "table \(table) was dropped") }
            single = (table, view.active)
        } else {
            for id in try BatchDecoding.tables(operations, count: count) {
                guard let view = catalog.view(id) else {
                    throw OmenError(.notFound, "the batch writes table '\(catalog.names.indices.contains(Int(id)) ? catalog.names[Int(id)] : String(id))', which was dropped")
                }
                tiers.append((id, view.active))
            }
        }
        let sequence = lastSequence + 1
        let appended: Int
        do throws(OmenError) {
            appended = try wal.append(sequence: sequence, operations: operations, count: count)
        } catch {
            if wal.damaged { writeFailure = error }
            throw error
        }
        // Every tier first, then the sequence: a batch spanning tables becomes visible at once.
        if let (id, active) = single {
            if active.isUnwritten { hotTables.append(id) }
            try apply(sequence: sequence, operations: operations, count: count, table: id, tier: active)
        } else {
            for (id, active) in tiers {
                if active.isUnwritten { hotTables.append(id) }
                try apply(sequence: sequence, operations: operations, count: count, table: id, tier: active)
            }
        }
        lastSequence = sequence
        writtenSequence = sequence
        writtenPosition += appended
        activeLogHoldsRecords = true
        try recordCommit(sequence: sequence, operations: operations, count: count)
        switch options.sync {
        case .off:
            publish(sequence: sequence)
        case .normal:
            publish(sequence: sequence)
            unsyncedBytes += appended
            if unsyncedBytes >= Self.normalSyncBytes {
                if let worker { worker.wake() } else { try syncLogInline() }
            }
        case .full:
            try waitUntilDurable(writtenPosition)
        }
        return sequence
    }

    /// Applies a batch's operations in table `table` to its active tier.
    @inline(__always)
    private func apply(sequence: UInt64, operations: UnsafeRawBufferPointer, count: Int, table: UInt32, tier: HotTier) throws(OmenError) {
        if try tier.apply(sequence: sequence, operations: operations, count: count, table: table) {
            // The view carries the tiers' range tombstones: publish one with the new list
            // before the sequence that makes it visible (rare: range deletes only).
            replaceView(table: table) { old in StorageView(active: old.active, frozen: old.frozen, runs: old.runs, floor: old.floor) }
        }
    }

    /// Adds a commit's keys to the commit log and trims what no transaction can
    /// conflict with any more (writer lock held).
    private func recordCommit(sequence: UInt64, operations: UnsafeRawBufferPointer, count: Int) throws(OmenError) {
        try commitLog.record(sequence: sequence, operations: operations, count: count)
        trimCommitLog()
    }

    /// Drops commit-log entries at or below the validation horizon (writer lock held).
    /// Every 256 entries, so a plain write costs a lock round trip only that often.
    func trimCommitLog() {
        guard commitLog.count >= 256 else { return }
        commitLog.prune(through: pins.validationHorizon { visibleSequenceNow() })
    }

    func checkWritable() throws(OmenError) {
        if closed { throw OmenError(.misuse, "database '\(directory)' is closed") }
        if let writeFailure { throw OmenError(.ioError, "writes are disabled after an earlier log failure: \(writeFailure.message)") }
        if let failure = viewLock.withLock({ maintenanceFailure }) {
            throw OmenError(failure.code, "writes are disabled after a background flush/compaction failure: \(failure.message)")
        }
    }

    /// Group commit (writer lock held): the first waiter becomes the leader and fsyncs
    /// everything written so far with the lock released; later committers wait for it.
    private func waitUntilDurable(_ position: Int) throws(OmenError) {
        while durablePosition < position {
            if let writeFailure { throw OmenError(.ioError, "log sync failed: \(writeFailure.message)") }
            if syncInProgress {
                writerLock.wait()
                continue
            }
            guard let wal else { throw OmenError(.misuse, "database '\(directory)' is closed") }
            syncInProgress = true
            let target = writtenPosition
            let targetSequence = writtenSequence
            writerLock.unlock()
            var failure: OmenError?
            do throws(OmenError) { try wal.file.syncData() } catch { failure = error }
            writerLock.lock()
            syncInProgress = false
            logSyncCount += 1
            if let failure {
                writeFailure = failure
            } else {
                durablePosition = max(durablePosition, target)
                publish(sequence: targetSequence)
            }
            writerLock.broadcast()
        }
    }

    /// Freezes the active tiers when together they are over budget (or one holds too
    /// many range tombstones; writer lock held), waiting while too many frozen
    /// generations are queued for the background flush.
    private func makeRoomIfNeeded() throws(OmenError) {
        // `catalog` is replaced by the background thread under the view lock: read it through `currentCatalog`.
        let catalog = currentCatalog().0
        var bytes = 0
        var tombstones = 0
        for id in hotTables {
            guard let active = catalog.view(id)?.active else { continue }
            bytes += active.memoryBytes
            tombstones = max(tombstones, active.rangeTombstoneCount)
        }
        guard bytes >= options.hotTierBytes || tombstones >= Self.hotTierRangeTombstoneLimit else { return }
        if worker == nil {
            // No background thread: flush (and compact) on the writing thread.
            try freezeActiveTiers()
            try flushFrozenTiers()
            try compactIfNeeded()
            return
        }
        while currentCatalog().0.generations.count >= Self.maximumFrozenTiers {
            try checkWritable()
            worker?.wake()
            writerLock.wait(milliseconds: 50)
        }
        try freezeActiveTiers()
        worker?.wake()
    }

    /// Starts a new WAL and freezes every table's active tier that holds something into
    /// one new generation (writer lock held): the tables freeze together, so the logs
    /// retire together once the generation is flushed. The old WAL is fsynced first, so
    /// only the newest WAL can have a torn tail.
    func freezeActiveTiers() throws(OmenError) {
        guard let oldLog = wal else { throw OmenError(.misuse, "database '\(directory)' is closed") }
        do throws(OmenError) { try oldLog.file.syncData() } catch {
            writeFailure = error
            throw error
        }
        durablePosition = writtenPosition
        publish(sequence: writtenSequence)
        unsyncedBytes = 0
        let newLog = try WALWriter(directory: directory, number: allocateFileNumber())
        // The manifest names the newest WAL, so that losing it is detected as corruption.
        let notDurable: OmenError?
        do throws(OmenError) { notDurable = try updateManifest { $0.activeWAL = newLog.number } } catch {
            try? FileSystem.remove(newLog.file.path)
            throw error
        }
        wal = newLog
        replaceCatalog { old in
            var views = old.views
            var frozen: [(table: UInt32, tier: HotTier)] = []
            for id in hotTables.sorted() {
                guard let view = old.view(id), view.active.holdsAnything else { continue }
                frozen.append((id, view.active))
                views[Int(id)] = StorageView(active: HotTier(), frozen: [view.active] + view.frozen, runs: view.runs)
            }
            let generation = FrozenGeneration(logs: old.activeLogs, lastSequence: writtenSequence, tiers: frozen)
            return old.replacing(views: views, generations: [generation] + old.generations, activeLogs: [newLog.number])
        }
        hotTables = []
        activeLogHoldsRecords = false
        writerLock.broadcast()
        // The new manifest is in place but not known durable: writes stop until reopen.
        if let notDurable {
            writeFailure = notDurable
            throw notDurable
        }
    }

    /// NORMAL mode without a background thread: fsync on the writing thread (writer lock held).
    private func syncLogInline() throws(OmenError) {
        guard let wal else { return }
        do throws(OmenError) { try wal.file.syncData() } catch {
            writeFailure = error
            throw error
        }
        unsyncedBytes = 0
        durablePosition = writtenPosition
    }

    /// NORMAL mode's periodic fsync (background thread).
    func syncLogIfNeeded() {
        writerLock.lock()
        guard unsyncedBytes > 0, !syncInProgress, writeFailure == nil, let wal else { writerLock.unlock(); return }
        let target = writtenPosition
        let targetSequence = writtenSequence
        unsyncedBytes = 0
        syncInProgress = true
        writerLock.unlock()
        var failure: OmenError?
        do throws(OmenError) { try wal.file.syncData() } catch { failure = error }
        writerLock.lock()
        syncInProgress = false
        if let failure { writeFailure = failure } else {
            durablePosition = max(durablePosition, target)
            publish(sequence: targetSequence)
        }
        writerLock.broadcast()
        writerLock.unlock()
    }
}
