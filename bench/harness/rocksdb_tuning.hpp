// The RocksDB options of every RocksDB row (bench/README.md): create_if_missing,
// block-based table with a full bloom filter of 10 bits per key, an LRU block
// cache of 1.5 x payload + 32 MB, everything else at the library's defaults.
// Shared by the single-threaded adapter and the concurrent one, which open the
// same database.
#pragma once

#include "common.hpp"
#include "store.hpp"

#include <rocksdb/c.h>
#include <string>

namespace bench {

class RocksTuning {
public:
    explicit RocksTuning(const Sizing &sizing) {
        options_ = rocksdb_options_create();
        rocksdb_options_set_create_if_missing(options_, 1);
        table_ = rocksdb_block_based_options_create();
        // The table options own the filter policy once set.
        rocksdb_block_based_options_set_filter_policy(table_, rocksdb_filterpolicy_create_bloom_full(10));
        // Cache: the whole payload plus block and index overhead.
        cache_ = rocksdb_cache_create_lru(size_t(sizing.payload_bytes() * 3 / 2 + (32u << 20)));
        rocksdb_block_based_options_set_block_cache(table_, cache_);
        rocksdb_options_set_block_based_table_factory(options_, table_);
    }
    ~RocksTuning() {
        rocksdb_block_based_options_destroy(table_);
        rocksdb_cache_destroy(cache_);
        rocksdb_options_destroy(options_);
    }
    RocksTuning(const RocksTuning &) = delete;
    RocksTuning &operator=(const RocksTuning &) = delete;

    rocksdb_options_t *options() const { return options_; }

private:
    rocksdb_options_t *options_;
    rocksdb_block_based_table_options_t *table_;
    rocksdb_cache_t *cache_;
};

/// Throws BenchError for a RocksDB error string (and frees it); no-op for nullptr.
inline void rocks_check(char *err, const char *what) {
    if (!err) return;
    std::string msg = std::string("rocksdb ") + what + ": " + err;
    rocksdb_free(err);
    throw BenchError(msg);
}

}  // namespace bench
