import COmenDBShim
import OmenDB

extension CStructs {
    static func databaseStats(_ statistics: DatabaseStatistics) -> omendb_db_stats {
        var stats = omendb_db_stats()
        stats.hot_keys = UInt64(statistics.hotKeys)
        stats.hot_bytes = UInt64(statistics.hotBytes)
        stats.cold_keys = UInt64(statistics.coldKeys)
        stats.cold_bytes = UInt64(statistics.coldBytes)
        stats.run_count = UInt64(statistics.runCount)
        stats.wal_bytes = UInt64(statistics.walBytes)
        stats.model_count = UInt64(statistics.modelCount)
        stats.bytes_per_key_index = statistics.bytesPerKeyIndex
        stats.approximate_count = UInt64(statistics.approximateCount)
        stats.last_sequence = statistics.lastSequence
        stats.active_transactions = UInt64(statistics.activeTransactions)
        stats.oldest_pinned_sequence = statistics.oldestPinnedSequence
        stats.retained_versions = UInt64(statistics.retainedVersions)
        stats.conflicts = UInt64(statistics.conflicts)
        return stats
    }

    /// The complaint about a NULL `omendb_db_stats` or one whose struct_size is too
    /// small for its first fields, or nil.
    static func statsArgumentProblem(_ function: StaticString, _ out: UnsafeMutablePointer<omendb_db_stats>?) -> Int32? {
        guard let out else { return ThreadError.invalid(function, "stats is NULL") }
        let callerSize = UInt(bitPattern: out.pointee.struct_size)
        guard callerSize >= MemoryLayout<Int>.size + 16 else {
            return ThreadError.invalid(function, "stats->struct_size is \(callerSize); set it to sizeof(omendb_db_stats)")
        }
        return nil
    }

    /// Writes `statistics` into the caller's struct: the fields that fit in its
    /// struct_size, which receives the size written.
    static func writeDatabaseStats(_ statistics: DatabaseStatistics, to out: UnsafeMutablePointer<omendb_db_stats>) {
        var stats = databaseStats(statistics)
        let written = Int(min(UInt(bitPattern: out.pointee.struct_size), UInt(MemoryLayout<omendb_db_stats>.size)))
        stats.struct_size = written
        withUnsafeBytes(of: &stats) { bytes in
            UnsafeMutableRawPointer(out).copyMemory(from: bytes.baseAddress!, byteCount: written)
        }
    }
}
