/*
 * test_database.c — the database API through the public header, against a
 * reference model: random puts, deletes and atomic batches over a small key space
 * (so keys are overwritten and deleted often), checked after every phase and across
 * flushes, compactions and reopens by point reads (copying and zero-copy),
 * forward and reverse iteration with bounds, and a snapshot taken mid-way.
 * Built normally and with ASan/UBSan by CTest.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "omendb.h"

#define KEY_SPACE 4096
#define MAX_VALUE 300

/* The reference: key i of the space is KEYS[i]; present[i] says whether it is stored. */
static int64_t KEYS[KEY_SPACE];
static int present[KEY_SPACE];
static size_t lengths[KEY_SPACE];
static unsigned char values[KEY_SPACE][MAX_VALUE];

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t next_random(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Keys spread over the whole int64 range, extremes included, in sorted order. */
static void make_keys(void) {
    KEYS[0] = INT64_MIN;
    KEYS[KEY_SPACE - 1] = INT64_MAX;
    for (int i = 1; i < KEY_SPACE - 1; i++)
        /* In uint64_t: INT64_MIN plus an offset above INT64_MAX overflows int64_t. */
        KEYS[i] = (int64_t)((uint64_t)INT64_MIN + (uint64_t)i * (UINT64_MAX / KEY_SPACE) + next_random() % 1000);
}

static void random_value(int i) {
    lengths[i] = (size_t)(next_random() % MAX_VALUE);  /* 0-byte values included */
    for (size_t b = 0; b < lengths[i]; b++) values[i][b] = (unsigned char)next_random();
}

static void random_writes(omendb_db *db, omendb_batch *batch, int operations) {
    for (int op = 0; op < operations; op++) {
        int i = (int)(next_random() % KEY_SPACE);
        uint64_t kind = next_random() % 10;
        if (kind < 6) {
            random_value(i);
            CHECK_STATUS(omendb_put(db, KEYS[i], values[i], lengths[i]), OMENDB_OK);
            present[i] = 1;
        } else if (kind < 9) {
            CHECK_STATUS(omendb_delete(db, KEYS[i]), OMENDB_OK);  /* absent keys too */
            present[i] = 0;
        } else {  /* an atomic batch of a few writes to neighbouring keys */
            CHECK_STATUS(omendb_batch_clear(batch), OMENDB_OK);
            for (int j = i; j < i + 5 && j < KEY_SPACE; j++) {
                if (next_random() % 2) {
                    random_value(j);
                    CHECK_STATUS(omendb_batch_put(batch, KEYS[j], values[j], lengths[j]), OMENDB_OK);
                    present[j] = 1;
                } else {
                    CHECK_STATUS(omendb_batch_delete(batch, KEYS[j]), OMENDB_OK);
                    present[j] = 0;
                }
            }
            CHECK_STATUS(omendb_write(db, batch), OMENDB_OK);
        }
    }
}

static void verify_point_reads(omendb_db *db, const char *phase) {
    unsigned char buffer[MAX_VALUE];
    int wrong = 0;
    for (int i = 0; i < KEY_SPACE; i++) {
        size_t length = 12345;
        int status = omendb_get(db, KEYS[i], buffer, sizeof buffer, &length);
        if (present[i])
            wrong += status != OMENDB_OK || length != lengths[i] || memcmp(buffer, values[i], length) != 0;
        else
            wrong += status != OMENDB_NOT_FOUND;
    }
    CHECK(wrong == 0, "%s: %d keys read differently from the reference", phase, wrong);
}

/* Iterates [lower, upper) in one direction and compares with the reference. */
static void verify_iteration(omendb_db *db, int64_t lower, int64_t upper, int forward, const char *phase) {
    omendb_iterator *it = NULL;
    CHECK_STATUS(omendb_iterator_create(db, NULL, &it), OMENDB_OK);
    CHECK_STATUS(omendb_iterator_set_bounds(it, lower, upper), OMENDB_OK);
    CHECK_STATUS(forward ? omendb_iterator_seek_first(it) : omendb_iterator_seek_last(it), OMENDB_OK);
    int i = forward ? 0 : KEY_SPACE - 1, wrong = 0, seen = 0;
    for (;;) {
        while (i >= 0 && i < KEY_SPACE && (!present[i] || KEYS[i] < lower || KEYS[i] >= upper)) i += forward ? 1 : -1;
        int expect_more = i >= 0 && i < KEY_SPACE;
        if (!omendb_iterator_valid(it)) { wrong += expect_more; break; }
        int64_t key = 0;
        const void *value = NULL;
        size_t length = 0;
        CHECK_STATUS(omendb_iterator_entry(it, &key, &value, &length), OMENDB_OK);
        if (!expect_more || key != KEYS[i] || length != lengths[i] ||
            (length > 0 && memcmp(value, values[i], length) != 0)) { wrong++; break; }
        seen++;
        i += forward ? 1 : -1;
        CHECK_STATUS(forward ? omendb_iterator_next(it) : omendb_iterator_prev(it), OMENDB_OK);
    }
    CHECK(wrong == 0, "%s: %s iteration over [%" PRId64 ", %" PRId64 ") differs from the reference after %d entries",
          phase, forward ? "forward" : "reverse", lower, upper, seen);
    omendb_iterator_free(it);
}

static void verify_all(omendb_db *db, const char *phase) {
    check_section(phase);
    verify_point_reads(db, phase);
    verify_iteration(db, INT64_MIN, INT64_MAX, 1, phase);
    verify_iteration(db, INT64_MIN, INT64_MAX, 0, phase);
    verify_iteration(db, KEYS[KEY_SPACE / 4], KEYS[KEY_SPACE / 2], 1, phase);
    verify_iteration(db, KEYS[KEY_SPACE / 4], KEYS[KEY_SPACE / 2], 0, phase);
    CHECK_STATUS(omendb_verify(db), OMENDB_OK);
}

static omendb_db *open_database(const char *path) {
    omendb_options *options = NULL;
    omendb_db *db = NULL;
    CHECK_STATUS(omendb_options_create(&options), OMENDB_OK);
    CHECK_STATUS(omendb_options_set_sync(options, OMENDB_SYNC_OFF), OMENDB_OK);
    CHECK_STATUS(omendb_options_set_hot_tier_bytes(options, 256 * 1024), OMENDB_OK);  /* flush often */
    CHECK_STATUS(omendb_open(path, options, &db), OMENDB_OK);
    omendb_options_free(options);
    return db;
}

/* A snapshot keeps seeing the state it was taken at, with zero-copy values. */
static void check_snapshot_isolation(omendb_db *db, omendb_batch *batch) {
    check_section("snapshot isolation");
    static int was_present[KEY_SPACE];
    static size_t was_length[KEY_SPACE];
    static unsigned char was_value[KEY_SPACE][MAX_VALUE];
    memcpy(was_present, present, sizeof present);
    memcpy(was_length, lengths, sizeof lengths);
    memcpy(was_value, values, sizeof values);
    omendb_snapshot *snapshot = NULL;
    CHECK_STATUS(omendb_snapshot_open(db, &snapshot), OMENDB_OK);
    random_writes(db, batch, 3000);
    CHECK_STATUS(omendb_flush(db), OMENDB_OK);
    int wrong = 0;
    for (int i = 0; i < KEY_SPACE; i++) {
        const void *value = NULL;
        size_t length = 0;
        int status = omendb_snapshot_get(snapshot, KEYS[i], &value, &length);
        if (was_present[i])
            wrong += status != OMENDB_OK || length != was_length[i] ||
                     (length > 0 && memcmp(value, was_value[i], length) != 0);
        else
            wrong += status != OMENDB_NOT_FOUND;
    }
    CHECK(wrong == 0, "%d keys read differently through the snapshot", wrong);
    omendb_snapshot_free(snapshot);
}

int main(void) {
    char path[] = "/tmp/omendb-test-database-XXXXXX";
    if (!mkdtemp(path)) { perror("mkdtemp"); return 1; }
    char db_path[sizeof path + 8];
    snprintf(db_path, sizeof db_path, "%s/db", path);
    make_keys();

    omendb_batch *batch = NULL;
    CHECK_STATUS(omendb_batch_create(&batch), OMENDB_OK);
    omendb_db *db = open_database(db_path);
    verify_all(db, "empty database");
    random_writes(db, batch, 6000);
    verify_all(db, "after random writes (hot tier and flushed runs)");
    check_snapshot_isolation(db, batch);
    verify_all(db, "after writes behind a snapshot");
    CHECK_STATUS(omendb_compact(db), OMENDB_OK);
    verify_all(db, "after compaction");
    random_writes(db, batch, 3000);
    CHECK_STATUS(omendb_close(db), OMENDB_OK);
    db = open_database(db_path);
    verify_all(db, "after reopen");
    random_writes(db, batch, 3000);
    verify_all(db, "after more writes");
    CHECK_STATUS(omendb_close(db), OMENDB_OK);
    omendb_batch_free(batch);

    char command[sizeof path + 16];
    snprintf(command, sizeof command, "rm -rf '%s'", path);
    if (system(command) != 0) fprintf(stderr, "could not remove %s\n", path);
    return check_summary();
}
