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
/// bytes, rounded to 8.
final class HotTier {
    private let map = ALEXMap(concurrentReads: true)
    private let arena = ValueArena()
    /// Taken by `apply` and by the statistics; nothing is taken while holding it.
    private let writerLock = StorageLock(rank: .hotTier)
    // Stored properties marked @exclusivity(unchecked) skip Swift's dynamic exclusivity
    // checks on this hot path (docs/performance.md, "Exclusivity checks").
    /// The WAL files whose records this tier holds (oldest first).
    @exclusivity(unchecked) var walNumbers: [UInt64] = []
    @exclusivity(unchecked) private(set) var largestSequence: UInt64 = 0
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
        }
    }
    var allocatedBytes: Int { writerLock.withLock { arena.allocatedBytes + map.sizeInBytes + (map.graveyard?.bytes ?? 0) } }

    /// Distinct keys.
    var keyCount: Int { writerLock.withLock { map.count } }

    var mapBytes: Int { writerLock.withLock { map.sizeInBytes } }

    /// Applies the operations of one batch with `sequence` (the caller holds the
    /// database's writer lock).
    func apply(sequence: UInt64, operations: UnsafeRawBufferPointer, count: Int) throws(OmenError) {
        try writerLock.withLock { () throws(OmenError) in
            // Unretained: the closure below would otherwise retain and release the arena per write.
            let records = Unmanaged.passUnretained(arena)
            try BatchDecoding.forEach(operations, count: count, fileName: "batch", fileOffset: 0) { operation in
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
            largestSequence = max(largestSequence, sequence)
            if count > 0 && !holdsVersions.load(ordering: .relaxed) { holdsVersions.store(true, ordering: .releasing) }
            writesSinceMeasure += count
            if writesSinceMeasure >= Self.mapMeasureInterval {
                measuredMapBytes = map.sizeInBytes
                writesSinceMeasure = 0
            }
        }
    }

    /// False until a version was applied (lock-free).
    var isEmpty: Bool { !holdsVersions.load(ordering: .acquiring) }

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
