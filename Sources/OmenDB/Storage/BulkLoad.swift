/// Bulk loads: sorted, distinct keys straight into a new run (no per-record WAL), as one
/// atomic step newer than everything already written.
///
/// Durability is that of any run: the run file is written and fsynced, then the manifest
/// naming it is written, fsynced and renamed into place, and the directory fsynced; the
/// call returns once all of that is done (whatever the sync mode).
extension Database {
    // `progress` (all three) counts the keys written to the new run; its last call
    // (done == total) comes before the manifest names the run: a cancelled load
    // (`.cancelled`) loads nothing.

    // Each has a `table:` form loading into that table (`.notFound` for a dropped
    // table, `.misuse` for a table of another database); without, the default table.

    /// Loads `count` entries: key `key(i)` with value `value(i)`.
    public func bulkLoad(count: Int, key: (Int) -> Int64, value: (Int) -> UnsafeRawBufferPointer,
                         progress: ProgressCallback? = nil) throws(OmenError) {
        try bulkLoad(count: count, key: key, value: value, progress: progress, table: defaultTableHandle)
    }

    public func bulkLoad(count: Int, key: (Int) -> Int64, value: (Int) -> UnsafeRawBufferPointer,
                         progress: ProgressCallback? = nil, table: Table) throws(OmenError) {
        let keys = (0..<max(count, 0)).map(key)
        try keys.withUnsafeBufferPointer { (keys) throws(OmenError) in
            try bulkLoad(keys: keys, value: value, progress: progress, table: table)
        }
    }

    /// Loads `keys` with value `value(i)` for key `keys[i]`.
    public func bulkLoad(keys: UnsafeBufferPointer<Int64>, value: (Int) -> UnsafeRawBufferPointer,
                         progress: ProgressCallback? = nil) throws(OmenError) {
        try bulkLoad(keys: keys, value: value, progress: progress, table: defaultTableHandle)
    }

    public func bulkLoad(keys: UnsafeBufferPointer<Int64>, value: (Int) -> UnsafeRawBufferPointer,
                         progress: ProgressCallback? = nil, table: Table) throws(OmenError) {
        try checkOwner(table)
        try checkBulkLoad(keys)
        for i in 0..<keys.count {
            let length = value(i).count
            if length > options.maximumValueSize {
                throw OmenError(.tooLarge, "value \(i) of \(length) bytes exceeds the limit of \(options.maximumValueSize) bytes")
            }
        }
        try commitBulkRun(keys, table: table, progress: progress) { (writer, sequence, meter) throws(OmenError) in
            try writer.appendAll(keys: keys, sequence: sequence, value: value, progress: meter)
        }
    }

    /// Loads `keys` with values of `valueSize` bytes each, back to back at `values` (value
    /// `i` at `values + i · valueSize`): the run's value heap is written straight from them.
    public func bulkLoad(keys: UnsafeBufferPointer<Int64>, values: UnsafeRawPointer?, valueSize: Int,
                         progress: ProgressCallback? = nil) throws(OmenError) {
        try bulkLoad(keys: keys, values: values, valueSize: valueSize, progress: progress, table: defaultTableHandle)
    }

    public func bulkLoad(keys: UnsafeBufferPointer<Int64>, values: UnsafeRawPointer?, valueSize: Int,
                         progress: ProgressCallback? = nil, table: Table) throws(OmenError) {
        try checkOwner(table)
        guard valueSize >= 0, valueSize <= options.maximumValueSize else {
            throw OmenError(.tooLarge, "values of \(valueSize) bytes exceed the limit of \(options.maximumValueSize) bytes")
        }
        guard values != nil || valueSize == 0 || keys.isEmpty else {
            throw OmenError(.invalidArgument, "values is NULL but \(keys.count) values of \(valueSize) bytes are to be loaded")
        }
        try checkBulkLoad(keys)
        try commitBulkRun(keys, table: table, progress: progress) { (writer, sequence, meter) throws(OmenError) in
            try writer.appendAll(keys: keys, sequence: sequence, values: values, valueSize: valueSize, progress: meter)
        }
    }

    private func checkBulkLoad(_ keys: UnsafeBufferPointer<Int64>) throws(OmenError) {
        guard !options.readOnly else { throw OmenError(.readOnly, "database '\(directory)' is open read-only") }
        // One branch-free pass finds whether any pair is out of order; the position only then.
        var unordered: UInt8 = 0
        if keys.count > 1 {
            for i in 1..<keys.count { unordered |= keys[i - 1] >= keys[i] ? 1 : 0 }
        }
        if unordered != 0, let i = (1..<keys.count).first(where: { keys[$0 - 1] >= keys[$0] }) {
            throw OmenError(.invalidArgument, "bulk load keys must be sorted and distinct: position \(i) (\(keys[i])) follows \(keys[i - 1])")
        }
    }

    /// Writes a run of `table` with `fill` (given the writer and the load's sequence
    /// number), then makes it durable, names it in the manifest and publishes it.
    private func commitBulkRun(_ keys: UnsafeBufferPointer<Int64>, table: Table, progress: ProgressCallback?,
                               _ fill: (RunWriter, UInt64, ProgressMeter?) throws(OmenError) -> Void) throws(OmenError) {
        let meter = ProgressMeter(progress, operation: "bulk load", total: UInt64(keys.count))
        try meter?.start()
        guard !keys.isEmpty else {
            try meter?.finish()
            return
        }
        writerLock.lock()
        defer { writerLock.unlock() }
        try checkWritable()
        guard currentCatalog().0.view(table.id) != nil else { throw dropped(table) }
        // Older data (and range tombstones) in the table's hot tiers must not shadow the
        // new run, and the load leaves no log record: recovery replays the logs from the
        // manifest's last sequence on, which the load sets to its own. So every log
        // record (of any table) goes to runs first: tiers freeze and flush together.
        if activeLogHoldsRecords { try freezeActiveTiers() }
        try flushFrozenTiers()
        try maintenanceLock.withLock { () throws(OmenError) in
            try recordingFailure { () throws(OmenError) in
                let sequence = lastSequence + 1
                let writer = try RunWriter(directory: directory, number: allocateFileNumber(), configuration: options.indexConfiguration)
                let run: RunFile
                do throws(OmenError) {
                    try fill(writer, sequence, meter)
                    var descriptor = try writer.finish()
                    descriptor.table = table.id
                    run = try RunFile(directory: directory, descriptor: descriptor,
                                      windowSearch: options.indexConfiguration.windowSearch, justWritten: true)
                    try meter?.finish()
                } catch {
                    writer.abandon()
                    throw error
                }
                let notDurable: OmenError?
                do throws(OmenError) {
                    notDurable = try updateManifest { next in
                        next.runs.insert(run.descriptor, at: 0)
                        next.lastSequence = sequence
                    }
                } catch {
                    run.removeWhenReleased = true
                    throw error
                }
                lastSequence = sequence
                writtenSequence = sequence
                commitLog.record(sequence: sequence, table: table.id, lowest: keys[0], highest: keys[keys.count - 1])
                trimCommitLog()
                replaceView(table: table.id) { old in StorageView(active: old.active, frozen: old.frozen, runs: [run] + old.runs, floor: sequence) }
                publish(sequence: sequence)
                // Loaded and visible, but not known durable: the caller gets the error.
                if let notDurable { throw notDurable }
            }
        }
        if (currentCatalog().0.view(table.id)?.runs.count ?? 0) > options.compactionTrigger { worker?.wake() }
    }
}
