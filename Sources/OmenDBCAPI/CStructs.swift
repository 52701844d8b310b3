import COmenDBShim
import OmenDB

/// Conversions from engine values to the C structs of `omendb.h`.
enum CStructs {
    static func indexStats(_ statistics: IndexStatistics) -> omendb_index_stats {
        var stats = omendb_index_stats()
        stats.kind = statistics.kind.rawValue
        stats.level_count = Int32(clamping: statistics.levelCount)
        stats.key_count = UInt64(statistics.keyCount)
        stats.model_count = UInt64(statistics.modelCount)
        stats.max_error = UInt64(statistics.maximumError)
        stats.size_bytes = UInt64(statistics.sizeInBytes)
        stats.bytes_per_key = statistics.bytesPerKey
        copyCString(statistics.note, into: &stats.note)
        return stats
    }

    /// Copies `text` into a fixed-size C char array, truncated and NUL-terminated.
    static func copyCString<Storage>(_ text: String, into storage: inout Storage) {
        withUnsafeMutableBytes(of: &storage) { raw in
            let capacity = raw.count - 1
            var length = 0
            for scalar in text.unicodeScalars {
                let encoded = Array(String(scalar).utf8)
                guard length + encoded.count <= capacity else { break }
                for byte in encoded { raw[length] = byte; length += 1 }
            }
            raw[length] = 0
        }
    }
}
