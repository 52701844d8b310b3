/*
 * db_demo.c — a tour of OmenDB's database C API: an embedded, durable key-value
 * store with int64_t keys and byte values.
 *
 * Opens (or creates) the database directory given as the first argument, or
 * ./omendb-demo-c.db in the current directory; it must be empty or an OmenDB
 * database, and the demo starts by deleting the keys it is about to write, so it
 * can be run again. Then: bulk load, single puts and gets, an atomic batch, a
 * snapshot with zero-copy reads, a bounded range scan forwards and backwards, a
 * multi-get, flush/compact/verify, statistics, a reopen read-only, and what a
 * failed call looks like.
 *
 * Build against an installed OmenDB:
 *   cc -std=c99 db_demo.c $(pkg-config --cflags --libs omendb) -o db_demo
 * or use examples/c/consumer-cmake (find_package(OmenDB)).
 *
 * Exits 0 when every answer matched what the program wrote.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <omendb.h>

#define SENSORS 100
#define READINGS 2000 /* per sensor */

/* Prints the failing call, its status and this thread's error message, then exits. */
static void die(const char *call, int status) {
    fprintf(stderr, "%s failed: %s (%d): %s\n", call, omendb_status_string(status), status, omendb_last_error());
    exit(1);
}

/* Dies unless `status` is OMENDB_OK. An expression, so it also fits in a for header. */
static void check(int status, const char *call) {
    if (status != OMENDB_OK) die(call, status);
}
#define CHECK(call) check((call), #call)

static void expect(int condition, const char *what) {
    if (!condition) {
        fprintf(stderr, "unexpected: %s\n", what);
        exit(1);
    }
}

/* Key = sensor id in the high bits, minute in the low bits: a sensor's readings are contiguous. */
static int64_t key_of(int64_t sensor, int64_t minute) { return sensor * ((int64_t)1 << 32) + minute; }

/* A reading: a fixed-width text value, e.g. "s007 m01234 t=21.5". */
static size_t reading(char *out, size_t capacity, int64_t sensor, int64_t minute) {
    int written = snprintf(out, capacity, "s%03" PRId64 " m%05" PRId64 " t=%.1f", sensor, minute,
                           15.0 + (double)((sensor * 7 + minute * 13) % 100) / 10.0);
    return (size_t)written;
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "omendb-demo-c.db";
    printf("OmenDB header %s, library %s\n", OMENDB_VERSION_STRING, omendb_version_string());
    if (omendb_version_number() != OMENDB_VERSION_NUMBER) {
        fprintf(stderr, "header/library version mismatch\n");
        return 1;
    }
    printf("database directory: %s\n", path);

    /* 1. Open with options (NULL would mean the defaults). */
    omendb_options *options = NULL;
    CHECK(omendb_options_create(&options));
    CHECK(omendb_options_set_sync(options, OMENDB_SYNC_NORMAL)); /* fsync every ~100 ms */
    omendb_db *db = NULL;
    CHECK(omendb_open(path, options, &db));

    /* Start clean: delete everything an earlier run left, in one batch. */
    omendb_batch *batch = NULL;
    CHECK(omendb_batch_create(&batch));
    omendb_iterator *it = NULL;
    CHECK(omendb_iterator_create(db, NULL, &it));
    size_t leftover = 0;
    for (CHECK(omendb_iterator_seek_first(it)); omendb_iterator_valid(it); CHECK(omendb_iterator_next(it))) {
        int64_t key;
        CHECK(omendb_iterator_entry(it, &key, NULL, NULL));
        CHECK(omendb_batch_delete(batch, key));
        leftover++;
    }
    omendb_iterator_free(it);
    CHECK(omendb_write(db, batch));
    CHECK(omendb_batch_clear(batch));
    if (leftover) printf("deleted %zu keys left by an earlier run\n", leftover);

    /* 2. Bulk load sorted keys: one run file, one atomic step, no per-record log. */
    size_t count = (size_t)SENSORS * READINGS;
    int64_t *keys = malloc(count * sizeof *keys);
    const void **values = malloc(count * sizeof *values);
    size_t *lengths = malloc(count * sizeof *lengths);
    char *text = malloc(count * 32);
    if (!keys || !values || !lengths || !text) return 1;
    for (size_t i = 0; i < count; i++) {
        int64_t sensor = (int64_t)(i / READINGS), minute = (int64_t)(i % READINGS);
        keys[i] = key_of(sensor, minute);
        values[i] = text + 32 * i;
        lengths[i] = reading(text + 32 * i, 32, sensor, minute);
    }
    CHECK(omendb_bulk_load(db, keys, values, lengths, count));
    printf("bulk-loaded %zu readings\n", count);

    /* 3. Single puts and copy reads into a caller buffer. */
    const char *meta = "metadata: 100 sensors, one reading a minute";
    CHECK(omendb_put(db, -1, meta, strlen(meta)));
    char buffer[128];
    size_t length = 0;
    CHECK(omendb_get(db, -1, buffer, sizeof buffer, &length));
    printf("get(-1) -> \"%.*s\"\n", (int)length, buffer);
    expect(length == strlen(meta) && memcmp(buffer, meta, length) == 0, "metadata value");
    int status = omendb_get(db, key_of(7, 9999), buffer, sizeof buffer, &length);
    printf("get(sensor 7, minute 9999) -> %s\n", omendb_status_string(status));
    expect(status == OMENDB_NOT_FOUND, "absent key");
    status = omendb_get(db, -1, buffer, 4, &length); /* too small: the needed size comes back */
    expect(status == OMENDB_BUFFER_TOO_SMALL && length == strlen(meta), "buffer too small");

    /* 4. An atomic batch: sensor 3 loses its first ten readings, minute 0 gets a new one. */
    for (int64_t minute = 0; minute < 10; minute++) CHECK(omendb_batch_delete(batch, key_of(3, minute)));
    CHECK(omendb_batch_put(batch, key_of(3, 0), "recalibrated", 12));
    CHECK(omendb_write(db, batch));
    omendb_batch_free(batch);

    /* 5. A snapshot: later writes are invisible to it, and its reads are zero-copy
     *    (the pointer stays valid until the snapshot is freed). */
    omendb_snapshot *snapshot = NULL;
    CHECK(omendb_snapshot_open(db, &snapshot));
    CHECK(omendb_put(db, key_of(1, 1), "overwritten", 11));
    const void *view = NULL;
    CHECK(omendb_snapshot_get(snapshot, key_of(1, 1), &view, &length));
    printf("snapshot sees \"%.*s\"; ", (int)length, (const char *)view);
    expect(length >= 4 && memcmp(view, "s001", 4) == 0, "snapshot isolation");
    CHECK(omendb_get(db, key_of(1, 1), buffer, sizeof buffer, &length));
    printf("the database now has \"%.*s\"\n", (int)length, buffer);

    /* A zero-copy multi-get at the snapshot: NULL/0 for absent keys. */
    int64_t wanted[3] = {key_of(2, 2), key_of(2, 100000), key_of(99, 1999)};
    const void *found_values[3];
    size_t found_lengths[3], found = 0;
    CHECK(omendb_snapshot_multi_get(snapshot, wanted, 3, found_values, found_lengths, &found));
    printf("multi-get: %zu of 3 found; the last is \"%.*s\"\n", found, (int)found_lengths[2],
           (const char *)found_values[2]);
    expect(found == 2 && found_values[1] == NULL, "multi-get");

    /* 6. A bounded range scan over the snapshot, forwards then backwards: keys in [lo, hi). */
    CHECK(omendb_iterator_create(db, snapshot, &it));
    CHECK(omendb_iterator_set_bounds(it, key_of(3, 0), key_of(3, 15)));
    printf("sensor 3, minutes 0-14:");
    size_t seen = 0;
    for (CHECK(omendb_iterator_seek_first(it)); omendb_iterator_valid(it); CHECK(omendb_iterator_next(it))) {
        int64_t key;
        CHECK(omendb_iterator_entry(it, &key, NULL, NULL));
        printf(" %" PRId64, key & 0xFFFFFFFF);
        seen++;
    }
    printf("\n");
    expect(seen == 6, "range scan (minute 0 and 10..14)");
    printf("sensor 3, newest first:");
    seen = 0;
    for (CHECK(omendb_iterator_seek_last(it)); omendb_iterator_valid(it) && seen < 3; CHECK(omendb_iterator_prev(it))) {
        int64_t key;
        CHECK(omendb_iterator_entry(it, &key, &view, &length));
        printf(" [%" PRId64 "] \"%.*s\"", key & 0xFFFFFFFF, (int)length, (const char *)view);
        seen++;
    }
    printf("\n");
    omendb_iterator_free(it);
    omendb_snapshot_free(snapshot);

    /* 7. Maintenance and statistics. */
    CHECK(omendb_flush(db));
    CHECK(omendb_compact(db));
    CHECK(omendb_verify(db));
    omendb_db_stats stats;
    memset(&stats, 0, sizeof stats);
    stats.struct_size = sizeof stats;
    CHECK(omendb_get_stats(db, &stats));
    printf("stats: %" PRIu64 " run file(s), %" PRIu64 " keys in runs (%" PRIu64 " bytes), %" PRIu64
           " in memory, %" PRIu64 " model segment(s), index %.3f bytes/key, last sequence %" PRIu64 "\n",
           stats.run_count, stats.cold_keys, stats.cold_bytes, stats.hot_keys, stats.model_count,
           stats.bytes_per_key_index, stats.last_sequence);
    CHECK(omendb_close(db));

    /* 8. Reopen read-only: the data is there, writes are refused with a message. */
    CHECK(omendb_options_set_read_only(options, 1));
    CHECK(omendb_open(path, options, &db));
    omendb_options_free(options);
    CHECK(omendb_get(db, key_of(3, 0), buffer, sizeof buffer, &length));
    expect(length == 12 && memcmp(buffer, "recalibrated", 12) == 0, "value after reopen");
    status = omendb_put(db, 0, "x", 1);
    printf("put on a read-only handle -> %s: %s\n", omendb_status_string(status), omendb_last_error());
    expect(status == OMENDB_READ_ONLY, "read-only put");
    CHECK(omendb_close(db));

    free(keys);
    free(values);
    free(lengths);
    free(text);
    printf("done\n");
    return 0;
}
