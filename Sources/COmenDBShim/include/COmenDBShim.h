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

/* Acquire/release atomics on plain memory (the published read view, ALEX node
 * versions): what one writer stores with release, readers load with acquire. */
static inline uint64_t odb_shim_load_acquire_u64(const uint64_t *word) {
    return __atomic_load_n(word, __ATOMIC_ACQUIRE);
}
static inline void odb_shim_store_release_u64(uint64_t *word, uint64_t value) {
    __atomic_store_n(word, value, __ATOMIC_RELEASE);
}
static inline void odb_shim_store_relaxed_u64(uint64_t *word, uint64_t value) {
    __atomic_store_n(word, value, __ATOMIC_RELAXED);
}
static inline void odb_shim_fence_acquire(void) { __atomic_thread_fence(__ATOMIC_ACQUIRE); }
static inline void odb_shim_fence_release(void) { __atomic_thread_fence(__ATOMIC_RELEASE); }

/* ---- Reader epochs (LMDB-style reader slots; see docs/transactions.md) ----
 * Each thread that reads owns one slot, registered on its first read and recycled
 * when the thread exits: a cache line of its own that only it writes. A reader
 * stores the global epoch into its slot on entry and 0 on exit; a writer that
 * unpublishes an object advances the epoch and frees the object once every slot
 * is 0 or newer. Entry costs one store and one fence on a line no other reader
 * touches; nothing shared is written. */
typedef struct odb_reader_slot {
    uint64_t epoch;    /* 0: not reading; else the epoch read at entry (atomic) */
    uint64_t depth;    /* nested entries (owner thread only) */
    uint64_t in_use;   /* owned by a live thread (registry lock) */
    struct odb_reader_slot *next;  /* registry list, never unlinked */
    char padding[128 - 32];
} __attribute__((aligned(128))) odb_reader_slot;

/* General-dynamic TLS (a __tls_get_addr call per read): initial-exec would save it but
 * draws on glibc's small static TLS surplus for dlopen'd libraries, which runs out when
 * several copies of libomendb.so are loaded into one process (Python's discovery tests). */
extern _Thread_local odb_reader_slot *odb_shim_thread_reader;
extern uint64_t odb_shim_global_epoch;

/* Registers the calling thread's slot (first read only). */
odb_reader_slot *odb_shim_reader_register(void);

/* Enters a read section (nestable); returns the slot to pass to odb_shim_reader_exit. */
static inline odb_reader_slot *odb_shim_reader_enter(void) {
    odb_reader_slot *slot = odb_shim_thread_reader;
    if (__builtin_expect(slot == 0, 0)) slot = odb_shim_reader_register();
    if (slot->depth++ == 0) {
        __atomic_store_n(&slot->epoch, __atomic_load_n(&odb_shim_global_epoch, __ATOMIC_RELAXED), __ATOMIC_RELAXED);
        /* The slot store must be visible before this reader loads any published pointer. */
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
    }
    return slot;
}

static inline void odb_shim_reader_exit(odb_reader_slot *slot) {
    if (--slot->depth == 0) __atomic_store_n(&slot->epoch, 0, __ATOMIC_RELEASE);
}

/* Advances the global epoch (after unpublishing something); returns the epoch
 * before the advance: the unpublished object may be freed once
 * odb_shim_reader_oldest_epoch() is greater than it. */
uint64_t odb_shim_epoch_advance(void);

/* The oldest epoch a thread is reading in, or UINT64_MAX when none is reading. */
uint64_t odb_shim_reader_oldest_epoch(void);

/* 1 when this CPU computes CRC32C in hardware (x86-64 SSE4.2), else 0. */
int odb_shim_crc32c_hardware_available(void);

/* Hardware CRC32C over bytes[0..length), continuing from the raw (already
 * inverted) register value `crc`. Only valid when the function above returns 1. */
uint32_t odb_shim_crc32c_hardware(uint32_t crc, const void *bytes, size_t length);

/* Starts the kernel's writeback of a file range without waiting (sync_file_range
 * SYNC_FILE_RANGE_WRITE on Linux; a no-op elsewhere). Durability still needs fsync. */
int odb_shim_start_writeback(int fd, int64_t offset, int64_t length);
/* Writes back a file range and waits for it (data only; fsync still makes it durable). */
int odb_shim_wait_writeback(int fd, int64_t offset, int64_t length);
/* Turns direct I/O (O_DIRECT) on (1) or off (0) for `fd`: 0, or -1 with errno set where
 * the file system (or the platform) lacks it. Direct writes need 4096-byte alignment of
 * the buffer, the offset and the length. */
int odb_shim_set_direct_io(int fd, int on);

#ifdef __cplusplus
}
#endif
#endif
