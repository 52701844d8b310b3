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
}
