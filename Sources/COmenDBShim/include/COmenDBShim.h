#ifndef COMENDB_SHIM_H
#define COMENDB_SHIM_H
/* Internal helpers for the Swift engine. Not part of the public API and not
 * exported from libomendb.so (names deliberately do not start with omendb_). */
#include <stddef.h>
#include <stdint.h>
#include "omendb.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The calling thread's error-message buffer (ODB_SHIM_ERROR_CAPACITY bytes,
 * always NUL-terminated). Lives as long as the thread. */
#define ODB_SHIM_ERROR_CAPACITY 1024
char *odb_shim_thread_error_buffer(void);

/* The calling thread's set of held engine locks, one bit per lock rank (debug
 * builds' lock-order check; see LockRank in StorageLocks.swift). */
uint32_t *odb_shim_thread_lock_ranks(void);

/* Prefetch the cache line holding `address` for reading. */
static inline void odb_shim_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

/* Branch-free binary searches over base[lo..hi) for the learned indexes' last mile:
 * the first position whose key is >= key (lower) or > key (upper), or hi.
 * __builtin_unpredictable keeps the compiler from turning the conditional move back
 * into a branch (Swift's optimizer did exactly that to the same code). */
static inline ptrdiff_t odb_shim_lower_bound_branchless(const int64_t *base, ptrdiff_t lo, ptrdiff_t hi,
                                                        int64_t key) {
    ptrdiff_t first = lo, length = hi - lo;
    if (length <= 0) return lo;
    while (length > 1) {
        ptrdiff_t half = length >> 1;
        first = __builtin_unpredictable(base[first + half] < key) ? first + half : first;
        length -= half;
    }
    return first + (base[first] < key);
}

static inline ptrdiff_t odb_shim_upper_bound_branchless(const int64_t *base, ptrdiff_t lo, ptrdiff_t hi,
                                                        int64_t key) {
    ptrdiff_t first = lo, length = hi - lo;
    if (length <= 0) return lo;
    while (length > 1) {
        ptrdiff_t half = length >> 1;
        first = __builtin_unpredictable(base[first + half] <= key) ? first + half : first;
        length -= half;
    }
    return first + (base[first] <= key);
}

/* Relaxed atomic load / fetch-or of a 64-bit word in a plain buffer (the run files'
 * verified-block bitmaps: readers test a bit on every value read and set it once
 * the block's checksum matched; nothing else is ordered by these bits). */
static inline uint64_t odb_shim_load_relaxed_u64(const uint64_t *word) {
    return __atomic_load_n(word, __ATOMIC_RELAXED);
}

static inline void odb_shim_fetch_or_relaxed_u64(uint64_t *word, uint64_t bits) {
    (void)__atomic_fetch_or(word, bits, __ATOMIC_RELAXED);
}

/* 1 when this CPU computes CRC32C in hardware (x86-64 SSE4.2), else 0. */
int odb_shim_crc32c_hardware_available(void);

/* Hardware CRC32C over bytes[0..length), continuing from the raw (already
 * inverted) register value `crc`. Only valid when the function above returns 1. */
uint32_t odb_shim_crc32c_hardware(uint32_t crc, const void *bytes, size_t length);

/* Starts the kernel's writeback of a file range without waiting (sync_file_range
 * SYNC_FILE_RANGE_WRITE on Linux; a no-op elsewhere). Durability still needs fsync. */
int odb_shim_start_writeback(int fd, int64_t offset, int64_t length);

#ifdef __cplusplus
}
#endif
#endif
