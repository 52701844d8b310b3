/* Crash-test tool for OmenDB's storage engine (see run.sh).
 *
 *   crash_tool write <dir>   writes batches with OMENDB_SYNC_FULL forever, printing
 *                            each acknowledged batch id on stdout (flushed), until killed
 *   crash_tool check <dir> <last-acked-id>
 *                            reopens the database and checks that every acknowledged
 *                            batch is present, no batch is partly visible, the
 *                            iterator agrees with the expected contents, and
 *                            omendb_verify passes. Exit status 0 = all good.
 *
 * Batch b (b = 1, 2, ...) puts keys b*16 + j for j < keys_in(b) with values derived
 * from (b, j), deletes key (b-5)*16 (the first key of batch b-5), and sets the
 * marker key -1 to b. Batches are atomic, so the marker names the last applied
 * batch and everything about the database follows from it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "omendb.h"

#define MARKER_KEY (-1)

static unsigned keys_in(int64_t b) { return 1 + (unsigned)((b * 2654435761u) % 8); }

static size_t value_length(int64_t b, unsigned j) {
    uint64_t x = (uint64_t)b * 0x9E3779B97F4A7C15ull + j * 0xBF58476D1CE4E5B9ull;
    x ^= x >> 29;
    if (x % 23 == 0) return 0;
    if (x % 97 == 0) return 20000 + (size_t)(x % 30000);
    return 1 + (size_t)(x % 600);
}

static void fill_value(int64_t b, unsigned j, unsigned char *out, size_t length) {
    uint64_t x = (uint64_t)b * 31 + j + 7;
    for (size_t i = 0; i < length; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        out[i] = (unsigned char)(x >> 56);
    }
}

static int64_t key_of(int64_t b, unsigned j) { return b * 16 + (int64_t)j; }

/* Whether key_of(b, j) exists after batches 1..last: written and not deleted by batch b+5. */
static int expected_present(int64_t b, unsigned j, int64_t last) {
    if (b < 1 || b > last || j >= keys_in(b)) return 0;
    if (j == 0 && b + 5 <= last) return 0;
    return 1;
}

static int fail(const char *what, int status) {
    fprintf(stderr, "crash_tool: %s: status %d (%s): %s\n", what, status, omendb_status_string(status), omendb_last_error());
    return 2;
}

static int64_t read_marker(omendb_db *db) {
    int64_t marker = 0;
    size_t length = 0;
    int status = omendb_get(db, MARKER_KEY, &marker, sizeof marker, &length);
    if (status == OMENDB_NOT_FOUND) return 0;
    if (status != OMENDB_OK || length != sizeof marker) {
        fprintf(stderr, "crash_tool: bad marker (status %d, length %zu): %s\n", status, length, omendb_last_error());
        exit(2);
    }
    return marker;
}

static omendb_db *open_db(const char *dir, int sync) {
    omendb_options *options = NULL;
    omendb_db *db = NULL;
    omendb_options_create(&options);
    omendb_options_set_sync(options, sync);
    omendb_options_set_hot_tier_bytes(options, 65536);
    int status = omendb_open(dir, options, &db);
    omendb_options_free(options);
    if (status != OMENDB_OK) { fail("open", status); exit(2); }
    return db;
}

static int run_writer(const char *dir) {
    omendb_db *db = open_db(dir, OMENDB_SYNC_FULL);
    omendb_batch *batch = NULL;
    unsigned char *value = malloc(60000);
    omendb_batch_create(&batch);
    for (int64_t b = read_marker(db) + 1;; b++) {
        omendb_batch_clear(batch);
        for (unsigned j = 0; j < keys_in(b); j++) {
            size_t length = value_length(b, j);
            fill_value(b, j, value, length);
            omendb_batch_put(batch, key_of(b, j), value, length);
        }
        if (b > 5) omendb_batch_delete(batch, key_of(b - 5, 0));
        omendb_batch_put(batch, MARKER_KEY, &b, sizeof b);
        int status = omendb_write(db, batch);
        if (status != OMENDB_OK) return fail("write", status);
        printf("%lld\n", (long long)b);
        fflush(stdout);
        if (b % 97 == 0 && (status = omendb_flush(db)) != OMENDB_OK) return fail("flush", status);
    }
}

static int run_check(const char *dir, int64_t acknowledged) {
    omendb_db *db = open_db(dir, OMENDB_SYNC_FULL);
    int64_t last = read_marker(db);
    int status;
    if (last < acknowledged) {
        fprintf(stderr, "crash_tool: batch %lld was acknowledged but the database ends at batch %lld\n",
                (long long)acknowledged, (long long)last);
        return 1;
    }
    unsigned char *expected = malloc(60000);
    uint64_t expected_count = 1; /* the marker */
    for (int64_t b = 1; b <= last + 10; b++) {
        for (unsigned j = 0; j < 8; j++) {
            const void *unused; (void)unused;
            unsigned char buffer[64];
            size_t length = 0;
            int present = expected_present(b, j, last);
            status = omendb_get(db, key_of(b, j), buffer, sizeof buffer, &length);
            if (status == OMENDB_BUFFER_TOO_SMALL) status = OMENDB_OK;
            if (status != OMENDB_OK && status != OMENDB_NOT_FOUND) return fail("get", status);
            if ((status == OMENDB_OK) != present) {
                fprintf(stderr, "crash_tool: key %lld (batch %lld) is %s but should be %s (last batch %lld)\n",
                        (long long)key_of(b, j), (long long)b, status == OMENDB_OK ? "present" : "absent",
                        present ? "present" : "absent", (long long)last);
                return 1;
            }
            if (!present) continue;
            expected_count++;
            size_t want = value_length(b, j);
            fill_value(b, j, expected, want);
            if (length != want) {
                fprintf(stderr, "crash_tool: key %lld has length %zu, expected %zu\n", (long long)key_of(b, j), length, want);
                return 1;
            }
            if (want <= sizeof buffer && memcmp(buffer, expected, want) != 0) {
                fprintf(stderr, "crash_tool: key %lld has wrong bytes\n", (long long)key_of(b, j));
                return 1;
            }
        }
    }
    /* The iterator sees exactly the expected keys, in order, with full values. */
    omendb_iterator *it = NULL;
    if ((status = omendb_iterator_create(db, NULL, &it)) != OMENDB_OK) return fail("iterator", status);
    uint64_t seen = 0;
    int64_t previous = INT64_MIN;
    for (omendb_iterator_seek_first(it); omendb_iterator_valid(it); omendb_iterator_next(it)) {
        int64_t key; const void *v; size_t length;
        omendb_iterator_entry(it, &key, &v, &length);
        if (seen > 0 && key <= previous) { fprintf(stderr, "crash_tool: iterator out of order at %lld\n", (long long)key); return 1; }
        previous = key;
        seen++;
        if (key == MARKER_KEY) continue;
        int64_t b = key / 16; unsigned j = (unsigned)(key % 16);
        if (!expected_present(b, j, last)) { fprintf(stderr, "crash_tool: iterator shows unexpected key %lld\n", (long long)key); return 1; }
        size_t want = value_length(b, j);
        fill_value(b, j, expected, want);
        if (length != want || (want > 0 && memcmp(v, expected, want) != 0)) {
            fprintf(stderr, "crash_tool: iterator value of key %lld differs\n", (long long)key);
            return 1;
        }
    }
    omendb_iterator_free(it);
    if (seen != expected_count) {
        fprintf(stderr, "crash_tool: iterator saw %llu keys, expected %llu\n", (unsigned long long)seen, (unsigned long long)expected_count);
        return 1;
    }
    if ((status = omendb_verify(db)) != OMENDB_OK) return fail("verify", status);
    if ((status = omendb_close(db)) != OMENDB_OK) return fail("close", status);
    printf("ok: %lld batches, %llu keys, %lld acknowledged\n", (long long)last, (unsigned long long)seen, (long long)acknowledged);
    free(expected);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "write") == 0) return run_writer(argv[2]);
    if (argc == 4 && strcmp(argv[1], "check") == 0) return run_check(argv[2], strtoll(argv[3], NULL, 10));
    fprintf(stderr, "usage: crash_tool write <dir> | crash_tool check <dir> <last-acked-id>\n");
    return 64;
}
