/*
 * test_range_delete.c — range deletes and exact counts through the public header:
 * omendb_delete_range, omendb_batch_delete_range, omendb_txn_delete_range,
 * omendb_count, omendb_snapshot_count and omendb_txn_count against a reference model, over the hot
 * tier, flushed runs, compaction and a reopen (log replay), with a snapshot taken
 * before the deletes still seeing the keys; then their refusals of bad input. The
 * seed is printed (set OMENDB_TEST_SEED to repeat a run). Built normally and with
 * ASan/UBSan by CTest.
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

/* Key i of the space is 5 * (i - KEY_SPACE / 2): negative and positive keys. */
#define KEY_SPACE 3000

static int present[KEY_SPACE];
static int64_t key_of(int i) { return (int64_t)5 * (i - KEY_SPACE / 2); }

static rng_t rng;

static void put(omendb_db *db, int i) {
    int64_t key = key_of(i);
    CHECK_STATUS(omendb_put(db, key, &key, sizeof key), OMENDB_OK);
    present[i] = 1;
}

/* The reference count of keys in [lo, hi). */
static uint64_t model_count(int64_t lo, int64_t hi) {
    uint64_t n = 0;
    for (int i = 0; i < KEY_SPACE; i++) n += present[i] && key_of(i) >= lo && key_of(i) < hi;
    return n;
}

static void model_delete_range(int64_t lo, int64_t hi) {
    for (int i = 0; i < KEY_SPACE; i++)
        if (key_of(i) >= lo && key_of(i) < hi) present[i] = 0;
}

/* A random range: often narrow, sometimes unaligned to keys, sometimes wide. */
static void random_range(int64_t *lo, int64_t *hi) {
    int64_t a = key_of((int)(rng_next(&rng) % KEY_SPACE)) + (int64_t)(rng_next(&rng) % 5) - 2;
    int64_t width = rng_next(&rng) % 8 == 0 ? (int64_t)(rng_next(&rng) % (5 * KEY_SPACE)) : (int64_t)(rng_next(&rng) % 200);
    *lo = a;
    *hi = a + width;
}

/* Every key by omendb_get, both iteration directions, and random counts. */
static void verify(omendb_db *db, const char *when) {
    check_section(when);
    long wrong = 0;
    for (int i = 0; i < KEY_SPACE; i++) {
        int64_t value = 0;
        size_t length = 0;
        int status = omendb_get(db, key_of(i), &value, sizeof value, &length);
        if (status != (present[i] ? OMENDB_OK : OMENDB_NOT_FOUND) || (present[i] && value != key_of(i))) wrong++;
    }
    CHECK(wrong == 0, "%s: %ld keys read wrong", when, wrong);

    omendb_iterator *it = NULL;
    CHECK_STATUS(omendb_iterator_create(db, NULL, &it), OMENDB_OK);
    int expected = 0;
    wrong = 0;
    CHECK_STATUS(omendb_iterator_seek_first(it), OMENDB_OK);
    for (int i = 0; i < KEY_SPACE; i++) {
        if (!present[i]) continue;
        int64_t key = 0;
        if (!omendb_iterator_valid(it) || omendb_iterator_entry(it, &key, NULL, NULL) != OMENDB_OK || key != key_of(i)) wrong++;
        omendb_iterator_next(it);
        expected++;
    }
    CHECK(wrong == 0 && !omendb_iterator_valid(it), "%s: forward iteration differs (%ld wrong of %d)", when, wrong, expected);
    wrong = 0;
    CHECK_STATUS(omendb_iterator_seek_last(it), OMENDB_OK);
    for (int i = KEY_SPACE - 1; i >= 0; i--) {
        if (!present[i]) continue;
        int64_t key = 0;
        if (!omendb_iterator_valid(it) || omendb_iterator_entry(it, &key, NULL, NULL) != OMENDB_OK || key != key_of(i)) wrong++;
        omendb_iterator_prev(it);
    }
    CHECK(wrong == 0 && !omendb_iterator_valid(it), "%s: backward iteration differs (%ld wrong)", when, wrong);
    omendb_iterator_free(it);

    uint64_t count = 0;
    CHECK_STATUS(omendb_count(db, INT64_MIN, INT64_MAX, &count), OMENDB_OK);
    CHECK(count == model_count(INT64_MIN, INT64_MAX), "%s: count of everything %" PRIu64 ", expected %" PRIu64,
          when, count, model_count(INT64_MIN, INT64_MAX));
    for (int r = 0; r < 50; r++) {
        int64_t lo, hi;
        random_range(&lo, &hi);
        CHECK_STATUS(omendb_count(db, lo, hi, &count), OMENDB_OK);
        CHECK(count == model_count(lo, hi), "%s: count [%" PRId64 ", %" PRId64 ") = %" PRIu64 ", expected %" PRIu64,
              when, lo, hi, count, model_count(lo, hi));
    }
}

/* Random puts, deletes and range deletes (plain, batched, in transactions). */
static void random_operations(omendb_db *db, int operations) {
    omendb_batch *batch = NULL;
    CHECK_STATUS(omendb_batch_create(&batch), OMENDB_OK);
    for (int n = 0; n < operations; n++) {
        int i = (int)(rng_next(&rng) % KEY_SPACE);
        int64_t lo, hi;
        switch (rng_next(&rng) % 10) {
        case 0: case 1: case 2: case 3: case 4:
            put(db, i);
            break;
        case 5:
            CHECK_STATUS(omendb_delete(db, key_of(i)), OMENDB_OK);
            present[i] = 0;
            break;
        case 6:
            random_range(&lo, &hi);
            CHECK_STATUS(omendb_delete_range(db, lo, hi), OMENDB_OK);
            model_delete_range(lo, hi);
            break;
        case 7: {
            /* In order: a put, a range delete over it, then a put inside the range. */
            random_range(&lo, &hi);
            int64_t key = key_of(i);
            CHECK_STATUS(omendb_batch_clear(batch), OMENDB_OK);
            CHECK_STATUS(omendb_batch_put(batch, key, &key, sizeof key), OMENDB_OK);
            present[i] = 1;
            CHECK_STATUS(omendb_batch_delete_range(batch, lo, hi), OMENDB_OK);
            model_delete_range(lo, hi);
            int j = (int)(rng_next(&rng) % KEY_SPACE);
            int64_t later = key_of(j);
            CHECK_STATUS(omendb_batch_put(batch, later, &later, sizeof later), OMENDB_OK);
            present[j] = 1;
            CHECK_STATUS(omendb_write(db, batch), OMENDB_OK);
            break;
        }
        case 8: {
            random_range(&lo, &hi);
            omendb_txn *txn = NULL;
            CHECK_STATUS(omendb_txn_begin(db, NULL, &txn), OMENDB_OK);
            CHECK_STATUS(omendb_txn_delete_range(txn, lo, hi), OMENDB_OK);
            int64_t value = 0;
            size_t length = 0;
            if (key_of(i) >= lo && key_of(i) < hi)
                CHECK_STATUS(omendb_txn_get(txn, key_of(i), &value, sizeof value, &length), OMENDB_NOT_FOUND);
            uint64_t inside = 1, outside = 0;
            CHECK_STATUS(omendb_txn_count(txn, lo, hi, &inside), OMENDB_OK);
            CHECK(inside == 0, "a transaction counts %" PRIu64 " keys in the range it deleted", inside);
            CHECK_STATUS(omendb_txn_count(txn, INT64_MIN, INT64_MAX, &outside), OMENDB_OK);
            model_delete_range(lo, hi);
            CHECK(outside == model_count(INT64_MIN, INT64_MAX), "transaction count %" PRIu64 ", expected %" PRIu64,
                  outside, model_count(INT64_MIN, INT64_MAX));
            CHECK_STATUS(omendb_txn_commit(txn), OMENDB_OK);
            omendb_txn_free(txn);
            break;
        }
        default:
            break;
        }
    }
    omendb_batch_free(batch);
}

static void check_snapshot(omendb_db *db) {
    check_section("a snapshot keeps what a later range delete hides");
    for (int i = 0; i < 100; i++) put(db, i);
    omendb_snapshot *snapshot = NULL;
    CHECK_STATUS(omendb_snapshot_open(db, &snapshot), OMENDB_OK);
    uint64_t before = model_count(key_of(0), key_of(100));
    CHECK_STATUS(omendb_delete_range(db, key_of(0), key_of(100)), OMENDB_OK);
    model_delete_range(key_of(0), key_of(100));
    CHECK_STATUS(omendb_flush(db), OMENDB_OK);
    uint64_t count = 0;
    CHECK_STATUS(omendb_snapshot_count(snapshot, key_of(0), key_of(100), &count), OMENDB_OK);
    CHECK(count == before && before == 100, "snapshot count %" PRIu64 ", expected %" PRIu64, count, before);
    const void *value = NULL;
    size_t length = 0;
    CHECK_STATUS(omendb_snapshot_get(snapshot, key_of(50), &value, &length), OMENDB_OK);
    CHECK_STATUS(omendb_count(db, key_of(0), key_of(100), &count), OMENDB_OK);
    CHECK(count == 0, "count after the range delete %" PRIu64, count);
    omendb_snapshot_free(snapshot);
}

static void check_bad_input(omendb_db *db) {
    check_section("bad input");
    uint64_t count = 7;
    CHECK_STATUS(omendb_delete_range(db, 10, 5), OMENDB_INVALID_ARGUMENT);
    CHECK_ERROR_MENTIONS("lo 10 > hi 5");
    CHECK_STATUS(omendb_count(db, 10, 5, &count), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_count(db, 0, 5, NULL), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_delete_range(NULL, 0, 5), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_snapshot_count(NULL, 0, 5, &count), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_batch_delete_range(NULL, 0, 5), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_txn_delete_range(NULL, 0, 5), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_txn_count(NULL, 0, 5, &count), OMENDB_INVALID_ARGUMENT);
    /* An empty range is a no-op; its count is 0. */
    put(db, 10);
    CHECK_STATUS(omendb_delete_range(db, key_of(10), key_of(10)), OMENDB_OK);
    CHECK_STATUS(omendb_count(db, key_of(10), key_of(10), &count), OMENDB_OK);
    CHECK(count == 0, "empty range count %" PRIu64, count);
    CHECK_STATUS(omendb_count(db, key_of(10), key_of(10) + 1, &count), OMENDB_OK);
    CHECK(count == 1, "one-key range count %" PRIu64, count);
    omendb_batch *batch = NULL;
    CHECK_STATUS(omendb_batch_create(&batch), OMENDB_OK);
    CHECK_STATUS(omendb_batch_delete_range(batch, 3, 2), OMENDB_INVALID_ARGUMENT);
    omendb_batch_free(batch);
    omendb_txn_options *read_only = NULL;
    omendb_txn *txn = NULL;
    CHECK_STATUS(omendb_txn_options_create(&read_only), OMENDB_OK);
    CHECK_STATUS(omendb_txn_options_set_read_only(read_only, 1), OMENDB_OK);
    CHECK_STATUS(omendb_txn_begin(db, read_only, &txn), OMENDB_OK);
    CHECK_STATUS(omendb_txn_delete_range(txn, 0, 5), OMENDB_READ_ONLY);
    omendb_txn_free(txn);
    omendb_txn_options_free(read_only);
}

int main(void) {
    rng = rng_from_environment();

    char path[] = "/tmp/omendb-test-range-delete-XXXXXX";
    if (!mkdtemp(path)) { perror("mkdtemp"); return 1; }
    char db_path[sizeof path + 8];
    snprintf(db_path, sizeof db_path, "%s/db", path);
    omendb_options *options = NULL;
    omendb_db *db = NULL;
    CHECK_STATUS(omendb_options_create(&options), OMENDB_OK);
    CHECK_STATUS(omendb_options_set_sync(options, OMENDB_SYNC_OFF), OMENDB_OK);
    CHECK_STATUS(omendb_open(db_path, options, &db), OMENDB_OK);

    for (int i = 0; i < KEY_SPACE; i += 2) put(db, i);
    verify(db, "puts in the hot tier");
    random_operations(db, 1500);
    verify(db, "range deletes in the hot tier");
    CHECK_STATUS(omendb_flush(db), OMENDB_OK);
    verify(db, "range deletes flushed into a run");
    random_operations(db, 1500);
    CHECK_STATUS(omendb_flush(db), OMENDB_OK);
    random_operations(db, 500);
    verify(db, "two runs and the hot tier");
    CHECK_STATUS(omendb_close(db), OMENDB_OK);
    CHECK_STATUS(omendb_open(db_path, options, &db), OMENDB_OK);
    verify(db, "after reopen (log replay)");
    CHECK_STATUS(omendb_compact(db), OMENDB_OK);
    verify(db, "after compaction");
    CHECK_STATUS(omendb_verify(db), OMENDB_OK);
    check_snapshot(db);
    verify(db, "after the snapshot checks");
    check_bad_input(db);
    CHECK_STATUS(omendb_close(db), OMENDB_OK);
    omendb_options_free(options);

    char command[sizeof path + 16];
    snprintf(command, sizeof command, "rm -rf '%s'", path);
    if (system(command) != 0) fprintf(stderr, "could not remove %s\n", path);
    return check_summary();
}
