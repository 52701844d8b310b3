/*
 * index_demo.c — a tour of OmenDB's learned-index C API.
 *
 * Builds a learned index over a sorted array of int64_t keys that this program
 * owns, looks keys up one at a time and in batches, counts a range, prints the
 * index's statistics, and shows what a failed call looks like.
 *
 * Build against an installed OmenDB:
 *   cc -std=c99 index_demo.c $(pkg-config --cflags --libs omendb) -o index_demo
 * or use examples/c/consumer-cmake (find_package(OmenDB)).
 *
 * Exits 0 when every answer matched what the program knows about its keys.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <omendb.h>

#define KEY_COUNT 1000000

/* Prints the failing call, its status and this thread's error message, then exits. */
static void die(const char *call, int status) {
    fprintf(stderr, "%s failed: %s (%d): %s\n", call, omendb_status_string(status), status, omendb_last_error());
    exit(1);
}

int main(void) {
    /* The header and the library must agree (a mismatch means a stale install). */
    printf("OmenDB header %s, library %s\n", OMENDB_VERSION_STRING, omendb_version_string());
    if (omendb_version_number() != OMENDB_VERSION_NUMBER) {
        fprintf(stderr, "header/library version mismatch\n");
        return 1;
    }

    /* 1. Keys: sorted, non-decreasing, owned by this program. Here: timestamps in
     *    microseconds, one every ~1-3 ms, with a one-hour outage in the middle. */
    int64_t *keys = malloc(KEY_COUNT * sizeof *keys);
    if (!keys) return 1;
    int64_t t = 1700000000000000;   /* 2023-11-14 in microseconds */
    uint64_t seed = 12345;
    for (size_t i = 0; i < KEY_COUNT; i++) {
        seed = seed * 6364136223846793005u + 1442695040888963407u;   /* a small LCG */
        t += 1000 + (int64_t)((seed >> 33) % 2000);
        if (i == KEY_COUNT / 2) t += 3600000000;                      /* the outage */
        keys[i] = t;
    }

    /* 2. Options are optional (NULL means the defaults). Here we ask for a
     *    smaller error window than the default: more models, shorter searches. */
    omendb_index_options *options = NULL;
    int status = omendb_index_options_create(&options);
    if (status != OMENDB_OK) die("omendb_index_options_create", status);
    status = omendb_index_options_set_epsilon(options, 32);
    if (status != OMENDB_OK) die("omendb_index_options_set_epsilon", status);

    /* 3. Build. The index reads `keys` in place: keep the array alive and
     *    unchanged until omendb_index_free. The options can be freed right away. */
    omendb_index *index = NULL;
    status = omendb_index_build(keys, KEY_COUNT, options, &index);
    omendb_index_options_free(options);
    if (status != OMENDB_OK) die("omendb_index_build", status);

    /* 4. Point lookups. NOT_FOUND is an answer, not an error. */
    int failures = 0;
    uint64_t position = 0;
    status = omendb_index_find(index, keys[123456], &position);
    printf("find(keys[123456] = %" PRId64 ") -> %s, position %" PRIu64 "\n", keys[123456],
           omendb_status_string(status), position);
    failures += status != OMENDB_OK || position != 123456;

    status = omendb_index_find(index, keys[123456] + 1, &position);   /* keys are >= 1000 apart */
    printf("find(%" PRId64 ") -> %s\n", keys[123456] + 1, omendb_status_string(status));
    failures += status != OMENDB_NOT_FOUND;

    /* 5. Lower bound: where a key is or would be inserted. */
    int64_t in_outage = keys[KEY_COUNT / 2 - 1] + 1800000000;   /* 30 minutes into the outage */
    status = omendb_index_lower_bound(index, in_outage, &position);
    printf("lower_bound(inside the outage) -> position %" PRIu64 "\n", position);
    failures += status != OMENDB_OK || position != KEY_COUNT / 2;

    /* 6. Range: the keys in [lo, hi), here one second of data. */
    uint64_t first = 0, count = 0;
    status = omendb_index_range(index, keys[1000], keys[1000] + 1000000, &first, &count);
    printf("range(one second from keys[1000]) -> first %" PRIu64 ", %" PRIu64 " keys\n", first, count);
    failures += status != OMENDB_OK || first != 1000 || count < 333 || count > 1000;

    /* 7. Batches: the library interleaves lookups so their cache misses overlap.
     *    The arrays are the caller's; nothing is allocated. */
    enum { BATCH = 8 };
    int64_t queries[BATCH], positions[BATCH];
    for (int i = 0; i < BATCH; i++) queries[i] = keys[(size_t)i * 111111] + (i % 2);   /* odd ones are absent */
    size_t found = 0;
    status = omendb_index_find_batch(index, queries, BATCH, positions, &found);
    if (status != OMENDB_OK) die("omendb_index_find_batch", status);
    printf("find_batch of %d keys -> %zu found:", BATCH, found);
    for (int i = 0; i < BATCH; i++) {
        printf(" %" PRId64, positions[i]);
        failures += positions[i] != (i % 2 ? -1 : (int64_t)i * 111111);
    }
    printf("\n");
    failures += found != BATCH / 2;

    /* 8. Statistics. Set struct_size first: the library fills only what fits, so
     *    this program keeps working with later versions of the library. */
    omendb_index_stats stats;
    stats.struct_size = sizeof stats;
    status = omendb_index_get_stats(index, &stats);
    if (status != OMENDB_OK) die("omendb_index_get_stats", status);
    printf("stats: kind %s, %" PRIu64 " keys, %d levels, %" PRIu64 " models, max error %" PRIu64
           ", %" PRIu64 " bytes (%.3f bytes/key)\n       note: %s\n",
           omendb_index_kind_name(stats.kind), stats.key_count, (int)stats.level_count, stats.model_count,
           stats.max_error, stats.size_bytes, stats.bytes_per_key, stats.note);
    failures += stats.key_count != KEY_COUNT;

    /* 9. Errors: a status code plus a message for this thread. */
    int64_t unsorted[] = {3, 1, 2};
    omendb_index *bad = NULL;
    status = omendb_index_build(unsorted, 3, NULL, &bad);
    printf("build(unsorted) -> %s: %s\n", omendb_status_string(status), omendb_last_error());
    failures += status != OMENDB_INVALID_ARGUMENT;

    /* 10. Free the index, then the keys it was reading. */
    omendb_index_free(index);
    free(keys);

    printf("%s\n", failures == 0 ? "all answers correct" : "WRONG ANSWERS");
    return failures == 0 ? 0 : 1;
}
