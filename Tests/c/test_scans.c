/*
 * test_scans.c — scans through the public header: omendb_iterator_read_borrowed
 * (zero-copy batched reads) and omendb_iterator_refresh (one iterator for many
 * scans), against a reference model over a bulk-loaded run, a flushed run with
 * deletions and a hot tier; then their refusals of bad input. The seed is printed
 * (set OMENDB_TEST_SEED to repeat a run). Built normally and with ASan/UBSan by CTest.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "omendb.h"
#include "reference.h"

#define KEY_SPACE 30000
#define MAX_VALUE 40
#define BATCH_MAX 300

/* The reference: key i of the space is 3 * i; present[i] says whether it is stored. */
static int present[KEY_SPACE];
static size_t lengths[KEY_SPACE];
static unsigned char values[KEY_SPACE][MAX_VALUE];

static rng_t rng;

static int64_t key_of(int i) { return (int64_t)i * 3; }

static void random_value(int i, size_t length) {
    lengths[i] = length;
    for (size_t b = 0; b < length; b++) values[i][b] = (unsigned char)rng_next(&rng);
}

/* Two keys of three, 8-byte values, in one bulk load: a run without deletions. */
static void bulk_load(omendb_db *db) {
    static int64_t keys[KEY_SPACE];
    static const void *pointers[KEY_SPACE];
    static size_t sizes[KEY_SPACE];
    size_t count = 0;
    for (int i = 0; i < KEY_SPACE; i++) {
        if (i % 3 == 2) continue;
        random_value(i, 8);
        present[i] = 1;
        keys[count] = key_of(i);
        pointers[count] = values[i];
        sizes[count] = 8;
        count++;
    }
    CHECK_STATUS(omendb_bulk_load(db, keys, pointers, sizes, count), OMENDB_OK);
}

static void random_writes(omendb_db *db, int operations) {
    for (int op = 0; op < operations; op++) {
        int i = (int)(rng_next(&rng) % KEY_SPACE);
        if (rng_next(&rng) % 3 == 0) {
            CHECK_STATUS(omendb_delete(db, key_of(i)), OMENDB_OK);
            present[i] = 0;
        } else {
            random_value(i, (size_t)(rng_next(&rng) % MAX_VALUE));  /* 0-byte values included */
            CHECK_STATUS(omendb_put(db, key_of(i), values[i], lengths[i]), OMENDB_OK);
            present[i] = 1;
        }
    }
}

/* Reads [lower, upper) from `start` with batches of `batch` entries in `direction`
 * through `it` (refreshed first) and compares every entry, its borrowed value read
 * right after the call, with the reference. */
static void verify_scan(omendb_iterator *it, int start, int lower, int upper, int direction, size_t batch,
                        const char *phase) {
    int64_t keys[BATCH_MAX];
    const void *pointers[BATCH_MAX];
    size_t sizes[BATCH_MAX];
    CHECK_STATUS(omendb_iterator_refresh(it), OMENDB_OK);
    CHECK(omendb_iterator_valid(it) == 0, "%s: a refreshed iterator is invalid until a seek", phase);
    CHECK_STATUS(omendb_iterator_set_bounds(it, key_of(lower), key_of(upper)), OMENDB_OK);
    CHECK_STATUS(direction == 1 ? omendb_iterator_seek(it, key_of(start)) : omendb_iterator_seek_for_prev(it, key_of(start)),
                 OMENDB_OK);
    int i = start, wrong = 0, seen = 0;
    for (;;) {
        size_t count = 0;
        CHECK_STATUS(omendb_iterator_read_borrowed(it, direction, batch, keys, pointers, sizes, &count), OMENDB_OK);
        for (size_t e = 0; e < count; e++) {
            while (i >= lower && i < upper && !present[i]) i += direction;
            if (i < lower || i >= upper || keys[e] != key_of(i) || sizes[e] != lengths[i] || pointers[e] == NULL ||
                memcmp(pointers[e], values[i], sizes[e]) != 0) {
                wrong++;
                break;
            }
            seen++;
            i += direction;
        }
        if (wrong || count < batch) break;
    }
    while (i >= lower && i < upper && !present[i]) i += direction;
    CHECK(wrong == 0 && (i < lower || i >= upper), "%s: scan from %d in [%d, %d), direction %d, batches of %zu: "
          "differs from the reference after %d entries", phase, start, lower, upper, direction, batch, seen);
    CHECK(omendb_iterator_valid(it) == 0, "%s: a short batch ends the iteration", phase);
}

static void verify_random_scans(omendb_iterator *it, int scans, const char *phase) {
    check_section(phase);
    verify_scan(it, 0, 0, KEY_SPACE, 1, 256, phase);              /* everything, forward */
    verify_scan(it, KEY_SPACE - 1, 0, KEY_SPACE, -1, 97, phase);  /* everything, backward */
    for (int s = 0; s < scans; s++) {
        int lower = (int)(rng_next(&rng) % KEY_SPACE);
        int upper = lower + 1 + (int)(rng_next(&rng) % 500);
        if (upper > KEY_SPACE) upper = KEY_SPACE;
        int start = lower + (int)(rng_next(&rng) % (unsigned)(upper - lower));
        size_t batch = 1 + (size_t)(rng_next(&rng) % BATCH_MAX);
        verify_scan(it, start, lower, upper, rng_next(&rng) % 4 ? 1 : -1, batch, phase);
    }
}

/* A refreshed iterator sees later writes; an unrefreshed one keeps its snapshot. */
static void check_refresh(omendb_db *db, omendb_iterator *it) {
    check_section("refresh");
    int i = 1;  /* the first present key from 1 on: the random writes may have deleted any given key */
    while (!present[i]) i++;
    CHECK_STATUS(omendb_iterator_refresh(it), OMENDB_OK);
    CHECK_STATUS(omendb_iterator_set_bounds(it, key_of(i), key_of(i) + 1), OMENDB_OK);
    CHECK_STATUS(omendb_delete(db, key_of(i)), OMENDB_OK);
    CHECK_STATUS(omendb_iterator_seek_first(it), OMENDB_OK);
    CHECK(omendb_iterator_valid(it) == 1, "before the refresh the deleted key is still seen");
    CHECK_STATUS(omendb_iterator_refresh(it), OMENDB_OK);
    CHECK_STATUS(omendb_iterator_seek_first(it), OMENDB_OK);
    CHECK(omendb_iterator_valid(it) == 0, "after the refresh the deleted key is gone (bounds kept)");
    CHECK_STATUS(omendb_put(db, key_of(i), "", 0), OMENDB_OK);  /* an empty value */
    random_value(i, 0);
    CHECK_STATUS(omendb_iterator_refresh(it), OMENDB_OK);
    CHECK_STATUS(omendb_iterator_seek_first(it), OMENDB_OK);
    int64_t key = 0;
    const void *value = NULL;
    size_t length = 99, count = 0;
    CHECK_STATUS(omendb_iterator_read_borrowed(it, 1, 4, &key, &value, &length, &count), OMENDB_OK);
    CHECK(count == 1 && key == key_of(i) && length == 0 && value != NULL,
          "an empty value: count %zu, length %zu, value %p", count, length, value);
    CHECK_STATUS(omendb_iterator_read_borrowed(it, 1, 4, &key, &value, &length, &count), OMENDB_OK);
    CHECK(count == 0, "an invalid iterator reads nothing (count %zu)", count);
    CHECK_STATUS(omendb_iterator_set_bounds(it, INT64_MIN, INT64_MAX), OMENDB_OK);
    present[i] = 1;
}

static void check_bad_input(omendb_db *db) {
    check_section("bad input");
    int64_t keys[4];
    const void *pointers[4];
    size_t sizes[4], count = 7;
    omendb_iterator *it = NULL;
    CHECK_STATUS(omendb_iterator_create(db, NULL, &it), OMENDB_OK);

    CHECK_STATUS(omendb_iterator_read_borrowed(NULL, 1, 4, keys, pointers, sizes, &count), OMENDB_INVALID_ARGUMENT);
    CHECK_ERROR_MENTIONS("omendb_iterator_read_borrowed");
    CHECK_STATUS(omendb_iterator_refresh(NULL), OMENDB_INVALID_ARGUMENT);
    CHECK_ERROR_MENTIONS("omendb_iterator_refresh");
    for (int direction = -2; direction <= 2; direction += 2) {
        CHECK_STATUS(omendb_iterator_read_borrowed(it, direction, 4, keys, pointers, sizes, &count),
                     OMENDB_INVALID_ARGUMENT);
        CHECK_ERROR_MENTIONS("direction");
    }
    CHECK_STATUS(omendb_iterator_read_borrowed(it, 1, 4, keys, NULL, sizes, &count), OMENDB_INVALID_ARGUMENT);
    CHECK_ERROR_MENTIONS("values is NULL");
    CHECK_STATUS(omendb_iterator_read_borrowed(it, 1, 4, keys, pointers, NULL, &count), OMENDB_INVALID_ARGUMENT);
    CHECK_ERROR_MENTIONS("lengths is NULL");
    CHECK_STATUS(omendb_iterator_read_borrowed(it, 1, 4, keys, pointers, sizes, NULL), OMENDB_INVALID_ARGUMENT);
    CHECK_ERROR_MENTIONS("count is NULL");

    /* max_entries is the caller's array size: 2^63 and SIZE_MAX mean "as many as there
     * are" (at most four here, within the bounds), never a negative number or an error. */
    const size_t huge[2] = {(size_t)1 << 63, SIZE_MAX};
    size_t expected = 0;
    for (int i = 10; i < 14; i++) expected += (size_t)present[i];
    for (int h = 0; h < 2; h++) {
        CHECK_STATUS(omendb_iterator_set_bounds(it, key_of(10), key_of(14)), OMENDB_OK);
        CHECK_STATUS(omendb_iterator_seek_first(it), OMENDB_OK);
        CHECK_STATUS(omendb_iterator_read_borrowed(it, 1, huge[h], NULL, pointers, sizes, &count), OMENDB_OK);
        CHECK(count == expected, "max_entries %zu: count %zu, expected %zu", huge[h], count, expected);
    }

    /* A handle of another type, a freed handle. */
    omendb_batch *batch = NULL;
    CHECK_STATUS(omendb_batch_create(&batch), OMENDB_OK);
    CHECK_STATUS(omendb_iterator_read_borrowed((omendb_iterator *)batch, 1, 4, keys, pointers, sizes, &count),
                 OMENDB_MISUSE);
    CHECK_STATUS(omendb_iterator_refresh((omendb_iterator *)batch), OMENDB_MISUSE);
    omendb_batch_free(batch);
    omendb_iterator *freed = NULL;
    CHECK_STATUS(omendb_iterator_create(db, NULL, &freed), OMENDB_OK);
    omendb_iterator_free(freed);
    CHECK_STATUS(omendb_iterator_read_borrowed(freed, 1, 4, keys, pointers, sizes, &count), OMENDB_MISUSE);
    CHECK_STATUS(omendb_iterator_refresh(freed), OMENDB_MISUSE);

    /* Iterators over a fixed view cannot refresh. */
    omendb_snapshot *snapshot = NULL;
    omendb_iterator *fixed = NULL;
    CHECK_STATUS(omendb_snapshot_open(db, &snapshot), OMENDB_OK);
    CHECK_STATUS(omendb_iterator_create(NULL, snapshot, &fixed), OMENDB_OK);
    CHECK_STATUS(omendb_iterator_refresh(fixed), OMENDB_MISUSE);
    CHECK_ERROR_MENTIONS("fixed snapshot");
    omendb_iterator_free(fixed);
    omendb_snapshot_free(snapshot);
    omendb_txn *txn = NULL;
    CHECK_STATUS(omendb_txn_begin(db, NULL, &txn), OMENDB_OK);
    CHECK_STATUS(omendb_txn_iterator_create(txn, &fixed), OMENDB_OK);
    CHECK_STATUS(omendb_iterator_refresh(fixed), OMENDB_MISUSE);
    CHECK_ERROR_MENTIONS("transaction");
    omendb_iterator_free(fixed);
    omendb_txn_free(txn);

    /* After the database is closed: the iterator still reads, but cannot refresh. */
    CHECK_STATUS(omendb_close(db), OMENDB_OK);
    CHECK_STATUS(omendb_iterator_refresh(it), OMENDB_MISUSE);
    CHECK_ERROR_MENTIONS("closed");
    omendb_iterator_free(it);
}

int main(void) {
    rng = rng_from_environment();

    char path[] = "/tmp/omendb-test-scans-XXXXXX";
    if (!mkdtemp(path)) { perror("mkdtemp"); return 1; }
    char db_path[sizeof path + 8];
    snprintf(db_path, sizeof db_path, "%s/db", path);
    omendb_options *options = NULL;
    omendb_db *db = NULL;
    CHECK_STATUS(omendb_options_create(&options), OMENDB_OK);
    CHECK_STATUS(omendb_options_set_sync(options, OMENDB_SYNC_OFF), OMENDB_OK);
    CHECK_STATUS(omendb_open(db_path, options, &db), OMENDB_OK);
    omendb_options_free(options);

    omendb_iterator *it = NULL;
    CHECK_STATUS(omendb_iterator_create(db, NULL, &it), OMENDB_OK);
    bulk_load(db);
    verify_random_scans(it, 200, "one bulk-loaded run");
    random_writes(db, 3000);
    CHECK_STATUS(omendb_flush(db), OMENDB_OK);
    verify_random_scans(it, 200, "two runs (deletions, mixed value sizes)");
    random_writes(db, 2000);
    verify_random_scans(it, 200, "two runs and the hot tier");
    check_refresh(db, it);
    verify_random_scans(it, 50, "after refreshes");
    omendb_iterator_free(it);
    check_bad_input(db);  /* closes db */

    char command[sizeof path + 16];
    snprintf(command, sizeof command, "rm -rf '%s'", path);
    if (system(command) != 0) fprintf(stderr, "could not remove %s\n", path);
    return check_summary();
}
