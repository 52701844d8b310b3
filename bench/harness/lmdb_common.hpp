// What the LMDB adapters share (store_lmdb.cpp: the main suite; concurrent_lmdb.cpp:
// the concurrency workloads): the key encoding, the error check, a copying read.
#pragma once

#include "common.hpp"

#include <lmdb.h>

#include <cstring>
#include <string>

namespace bench {

// MDB_INTEGERKEY keys: 8 native-endian bytes, sign bit flipped so unsigned order == Int64 order.
inline uint64_t to_lmdb_key(int64_t key) { return uint64_t(key) ^ 0x8000000000000000ull; }
inline int64_t from_lmdb_key(uint64_t key) { return int64_t(key ^ 0x8000000000000000ull); }

inline void lmdb_check(int rc, const char *what) {
    if (rc != MDB_SUCCESS) throw BenchError(std::string("lmdb ") + what + ": " + mdb_strerror(rc));
}

// Copies the value of `key` (up to `capacity` bytes) and sets *length; false when absent.
inline bool lmdb_copy_get(MDB_txn *txn, MDB_dbi dbi, int64_t key, uint8_t *buffer, size_t capacity,
                          size_t *length) {
    uint64_t k = to_lmdb_key(key);
    MDB_val mkey{sizeof k, &k}, mval;
    int rc = mdb_get(txn, dbi, &mkey, &mval);
    if (rc == MDB_NOTFOUND) return false;
    lmdb_check(rc, "get");
    *length = mval.mv_size;
    std::memcpy(buffer, mval.mv_data, mval.mv_size < capacity ? mval.mv_size : capacity);
    return true;
}

}  // namespace bench
