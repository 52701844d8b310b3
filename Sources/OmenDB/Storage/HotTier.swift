import COmenDBShim
import Synchronization

/// The in-memory tier that takes writes: an `ALEXMap` from key to the newest value
/// record (in a `ValueArena`), each record chaining to the key's older versions in
/// this tier, so snapshots read the version at their sequence number.
///
/// Thread safety: one writer at a time (the database's writer lock) applies batches;
/// any number of readers search it at the same time without a lock and without
/// writing shared memory (`find`, `collect`: the map's optimistic reads, see
/// ALEXMap+Optimistic.swift). A record is complete before the map points at it, and
/// records never move, so a reader that found a record can use it for as long as it
/// holds the tier. `writerLock` only serializes the writer with the size statistics,
/// which walk the map. Once frozen the tier is immutable. Record memory lives as long
/// as the tier object.
///
/// Memory: the map (~16+ bytes per key, plus old arrays of expanded nodes until no
/// reader can hold them) plus 24 bytes of record header per version plus the value
/// bytes, rounded to 8; 56 bytes per range tombstone (`bytesPerRangeTombstone`).
final class HotTier {
    private let map = ALEXMap(concurrentReads: true)
    private let arena = ValueArena()
    /// Taken by `apply` and by the statistics; nothing is taken while holding it.
    private let writerLock = StorageLock(rank: .hotTier)
    // Stored properties marked @exclusivity(unchecked) skip Swift's dynamic exclusivity
    // checks on this hot path (docs/performance.md, "Exclusivity checks").
    /// Set (once) when the first version is applied; read lock-free by iterators,
    /// which skip a tier that holds nothing.
    private let holdsVersions = Atomic<Bool>(false)
    @exclusivity(unchecked) private(set) var versionCount = 0
    @exclusivity(unchecked) private(set) var valueBytes = 0

    /// The map's size as last measured (`ALEXMap.sizeInBytes` walks every node, so it
    /// is measured every `mapMeasureInterval` writes) and the writes since.
    @exclusivity(unchecked) private var measuredMapBytes = 0
    @exclusivity(unchecked) private var writesSinceMeasure = 0
    private static let mapMeasureInterval = 16_384
    /// Map bytes assumed per write between measurements (key, payload and gaps).
    private static let estimatedMapBytesPerWrite = 32

    /// Memory used by records and the map (estimated between measurements) and the
    /// map's retired arrays, for the flush budget. The arena's last chunk may hold up to 1 MiB more (`allocatedBytes`).
    var memoryBytes: Int {
        writerLock.withLock {
            arena.usedBytes + measuredMapBytes + writesSinceMeasure * Self.estimatedMapBytesPerWrite + (map.graveyard?.bytes ?? 0)
                + rangeTombstones.count * Self.bytesPerRangeTombstone
        }
    }
    var allocatedBytes: Int { writerLock.withLock { arena.allocatedBytes + map.sizeInBytes + (map.graveyard?.bytes ?? 0) } }

    /// Memory per range tombstone: 24 in the applied list, 32 in the published one (which
    /// is rebuilt per range delete; the old one lives until no view holds it).
    static let bytesPerRangeTombstone = 56

    /// Distinct keys.
    var keyCount: Int { writerLock.withLock { map.count } }

    var mapBytes: Int { writerLock.withLock { map.sizeInBytes } }

    /// The tier's range tombstones in the order applied (writer lock), and the same as
    /// an immutable list (`rangeTombstoneList`) that views capture when they are built.
    @exclusivity(unchecked) private var rangeTombstones: [RangeTombstone] = []
    @exclusivity(unchecked) private var publishedTombstones: RangeTombstoneList?

    /// The range tombstones applied so far, or nil when none (read when a view is built).
    var rangeTombstoneList: RangeTombstoneList? { writerLock.withLock { publishedTombstones } }

    /// Whether the tier holds a version or a range tombstone (a flush has something to write).
    var holdsAnything: Bool { writerLock.withLock { map.count > 0 || !rangeTombstones.isEmpty } }

    /// Range tombstones held (the write path freezes a tier that holds too many). Read
    /// with the database's writer lock held, which every change holds too: no lock here.
    var rangeTombstoneCount: Int { rangeTombstones.count }

    /// Applies the operations of one batch with `sequence` that write table `table`
    /// (the others are skipped; the caller holds the database's writer lock).
    /// Returns whether the batch held a range delete of the table: the
    /// caller then publishes a view that carries the tier's new tombstone list.
    ///
    /// A range delete hides the versions older than its sequence. Versions written
    /// earlier in the same batch share its sequence, so for those a point tombstone is
    /// written after it (the batch's order decides, as for two writes of one key);
    /// later operations of the batch stand.
    @discardableResult
    func apply(sequence: UInt64, operations: UnsafeRawBufferPointer, count: Int, table: UInt32 = 0) throws(OmenError) -> Bool {
        try writerLock.withLock { () throws(OmenError) -> Bool in
            // Unretained: the closure below would otherwise retain and release the arena per write.
            let records = Unmanaged.passUnretained(arena)
            var rangeDeletes = 0
            var applied = 0
            var index = 0
            try BatchDecoding.forEach(operations, count: count, fileName: "batch", fileOffset: 0) { (operation) throws(OmenError) in
                index += 1
                guard operation.table == table else { return }
                applied += 1
                if operation.isRangeDelete {
                    rangeDeletes += 1
                    let first = operation.key, last = operation.rangeLast
                    rangeTombstones.append(RangeTombstone(first: first, last: last, sequence: sequence))
                    // Earlier operations of this batch inside the range: deleted by it.
                    var earlier = 0
                    try BatchDecoding.forEach(operations, count: count, fileName: "batch", fileOffset: 0) { (prior) throws(OmenError) in
                        earlier += 1
                        guard earlier < index, prior.table == table, !prior.isRangeDelete, prior.key >= first, prior.key <= last else { return }
                        map.upsert(prior.key) { older in
                            let record = records._withUnsafeGuaranteedRef {
                                $0.append(sequence: sequence, older: older.flatMap { UnsafeRawPointer(bitPattern: UInt($0)) },
                                          isTombstone: true, value: UnsafeRawBufferPointer(start: nil, count: 0))
                            }
                            return UInt64(UInt(bitPattern: record))
                        }
                        versionCount += 1
                    }
                    return
                }
                // The record links the previous newest version before the map publishes it.
                map.upsert(operation.key) { older in
                    let record = records._withUnsafeGuaranteedRef {
                        $0.append(sequence: sequence, older: older.flatMap { UnsafeRawPointer(bitPattern: UInt($0)) },
                                  isTombstone: operation.isDelete, value: operation.value)
                    }
                    return UInt64(UInt(bitPattern: record))
                }
                versionCount += 1
                valueBytes += operation.value.count
            }
            map.graveyard.unsafelyUnwrapped.reclaim()
            if rangeDeletes > 0 { publishedTombstones = RangeTombstoneList(rangeTombstones) }
            if applied > rangeDeletes && !holdsVersions.load(ordering: .relaxed) { holdsVersions.store(true, ordering: .releasing) }
            writesSinceMeasure += applied
            if writesSinceMeasure >= Self.mapMeasureInterval {
                measuredMapBytes = map.sizeInBytes
                writesSinceMeasure = 0
            }
            return rangeDeletes > 0
        }
    }

    /// False until a version was applied (lock-free).
    var isEmpty: Bool { !holdsVersions.load(ordering: .acquiring) }

    /// Nothing applied yet, neither a version nor a range tombstone (read with the
    /// database's writer lock held, as `rangeTombstoneCount`).
    var isUnwritten: Bool { isEmpty && rangeTombstones.isEmpty }

    /// The newest version of `key` visible at `sequence` (may be a tombstone), or nil
    /// when this tier holds none. Lock-free.
    @inline(__always)
    func find(_ key: Int64, at sequence: UInt64) -> HotRecord? {
        // A read section keeps the map's retired memory alive (nested in a database read: free).
        let slot = odb_shim_reader_enter()
        defer { odb_shim_reader_exit(slot) }
        guard let payload = map.optimisticFind(key) else { return nil }
        return HotRecord(payload: payload)?.visible(at: sequence)
    }

    /// Copies up to `limit` keys with their newest records, in order from the first key
    /// >= `key` (forward) or the last <= `key` (backward). Lock-free.
    func collect(from key: Int64, forward: Bool, limit: Int,
                 keys: UnsafeMutablePointer<Int64>, records: UnsafeMutablePointer<UInt64>) -> Int {
        let slot = odb_shim_reader_enter()
        defer { odb_shim_reader_exit(slot) }
        return map.optimisticCollect(from: key, forward: forward, limit: limit, keys: keys, payloads: records)
    }

    /// Visits every key in order with its newest record (frozen tiers: no writer remains).
    func forEachNewest(_ body: (Int64, HotRecord) throws(OmenError) -> Void) throws(OmenError) {
        var cursor = map.cursor()
        cursor.seekFirst()
        while cursor.isValid {
            try body(cursor.key, HotRecord(payload: cursor.payload)!)
            cursor.next()
        }
    }
}
