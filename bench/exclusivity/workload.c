/* One pass of the workloads whose code paths differ with Swift's dynamic exclusivity
 * checks (see run.sh): put, get (hot tier, then runs), write batches, transactions,
 * a flush, iterator scans (database and transaction) and ALEX map puts and gets.
 * Prints one JSON object of nanoseconds per operation.
 *
 *   workload DIR [N]     DIR must not exist; N keys (default 400000), seed 42 */
#define _POSIX_C_SOURCE 200809L
#include <omendb.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static void check(int rc, const char *what) {
    if (rc != OMENDB_OK) {
        fprintf(stderr, "workload: %s failed: %d (%s)\n", what, rc, omendb_last_error());
        exit(1);
    }
}

static uint64_t state = 42;
static uint64_t next_random(void) {   /* xorshift64 */
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

/* ns per entry of a full forward scan */
static double scan(omendb_iterator *it) {
    size_t entries = 0, length;
    int64_t key;
    const void *data;
    double start = now_ns();
    for (omendb_iterator_seek_first(it); omendb_iterator_valid(it); omendb_iterator_next(it)) {
        check(omendb_iterator_entry(it, &key, &data, &length), "iterator_entry");
        entries++;
    }
    return (now_ns() - start) / (double)entries;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: workload DIR [N]\n");
        return 2;
    }
    size_t n = argc > 2 ? strtoull(argv[2], NULL, 10) : 400000;
    omendb_options *options;
    check(omendb_options_create(&options), "options_create");
    check(omendb_options_set_sync(options, OMENDB_SYNC_OFF), "set_sync");
    omendb_db *db;
    check(omendb_open(argv[1], options, &db), "open");
    omendb_options_free(options);
    int64_t *keys = malloc(n * sizeof *keys);
    for (size_t i = 0; i < n; i++) keys[i] = (int64_t)(next_random() >> 2);
    char value[16], buffer[64];
    memset(value, 'v', sizeof value);
    size_t length;

    double t = now_ns();
    for (size_t i = 0; i < n; i++) check(omendb_put(db, keys[i], value, sizeof value), "put");
    double put = (now_ns() - t) / (double)n;
    t = now_ns();
    for (size_t i = 0; i < n; i++) check(omendb_get(db, keys[(i * 7919) % n], buffer, sizeof buffer, &length), "get");
    double get_hot = (now_ns() - t) / (double)n;
    t = now_ns();
    check(omendb_flush(db), "flush");
    double flush = (now_ns() - t) / (double)n;
    t = now_ns();
    for (size_t i = 0; i < n; i++) check(omendb_get(db, keys[(i * 7919) % n], buffer, sizeof buffer, &length), "get");
    double get_run = (now_ns() - t) / (double)n;

    omendb_iterator *it;
    check(omendb_iterator_create(db, NULL, &it), "iterator_create");
    double scan_db = scan(it);
    omendb_iterator_free(it);

    size_t txns = n / 8;
    t = now_ns();
    for (size_t i = 0; i < txns; i++) {
        omendb_txn *txn;
        check(omendb_txn_begin(db, NULL, &txn), "txn_begin");
        check(omendb_txn_get(txn, keys[i], buffer, sizeof buffer, &length), "txn_get");
        check(omendb_txn_put(txn, keys[i] ^ 1, value, sizeof value), "txn_put");
        check(omendb_txn_commit(txn), "txn_commit");
        omendb_txn_free(txn);
    }
    double txn = (now_ns() - t) / (double)txns;
    omendb_txn *reader;
    check(omendb_txn_begin(db, NULL, &reader), "txn_begin");
    for (size_t i = 0; i < 1000; i++) check(omendb_txn_put(reader, keys[i] ^ 3, value, sizeof value), "txn_put");
    check(omendb_txn_iterator_create(reader, &it), "txn_iterator_create");
    double scan_txn = scan(it);
    omendb_iterator_free(it);
    check(omendb_txn_rollback(reader), "txn_rollback");
    omendb_txn_free(reader);

    omendb_batch *batch;
    check(omendb_batch_create(&batch), "batch_create");
    t = now_ns();
    for (size_t i = 0; i < n; i++) {
        check(omendb_batch_put(batch, keys[i] ^ 2, value, sizeof value), "batch_put");
        if (i % 100 == 99) {
            check(omendb_write(db, batch), "write");
            omendb_batch_clear(batch);
        }
    }
    double batch_put = (now_ns() - t) / (double)n;
    omendb_batch_free(batch);

    omendb_map *map;
    check(omendb_map_create(&map), "map_create");
    t = now_ns();
    for (size_t i = 0; i < n; i++) check(omendb_map_put(map, keys[i], i, NULL), "map_put");
    double map_put = (now_ns() - t) / (double)n;
    uint64_t payload;
    t = now_ns();
    for (size_t i = 0; i < n; i++) check(omendb_map_get(map, keys[(i * 7919) % n], &payload), "map_get");
    double map_get = (now_ns() - t) / (double)n;
    omendb_map_free(map);

    printf("{\"put\": %.1f, \"get_hot\": %.1f, \"flush\": %.1f, \"get_run\": %.1f, \"scan\": %.1f, "
           "\"txn\": %.1f, \"txn_scan\": %.1f, \"batch_put\": %.1f, \"map_put\": %.1f, \"map_get\": %.1f}\n",
           put, get_hot, flush, get_run, scan_db, txn, scan_txn, batch_put, map_put, map_get);
    free(keys);
    check(omendb_close(db), "close");
    return 0;
}
