import Glibc

/// The in-memory tier that takes writes: an `ALEXMap` from key to the newest value
/// record (in a `ValueArena`), each record chaining to the key's older versions in
/// this tier, so snapshots read the version at their sequence number.
///
/// Thread safety: one writer at a time (the database's writer lock) mutates it under
/// the tier's write lock; readers search under its read lock. Once frozen it is
/// immutable. Record memory lives as long as the tier object.
///
/// Memory: the map (~16+ bytes per key) plus 24 bytes of record header per version
/// plus the value bytes, rounded to 8.
final class HotTier {
    private let map = ALEXMap()
    private let arena = ValueArena()
    private let lock: UnsafeMutablePointer<pthread_rwlock_t>
    /// The WAL files whose records this tier holds (oldest first).
    var walNumbers: [UInt64] = []
    private(set) var largestSequence: UInt64 = 0
    private(set) var versionCount = 0
    private(set) var valueBytes = 0

    init() {
        lock = .allocate(capacity: 1)
        pthread_rwlock_init(lock, nil)
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    /// The map's size as last measured (`ALEXMap.sizeInBytes` walks every node, so it
    /// is measured every `mapMeasureInterval` writes) and the writes since.
    private var measuredMapBytes = 0
    private var writesSinceMeasure = 0
    private static let mapMeasureInterval = 16_384
    /// Map bytes assumed per write between measurements (key, payload and gaps).
    private static let estimatedMapBytesPerWrite = 32

    /// Memory used by records and the map (estimated between measurements), for the
    /// flush budget. The arena's last chunk may hold up to 1 MiB more (`allocatedBytes`).
    var memoryBytes: Int {
        readLocked { arena.usedBytes + measuredMapBytes + writesSinceMeasure * Self.estimatedMapBytesPerWrite }
    }
    var allocatedBytes: Int { readLocked { arena.allocatedBytes + map.sizeInBytes } }

    /// Distinct keys.
    var keyCount: Int {
        readLocked { map.count }
    }

    var mapBytes: Int { readLocked { map.sizeInBytes } }

    @inline(__always)
    func readLocked<T>(_ body: () throws(OmenError) -> T) throws(OmenError) -> T {
        pthread_rwlock_rdlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body()
    }

    @inline(__always)
    func readLocked<T>(_ body: () -> T) -> T {
        pthread_rwlock_rdlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return body()
    }

    /// Applies the operations of one batch with `sequence` (the caller holds the writer lock).
    func apply(sequence: UInt64, operations: UnsafeRawBufferPointer, count: Int) throws(OmenError) {
        pthread_rwlock_wrlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        try BatchDecoding.forEach(operations, count: count, fileName: "batch", fileOffset: 0) { operation in
            let record = arena.append(sequence: sequence, older: nil, isTombstone: operation.isDelete,
                                      value: operation.value)
            // One map operation per write: the previous newest version becomes the chain link.
            if let older = map.upsert(operation.key, UInt64(UInt(bitPattern: record))) {
                record.storeBytes(of: older, toByteOffset: 8, as: UInt64.self)
            }
            versionCount += 1
            valueBytes += operation.value.count
        }
        largestSequence = max(largestSequence, sequence)
        writesSinceMeasure += count
        if writesSinceMeasure >= Self.mapMeasureInterval {
            measuredMapBytes = map.sizeInBytes
            writesSinceMeasure = 0
        }
    }

    /// The newest version of `key` visible at `sequence` (may be a tombstone), or nil
    /// when this tier holds none.
    @inline(__always)
    func find(_ key: Int64, at sequence: UInt64) -> HotRecord? {
        pthread_rwlock_rdlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        guard let payload = map.find(key) else { return nil }
        return HotRecord(payload: payload)?.visible(at: sequence)
    }

    /// A cursor over the tier (see `HotTierCursor`).
    func makeCursor() -> ALEXMap.Cursor { readLocked { map.cursor() } }

    /// The map's mutation counter (read under the lock).
    var mapVersion: UInt64 { map.version }

    /// Visits every key in order with its newest record (frozen tiers only: no lock needed
    /// once no writer remains, but it is taken anyway).
    func forEachNewest(_ body: (Int64, HotRecord) throws(OmenError) -> Void) throws(OmenError) {
        try readLocked { () throws(OmenError) in
            var cursor = map.cursor()
            cursor.seekFirst()
            while cursor.isValid {
                try body(cursor.key, HotRecord(payload: cursor.payload)!)
                cursor.next()
            }
        }
    }

    /// Read-locks the tier for a cursor operation on `lockedMap`; pair with `unlockReading`.
    @inline(__always) func lockForReading() { pthread_rwlock_rdlock(lock) }
    @inline(__always) func unlockReading() { pthread_rwlock_unlock(lock) }
    /// The map, for cursor use between `lockForReading` and `unlockReading` only.
    var lockedMap: ALEXMap { map }

    /// Runs `body` under the read lock with the map, for cursors that re-seek after mutations.
    @inline(__always)
    func withMap<T>(_ body: (ALEXMap) -> T) -> T {
        pthread_rwlock_rdlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return body(map)
    }
}
