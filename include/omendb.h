/*
 * omendb.h — the C interface of OmenDB, an embedded key-value database whose
 * indexes are learned models.
 *
 * Conventions (they hold for every function below unless its comment says
 * otherwise; docs/c-api.md explains them at length):
 *
 *  - Status codes. Every fallible function returns an int status: OMENDB_OK on
 *    success, OMENDB_NOT_FOUND when a looked-up key is absent (an answer, not an
 *    error), or an error code. Codes are stable across versions.
 *
 *  - Error messages. After a call fails with an error code, omendb_last_error()
 *    returns a message for the calling thread describing that failure. Calls
 *    that succeed or return OMENDB_NOT_FOUND leave the message unchanged.
 *
 *  - Output parameters. Outputs are written only on OMENDB_OK, unless a comment
 *    says otherwise. Output pointers must not be NULL (OMENDB_INVALID_ARGUMENT).
 *
 *  - Ownership. Each function that returns memory states one rule:
 *      owned    — the caller frees it with the named omendb_*_free function;
 *      borrowed — valid until the named event, never freed by the caller;
 *      caller buffer — written into memory the caller provides.
 *    Every *_free function accepts NULL and does nothing with it.
 *
 *  - Handles. Handles are opaque. Passing NULL where a handle is required gives
 *    OMENDB_INVALID_ARGUMENT; passing a handle that was already freed gives
 *    OMENDB_MISUSE while its slot has not been reused (handle memory is
 *    recycled, never returned to the system, so a stale handle never crashes the
 *    library, but it may alias a newer handle of the same type: do not rely on it).
 *
 *  - Threads. Each handle type documents its own rule. The error message and the
 *    status strings are per thread / static and need no locking.
 */
#ifndef OMENDB_H
#define OMENDB_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------- */
/* Versioning                                                                */
/* ------------------------------------------------------------------------- */

/* The version of this header. The library's own version comes from
 * omendb_version_number(); compare the two to detect a header/library mismatch.
 * The major version is also the ABI version: the library's SONAME is
 * libomendb.so.<OMENDB_VERSION_MAJOR>. */
#define OMENDB_VERSION_MAJOR 0
#define OMENDB_VERSION_MINOR 1
#define OMENDB_VERSION_PATCH 0
#define OMENDB_VERSION_NUMBER \
    (OMENDB_VERSION_MAJOR * 1000000 + OMENDB_VERSION_MINOR * 1000 + OMENDB_VERSION_PATCH)
#define OMENDB_VERSION_STRING "0.1.0"

/* The library's version, encoded as OMENDB_VERSION_NUMBER is. Thread-safe. */
int omendb_version_number(void);

/* The library's version as text, e.g. "0.1.0". Borrowed: static storage. */
const char *omendb_version_string(void);

/* ------------------------------------------------------------------------- */
/* Status codes and errors                                                   */
/* ------------------------------------------------------------------------- */

#define OMENDB_OK               0  /* success */
#define OMENDB_NOT_FOUND        1  /* the key is absent (not an error) */
#define OMENDB_INVALID_ARGUMENT 2  /* a NULL pointer, an out-of-range value, unsorted keys, ... */
#define OMENDB_IO_ERROR         3  /* the operating system refused a file operation */
#define OMENDB_CORRUPTION       4  /* stored data failed a checksum or a structural check */
#define OMENDB_CONFLICT         5  /* a transaction conflicted with a concurrent one */
#define OMENDB_BUSY             6  /* a resource is held by someone else (e.g. a database lock) */
#define OMENDB_NO_MEMORY        7  /* an allocation failed */
#define OMENDB_MISUSE           8  /* the API was called in a way it must not be (e.g. a freed handle) */
#define OMENDB_READ_ONLY        9  /* a write through a read-only handle */
#define OMENDB_TOO_LARGE       10  /* a size exceeds a documented limit */
#define OMENDB_UNSUPPORTED     11  /* an operation, option value or file format this build does not support */
#define OMENDB_INTERNAL        12  /* a bug in OmenDB: please report it */

/* A short description of a status code ("ok", "not found", ...); "unknown
 * status" for codes this version does not know. Borrowed: static storage. */
const char *omendb_status_string(int status);

/* The calling thread's message for its most recent failed call, or "" if none.
 * Borrowed: valid until the calling thread's next failing omendb_* call. */
const char *omendb_last_error(void);

/* ------------------------------------------------------------------------- */
/* Learned indexes over caller-owned sorted arrays                           */
/* ------------------------------------------------------------------------- */

/* Index kinds. */
#define OMENDB_INDEX_AUTO   0  /* build linear, RMI and PGM, keep the one with the fastest measured
                               lookups on this data (omendb_index_stats.note has the figures) */
#define OMENDB_INDEX_LINEAR 1  /* one linear model over the whole array */
#define OMENDB_INDEX_RMI    2  /* two-stage recursive model index */
#define OMENDB_INDEX_PGM    3  /* piecewise-linear, epsilon-bounded, recursive levels (default) */
#define OMENDB_INDEX_ALEX   4  /* adaptive learned index (gapped arrays) */

/* Last-mile search strategies inside a model's error window. */
#define OMENDB_SEARCH_BRANCHY    0  /* binary search with branches (default) */
#define OMENDB_SEARCH_BRANCHLESS 1  /* binary search with conditional moves */

/* Build options for an index. Options can gain new setters in later versions
 * without breaking the ABI. Not thread-safe: use one options object from one
 * thread at a time; an index does not keep a reference to its options. */
typedef struct omendb_index_options omendb_index_options;

/* Creates options holding the defaults: kind PGM, epsilon 64, recursive
 * epsilon 4, RMI leaf count chosen from the key count (one leaf per 64 keys),
 * branchy search.
 * Owned: free with omendb_index_options_free. */
int omendb_index_options_create(omendb_index_options **options);

/* Frees options. Accepts NULL. */
void omendb_index_options_free(omendb_index_options *options);

/* Sets the index kind (OMENDB_INDEX_*). OMENDB_INVALID_ARGUMENT for an unknown kind. */
int omendb_index_options_set_kind(omendb_index_options *options, int kind);

/* Sets the maximum prediction error of models over the data (PGM epsilon),
 * in positions, 1..1048576. */
int omendb_index_options_set_epsilon(omendb_index_options *options, uint32_t epsilon);

/* Sets the maximum prediction error of PGM's inner (routing) levels, 1..1048576. */
int omendb_index_options_set_recursive_epsilon(omendb_index_options *options, uint32_t epsilon);

/* Sets the number of second-stage models of an RMI; 0 lets the index choose. */
int omendb_index_options_set_rmi_leaves(omendb_index_options *options, uint32_t leaves);

/* Sets the last-mile search strategy (OMENDB_SEARCH_*). */
int omendb_index_options_set_search(omendb_index_options *options, int search);

/* A learned index over a sorted array of int64_t keys that the caller owns.
 * Thread safety: an index is immutable; any number of threads may query it at
 * once. Freeing it while another thread uses it is undefined behaviour. */
typedef struct omendb_index omendb_index;

/* Builds an index over keys[0..count). The keys must be sorted in
 * non-decreasing order; duplicates are allowed, and every lookup answers with
 * the position of the first of equal keys.
 *
 * The library reads the caller's array in place and does not copy it: the array
 * must stay valid and unchanged until omendb_index_free(*index).
 * `keys` may be NULL when count is 0. `options` may be NULL for the defaults.
 *
 * Errors: OMENDB_INVALID_ARGUMENT for unsorted keys (the message names the first
 * out-of-order position), a NULL pointer, or bad options; OMENDB_TOO_LARGE when
 * count exceeds 2^60; OMENDB_UNSUPPORTED for a kind this build lacks.
 * Owned: free with omendb_index_free. */
int omendb_index_build(const int64_t *keys, size_t count, const omendb_index_options *options,
                       omendb_index **index);

/* Frees an index (not the caller's key array). Accepts NULL. */
void omendb_index_free(omendb_index *index);

/* Finds `key`: on OMENDB_OK, *position is the position of its first occurrence.
 * Returns OMENDB_NOT_FOUND (and leaves *position alone) when it is absent. */
int omendb_index_find(const omendb_index *index, int64_t key, uint64_t *position);

/* Writes the first position whose key is >= `key` (the key count if none). */
int omendb_index_lower_bound(const omendb_index *index, int64_t key, uint64_t *position);

/* The keys in [lo, hi): writes the position of the first one and how many there
 * are (including duplicates). An empty or inverted range gives count 0. */
int omendb_index_range(const omendb_index *index, int64_t lo, int64_t hi,
                       uint64_t *first, uint64_t *count);

/* Batch find over caller arrays: positions[i] is the first position of keys[i],
 * or -1 when absent; *found (may be NULL) receives how many were found.
 * Caller buffers: `positions` holds `count` elements; no allocation is made.
 * The lookups are interleaved so that their memory accesses overlap. */
int omendb_index_find_batch(const omendb_index *index, const int64_t *keys, size_t count,
                            int64_t *positions, size_t *found);

/* Batch lower bound: positions[i] = first position whose key is >= keys[i]. */
int omendb_index_lower_bound_batch(const omendb_index *index, const int64_t *keys, size_t count,
                                   int64_t *positions);

/* Statistics of an index. The caller sets struct_size to sizeof(omendb_index_stats)
 * before the call; the library fills in only the fields that fit, so a program
 * built against an older, smaller struct keeps working. */
typedef struct omendb_index_stats {
    size_t struct_size;    /* in: sizeof(omendb_index_stats) */
    int32_t kind;          /* the kind built (never OMENDB_INDEX_AUTO) */
    int32_t level_count;   /* levels of models (1 for a single model) */
    uint64_t key_count;    /* keys indexed, duplicates included */
    uint64_t model_count;  /* linear models (segments, nodes) in all levels */
    uint64_t max_error;    /* largest error window half-width over the data, in positions */
    uint64_t size_bytes;   /* memory of the index structure, excluding the key array */
    double bytes_per_key;  /* size_bytes / key_count (0 for an empty index) */
    char note[160];        /* NUL-terminated: why the kind was chosen, or a description */
} omendb_index_stats;

/* Fills `stats` (caller buffer). OMENDB_INVALID_ARGUMENT when stats->struct_size
 * is smaller than offsetof(omendb_index_stats, kind) + sizeof(int32_t). */
int omendb_index_get_stats(const omendb_index *index, omendb_index_stats *stats);

/* The name of an index kind ("pgm", ...), or "unknown". Borrowed: static storage. */
const char *omendb_index_kind_name(int kind);

/* Serialized models. An index's models (not its keys) serialize to a versioned,
 * CRC32C-checksummed byte format (docs/format.md, "Learned index model format")
 * that loads back over the same key array without refitting. */

/* Writes the exact byte count omendb_index_serialize needs for `index`. */
int omendb_index_serialized_size(const omendb_index *index, size_t *size);

/* Serializes the models of `index` into buffer[0..capacity) and writes the byte
 * count to *written. Caller buffer: nothing is allocated. OMENDB_TOO_LARGE
 * (nothing written) when capacity is smaller than omendb_index_serialized_size;
 * OMENDB_INVALID_ARGUMENT for a NULL buffer or written. */
int omendb_index_serialize(const omendb_index *index, void *buffer, size_t capacity, size_t *written);

/* Loads an index from buffer[0..length) over keys[0..count), which must be the
 * keys the index was built over. The keys are borrowed exactly as by
 * omendb_index_build (they must stay valid and unchanged until
 * omendb_index_free); the buffer is only read during the call.
 *
 * OMENDB_INVALID_ARGUMENT for a NULL buffer, index, or keys with count > 0.
 * Checks, in order: magic, length and CRC32C (OMENDB_CORRUPTION for any damaged
 * or truncated buffer), format version and model kind (OMENDB_UNSUPPORTED for
 * versions or kinds this build does not read), then that `keys` match the keys
 * the models were built over: same count, same first and last key, same
 * fingerprint (CRC32C of 64 evenly spaced keys), and sorted
 * (OMENDB_INVALID_ARGUMENT otherwise; keys differing only between sampled
 * positions are not detected), then the models' structure (every model inside
 * the array, contiguous, anchored at its first key; OMENDB_CORRUPTION).
 * Owned: free with omendb_index_free. */
int omendb_index_load(const int64_t *keys, size_t count, const void *buffer, size_t length,
                      omendb_index **index);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* OMENDB_H */
