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
 *  - Sizes. Every size_t is unsigned, and all its values are meaningful:
 *      a count of caller input (keys, lookups) or the length of a buffer to
 *      load above 2^60 gives OMENDB_TOO_LARGE; a value length above the
 *      function's limit gives OMENDB_TOO_LARGE; the capacity of a caller
 *      output buffer (or of arrays of max_entries elements) may be any value:
 *      a capacity larger than needed is simply big enough, never an error;
 *      a struct_size larger than the library's struct is fine (the library
 *      fills its own fields). Messages state sizes as unsigned numbers.
 *
 *  - Handles. Handles are opaque. Passing NULL where a handle is required gives
 *    OMENDB_INVALID_ARGUMENT; passing a handle that was already freed, or a
 *    handle of another type, gives OMENDB_MISUSE while its slot has not been
 *    reused (handle memory is recycled, never returned to the system, so a stale
 *    handle never crashes the library, but it may alias a newer handle of the
 *    same type: do not rely on it). A *_free function given such a handle does
 *    nothing but set the thread's message (it has no status to return).
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
#define OMENDB_BUFFER_TOO_SMALL 13  /* a caller buffer was too small; the needed size was written (see omendb_get) */
#define OMENDB_CANCELLED       14  /* a progress callback cancelled the call; the database is as it was */

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
#define OMENDB_INDEX_AUTO   0  /* build linear, RMI, PGM and (up to 4,000,000 keys) ALEX, keep the
                               one with the lowest estimated lookup cost on this data
                               (a fixed cost model: the same keys give the same choice;
                               omendb_index_stats.note has the estimates) */
#define OMENDB_INDEX_LINEAR 1  /* one linear model over the whole array */
#define OMENDB_INDEX_RMI    2  /* two-stage recursive model index */
#define OMENDB_INDEX_PGM    3  /* piecewise-linear, epsilon-bounded, recursive levels (default) */
#define OMENDB_INDEX_ALEX   4  /* adaptive learned index (gapped arrays) over the distinct keys:
                               exact answers, no error window; epsilon and search are
                               ignored. Keeps its own copy of the keys: about 23 bytes per
                               key on top of the caller's array (PGM: under 1), so use it
                               when memory is plentiful; see docs/c-api.md, "Index kinds" */

/* Last-mile search strategies inside a model's error window. */
#define OMENDB_SEARCH_BRANCHY    0  /* binary search with branches (default) */
#define OMENDB_SEARCH_BRANCHLESS 1  /* binary search with conditional moves */

/* Build options for an index. Options can gain new setters in later versions
 * without breaking the ABI. Not thread-safe: use one options object from one
 * thread at a time; an index does not keep a reference to its options. */
typedef struct omendb_index_options omendb_index_options;

/* Creates options holding the defaults: kind PGM, epsilon 64, recursive
 * epsilon 4, RMI leaf count chosen from the key count (one leaf per 256 keys),
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

/* Sets the number of second-stage models of an RMI, 0..268435456 (2^28); 0 lets the index
 * choose; OMENDB_INVALID_ARGUMENT above that. More leaves than keys build one leaf per
 * key (an empty leaf finds nothing). */
int omendb_index_options_set_rmi_leaves(omendb_index_options *options, uint32_t leaves);

/* Sets the last-mile search strategy (OMENDB_SEARCH_*); OMENDB_INVALID_ARGUMENT for others. */
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
 * Caller buffers: `positions` holds `count` elements and must not overlap `keys`
 * (OMENDB_INVALID_ARGUMENT); no allocation is made. `keys` and `positions` may
 * be NULL when count is 0; OMENDB_TOO_LARGE when count exceeds 2^60.
 * The lookups are interleaved so that their memory accesses overlap. */
int omendb_index_find_batch(const omendb_index *index, const int64_t *keys, size_t count,
                            int64_t *positions, size_t *found);

/* Batch lower bound: positions[i] = first position whose key is >= keys[i].
 * Same buffer rules as omendb_index_find_batch. */
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

/* ------------------------------------------------------------------------- */
/* Database: a durable key-value store (int64_t keys, byte values)           */
/* ------------------------------------------------------------------------- */

/* Defined when this header declares the omendb_db API below. */
#define OMENDB_HAVE_DATABASE 1

/* Sync modes: when a commit reaches stable storage (omendb_options_set_sync). */
#define OMENDB_SYNC_OFF    0  /* the OS decides when to write back; a crash may lose recent commits */
#define OMENDB_SYNC_NORMAL 1  /* fsync every ~100 ms / 8 MiB of log (default); a crash may lose that window */
#define OMENDB_SYNC_FULL   2  /* fsync before each commit is acknowledged; concurrent commits share one fsync */

/* Open options. Not thread-safe (one thread at a time); a database does not keep
 * a reference to its options. New setters may be added without an ABI break. */
typedef struct omendb_options omendb_options;

/* One open database directory. Thread-safe: any number of threads may use one
 * handle at once (writes are serialized, reads do not block on writes). Only one
 * read-write handle can hold a directory at a time, across all processes. */
typedef struct omendb_db omendb_db;

/* An atomic write batch: puts and deletes applied all-or-nothing by omendb_write.
 * Not thread-safe: one thread at a time. Independent of any database. */
typedef struct omendb_batch omendb_batch;

/* A consistent read view at one point in time. Thread-safe (immutable). It keeps
 * the data it sees alive: zero-copy values read through it stay valid until it is
 * freed, even after omendb_close of its database. */
typedef struct omendb_snapshot omendb_snapshot;

/* An ordered cursor over a snapshot or a transaction (omendb_txn_iterator_create).
 * Not thread-safe: one thread at a time. */
typedef struct omendb_iterator omendb_iterator;

/* Creates options holding the defaults: create_if_missing 1, error_if_exists 0,
 * create_in_nonempty_directory 0, read_only 0, sync OMENDB_SYNC_NORMAL, index kind OMENDB_INDEX_AUTO, hot tier
 * 64 MiB, maximum value size 64 MiB. Owned: free with omendb_options_free. */
int omendb_options_create(omendb_options **options);

/* Frees options. Accepts NULL. */
void omendb_options_free(omendb_options *options);

/* Create the directory and an empty database when missing (default 1). `yes` is 0 or 1. */
int omendb_options_set_create_if_missing(omendb_options *options, int yes);

/* Fail with OMENDB_INVALID_ARGUMENT when the database already exists (default 0).
 * `yes` is 0 or 1. */
int omendb_options_set_error_if_exists(omendb_options *options, int yes);

/* Allow creating a database in a directory that already holds files of another
 * kind (default 0: omendb_open refuses such a directory with OMENDB_INVALID_ARGUMENT,
 * naming some of its files, and writes nothing to it). The other files are left
 * alone. A directory holding only OmenDB's own files counts as empty. `yes` is 0 or 1. */
int omendb_options_set_create_in_nonempty_directory(omendb_options *options, int yes);

/* Open read-only (default 0; `yes` is 0 or 1): writes return OMENDB_READ_ONLY,
 * nothing in the directory is modified, and several read-only handles may share
 * a directory (but not with a read-write handle: OMENDB_BUSY). */
int omendb_options_set_read_only(omendb_options *options, int yes);

/* Sets the sync mode (OMENDB_SYNC_*); OMENDB_INVALID_ARGUMENT for others. */
int omendb_options_set_sync(omendb_options *options, int mode);

/* Sets the learned index of run files: OMENDB_INDEX_AUTO (default: each run gets the
 * kind picked for its own keys), OMENDB_INDEX_LINEAR, OMENDB_INDEX_RMI or OMENDB_INDEX_PGM
 * (every run that kind). OMENDB_INDEX_ALEX makes omendb_open fail with OMENDB_UNSUPPORTED
 * (it keeps its own copy of every key; a run's keys are already a sorted column). */
int omendb_options_set_index_kind(omendb_options *options, int kind);

/* Memory of the in-memory hot tier before it is written to a run file, in bytes:
 * 65536 .. 2^40 (OMENDB_INVALID_ARGUMENT otherwise). Default 64 MiB. */
int omendb_options_set_hot_tier_bytes(omendb_options *options, uint64_t bytes);

/* Largest value accepted, in bytes: 0 .. 2^30 (OMENDB_INVALID_ARGUMENT otherwise).
 * Writes of larger values fail with OMENDB_TOO_LARGE. Default 64 MiB. */
int omendb_options_set_max_value_size(omendb_options *options, uint64_t bytes);

/* Opens (or creates) the database in directory `path`, recovering from a crash if
 * needed (a torn last log record is discarded). `options` may be NULL for the
 * defaults. Errors: OMENDB_BUSY when another handle (in any process) holds the
 * directory — the message names the holding processes and whether they hold it
 * read-write or read-only; OMENDB_CORRUPTION for damaged
 * files (the message names the file and offset); OMENDB_UNSUPPORTED for files of
 * an unknown format version; OMENDB_IO_ERROR when the directory is missing (with
 * create_if_missing off or read-only), `path` is not a directory, or the OS
 * refuses an operation (e.g. a full disk); OMENDB_INVALID_ARGUMENT for a NULL
 * path/db, an existing database with error_if_exists, or a non-empty directory
 * that holds no OmenDB database (see omendb_options_set_create_in_nonempty_directory).
 * A failed open leaves the directory as it found it: recovery checks the whole state
 * (manifest, runs, logs) before it changes any file, and a database it was creating
 * is removed again. Owned: close with omendb_close. */
int omendb_open(const char *path, const omendb_options *options, omendb_db **db);

/* Closes a database: stops background work, syncs the log and releases the
 * directory lock. Accepts NULL (OMENDB_OK). The handle is invalid afterwards even
 * when an error is returned (OMENDB_IO_ERROR if the final sync failed). Snapshots
 * and iterators created earlier stay readable and must still be freed. No other
 * thread may be using the handle during the call. */
int omendb_close(omendb_db *db);

/* Stores `length` bytes at `value` under `key` (copied; `value` may be NULL when
 * length is 0). Equivalent to a batch of one put. Errors: OMENDB_TOO_LARGE above
 * the maximum value size; OMENDB_READ_ONLY; OMENDB_IO_ERROR when the log cannot be
 * written (after a failed log sync all further writes fail until reopen; the
 * database stays readable). */
int omendb_put(omendb_db *db, int64_t key, const void *value, size_t length);

/* Deletes `key`. OMENDB_OK whether or not the key existed. Errors as omendb_put. */
int omendb_delete(omendb_db *db, int64_t key);

/* Every read that hands out a value (omendb_get, omendb_snapshot_get, the
 * multi-gets, iterator seeks and moves, omendb_iterator_read and
 * omendb_iterator_read_borrowed) and compaction check the value's bytes in a run
 * file against their block checksum (run format version 3) and return
 * OMENDB_CORRUPTION, naming the file and the damaged block's offset, instead of
 * damaged data; an iterator is then invalid. */

/* Copy read of `key` into a caller buffer. On OMENDB_OK, *length is the value's
 * length and the value was copied to `buffer`. When capacity < the value's length,
 * returns OMENDB_BUFFER_TOO_SMALL with *length = the needed size (nothing copied).
 * OMENDB_NOT_FOUND when absent. `buffer` may be NULL when capacity is 0.
 * OMENDB_CORRUPTION for damaged value bytes (see above). */
int omendb_get(omendb_db *db, int64_t key, void *buffer, size_t capacity, size_t *length);

/* Creates an empty batch. Owned: free with omendb_batch_free. */
int omendb_batch_create(omendb_batch **batch);

/* Frees a batch. Accepts NULL. */
void omendb_batch_free(omendb_batch *batch);

/* Adds a put to the batch (the value is copied; a later operation on the same key
 * in the batch wins). OMENDB_TOO_LARGE for a value above 2^30 bytes. */
int omendb_batch_put(omendb_batch *batch, int64_t key, const void *value, size_t length);

/* Adds a delete to the batch. */
int omendb_batch_delete(omendb_batch *batch, int64_t key);

/* Removes every operation from the batch. */
int omendb_batch_clear(omendb_batch *batch);

/* Applies the batch atomically: after a crash either all of its operations are
 * visible or none. The batch is left intact (reusable). Errors as omendb_put. */
int omendb_write(omendb_db *db, omendb_batch *batch);

/* Loads `count` sorted, strictly increasing keys with their values straight into a
 * new run file (no per-record log), as one atomic step newer than all earlier
 * writes: values[i] points to lengths[i] bytes (copied; may be NULL when the length
 * is 0). Errors: OMENDB_INVALID_ARGUMENT for unsorted or duplicate keys (the message
 * names the position) or NULL arrays with count > 0; OMENDB_TOO_LARGE when count
 * exceeds 2^60 or a value exceeds the maximum value size (lengths[i] above 2^30
 * is refused before values[i] is read); others as omendb_put. */
int omendb_bulk_load(omendb_db *db, const int64_t *keys, const void *const *values,
                     const size_t *lengths, size_t count);

/* As omendb_bulk_load, for values that all have `value_size` bytes and lie back to
 * back: the value of keys[i] is the value_size bytes at values + i * value_size
 * (may be NULL when value_size or count is 0). The run's value heap is written
 * straight from `values`, without an intermediate copy. Errors as omendb_bulk_load;
 * OMENDB_TOO_LARGE also when value_size exceeds the maximum value size. */
int omendb_bulk_load_fixed(omendb_db *db, const int64_t *keys, const void *values,
                           size_t value_size, size_t count);

/* Opens a snapshot of the current state. Owned: free with omendb_snapshot_free. */
int omendb_snapshot_open(omendb_db *db, omendb_snapshot **snapshot);

/* Frees a snapshot; values borrowed from it become invalid. Accepts NULL. */
void omendb_snapshot_free(omendb_snapshot *snapshot);

/* Zero-copy read at the snapshot: on OMENDB_OK *value points to *length bytes in
 * engine memory (never NULL, even for an empty value). Borrowed: valid until
 * omendb_snapshot_free(snapshot). OMENDB_NOT_FOUND when absent; OMENDB_CORRUPTION
 * for damaged value bytes. */
int omendb_snapshot_get(omendb_snapshot *snapshot, int64_t key, const void **value, size_t *length);

/* Zero-copy multi-get over caller arrays of `count` elements: values[i]/lengths[i]
 * are set (borrowed as in omendb_snapshot_get) or to NULL/0 when keys[i] is absent;
 * *found (may be NULL) receives how many were found. Returns OMENDB_OK even when
 * some keys are absent; OMENDB_CORRUPTION when any found value is damaged;
 * OMENDB_TOO_LARGE when count exceeds 2^60. */
int omendb_snapshot_multi_get(omendb_snapshot *snapshot, const int64_t *keys, size_t count,
                              const void **values, size_t *lengths, size_t *found);

/* Copy multi-get at the snapshot, for callers that cannot afford a call per value:
 * looks up keys[0..count) in order; lengths[i] receives the value length of
 * keys[i], or SIZE_MAX when it is absent, and the found values are copied back to
 * back into buffer[0..capacity). It stops before the first value that does not fit:
 * *done receives how many keys were processed (count when all were; call again
 * from keys + *done with an emptied buffer). When the first key's value alone is
 * larger than capacity, returns OMENDB_BUFFER_TOO_SMALL with *done 0 and
 * lengths[0] = its length. Caller buffers; `buffer` may be NULL when capacity is 0.
 * Errors: OMENDB_TOO_LARGE when count exceeds 2^60; OMENDB_INVALID_ARGUMENT for a
 * NULL done, or NULL keys/lengths with count > 0; OMENDB_CORRUPTION (with *done 0)
 * when a value is damaged. */
int omendb_snapshot_multi_get_copy(omendb_snapshot *snapshot, const int64_t *keys, size_t count,
                                   size_t *lengths, void *buffer, size_t capacity, size_t *done);

/* Creates an iterator over `snapshot`, or over a snapshot of `db` taken now when
 * `snapshot` is NULL (`db` is not used, and may be NULL, when a snapshot is given;
 * only the latter kind can move on to a later state, omendb_iterator_refresh).
 * The iterator keeps its snapshot alive (the caller may free a
 * snapshot it passed; the iterator holds its own reference). It starts invalid:
 * call a seek function. Owned: free with omendb_iterator_free. */
int omendb_iterator_create(omendb_db *db, omendb_snapshot *snapshot, omendb_iterator **iterator);

/* Frees an iterator. Accepts NULL. */
void omendb_iterator_free(omendb_iterator *iterator);

/* Restricts the iterator to keys in [lower, upper). The iterator becomes invalid
 * until the next seek. OMENDB_INVALID_ARGUMENT when lower > upper. */
int omendb_iterator_set_bounds(omendb_iterator *it, int64_t lower, int64_t upper);

/* Positions at the first key >= `key` within the bounds (invalid if none). */
int omendb_iterator_seek(omendb_iterator *it, int64_t key);

/* Positions at the last key <= `key` within the bounds (invalid if none). */
int omendb_iterator_seek_for_prev(omendb_iterator *it, int64_t key);

/* Positions at the first / last key within the bounds. */
int omendb_iterator_seek_first(omendb_iterator *it);
int omendb_iterator_seek_last(omendb_iterator *it);

/* 1 when the iterator is at an entry, 0 otherwise (also for NULL or a freed handle). */
int omendb_iterator_valid(const omendb_iterator *it);

/* Moves to the next / previous key. On an invalid iterator: OMENDB_INVALID_ARGUMENT.
 * The seeks and moves return OMENDB_CORRUPTION (the iterator is then invalid) when
 * the entry they reach has damaged value bytes. */
int omendb_iterator_next(omendb_iterator *it);
int omendb_iterator_prev(omendb_iterator *it);

/* The current entry. `key`, `value` and `length` may each be NULL if not wanted.
 * Borrowed: *value is valid until the iterator moves or is freed. On an invalid
 * iterator: OMENDB_INVALID_ARGUMENT. */
int omendb_iterator_entry(const omendb_iterator *it, int64_t *key, const void **value, size_t *length);

/* Batched read: copies up to `max_entries` entries, starting at the current one and
 * moving after each copied entry, forward (direction 1, as omendb_iterator_next) or
 * backward (direction -1, as omendb_iterator_prev). keys[i] (may be NULL) and
 * lengths[i] receive entry i's key and value length (arrays of max_entries
 * elements); the values are copied back to back into buffer[0..capacity), entry
 * i's at the sum of the earlier lengths. *count receives how many were copied: it
 * stops early at the end of the iteration (the iterator is then invalid) or before
 * a value that does not fit in what is left of the buffer. An invalid iterator
 * copies nothing (OMENDB_OK, *count 0). When the current value alone is larger
 * than `capacity`, returns OMENDB_BUFFER_TOO_SMALL with *count 0 and lengths[0] =
 * its length; the iterator does not move. With a NULL `buffer` no value is copied
 * (keys and lengths only; `capacity` is ignored). Errors: OMENDB_INVALID_ARGUMENT
 * for another direction or NULL lengths/count; OMENDB_CORRUPTION (*count 0, the
 * iterator invalid) when a step reaches damaged value bytes.
 * Caller buffers. */
int omendb_iterator_read(omendb_iterator *it, int direction, size_t max_entries, int64_t *keys,
                         size_t *lengths, void *buffer, size_t capacity, size_t *count);

/* Zero-copy batched read: as omendb_iterator_read (same start, moves, direction and
 * end), but values are not copied: values[i] receives the address of entry i's value
 * in engine memory (never NULL, even for an empty value) and lengths[i] its length;
 * keys[i] (keys may be NULL) its key. keys, values and lengths hold max_entries
 * elements. *count receives how many entries were read: fewer than max_entries only
 * at the end of the iteration (the iterator is then invalid). An invalid iterator
 * reads nothing (OMENDB_OK, *count 0). Borrowed: the values stay valid until the
 * next call that seeks, moves, reads, refreshes, sets the bounds of or frees this
 * iterator (and, for a transaction's iterator, no longer than the transaction);
 * never free them. One thread at a time, as every iterator call. Errors:
 * OMENDB_INVALID_ARGUMENT for another direction or NULL values/lengths/count;
 * OMENDB_CORRUPTION (*count 0, the iterator invalid) when a step reaches damaged
 * value bytes. Caller buffers. */
int omendb_iterator_read_borrowed(omendb_iterator *it, int direction, size_t max_entries, int64_t *keys,
                                  const void **values, size_t *lengths, size_t *count);

/* Moves an iterator created by omendb_iterator_create with a NULL snapshot to its
 * database's current state: the same as freeing it and creating a new one, but
 * cheaper (its per-tier state is kept while the database's tiers, hot tiers and run
 * files, are the same, and its snapshot while nothing was committed since), so a
 * series of short scans can share one iterator. The bounds are kept; the iterator
 * is invalid until the next seek, and values borrowed from it before are invalid.
 * Errors: OMENDB_MISUSE for an iterator over a given snapshot or a transaction's
 * iterator (they read a fixed view), and after omendb_close of its database. */
int omendb_iterator_refresh(omendb_iterator *it);

/* Writes the hot tier to a run file and waits until it is durable in the manifest. */
int omendb_flush(omendb_db *db);

/* Merges all run files into one, dropping overwritten values and deletions; waits.
 * (Compaction also runs in the background when runs accumulate.) */
int omendb_compact(omendb_db *db);

/* Full consistency check: every run's checksums, key order, value offsets and that
 * its stored model finds every key within its error bounds; the manifest; every
 * live log file. OMENDB_CORRUPTION names the file and offset of the first problem. */
int omendb_verify(omendb_db *db);

/* Database statistics. The caller sets struct_size to sizeof(omendb_db_stats); the
 * library fills only the fields that fit. Caller buffer. */
typedef struct omendb_db_stats {
    size_t   struct_size;          /* in: sizeof(omendb_db_stats) */
    uint64_t hot_keys, hot_bytes;  /* keys and memory in the hot tier(s) */
    uint64_t cold_keys, cold_bytes, run_count; /* entries and file bytes in run files */
    uint64_t wal_bytes;            /* bytes in the current log file */
    uint64_t model_count;          /* learned-model segments over all runs */
    double   bytes_per_key_index;  /* index memory per key, all tiers */
    uint64_t approximate_count;    /* keys over all tiers (a key in several tiers counts more than once) */
    uint64_t last_sequence;        /* sequence number of the newest visible commit */
    uint64_t active_transactions;  /* transactions begun and not yet ended */
    uint64_t oldest_pinned_sequence; /* oldest sequence a live snapshot or transaction reads at; 0: none */
    uint64_t retained_versions;    /* superseded versions kept in memory-tier chains for snapshots/transactions (dropped at flush) */
    uint64_t conflicts;            /* commits refused with OMENDB_CONFLICT since open */
} omendb_db_stats;

/* Fills `stats`. OMENDB_INVALID_ARGUMENT when stats->struct_size < sizeof(size_t) + 16. */
int omendb_get_stats(omendb_db *db, omendb_db_stats *stats);
/* ------------------------------------------------------------------------- */
/* Transactions (docs/transactions.md)                                       */
/* ------------------------------------------------------------------------- */
/* Optimistic and multi-version: reads never block and never take a lock; writes stay
 * private to the transaction until omendb_txn_commit, which writes them as ONE log
 * record (a crash never leaves part of a transaction) after validating them against
 * the commits made since the transaction's snapshot. A failed validation returns
 * OMENDB_CONFLICT, writes nothing and names the conflicting key or scanned range in
 * omendb_last_error(); retry the whole transaction. Plain omendb_put / omendb_delete /
 * omendb_write / omendb_bulk_load are commits too: transactions conflict with them. */

/* Defined when this header declares the omendb_txn API below. */
#define OMENDB_HAVE_TRANSACTIONS 1

/* Isolation levels (omendb_txn_options_set_isolation). */
#define OMENDB_ISOLATION_READ_UNCOMMITTED 0 /* runs as READ_COMMITTED: writes are private until commit, so there is nothing uncommitted to read */
#define OMENDB_ISOLATION_READ_COMMITTED   1 /* every read sees the newest committed state; no validation */
#define OMENDB_ISOLATION_REPEATABLE_READ  2 /* snapshot isolation: reads at begin; first committer wins on written keys */
#define OMENDB_ISOLATION_SERIALIZABLE     3 /* snapshot reads; commit validates read keys, scanned ranges and written keys (default) */

/* Transaction options. Not thread-safe; a transaction keeps no reference to them.
 * New setters may be added without an ABI break. */
typedef struct omendb_txn_options omendb_txn_options;

/* A transaction. Not thread-safe: one thread at a time (it may move between threads).
 * Any number of transactions may be open at once on one database. Values read
 * zero-copy through it stay valid until it is freed. */
typedef struct omendb_txn omendb_txn;

/* Creates options holding the defaults: OMENDB_ISOLATION_SERIALIZABLE, read-write.
 * Owned: free with omendb_txn_options_free. */
int omendb_txn_options_create(omendb_txn_options **options);

/* Frees options. NULL is a no-op. */
void omendb_txn_options_free(omendb_txn_options *options);

/* One of OMENDB_ISOLATION_*; anything else is OMENDB_INVALID_ARGUMENT. */
int omendb_txn_options_set_isolation(omendb_txn_options *options, int level);

/* 1: the transaction refuses writes (OMENDB_READ_ONLY) and never conflicts. */
int omendb_txn_options_set_read_only(omendb_txn_options *options, int yes);

/* Begins a transaction on `db` (options NULL: the defaults) and stores it in *txn.
 * Owned: free with omendb_txn_free (after commit or rollback, or to roll back).
 * Thread-safe. Errors: OMENDB_MISUSE when db is closed; OMENDB_READ_ONLY for a
 * read-write transaction on a database opened read-only. The transaction keeps the
 * database's memory alive, but every call after omendb_close fails (OMENDB_MISUSE)
 * except reads of a REPEATABLE_READ / SERIALIZABLE transaction. */
int omendb_txn_begin(omendb_db *db, const omendb_txn_options *options, omendb_txn **txn);

/* Reads `key` as the transaction sees it: its own latest put or delete of the key,
 * else the snapshot taken at begin (READ_COMMITTED: the newest committed state).
 * Copies into buffer as omendb_get does: *length = the value's length; OMENDB_NOT_FOUND
 * when absent or deleted; OMENDB_BUFFER_TOO_SMALL (nothing copied) when it does not fit.
 * Under SERIALIZABLE the key joins the transaction's read set. */
int omendb_txn_get(omendb_txn *txn, int64_t key, void *buffer, size_t capacity, size_t *length);

/* As omendb_txn_get without a copy: *value points into engine memory, valid until
 * omendb_txn_free (also after commit or rollback; never written through). */
int omendb_txn_get_pointer(omendb_txn *txn, int64_t key, const void **value, size_t *length);

/* Buffers a put (a copy of the value) / a delete in the transaction. OMENDB_READ_ONLY in
 * a read-only transaction; OMENDB_TOO_LARGE above the database's maximum value size. */
int omendb_txn_put(omendb_txn *txn, int64_t key, const void *value, size_t length);
int omendb_txn_delete(omendb_txn *txn, int64_t key);

/* Creates an iterator over the transaction's view (its snapshot, READ_COMMITTED: the
 * newest state now) with the transaction's own writes merged in; every
 * omendb_iterator_* function works on it. Under SERIALIZABLE every key range it walks
 * over is validated at commit (phantoms conflict). Owned: free with
 * omendb_iterator_free. Its moves fail with OMENDB_MISUSE once the transaction ended. */
int omendb_txn_iterator_create(omendb_txn *txn, omendb_iterator **iterator);

/* Validates and commits; the transaction has ended afterwards whatever the outcome.
 * OMENDB_OK: durable per the database's sync mode, like omendb_write. OMENDB_CONFLICT:
 * nothing was written (see the section comment). Read-only transactions and
 * transactions that wrote nothing always commit. */
int omendb_txn_commit(omendb_txn *txn);

/* Discards the transaction's writes and ends it. Idempotent. */
int omendb_txn_rollback(omendb_txn *txn);

/* Frees a transaction, rolling it back if still active. NULL is a no-op. */
void omendb_txn_free(omendb_txn *txn);

/* ------------------------------------------------------------------------- */
/* Progress callbacks and checkpoints (online backups)                       */
/* ------------------------------------------------------------------------- */
/* Long calls (bulk load, compaction, verify, checkpoint) have variants that report
 * their progress to a caller's function, which can also cancel them. */

/* Defined when this header declares the progress and checkpoint API below. */
#define OMENDB_HAVE_CHECKPOINT 1

/* OMENDB_CANCELLED (status block above): a progress callback cancelled the call. */

/* A progress callback: `done` units of `total` are complete (the unit is each call's:
 * keys or bytes, see below). Return 0 to go on, non-zero to cancel: the call then
 * undoes its work and returns OMENDB_CANCELLED. It is called on the thread that made
 * the call, inside it: it must not call omendb_* functions on the same database
 * handle (other handles and other threads are fine). Rate: once at the start
 * (done 0), then whenever `done` has grown by at least 1/64 of `total`, and once with
 * done == total before the call's point of no return (the last chance to cancel):
 * at most 66 calls per call, `done` never decreasing and never above `total` (both
 * may be 0 when there is nothing to do). In Python: ctypes.CFUNCTYPE(ctypes.c_int,
 * ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint64). */
typedef int (*omendb_progress_fn)(void *context, uint64_t done, uint64_t total);

/* Where a long call reports its progress. The caller sets struct_size to
 * sizeof(omendb_progress); later versions may add fields at the end (the library
 * reads only the fields that fit in struct_size). Only read during the call;
 * a NULL omendb_progress pointer, or a NULL callback, means no progress reports.
 * OMENDB_INVALID_ARGUMENT when struct_size is smaller than this version's struct. */
typedef struct omendb_progress {
    size_t struct_size;           /* in: sizeof(omendb_progress) */
    omendb_progress_fn callback;  /* may be NULL: no reports, no cancellation */
    void *context;                /* passed to callback unchanged (may be NULL) */
} omendb_progress;

/* omendb_bulk_load / omendb_bulk_load_fixed with progress in keys written to the
 * new run (reported every 64Ki keys, or 8 MiB of values for the fixed variant). The
 * last report comes after the run file is written and before the manifest names it:
 * OMENDB_CANCELLED loads nothing (the run file is removed). Errors as omendb_bulk_load. */
int omendb_bulk_load_with_progress(omendb_db *db, const int64_t *keys, const void *const *values,
                                   const size_t *lengths, size_t count, const omendb_progress *progress);
int omendb_bulk_load_fixed_with_progress(omendb_db *db, const int64_t *keys, const void *values,
                                         size_t value_size, size_t count, const omendb_progress *progress);

/* omendb_compact with progress in entries of the runs merged (total: their entry
 * count). The last report comes when the merge is done, before the new run is
 * finished and installed: OMENDB_CANCELLED leaves the runs as they were (the partial
 * run file is removed). Waits for a background compaction running meanwhile. */
int omendb_compact_with_progress(omendb_db *db, const omendb_progress *progress);

/* omendb_verify with progress in bytes checked: the run files, then the live log
 * files, sized when the check starts. OMENDB_CANCELLED stops the check (it changes
 * nothing in any case). */
int omendb_verify_with_progress(omendb_db *db, const omendb_progress *progress);

/* omendb_checkpoint flags. */
#define OMENDB_CHECKPOINT_COPY 1u /* copy the run files instead of hard-linking them */

/* Makes a consistent, openable copy of the database in directory `path` while reads
 * and writes go on (an online backup, like LMDB's mdb_env_copy2 and RocksDB's
 * Checkpoint). The copy holds exactly the state a snapshot taken at the start of
 * the call reads: *sequence (may be NULL) receives that snapshot's sequence number,
 * which is also the copy's omendb_db_stats.last_sequence when opened. `path` must not exist; its parent directory must. Run files are
 * immutable: they are hard-linked when the file system allows it (the copy then
 * shares their disk space until compaction replaces them in either database) and
 * copied otherwise, or always with OMENDB_CHECKPOINT_COPY; the log files the state
 * needs are copied up to its last record; a new manifest names exactly those
 * files. The copy is built in a temporary directory next to `path`
 * ("<path>.tmp-XXXXXX"), every file and the directory fsynced, then renamed to
 * `path` (and the parent directory fsynced): when the call fails, `path` does not
 * exist (a crash may leave the temporary directory; delete it). The copy is an
 * independent database: open it with omendb_open (read-write or read-only).
 * Progress (`progress` may be NULL) in bytes: the logs, then the run files, as
 * found at the start; OMENDB_CANCELLED leaves no copy. Works on read-only handles.
 * Thread-safe like every call on a database handle; any number of checkpoints may
 * run at once. Errors: OMENDB_INVALID_ARGUMENT for a NULL db or path, an empty path,
 * an existing `path` or unknown flags; OMENDB_IO_ERROR when the parent directory is
 * missing or the OS refuses a file operation (e.g. a full disk); OMENDB_MISUSE
 * after omendb_close; OMENDB_CORRUPTION for a damaged log file; OMENDB_CANCELLED. */
int omendb_checkpoint(omendb_db *db, const char *path, uint32_t flags, const omendb_progress *progress,
                      uint64_t *sequence);

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
 * OMENDB_INVALID_ARGUMENT for a NULL buffer, index, or keys with count > 0;
 * OMENDB_TOO_LARGE when count or length exceeds 2^60.
 * Checks, in order: magic, length and CRC32C (OMENDB_CORRUPTION for any damaged
 * or truncated buffer), format version and model kind (OMENDB_UNSUPPORTED for
 * versions or kinds this build does not read), then that `keys` match the keys
 * the models were built over: same count, same first and last key, same
 * fingerprint (CRC32C of 64 evenly spaced keys), and sorted
 * (OMENDB_INVALID_ARGUMENT otherwise; keys differing only between sampled
 * positions are not detected), then the models' structure (every model inside
 * the array, contiguous, anchored at its first key; for ALEX, the tree's
 * nodes, slot spans and data-node key ranges; OMENDB_CORRUPTION).
 * Owned: free with omendb_index_free. */
int omendb_index_load(const int64_t *keys, size_t count, const void *buffer, size_t length,
                      omendb_index **index);

/* ------------------------------------------------------------------------- */
/* Ordered maps: int64_t keys to uint64_t payloads (ALEX learned index)       */
/* ------------------------------------------------------------------------- */

/* An in-memory ordered map from int64_t keys to uint64_t payloads, indexed by
 * ALEX, an updatable learned index (model-routed inner nodes over gapped arrays).
 * Every int64_t value, INT64_MIN and INT64_MAX included, is a valid key.
 *
 * Thread safety: a map carries a reader/writer lock, so any number of threads
 * may use one map at once (lookups, ranges, stats and cursor moves share it;
 * put and delete are exclusive). A cursor is used by one thread at a time.
 * Freeing a map or cursor while another thread uses it is undefined behaviour. */
typedef struct omendb_map omendb_map;

/* Creates an empty map. Owned: free with omendb_map_free. */
int omendb_map_create(omendb_map **map);

/* Creates a map holding keys[i] -> payloads[i] for i in [0, count), built in one
 * pass (bulk load). The keys must be strictly increasing; both arrays are copied.
 * Errors: OMENDB_INVALID_ARGUMENT for unsorted or duplicate keys (the message
 * names the first offending position) or NULL arrays with count > 0;
 * OMENDB_TOO_LARGE when count exceeds 2^60. Owned: free with omendb_map_free. */
int omendb_map_create_sorted(const int64_t *keys, const uint64_t *payloads, size_t count,
                             omendb_map **map);

/* Frees a map. Cursors keep their map alive until they are freed. Accepts NULL. */
void omendb_map_free(omendb_map *map);

/* Inserts `key` -> `payload`, replacing the payload if the key is present.
 * `replaced` may be NULL; otherwise it receives 1 if the key was present, else 0. */
int omendb_map_put(omendb_map *map, int64_t key, uint64_t payload, int *replaced);

/* Looks `key` up: OMENDB_OK and *payload, or OMENDB_NOT_FOUND. */
int omendb_map_get(const omendb_map *map, int64_t key, uint64_t *payload);

/* Removes `key`: OMENDB_OK, or OMENDB_NOT_FOUND when it is absent. `old_payload`
 * may be NULL; otherwise it receives the removed payload. */
int omendb_map_delete(omendb_map *map, int64_t key, uint64_t *old_payload);

/* Writes the number of keys. */
int omendb_map_count(const omendb_map *map, uint64_t *count);

/* Copies the entries whose keys are >= `start`, in ascending key order, into
 * keys[0..) and payloads[0..) (caller buffers of `capacity` elements), stopping
 * after `capacity` entries; *written receives how many were copied (fewer than
 * `capacity` means the map has no more). Either of `keys` and `payloads` may be
 * NULL to skip that column. To page on, call again from the last key + 1.
 * Any capacity is valid (one above the map's count is simply big enough). */
int omendb_map_range(const omendb_map *map, int64_t start, size_t capacity,
                     int64_t *keys, uint64_t *payloads, size_t *written);

/* A position in a map's key order. A put or delete on the map does not
 * invalidate a cursor: on its next move the cursor re-positions by the key it
 * was on (next: the first key greater than it; prev: the last key smaller). */
typedef struct omendb_map_cursor omendb_map_cursor;

/* Creates a cursor over `map`, not positioned yet. The cursor keeps the map
 * alive. Owned: free with omendb_map_cursor_free. */
int omendb_map_cursor_create(omendb_map *map, omendb_map_cursor **cursor);

/* Frees a cursor. Accepts NULL. */
void omendb_map_cursor_free(omendb_map_cursor *cursor);

/* Moves to the first key >= `key`. OMENDB_NOT_FOUND (cursor not positioned)
 * when there is none. The other moves below answer the same way. */
int omendb_map_cursor_seek(omendb_map_cursor *cursor, int64_t key);

/* Moves to the last key <= `key`. */
int omendb_map_cursor_seek_for_prev(omendb_map_cursor *cursor, int64_t key);

/* Moves to the smallest / largest key. */
int omendb_map_cursor_first(omendb_map_cursor *cursor);
int omendb_map_cursor_last(omendb_map_cursor *cursor);

/* Moves to the next larger / next smaller key. OMENDB_NOT_FOUND past either end
 * (the cursor is then not positioned) or when it was not positioned. */
int omendb_map_cursor_next(omendb_map_cursor *cursor);
int omendb_map_cursor_prev(omendb_map_cursor *cursor);

/* Reads the entry under the cursor; OMENDB_NOT_FOUND when it is not positioned.
 * Either of `key` and `payload` may be NULL. After a put or delete on the map,
 * the payload is looked up again (the last one seen if the key was deleted). */
int omendb_map_cursor_get(const omendb_map_cursor *cursor, int64_t *key, uint64_t *payload);

/* Statistics of a map. The caller sets struct_size to sizeof(omendb_map_stats)
 * before the call; the library fills in only the fields that fit. */
typedef struct omendb_map_stats {
    size_t struct_size;         /* in: sizeof(omendb_map_stats) */
    uint64_t count;             /* keys stored */
    uint32_t depth;             /* nodes on the longest root-to-leaf path (1: a single data node) */
    uint32_t reserved;          /* 0 */
    uint64_t inner_node_count;  /* routing (model) nodes */
    uint64_t data_node_count;   /* gapped-array leaf nodes */
    uint64_t size_bytes;        /* memory of the structure: nodes, slot arrays, bitmaps */
    double bytes_per_key;       /* size_bytes / count (0 for an empty map) */
} omendb_map_stats;

/* Fills `stats` (caller buffer); walks every node, so it costs O(nodes).
 * OMENDB_INVALID_ARGUMENT when stats->struct_size is smaller than
 * offsetof(omendb_map_stats, count) + sizeof(uint64_t). */
int omendb_map_get_stats(const omendb_map *map, omendb_map_stats *stats);

/* Serialized maps. A map (its entries, tree structure and node models) serializes
 * to a versioned, CRC32C-checksummed byte format (docs/format.md, "ALEX map
 * format") that loads back without rebuilding or refitting the tree. */

/* Writes the exact byte count omendb_map_serialize needs for `map` now (a put or
 * delete in between changes it). */
int omendb_map_serialized_size(const omendb_map *map, size_t *size);

/* Serializes `map` into buffer[0..capacity) and writes the byte count to
 * *written. Caller buffer: nothing is allocated. OMENDB_TOO_LARGE (nothing
 * written) when capacity is smaller than omendb_map_serialized_size;
 * OMENDB_INVALID_ARGUMENT for a NULL buffer or written. */
int omendb_map_serialize(const omendb_map *map, void *buffer, size_t capacity, size_t *written);

/* Creates a map from buffer[0..length), written by omendb_map_serialize; the
 * buffer is only read during the call (the map holds copies of the entries).
 * OMENDB_INVALID_ARGUMENT for a NULL buffer or map; OMENDB_TOO_LARGE when length
 * exceeds 2^60. Checks magic, length and
 * CRC32C (OMENDB_CORRUPTION for any damaged or truncated buffer), the format
 * version (OMENDB_UNSUPPORTED for versions this build does not read), then the
 * entries (strictly increasing keys) and the tree (node counts, slot spans,
 * capacities, every data node's keys routing to it; OMENDB_CORRUPTION).
 * Owned: free with omendb_map_free. */
int omendb_map_load(const void *buffer, size_t length, omendb_map **map);

/* ---------------------------------------------------------------------------
 * Range deletes and exact range counts
 *
 * Every range is half-open, [lo, hi), as iterator bounds: lo == hi is the empty
 * range (a delete writes nothing and returns OMENDB_OK; a count is 0), lo > hi is
 * OMENDB_INVALID_ARGUMENT. INT64_MAX lies in no range: delete it with omendb_delete.
 *
 * A range delete writes one range tombstone (O(1) whatever the range holds: one log
 * record, a few dozen bytes): it hides every version of the keys in the range
 * written before it, from every read that runs at or after it (gets, multi-gets,
 * iterators both ways, counts, transactions); snapshots taken earlier still see the
 * keys. Tombstones reach the run files at flush and are dropped, with the entries
 * they cover, by compaction (docs/storage.md, "Range tombstones"). Point reads cost
 * nothing extra while no range tombstone exists in the database.
 * Thread safety: as the calls they parallel (omendb_delete, omendb_batch_delete,
 * omendb_txn_delete, omendb_get, omendb_snapshot_get).
 * ------------------------------------------------------------------------- */

/* Deletes every key in [lo, hi) (whether or not any exists), atomically, with the
 * durability of omendb_put. Errors as omendb_put; OMENDB_INVALID_ARGUMENT for
 * lo > hi. */
int omendb_delete_range(omendb_db *db, int64_t lo, int64_t hi);

/* Adds a delete of every key in [lo, hi) to the batch. The batch's operations apply
 * in order: it deletes the batch's earlier puts in the range, and later operations
 * of the batch on keys in the range stand. OMENDB_INVALID_ARGUMENT for lo > hi. */
int omendb_batch_delete_range(omendb_batch *batch, int64_t lo, int64_t hi);

/* Deletes every key in [lo, hi) in the transaction: its own reads and iterators see
 * the keys gone at once (its own later puts in the range stand); the commit writes
 * one range tombstone. Under REPEATABLE_READ and SERIALIZABLE the commit fails with
 * OMENDB_CONFLICT when a commit after the transaction's snapshot wrote a key in the
 * range (as deleting each key would); likewise a later-committing transaction
 * whose snapshot predates this commit conflicts when it wrote a key in the range
 * (or, under SERIALIZABLE, read one or scanned over the range).
 * OMENDB_READ_ONLY in a read-only transaction; OMENDB_INVALID_ARGUMENT for lo > hi. */
int omendb_txn_delete_range(omendb_txn *txn, int64_t lo, int64_t hi);

/* Writes to *count the exact number of keys in [lo, hi) visible now: each key once
 * whatever its overwrites, deleted keys (point or range) excluded. O(learned-model
 * lookups) when the data is one run file with no tombstone and nothing in the hot
 * tier; otherwise a merge that reads keys only (no value is read or copied), O(keys
 * in the range). Errors: OMENDB_INVALID_ARGUMENT for a NULL count or lo > hi;
 * OMENDB_CORRUPTION for a damaged key column. */
int omendb_count(omendb_db *db, int64_t lo, int64_t hi, uint64_t *count);

/* As omendb_count, at the snapshot. */
int omendb_snapshot_count(omendb_snapshot *snapshot, int64_t lo, int64_t hi, uint64_t *count);

/* As omendb_count, as the transaction sees it: its snapshot (READ_COMMITTED: the
 * newest state) with its own puts, deletes and range deletes applied; a merge,
 * O(keys in the range). Under SERIALIZABLE the range counts as scanned, as by an
 * iterator (a commit inside it after the snapshot makes this transaction's commit
 * conflict). OMENDB_MISUSE once the transaction ended. */
int omendb_txn_count(omendb_txn *txn, int64_t lo, int64_t hi, uint64_t *count);

/* ---------------------------------------------------------------------------
 * Named tables
 *
 * A database holds any number of named tables besides its default table (the
 * keyspace every call above reads and writes): each an int64_t keyspace of its own
 * (its own hot tier, run files and learned models), all sharing the database's log
 * and sequence numbers, so one batch or transaction may write to several tables and
 * commits or recovers atomically across them (like LMDB's named databases, RocksDB's
 * column families). docs/c-api.md, "Named tables", has a walk-through.
 *
 * Names are 1..OMENDB_TABLE_NAME_MAX bytes of UTF-8 without NUL (an empty name,
 * a longer one or invalid UTF-8 is OMENDB_INVALID_ARGUMENT); they compare as bytes.
 *
 * Table handles (omendb_table) are owned by their database, as LMDB's MDB_dbi is:
 * never freed by the caller. omendb_table_open returns the database's one handle
 * for that table (opening it again returns the same pointer). A handle is valid
 * until omendb_table_drop of its table or omendb_close of its database; afterwards
 * it is a freed handle (OMENDB_MISUSE, see "Handles" above). Thread-safe like
 * omendb_db: any number of threads may use one table handle at once, and a drop
 * while another thread is inside a call with the handle is safe (that call either
 * completes as if it ran before the drop or fails with OMENDB_MISUSE).
 *
 * Every call that takes a table reads or writes that table only, exactly as its
 * database counterpart (named in its comment) does the default table, with the same
 * ownership, sizes, errors and durability. Passing a handle of another database's
 * table to a batch written to, a snapshot or a transaction of this database is
 * OMENDB_MISUSE. Snapshots, iterators and transactions see every table at one point
 * in time.
 * ------------------------------------------------------------------------- */

/* Defined when this header declares the omendb_table API below. */
#define OMENDB_HAVE_TABLES 1

/* The longest table name, in bytes (without the terminating NUL). */
#define OMENDB_TABLE_NAME_MAX 255

/* omendb_table_open flags. */
#define OMENDB_TABLE_CREATE 1u /* create the table when it does not exist (durable before the call returns) */

/* A table of a database: a handle owned by the database (see the section comment). */
typedef struct omendb_table omendb_table;

/* Opens table `name` of `db`, or the default table when `name` is NULL, and stores
 * the database's handle for it in *table (the same pointer on every open of the
 * table; borrowed: valid until the table is dropped or `db` is closed, never freed
 * by the caller). With OMENDB_TABLE_CREATE a missing table is created, durably;
 * without it a missing table answers OMENDB_NOT_FOUND (*table untouched, the error
 * message unchanged). Thread-safe: concurrent opens of one name create it once and
 * return the same handle. Errors: OMENDB_INVALID_ARGUMENT for a bad name (empty,
 * above OMENDB_TABLE_NAME_MAX bytes, not UTF-8), unknown flags, a NULL table;
 * OMENDB_READ_ONLY when creating in a database opened read-only; OMENDB_MISUSE
 * after omendb_close; OMENDB_IO_ERROR when the creation cannot be logged. */
int omendb_table_open(omendb_db *db, const char *name, uint32_t flags, omendb_table **table);

/* Drops table `name` of `db` and all its data, durably before the call returns. Its
 * handle becomes a freed handle (OMENDB_MISUSE); a table created later under the
 * same name is a new, empty table with a new handle. Iterators created before the
 * drop keep reading the table as it was; a batch or transaction holding writes to it
 * fails at omendb_write / omendb_txn_commit with OMENDB_MISUSE (nothing written; the
 * transaction has ended). OMENDB_NOT_FOUND
 * when no such table exists. Errors: OMENDB_INVALID_ARGUMENT for a NULL or bad name
 * (the default table cannot be dropped: delete its keys with omendb_delete_range);
 * OMENDB_READ_ONLY; OMENDB_MISUSE after omendb_close; OMENDB_IO_ERROR as omendb_put. */
int omendb_table_drop(omendb_db *db, const char *name);

/* Lists the named tables of `db` (not the default table), in ascending byte order of
 * their names: *names receives an array of *count NUL-terminated names followed by
 * a NULL pointer (names[*count] == NULL), *count their number (0 gives an array
 * holding only NULL). Owned: free the array with omendb_table_list_free (one call
 * frees the array and every name). Thread-safe. Errors: OMENDB_INVALID_ARGUMENT for
 * NULL names or count; OMENDB_MISUSE after omendb_close; OMENDB_NO_MEMORY. */
int omendb_table_list(omendb_db *db, char ***names, size_t *count);

/* Frees a list returned by omendb_table_list. Accepts NULL. */
void omendb_table_list_free(char **names);

/* The table's name ("" for the default table). Borrowed: valid as long as the
 * handle (until the drop or omendb_close). */
int omendb_table_name(const omendb_table *table, const char **name);

/* omendb_put, omendb_delete and omendb_get on the table. */
int omendb_table_put(omendb_table *table, int64_t key, const void *value, size_t length);
int omendb_table_delete(omendb_table *table, int64_t key);
int omendb_table_get(omendb_table *table, int64_t key, void *buffer, size_t capacity, size_t *length);

/* omendb_delete_range and omendb_count on the table ([lo, hi), as there). */
int omendb_table_delete_range(omendb_table *table, int64_t lo, int64_t hi);
int omendb_table_count(omendb_table *table, int64_t lo, int64_t hi, uint64_t *count);

/* omendb_bulk_load_with_progress and omendb_bulk_load_fixed_with_progress into the
 * table (`progress` may be NULL). */
int omendb_table_bulk_load(omendb_table *table, const int64_t *keys, const void *const *values,
                           const size_t *lengths, size_t count, const omendb_progress *progress);
int omendb_table_bulk_load_fixed(omendb_table *table, const int64_t *keys, const void *values,
                                 size_t value_size, size_t count, const omendb_progress *progress);

/* omendb_get_stats of the table alone: its tiers, runs, models and keys; wal_bytes,
 * last_sequence, active_transactions, oldest_pinned_sequence, retained_versions and
 * conflicts are the database's. Caller buffer; struct_size as omendb_get_stats. */
int omendb_table_get_stats(omendb_table *table, omendb_db_stats *stats);

/* omendb_iterator_create over the table: over `snapshot` (which must be of the
 * table's database), or over a snapshot taken now when `snapshot` is NULL (then
 * omendb_iterator_refresh works). Owned: free with omendb_iterator_free; it keeps
 * reading after the table is dropped or the database closed, as a snapshot does. */
int omendb_table_iterator_create(omendb_table *table, omendb_snapshot *snapshot, omendb_iterator **iterator);

/* omendb_batch_put, omendb_batch_delete and omendb_batch_delete_range on the table.
 * One batch may hold operations on any tables of one database: omendb_write applies
 * them all atomically (OMENDB_MISUSE, nothing written, when a table is of another
 * database than the one written to, or was dropped). */
int omendb_batch_table_put(omendb_batch *batch, omendb_table *table, int64_t key, const void *value, size_t length);
int omendb_batch_table_delete(omendb_batch *batch, omendb_table *table, int64_t key);
int omendb_batch_table_delete_range(omendb_batch *batch, omendb_table *table, int64_t lo, int64_t hi);

/* omendb_snapshot_get, omendb_snapshot_multi_get, omendb_snapshot_multi_get_copy and
 * omendb_snapshot_count on the table, at the snapshot (zero-copy values borrowed until
 * omendb_snapshot_free). */
int omendb_snapshot_table_get(omendb_snapshot *snapshot, omendb_table *table, int64_t key, const void **value,
                              size_t *length);
int omendb_snapshot_table_multi_get(omendb_snapshot *snapshot, omendb_table *table, const int64_t *keys,
                                    size_t count, const void **values, size_t *lengths, size_t *found);
int omendb_snapshot_table_multi_get_copy(omendb_snapshot *snapshot, omendb_table *table, const int64_t *keys,
                                         size_t count, size_t *lengths, void *buffer, size_t capacity, size_t *done);
int omendb_snapshot_table_count(omendb_snapshot *snapshot, omendb_table *table, int64_t lo, int64_t hi,
                                uint64_t *count);

/* omendb_txn_get, omendb_txn_get_pointer, omendb_txn_put, omendb_txn_delete,
 * omendb_txn_delete_range, omendb_txn_count and omendb_txn_iterator_create on the
 * table. A transaction may read and write any tables of its database: its commit
 * writes all of them in one log record, validated per (table, key) and per (table,
 * scanned range). */
int omendb_txn_table_get(omendb_txn *txn, omendb_table *table, int64_t key, void *buffer, size_t capacity,
                         size_t *length);
int omendb_txn_table_get_pointer(omendb_txn *txn, omendb_table *table, int64_t key, const void **value,
                                 size_t *length);
int omendb_txn_table_put(omendb_txn *txn, omendb_table *table, int64_t key, const void *value, size_t length);
int omendb_txn_table_delete(omendb_txn *txn, omendb_table *table, int64_t key);
int omendb_txn_table_delete_range(omendb_txn *txn, omendb_table *table, int64_t lo, int64_t hi);
int omendb_txn_table_count(omendb_txn *txn, omendb_table *table, int64_t lo, int64_t hi, uint64_t *count);
int omendb_txn_table_iterator_create(omendb_txn *txn, omendb_table *table, omendb_iterator **iterator);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* OMENDB_H */
