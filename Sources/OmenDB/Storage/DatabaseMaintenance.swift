/// Flushes (frozen hot tier -> run file), compaction (runs -> one run); bulk loads are in BulkLoad.swift.
/// All run under `maintenanceLock`; locks are taken in `LockRank` order.
extension Database {
    /// Applies `change` to a copy of the manifest and stores it atomically.
    ///
    /// - Throws: when the manifest on disk (and the live one) is unchanged.
    /// - Returns: nil when the new manifest is durable; else the error of the directory
    ///   fsync after it was renamed into place. It is then the live manifest, but a
    ///   machine crash may bring back the old one: the caller makes its in-memory state
    ///   match the new manifest, removes no file that either names, and throws the
    ///   error (writes then stop until a reopen has read back what is durable).
    func updateManifest(_ change: (inout Manifest) -> Void) throws(OmenError) -> OmenError? {
        try manifestLock.withLock { () throws(OmenError) -> OmenError? in
            var next = manifest
            change(&next)
            next.nextFileNumber = viewLock.withLock { nextFileNumber }
            let notDurable = try next.store(directory: directory)
            manifest = next
            return notDurable
        }
    }

    /// Freezes every table's hot tier (when one holds anything) and writes every frozen
    /// tier to runs.
    public func flush() throws(OmenError) {
        guard !options.readOnly else { throw OmenError(.readOnly, "database '\(directory)' is open read-only") }
        try writerLock.withLock { () throws(OmenError) in
            try checkWritable()
            let catalog = currentCatalog().0
            if hotTables.contains(where: { catalog.view($0)?.active.holdsAnything ?? false }) { try freezeActiveTiers() }
        }
        try flushFrozenTiers()
    }

    /// Merges each table's runs into one, dropping overwritten versions and tombstones.
    /// `progress` counts the input runs' entries (`ProgressCallback`); a cancelled
    /// compaction throws `.cancelled` and leaves the runs as they were.
    public func compact(progress: ProgressCallback? = nil) throws(OmenError) {
        guard !options.readOnly else { throw OmenError(.readOnly, "database '\(directory)' is open read-only") }
        try writerLock.withLock { () throws(OmenError) in try checkWritable() }
        try compactAllRuns(progress: progress)
    }

    /// Compaction without the writer-lock check (callable with the writer lock held).
    /// `progress` counts the entries of all tables' runs.
    func compactAllRuns(progress: ProgressCallback? = nil) throws(OmenError) {
        try maintenanceLock.withLock { () throws(OmenError) in
            try recordingFailure { () throws(OmenError) in
                let catalog = currentCatalog().0
                let meter = ProgressMeter(progress, operation: "compaction",
                                          total: catalog.views.reduce(0) { $0 + ($1?.runs.reduce(0) { $0 + UInt64($1.count) } ?? 0) })
                try meter?.start()
                for table in catalog.tableIDs { try compactRuns(table: table, meter: meter) }
                try meter?.finish()
            }
        }
    }

    /// Writes the frozen generations, oldest first, to runs.
    func flushFrozenTiers() throws(OmenError) {
        try maintenanceLock.withLock { () throws(OmenError) in
            try recordingFailure { () throws(OmenError) in
                while let oldest = currentCatalog().0.generations.last {
                    try flush(oldest)
                }
            }
        }
    }

    /// Runs `body`; a failure is remembered so that writes stop (maintenance lock held).
    func recordingFailure(_ body: () throws(OmenError) -> Void) throws(OmenError) {
        if let failure = viewLock.withLock({ maintenanceFailure }) { throw failure }
        do throws(OmenError) { try body() } catch {
            if error.code == .ioError || error.code == .corruption || error.code == .noMemory {
                viewLock.withLock { maintenanceFailure = error }
            }
            throw error
        }
    }

    /// Writes one frozen generation to runs (one per table tier) and installs them in
    /// one manifest update, which also retires the generation's logs (maintenance lock held).
    private func flush(_ generation: FrozenGeneration) throws(OmenError) {
        let catalog = currentCatalog().0
        var written: [(table: UInt32, tier: HotTier, run: RunFile?)] = []
        do throws(OmenError) {
            // A dropped table's tier is not written (drops hold the maintenance lock).
            for (table, tier) in generation.tiers {
                guard let view = catalog.view(table) else { continue }
                written.append((table, tier, try writeRun(of: tier, table: table, keepTombstones: !view.runs.isEmpty)))
            }
        } catch {
            for entry in written { entry.run?.removeWhenReleased = true }
            throw error
        }
        let notDurable: OmenError?
        do throws(OmenError) {
            notDurable = try updateManifest { next in
                for entry in written { if let run = entry.run { next.runs.insert(run.descriptor, at: 0) } }
                next.walWatermark = max(next.walWatermark, (generation.logs.max() ?? 0) + 1)
                // Every record of the generation's logs is now in runs (or of a dropped table).
                next.lastSequence = max(next.lastSequence, generation.lastSequence)
            }
        } catch {
            for entry in written { entry.run?.removeWhenReleased = true }
            throw error
        }
        replaceCatalog { old in
            var views = old.views
            for entry in written {
                guard let view = views[Int(entry.table)] else { continue }
                views[Int(entry.table)] = StorageView(active: view.active, frozen: view.frozen.filter { $0 !== entry.tier },
                                                      runs: (entry.run.map { [$0] } ?? []) + view.runs)
            }
            return old.replacing(views: views, generations: Array(old.generations.dropLast()), activeLogs: old.activeLogs)
        }
        // The retired logs stay while the old manifest, which needs them, may come back.
        if let notDurable { throw notDurable }
        retireLogs(generation.logs)
    }

    /// Writes `tier` (frozen) to a run of table `table`, or nothing when no entry is left.
    private func writeRun(of tier: HotTier, table: UInt32, keepTombstones: Bool) throws(OmenError) -> RunFile? {
        let writer = try RunWriter(directory: directory, number: allocateFileNumber(), configuration: options.indexConfiguration)
        // The tier's range tombstones: the entries they cover (older in the tier) are
        // dropped here, so that in a run they only ever hide older runs.
        let rangeTombstones = tier.rangeTombstoneList
        do throws(OmenError) {
            try tier.forEachNewest { (key, record) throws(OmenError) in
                if record.isTombstone && !keepTombstones { return }
                if let rangeTombstones, rangeTombstones.newestCovering(key, atOrBelow: .max) > record.sequence { return }
                try writer.append(key: key, sequence: record.sequence, isTombstone: record.isTombstone, value: record.value)
            }
            if keepTombstones, let rangeTombstones { writer.rangeTombstones = rangeTombstones.tombstones }
            guard !writer.isEmpty else {
                writer.abandon()
                return nil
            }
            var descriptor = try writer.finish()
            descriptor.table = table
            return try RunFile(directory: directory, descriptor: descriptor, windowSearch: options.indexConfiguration.windowSearch, justWritten: true)
        } catch {
            writer.abandon()
            throw error
        }
    }

    /// How many of the newest runs an automatic compaction merges (size-tiered): all,
    /// except that old runs much larger than everything newer are left alone, so a
    /// large database is not rewritten for every few flushes.
    static func runsToMerge(_ sizes: [UInt64]) -> Int {
        var k = sizes.count
        while k > 2 {
            let newer = sizes[0..<(k - 1)].reduce(0, +)
            guard sizes[k - 1] > 4 * newer else { break }
            k -= 1
        }
        return k
    }

    /// Merges table `table`'s `count` newest runs (all when nil) into one that takes
    /// their place (maintenance lock held). Tombstones are dropped only when the oldest
    /// run is included: nothing older is left for them to hide. `meter` counts the
    /// merged entries (the caller starts and finishes it): a cancellation leaves this
    /// table's runs as they were (tables compacted before stay compacted).
    func compactRuns(table: UInt32 = 0, newest count: Int? = nil, meter: ProgressMeter? = nil) throws(OmenError) {
        guard let all = currentCatalog().0.view(table)?.runs else { return }
        let runs = Array(all.prefix(count ?? all.count))
        let includesOldest = runs.count == all.count
        guard runs.count > 1 || (runs.count == 1 && includesOldest
                                 && (runs[0].footer.tombstoneCount > 0 || runs[0].rangeTombstones != nil)) else {
            try meter?.advance(by: runs.reduce(0) { $0 + UInt64($1.count) })
            return
        }
        for run in runs { try run.checkBeforeCopy() }
        let writer = try RunWriter(directory: directory, number: allocateFileNumber(), configuration: options.indexConfiguration)
        let merged: RunFile?
        do throws(OmenError) {
            try RunMerge.merge(runs, dropTombstones: includesOldest, progress: meter) { (key, run, position) throws(OmenError) in
                try writer.append(key: key, sequence: run.sequence(position), isTombstone: run.isTombstone(position),
                                  value: try run.value(position))
            }
            // The last table's merge: the meter's last call, before the point of no return.
            if let meter, meter.done == meter.total { try meter.finish() }
            if !includesOldest { writer.rangeTombstones = runs.flatMap { $0.rangeTombstones?.tombstones ?? [] } }
            if !writer.isEmpty {
                var descriptor = try writer.finish()
                descriptor.table = table
                merged = try RunFile(directory: directory, descriptor: descriptor,
                                     windowSearch: options.indexConfiguration.windowSearch, justWritten: true)
            } else {
                writer.abandon()
                merged = nil
            }
        } catch {
            writer.abandon()
            throw error
        }
        // The merged runs are the newest ones, so the result takes their place at the front.
        let replaced = Set(runs.map(\.descriptor.number))
        let notDurable: OmenError?
        do throws(OmenError) {
            notDurable = try updateManifest { next in
                next.runs.removeAll { replaced.contains($0.number) }
                if let merged { next.runs.insert(merged.descriptor, at: 0) }
            }
        } catch {
            merged?.removeWhenReleased = true
            throw error
        }
        replaceView(table: table) { old in
            StorageView(active: old.active, frozen: old.frozen,
                        runs: (merged.map { [$0] } ?? []) + old.runs.filter { !replaced.contains($0.descriptor.number) })
        }
        // The merged runs stay while the old manifest, which lists them, may come back.
        if let notDurable { throw notDurable }
        for run in runs { run.removeWhenReleased = true }
    }

    /// Automatic compaction of each table with more runs than the trigger (maintenance lock taken here).
    func compactIfNeeded() throws(OmenError) {
        try maintenanceLock.withLock { () throws(OmenError) in
            try recordingFailure { () throws(OmenError) in
                for table in currentCatalog().0.tableIDs {
                    var rounds = 0
                    while let runs = currentCatalog().0.view(table)?.runs, runs.count > options.compactionTrigger && rounds < 4 {
                        try compactRuns(table: table, newest: Self.runsToMerge(runs.map(\.descriptor.fileSize)))
                        rounds += 1
                    }
                }
            }
        }
    }

    /// Background step: flush frozen tiers, compact when there are too many runs, build
    /// the key filters of runs that lack one.
    func maintain() {
        do throws(OmenError) {
            try flushFrozenTiers()
            try compactIfNeeded()
        } catch {
            // Remembered in `maintenanceFailure` (writes report it); reads go on.
        }
        buildRunFilters()
        published.reclaim()
        writerLock.withLock { writerLock.broadcast() }
    }

    /// Builds the key filter of every run but the oldest that has none (`RunFilter`;
    /// lookups consult them there), newest first; stops when the database closes.
    private func buildRunFilters() {
        for view in currentCatalog().0.views {
            for run in view?.runs.dropLast() ?? [] where !run.filterCell.isBuilt {
                if closedFlag.load(ordering: .acquiring) { return }
                run.buildFilter { closedFlag.load(ordering: .acquiring) }
            }
        }
    }
}

/// Merges runs (newest first) in key order, the newest version of each key winning;
/// a key whose newest version lies under a range tombstone of a newer run is dropped.
enum RunMerge {
    static func merge(_ runs: [RunFile], dropTombstones: Bool, progress: ProgressMeter? = nil,
                      _ body: (Int64, RunFile, Int) throws(OmenError) -> Void) throws(OmenError) {
        let tombstones = runs.map(\.rangeTombstones)
        let anyTombstones = tombstones.contains { $0 != nil }
        var positions = [Int](repeating: 0, count: runs.count)
        while true {
            var best = -1
            var bestKey = Int64.max
            for (i, run) in runs.enumerated() where positions[i] < run.count {
                let key = run.keys[positions[i]]
                if best < 0 || key < bestKey { best = i; bestKey = key }
            }
            guard best >= 0 else { return }
            let holder = best
            let run = runs[best]
            let position = positions[best]
            for (i, other) in runs.enumerated() where positions[i] < other.count && other.keys[positions[i]] == bestKey {
                positions[i] += 1
                try progress?.advance(by: 1)
            }
            if dropTombstones && run.isTombstone(position) { continue }
            if anyTombstones && tombstones[..<holder].contains(where: { $0?.covers(bestKey) ?? false }) { continue }
            try body(bestKey, run, position)
        }
    }
}
