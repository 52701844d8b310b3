/// Engine-wide statistics (`omendb_get_stats`).
public struct DatabaseStatistics: Sendable {
    public var hotKeys = 0
    public var hotBytes = 0
    public var coldKeys = 0
    public var coldBytes = 0
    public var runCount = 0
    public var walBytes = 0
    public var modelCount = 0
    /// Index structure bytes (hot-tier maps + run models) per key over all tiers.
    public var bytesPerKeyIndex = 0.0
    /// Keys over all tiers, counting a key once per tier that holds it.
    public var approximateCount = 0
    public var lastSequence: UInt64 = 0
    /// Transactions begun and not yet ended.
    public var activeTransactions = 0
    /// The oldest sequence a live snapshot or transaction reads at; 0 when none.
    public var oldestPinnedSequence: UInt64 = 0
    /// Superseded versions the hot tiers keep for older readers (dropped at flush).
    public var retainedVersions = 0
    /// Commits refused with `.conflict` since open.
    public var conflicts = 0
}

extension Database {
    /// Statistics of the whole database: every table's tiers added up.
    public var statistics: DatabaseStatistics {
        let (catalog, sequence) = currentCatalog()
        return statistics(of: catalog.views.compactMap { $0 }, sequence: sequence)
    }

    /// Statistics of `table`'s tiers (the database-wide fields, WAL bytes, sequence,
    /// transactions and conflicts, as in `statistics`). A table of another database or a
    /// dropped one has no tiers: all its counts are 0.
    public func statistics(table: Table) -> DatabaseStatistics {
        let (catalog, sequence) = currentCatalog()
        let view = table.owner == instance ? catalog.view(table.id) : nil
        return statistics(of: view.map { [$0] } ?? [], sequence: sequence)
    }

    private func statistics(of views: [StorageView], sequence: UInt64) -> DatabaseStatistics {
        var stats = DatabaseStatistics()
        var indexBytes = 0
        for view in views {
            for tier in [view.active] + view.frozen {
                stats.hotKeys += tier.keyCount
                stats.retainedVersions += tier.versionCount - tier.keyCount
                stats.hotBytes += tier.allocatedBytes
                indexBytes += tier.mapBytes
            }
            for run in view.runs {
                stats.coldKeys += run.count
                stats.coldBytes += Int(run.descriptor.fileSize)
                let model = run.model.statistics(keyCount: run.count)
                stats.modelCount += model.modelCount
                indexBytes += model.sizeInBytes
            }
            stats.runCount += view.runs.count
        }
        stats.walBytes = writerLock.withLock { wal?.end ?? 0 }
        stats.approximateCount = stats.hotKeys + stats.coldKeys
        stats.bytesPerKeyIndex = stats.approximateCount == 0 ? 0 : Double(indexBytes) / Double(stats.approximateCount)
        stats.lastSequence = sequence
        stats.activeTransactions = pins.activeTransactions
        stats.oldestPinnedSequence = pins.oldestPinned ?? 0
        stats.conflicts = writerLock.withLock { conflictCount }
        return stats
    }

    /// A full consistency check: every run's checksums, key order, value offsets and
    /// that its model finds every key within its error bounds; the manifest on disk
    /// matches the live runs; every live WAL file replays cleanly.
    /// `progress` counts bytes: the run files, then the live logs, as found when the check
    /// starts (`ProgressCallback`; cancelling changes nothing).
    /// - Throws: `.corruption` naming the file and offset of the first problem found.
    public func verify(progress: ProgressCallback? = nil) throws(OmenError) {
        var meter: ProgressMeter?
        // Runs and manifest under the maintenance lock alone (writers go on meanwhile).
        try maintenanceLock.withLock { () throws(OmenError) in
            let catalog = currentCatalog().0
            let views = catalog.tableIDs.map { ($0, catalog.view($0)!) }
            let allRuns = views.flatMap(\.1.runs)
            if progress != nil {
                var logBytes: UInt64 = 0
                for number in catalog.liveLogs { logBytes += FileSystem.size(directory + "/" + WALFormat.fileName(number)) }
                meter = ProgressMeter(progress, operation: "verify", total: allRuns.reduce(logBytes) { $0 + $1.descriptor.fileSize })
                try meter?.start()
            }
            for run in allRuns { try run.verify(progress: meter, start: meter?.done ?? 0) }
            let stored = try Manifest.load(directory: directory)
            guard stored.tables.map(\.id).sorted() == Array(catalog.tableIDs.dropFirst()) else {
                throw OmenError(.corruption, "\(directory)/\(Manifest.fileName): the manifest's tables differ from the open tables")
            }
            for (table, view) in views {
                guard stored.runs.filter({ $0.table == table }) == view.runs.map(\.descriptor) else {
                    throw OmenError(.corruption, "\(directory)/\(Manifest.fileName): the manifest's runs differ from the open runs")
                }
                var previousSequence = UInt64.max
                for run in view.runs {
                    guard run.descriptor.largestSequence <= previousSequence else {
                        throw OmenError(.corruption, "\(run.path): run is newer (sequence \(run.descriptor.largestSequence)) than a run listed before it")
                    }
                    previousSequence = run.descriptor.largestSequence
                }
            }
        }
        // The live logs, with writers held off (the newest may grow) and flushes too (a
        // flush removes the logs it retires), locks taken in `LockRank` order.
        try writerLock.withLock { () throws(OmenError) in
            try maintenanceLock.withLock { () throws(OmenError) in
                let numbers = currentCatalog().0.liveLogs
                for (i, number) in numbers.enumerated() {
                    let path = directory + "/" + WALFormat.fileName(number)
                    guard FileSystem.exists(path) else { throw OmenError(.corruption, "\(path): live WAL file is missing (offset 0)") }
                    let replayed = try WALReader.replay(path: path, expectedNumber: number, tailMayBeTorn: options.readOnly && i == numbers.count - 1) {
                        (_, count, operations, offset) throws(OmenError) in
                        try BatchDecoding.forEach(operations, count: count, fileName: path, fileOffset: offset) { _ throws(OmenError) in }
                    }
                    try meter?.advance(by: UInt64(replayed.fileSize))
                }
            }
        }
        try meter?.finish()
    }
}

/// One run's shape, as `Database.runStatistics` reports it (`omendb stat`).
public struct RunStatistics: Sendable {
    /// The table the run belongs to (id 0, name "": the default table).
    public var tableID: UInt32
    public var tableName: String
    /// The run's file name in the database directory.
    public var fileName: String
    /// Entries, tombstones included.
    public var count: Int
    public var minimumKey: Int64
    public var maximumKey: Int64
    public var largestSequence: UInt64
    public var fileBytes: UInt64
    /// The run's learned index: kind, segments (`modelCount`), size, error bound.
    public var index: IndexStatistics
    /// The key filter's bytes in memory (filters are not stored in the run file: a
    /// read-write open's background worker builds them after open).
    public var filterBytes: Int
    /// Whether this handle has built the run's filter yet.
    public var filterBuilt: Bool
    /// Range tombstones stored in the run.
    public var rangeTombstones: Int
}

/// One hot tier (the active one, then the frozen ones waiting for a flush).
public struct HotTierStatistics: Sendable {
    /// The table the tier belongs to (id 0, name "": the default table).
    public var tableID: UInt32
    public var tableName: String
    public var frozen: Bool
    public var keys: Int
    public var bytes: Int
    /// The tier's key-map bytes (its index).
    public var indexBytes: Int
}

extension Database {
    /// The live runs, by table (default table first, then by id), newest first within
    /// a table, with their indexes and filters.
    public var runStatistics: [RunStatistics] {
        let catalog = currentCatalog().0
        return catalog.tableIDs.flatMap { id in catalog.view(id)!.runs.map { run in
            RunStatistics(tableID: id, tableName: catalog.names[Int(id)], fileName: String(run.path.split(separator: "/").last ?? ""),
                          count: run.count, minimumKey: run.descriptor.minimumKey,
                          maximumKey: run.descriptor.maximumKey,
                          largestSequence: run.descriptor.largestSequence,
                          fileBytes: run.descriptor.fileSize,
                          index: run.model.statistics(keyCount: run.count),
                          filterBytes: run.count > 0 ? RunFilter.byteCount(keys: run.count) : 0,
                          filterBuilt: run.filterCell.isBuilt,
                          rangeTombstones: run.rangeTombstones?.count ?? 0)
        } }
    }

    /// The hot tiers by table (default table first, then by id): in each, the active
    /// one first, then the frozen ones.
    public var hotTierStatistics: [HotTierStatistics] {
        let catalog = currentCatalog().0
        return catalog.tableIDs.flatMap { id -> [HotTierStatistics] in
            let view = catalog.view(id)!
            let name = catalog.names[Int(id)]
            return ([view.active] + view.frozen).enumerated().map { i, tier in
                HotTierStatistics(tableID: id, tableName: name, frozen: i > 0, keys: tier.keyCount,
                                  bytes: tier.allocatedBytes, indexBytes: tier.mapBytes)
            }
        }
    }
}
