/* Crash-test tool for OmenDB's storage engine (see run.sh).
 *
 *   crash_tool write <dir>   writes with OMENDB_SYNC_FULL forever, until killed: batches,
 *                            bulk loads, explicit flushes and compactions. Each
 *                            acknowledged batch id is printed on stdout (flushed); a
 *                            maintenance step prints "+flush", "+compact" or "+load <n>"
 *                            before it starts, so the last line names what was under way
 *                            when the process was killed ("opened" once the open returned).
 *   crash_tool reopen-kill <dir> <window-us> <seed>
 *                            forks a child that opens the database (recovery) and closes
 *                            it, SIGKILLs it after a random delay below window-us and
 *                            prints where the kill landed: "recovery" (omendb_open had not
 *                            returned), "open" (after the open, before close returned) or
 *                            "completed" (the child finished first).
 *   crash_tool check <dir> <last-acked-id>
 *                            reopens the database and checks that every acknowledged
 *                            batch is present, no batch or bulk load is partly visible,
 *                            bulk loads and batches form a prefix of the writer's order,
 *                            the iterator agrees with the expected contents, and
 *                            omendb_verify passes. Exit status 0 = all good; the output
 *                            ends with "open_us=<microseconds the open took>".
 *   crash_tool txn-write <dir>
 *                            TXN_THREADS threads commit SERIALIZABLE transactions with
 *                            OMENDB_SYNC_FULL forever, until killed (concurrent commits
 *                            share fsyncs); "<thread> <n>" is printed (flushed) once
 *                            transaction n of the thread is acknowledged, and at the
 *                            start for the last transaction recovery found.
 *   crash_tool txn-check <dir> <acknowledged-file>
 *                            reopens the database and checks that every transaction is
 *                            entirely present or entirely absent, that every acknowledged
 *                            one (the complete lines of the file: txn-write's output over
 *                            all runs) is present, and omendb_verify; output as check.
 *
 * Batch b (b = 1, 2, ...) puts keys b*16 + j for j < keys_in(b) with values derived
 * from (b, j), deletes key (b-5)*16 (the first key of batch b-5), when b is a
 * multiple of 3 range-deletes [(b-7)*16 + 1, (b-6)*16) (the other keys of batch b-7,
 * one range tombstone), and sets the marker key -1 to b. Batches are atomic, so the marker names the last applied
 * batch and everything about the batch keys follows from it.
 *
 * Each batch b also writes the named table "ledger" (one batch spanning two tables):
 * it puts key b with the value b and deletes key b - LEDGER_KEEP. So whatever batch
 * the default table's marker names, the ledger holds exactly the keys
 * max(1, b - LEDGER_KEEP + 1)..b: a batch torn between the tables would show.
 *
 * Bulk load n (n = 1, 2, ...) runs right after batch n*LOAD_EVERY was acknowledged.
 * It sets marker key -2 to n, puts keys LOAD_BASE + n*LOAD_STRIDE + j for
 * j < load_size(n), and overwrites the first key of load n-1 (a bulk load is newer
 * than everything before it). Given the last batch b, loads 1..(b-1)/LOAD_EVERY must
 * be present and no load after b/LOAD_EVERY may be.
 *
 * Transaction n (n = 1, 2, ...) of thread t reads the thread's counter key (which must be
 * n-1) and the TXN_KEYS keys of group txn_group(t, n) (which must all hold one
 * transaction's values or all be absent), then writes its id (t, n) with a payload into
 * all of the group's keys, sets the counter to n, writes its log key and deletes the log
 * key of n - TXN_LOG_KEEP, and commits; a conflict (another thread on the group) is
 * retried. So after a crash: each thread's counter c is its last acknowledged
 * transaction or one more (committed, killed before the acknowledgement); the log keys
 * of c-TXN_LOG_KEEP+1..c exist and no others; every group is whole and holds a
 * transaction (t, m) with m <= c(t) and no later transaction of t on that group. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "omendb.h"

#define MARKER_KEY (-1)
#define LOAD_MARKER_KEY (-2)
#define LOAD_BASE ((int64_t)1 << 40)
#define LOAD_STRIDE 4096
#define LOAD_EVERY 40
#define FLUSH_EVERY 97
#define COMPACT_EVERY 211
#define MAX_LOAD 2400
#define RANGE_DELETE_LAG 7
#define LEDGER_KEEP 20

static unsigned keys_in(int64_t b) { return 1 + (unsigned)((b * 2654435761u) % 8); }

static size_t value_length(int64_t b, unsigned j) {
    uint64_t x = (uint64_t)b * 0x9E3779B97F4A7C15ull + j * 0xBF58476D1CE4E5B9ull;
    x ^= x >> 29;
    if (x % 23 == 0) return 0;
    if (x % 97 == 0) return 20000 + (size_t)(x % 30000);
    return 1 + (size_t)(x % 600);
}

/* Values of bulk-loaded keys use negative tags so that they differ from batch values. */
static int64_t load_tag(int64_t n, int overwrite) { return -(1000000 + n * 2 + overwrite); }

static void fill_value(int64_t b, unsigned j, unsigned char *out, size_t length) {
    uint64_t x = (uint64_t)b * 31 + j + 7;
    for (size_t i = 0; i < length; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        out[i] = (unsigned char)(x >> 56);
    }
}

static int64_t key_of(int64_t b, unsigned j) { return b * 16 + (int64_t)j; }

static unsigned load_size(int64_t n) { return 400 + (unsigned)((n * 7919u) % (MAX_LOAD - 400)); }

static int64_t load_key(int64_t n, unsigned j) { return LOAD_BASE + n * LOAD_STRIDE + (int64_t)j; }

static size_t load_value_length(int64_t tag, unsigned j) { return (size_t)((uint64_t)(tag * -7 + j * 13) % 180); }

/* Whether batch b range-deletes the keys j >= 1 of batch b - RANGE_DELETE_LAG. */
static int range_deletes(int64_t b) { return b % 3 == 0 && b > RANGE_DELETE_LAG; }

/* Whether key_of(b, j) exists after batches 1..last: written, not deleted by batch b+5
 * (j == 0) nor by the range delete of batch b + RANGE_DELETE_LAG (j >= 1). */
static int expected_present(int64_t b, unsigned j, int64_t last) {
    if (b < 1 || b > last || j >= keys_in(b)) return 0;
    if (j == 0 && b + 5 <= last) return 0;
    if (j >= 1 && b + RANGE_DELETE_LAG <= last && range_deletes(b + RANGE_DELETE_LAG)) return 0;
    return 1;
}

/* The tag of load_key(n, j)'s value after loads 1..loads, or 0 when it is absent. */
static int64_t expected_load_tag(int64_t n, unsigned j, int64_t loads) {
    if (n < 1 || n > loads || j >= load_size(n)) return 0;
    return j == 0 && n + 1 <= loads ? load_tag(n + 1, 1) : load_tag(n, 0);
}

static int fail(const char *what, int status) {
    fprintf(stderr, "crash_tool: %s: status %d (%s): %s\n", what, status, omendb_status_string(status), omendb_last_error());
    return 2;
}

static int64_t read_marker(omendb_db *db, int64_t key) {
    int64_t marker = 0;
    size_t length = 0;
    int status = omendb_get(db, key, &marker, sizeof marker, &length);
    if (status == OMENDB_NOT_FOUND) return 0;
    if (status != OMENDB_OK || length != sizeof marker) {
        fprintf(stderr, "crash_tool: bad marker %lld (status %d, length %zu): %s\n", (long long)key, status, length, omendb_last_error());
        exit(2);
    }
    return marker;
}

static omendb_table *open_ledger(omendb_db *db) {
    omendb_table *ledger = NULL;
    int status = omendb_table_open(db, "ledger", OMENDB_TABLE_CREATE, &ledger);
    if (status != OMENDB_OK) { fail("open table ledger", status); exit(2); }
    return ledger;
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

static void announce(const char *line) { printf("%s\n", line); fflush(stdout); }

/* Bulk load n: marker -2 = n, the overwritten first key of load n-1, then load n's keys. */
static int bulk_load(omendb_db *db, int64_t n) {
    static int64_t keys[MAX_LOAD + 2];
    static const void *values[MAX_LOAD + 2];
    static size_t lengths[MAX_LOAD + 2];
    static unsigned char storage[(MAX_LOAD + 2) * 180];
    char line[64];
    snprintf(line, sizeof line, "+load %lld", (long long)n);
    announce(line);
    size_t count = 0, used = 0;
    keys[count] = LOAD_MARKER_KEY; values[count] = &n; lengths[count] = sizeof n; count++;
    if (n > 1) {
        size_t length = load_value_length(load_tag(n, 1), 0);
        fill_value(load_tag(n, 1), 0, storage + used, length);
        keys[count] = load_key(n - 1, 0); values[count] = storage + used; lengths[count] = length; count++;
        used += length;
    }
    for (unsigned j = 0; j < load_size(n); j++) {
        size_t length = load_value_length(load_tag(n, 0), j);
        fill_value(load_tag(n, 0), j, storage + used, length);
        keys[count] = load_key(n, j); values[count] = storage + used; lengths[count] = length; count++;
        used += length;
    }
    int status = omendb_bulk_load(db, keys, values, lengths, count);
    return status == OMENDB_OK ? 0 : fail("bulk load", status);
}

static int run_writer(const char *dir) {
    omendb_db *db = open_db(dir, OMENDB_SYNC_FULL);
    omendb_table *ledger = open_ledger(db);
    announce("opened");
    omendb_batch *batch = NULL;
    unsigned char *value = malloc(60000);
    omendb_batch_create(&batch);
    int64_t first = read_marker(db, MARKER_KEY) + 1;
    /* A kill between batch n*LOAD_EVERY and load n: the load comes first. */
    if ((first - 1) / LOAD_EVERY > read_marker(db, LOAD_MARKER_KEY) && bulk_load(db, (first - 1) / LOAD_EVERY)) return 2;
    for (int64_t b = first;; b++) {
        omendb_batch_clear(batch);
        for (unsigned j = 0; j < keys_in(b); j++) {
            size_t length = value_length(b, j);
            fill_value(b, j, value, length);
            omendb_batch_put(batch, key_of(b, j), value, length);
        }
        if (b > 5) omendb_batch_delete(batch, key_of(b - 5, 0));
        if (range_deletes(b)) omendb_batch_delete_range(batch, key_of(b - RANGE_DELETE_LAG, 1), key_of(b - RANGE_DELETE_LAG + 1, 0));
        omendb_batch_put(batch, MARKER_KEY, &b, sizeof b);
        omendb_batch_table_put(batch, ledger, b, &b, sizeof b);
        if (b > LEDGER_KEEP) omendb_batch_table_delete(batch, ledger, b - LEDGER_KEEP);
        int status = omendb_write(db, batch);
        if (status != OMENDB_OK) return fail("write", status);
        printf("%lld\n", (long long)b);
        fflush(stdout);
        if (b % LOAD_EVERY == 0 && bulk_load(db, b / LOAD_EVERY)) return 2;
        if (b % FLUSH_EVERY == 0) {
            announce("+flush");
            if ((status = omendb_flush(db)) != OMENDB_OK) return fail("flush", status);
        }
        if (b % COMPACT_EVERY == 0) {
            announce("+compact");
            if ((status = omendb_compact(db)) != OMENDB_OK) return fail("compact", status);
        }
    }
}

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int run_reopen_kill(const char *dir, long window, unsigned seed) {
    int progress[2];
    if (pipe(progress) != 0) { perror("crash_tool: pipe"); return 2; }
    pid_t child = fork();
    if (child < 0) { perror("crash_tool: fork"); return 2; }
    if (child == 0) {
        close(progress[0]);
        omendb_db *db = open_db(dir, OMENDB_SYNC_FULL);
        if (write(progress[1], "o", 1) != 1) _exit(2);
        int status = omendb_close(db);
        _exit(status == OMENDB_OK ? 0 : fail("close", status));
    }
    close(progress[1]);
    srand(seed);
    long delay = window > 0 ? (long)(((unsigned long)rand() << 16 ^ (unsigned long)rand()) % (unsigned long)window) : 0;
    struct timespec pause = { delay / 1000000, (delay % 1000000) * 1000 };
    while (nanosleep(&pause, &pause) != 0 && errno == EINTR) {}
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    char byte;
    int opened = read(progress[0], &byte, 1) == 1;
    if (WIFEXITED(status)) {
        if (WEXITSTATUS(status) != 0) { fprintf(stderr, "crash_tool: the reopening child failed\n"); return 1; }
        printf("completed\n");
    } else {
        printf("%s\n", opened ? "open" : "recovery");
    }
    return 0;
}

/* Compares one value read back with the expected (tag, j) value. */
static int same_value(int64_t tag, unsigned j, size_t want, const void *got, size_t length, unsigned char *scratch) {
    if (length != want) return 0;
    fill_value(tag, j, scratch, want);
    return want == 0 || memcmp(got, scratch, want) == 0;
}

static int run_check(const char *dir, int64_t acknowledged) {
    double started = now_us();
    omendb_db *db = open_db(dir, OMENDB_SYNC_FULL);
    double open_us = now_us() - started;
    int64_t last = read_marker(db, MARKER_KEY);
    int64_t loads = read_marker(db, LOAD_MARKER_KEY);
    int status;
    if (last < acknowledged) {
        fprintf(stderr, "crash_tool: batch %lld was acknowledged but the database ends at batch %lld\n",
                (long long)acknowledged, (long long)last);
        return 1;
    }
    int64_t required_loads = last > 0 ? (last - 1) / LOAD_EVERY : 0;
    if (loads < required_loads || loads > last / LOAD_EVERY) {
        fprintf(stderr, "crash_tool: %lld bulk loads present after batch %lld (the writer's order allows %lld..%lld)\n",
                (long long)loads, (long long)last, (long long)required_loads, (long long)(last / LOAD_EVERY));
        return 1;
    }
    unsigned char *expected = malloc(60000);
    unsigned char buffer[64];
    uint64_t expected_count = 1 + (loads > 0); /* the markers */
    for (int64_t b = 1; b <= last + 10; b++) {
        for (unsigned j = 0; j < 8; j++) {
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
            if (length != want || (want <= sizeof buffer && !same_value(b, j, want, buffer, length, expected))) {
                fprintf(stderr, "crash_tool: key %lld has a wrong value (length %zu, expected %zu)\n", (long long)key_of(b, j), length, want);
                return 1;
            }
        }
    }
    for (int64_t n = 1; n <= loads + 2; n++) {
        for (unsigned j = 0; j <= load_size(n); j++) {
            size_t length = 0;
            int64_t tag = expected_load_tag(n, j, loads);
            status = omendb_get(db, load_key(n, j), buffer, sizeof buffer, &length);
            if (status == OMENDB_BUFFER_TOO_SMALL) status = OMENDB_OK;
            if (status != OMENDB_OK && status != OMENDB_NOT_FOUND) return fail("get", status);
            if ((status == OMENDB_OK) != (tag != 0)) {
                fprintf(stderr, "crash_tool: key %lld (bulk load %lld) is %s but should not be (%lld loads)\n",
                        (long long)load_key(n, j), (long long)n, status == OMENDB_OK ? "present" : "absent", (long long)loads);
                return 1;
            }
            if (tag == 0) continue;
            expected_count++;
            size_t want = load_value_length(tag, j);
            if (length != want || (want <= sizeof buffer && !same_value(tag, j, want, buffer, length, expected))) {
                fprintf(stderr, "crash_tool: key %lld (bulk load %lld) has a wrong value\n", (long long)load_key(n, j), (long long)n);
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
        if (key == MARKER_KEY || key == LOAD_MARKER_KEY) continue;
        int ok;
        if (key >= LOAD_BASE) {
            int64_t n = (key - LOAD_BASE) / LOAD_STRIDE; unsigned j = (unsigned)((key - LOAD_BASE) % LOAD_STRIDE);
            int64_t tag = expected_load_tag(n, j, loads);
            ok = tag != 0 && same_value(tag, j, load_value_length(tag, j), v, length, expected);
        } else {
            int64_t b = key / 16; unsigned j = (unsigned)(key % 16);
            ok = expected_present(b, j, last) && same_value(b, j, value_length(b, j), v, length, expected);
        }
        if (!ok) { fprintf(stderr, "crash_tool: iterator shows unexpected key %lld or a wrong value\n", (long long)key); return 1; }
    }
    omendb_iterator_free(it);
    if (seen != expected_count) {
        fprintf(stderr, "crash_tool: iterator saw %llu keys, expected %llu\n", (unsigned long long)seen, (unsigned long long)expected_count);
        return 1;
    }
    uint64_t counted = 0;
    if ((status = omendb_count(db, INT64_MIN, INT64_MAX, &counted)) != OMENDB_OK) return fail("count", status);
    if (counted != expected_count) {
        fprintf(stderr, "crash_tool: omendb_count gives %llu keys, expected %llu\n", (unsigned long long)counted, (unsigned long long)expected_count);
        return 1;
    }
    /* The ledger table moved with every batch (see the top of this file). */
    omendb_table *ledger = open_ledger(db);
    int64_t ledger_first = last > LEDGER_KEEP ? last - LEDGER_KEEP + 1 : 1;
    uint64_t ledger_count = 0;
    if ((status = omendb_table_count(ledger, INT64_MIN, INT64_MAX, &ledger_count)) != OMENDB_OK) return fail("ledger count", status);
    if (ledger_count != (uint64_t)(last - ledger_first + 1)) {
        fprintf(stderr, "crash_tool: table ledger holds %llu keys after batch %lld, expected %lld\n",
                (unsigned long long)ledger_count, (long long)last, (long long)(last - ledger_first + 1));
        return 1;
    }
    for (int64_t b = ledger_first; b <= last; b++) {
        int64_t got = 0;
        size_t length = 0;
        status = omendb_table_get(ledger, b, &got, sizeof got, &length);
        if (status != OMENDB_OK || length != sizeof got || got != b) {
            fprintf(stderr, "crash_tool: table ledger key %lld is %s after batch %lld\n", (long long)b,
                    status == OMENDB_OK ? "wrong" : "absent", (long long)last);
            return 1;
        }
    }
    if ((status = omendb_verify(db)) != OMENDB_OK) return fail("verify", status);
    if ((status = omendb_close(db)) != OMENDB_OK) return fail("close", status);
    printf("ok: %lld batches, %lld bulk loads, %llu keys, %lld acknowledged open_us=%.0f\n", (long long)last,
           (long long)loads, (unsigned long long)seen, (long long)acknowledged, open_us);
    free(expected);
    return 0;
}

/* ---- Transactions ----------------------------------------------------------------- */

#define TXN_THREADS 3
#define TXN_KEYS 8
#define TXN_GROUPS 64
#define TXN_LOG_KEEP 50
#define TXN_VALUE_MAX 24016

static int64_t txn_counter_key(int t) { return -1 - (int64_t)t; }
static int64_t txn_group_key(unsigned g, unsigned j) { return (int64_t)g * 16 + (int64_t)j; }
static int64_t txn_log_key(int t, int64_t n) { return ((int64_t)1 << 40) + (int64_t)t * ((int64_t)1 << 32) + n; }
static unsigned txn_group(int t, int64_t n) { return (unsigned)(((uint64_t)n * 2654435761u + (uint64_t)t * 40503u) % TXN_GROUPS); }

/* The value transaction (t, n) writes as its j-th key (j = TXN_KEYS: its log key): the
 * header (t, n), then a payload whose length varies with (t, n, j), sometimes over 8 KB. */
static size_t txn_value(int t, int64_t n, unsigned j, unsigned char *out) {
    int64_t tag = (int64_t)t * ((int64_t)1 << 32) + n, header[2] = {t, n};
    uint64_t x = (uint64_t)tag * 0x9E3779B97F4A7C15ull + j * 0xBF58476D1CE4E5B9ull;
    x ^= x >> 31;
    size_t length = sizeof header + (x % 41 == 0 ? 8000 + (size_t)(x % 16000) : (size_t)(x % 700));
    memcpy(out, header, sizeof header);
    fill_value(tag, j, out + sizeof header, length - sizeof header);
    return length;
}

/* Reads `key` (through txn, or db when txn is NULL) and the id (*t, *n) in its value, and
 * checks that the value is what (t, n) writes as its j-th key: OMENDB_OK, OMENDB_NOT_FOUND,
 * OMENDB_CORRUPTION for a wrong value, or the failing call's status. */
static int txn_read_id(omendb_txn *txn, omendb_db *db, int64_t key, unsigned j, int *t, int64_t *n,
                       unsigned char *buffer, unsigned char *expected) {
    size_t length = 0;
    int status = txn ? omendb_txn_get(txn, key, buffer, TXN_VALUE_MAX, &length)
                     : omendb_get(db, key, buffer, TXN_VALUE_MAX, &length);
    if (status != OMENDB_OK) return status;
    int64_t header[2];
    if (length < sizeof header) return OMENDB_CORRUPTION;
    memcpy(header, buffer, sizeof header);
    if (header[0] < 0 || header[0] >= TXN_THREADS || header[1] < 1) return OMENDB_CORRUPTION;
    *t = (int)header[0];
    *n = header[1];
    size_t want = txn_value(*t, *n, j, expected);
    return length == want && memcmp(buffer, expected, want) == 0 ? OMENDB_OK : OMENDB_CORRUPTION;
}

/* Reads the TXN_KEYS keys of group g: OMENDB_OK when all hold the same transaction's values
 * (its id in *t, *n), OMENDB_NOT_FOUND when all are absent, OMENDB_CORRUPTION (reported on
 * stderr) when the group is torn or a value wrong, or the failing call's status. */
static int txn_read_group(omendb_txn *txn, omendb_db *db, unsigned g, int *t, int64_t *n,
                          unsigned char *buffer, unsigned char *expected) {
    int first_status = OMENDB_OK;
    *t = -1;
    *n = 0;
    for (unsigned j = 0; j < TXN_KEYS; j++) {
        int owner_t = -1;
        int64_t owner_n = 0;
        int status = txn_read_id(txn, db, txn_group_key(g, j), j, &owner_t, &owner_n, buffer, expected);
        if (status != OMENDB_OK && status != OMENDB_NOT_FOUND && status != OMENDB_CORRUPTION) return status;
        if (j == 0) { first_status = status; *t = owner_t; *n = owner_n; }
        if (status == OMENDB_CORRUPTION || status != first_status || owner_t != *t || owner_n != *n) {
            fprintf(stderr, "crash_tool: group %u is torn: key %u %s (%d, %lld), key 0 %s (%d, %lld)\n", g, j,
                    status == OMENDB_CORRUPTION ? "has a wrong value for" : status == OMENDB_OK ? "holds" : "is absent:",
                    owner_t, (long long)owner_n, first_status == OMENDB_OK ? "holds" : "is absent:", *t, (long long)*n);
            return OMENDB_CORRUPTION;
        }
    }
    return first_status;
}

static int64_t txn_read_counter(omendb_txn *txn, omendb_db *db, int t) {
    int64_t counter = 0;
    size_t length = 0;
    int status = txn ? omendb_txn_get(txn, txn_counter_key(t), &counter, sizeof counter, &length)
                     : omendb_get(db, txn_counter_key(t), &counter, sizeof counter, &length);
    if (status == OMENDB_NOT_FOUND) return 0;
    if (status == OMENDB_CONFLICT) return -1;
    if (status != OMENDB_OK || length != sizeof counter) {
        fprintf(stderr, "crash_tool: counter of thread %d: status %d, length %zu: %s\n", t, status, length, omendb_last_error());
        exit(2);
    }
    return counter;
}

typedef struct { omendb_db *db; int t; } txn_writer;

/* Transaction n of thread t: reads the thread's counter (n - 1) and the keys of group
 * txn_group(t, n), which must agree (a commit is visible whole); writes (t, n) into the
 * group, the counter, the log key of n, and deletes the log key of n - TXN_LOG_KEEP.
 * Returns the commit's status, or OMENDB_CONFLICT from an earlier call. */
static int txn_attempt(omendb_db *db, int t, int64_t n, unsigned char *value, unsigned char *expected) {
    omendb_txn *txn = NULL;
    int status = omendb_txn_begin(db, NULL, &txn);   /* SERIALIZABLE, read-write */
    if (status != OMENDB_OK) return status;
    int64_t counter = txn_read_counter(txn, db, t);
    if (counter < 0) { omendb_txn_free(txn); return OMENDB_CONFLICT; }
    if (counter != n - 1) {
        fprintf(stderr, "crash_tool: thread %d is at transaction %lld but its counter says %lld\n", t, (long long)n, (long long)counter);
        exit(2);
    }
    unsigned g = txn_group(t, n);
    int owner_t;
    int64_t owner_n;
    status = txn_read_group(txn, db, g, &owner_t, &owner_n, value, expected);
    if (status == OMENDB_CONFLICT) { omendb_txn_free(txn); return status; }
    if (status != OMENDB_OK && status != OMENDB_NOT_FOUND) exit(fail("reading a group", status));
    status = OMENDB_OK;
    for (unsigned j = 0; j <= TXN_KEYS && status == OMENDB_OK; j++) {
        size_t length = txn_value(t, n, j, value);
        status = omendb_txn_put(txn, j < TXN_KEYS ? txn_group_key(g, j) : txn_log_key(t, n), value, length);
    }
    if (status == OMENDB_OK) status = omendb_txn_put(txn, txn_counter_key(t), &n, sizeof n);
    if (status == OMENDB_OK && n > TXN_LOG_KEEP) status = omendb_txn_delete(txn, txn_log_key(t, n - TXN_LOG_KEEP));
    if (status == OMENDB_OK) status = omendb_txn_commit(txn);
    omendb_txn_free(txn);
    return status;
}

static void *txn_write_thread(void *argument) {
    const txn_writer *w = argument;
    unsigned char *value = malloc(TXN_VALUE_MAX), *expected = malloc(TXN_VALUE_MAX);
    int64_t recovered = txn_read_counter(NULL, w->db, w->t);
    /* Transactions found after recovery must stay: acknowledged from now on. (Without this,
     * one committed but unacknowledged transaction per kill would pile up unchecked.) */
    if (recovered > 0) {
        printf("%d %lld\n", w->t, (long long)recovered);
        fflush(stdout);
    }
    for (int64_t n = recovered + 1;; n++) {
        int status;
        while ((status = txn_attempt(w->db, w->t, n, value, expected)) == OMENDB_CONFLICT) {}
        if (status != OMENDB_OK) exit(fail("transaction", status));
        printf("%d %lld\n", w->t, (long long)n);   /* acknowledged */
        fflush(stdout);
    }
    return NULL;
}

static int run_txn_writer(const char *dir) {
    omendb_db *db = open_db(dir, OMENDB_SYNC_FULL);
    announce("opened");
    pthread_t threads[TXN_THREADS];
    txn_writer writers[TXN_THREADS];
    for (int t = 0; t < TXN_THREADS; t++) {
        writers[t].db = db;
        writers[t].t = t;
        if (pthread_create(&threads[t], NULL, txn_write_thread, &writers[t]) != 0) { perror("crash_tool: pthread_create"); return 2; }
    }
    for (int t = 0; t < TXN_THREADS; t++) pthread_join(threads[t], NULL);   /* until killed */
    return 2;
}

static int txn_failed(const char *format, ...) __attribute__((format(printf, 1, 2)));
static int txn_failed(const char *format, ...) {
    va_list arguments;
    va_start(arguments, format);
    fprintf(stderr, "crash_tool: ");
    vfprintf(stderr, format, arguments);
    fputc('\n', stderr);
    va_end(arguments);
    return 1;
}

static int run_txn_check(const char *dir, const char *acked_path) {
    double started = now_us();
    omendb_db *db = open_db(dir, OMENDB_SYNC_FULL);
    double open_us = now_us() - started;
    /* The acknowledged transactions: the complete "t n" lines of the writers' output. */
    int64_t acked[TXN_THREADS] = {0}, counter[TXN_THREADS];
    FILE *file = fopen(acked_path, "r");
    if (!file) { perror("crash_tool: acknowledged transactions"); return 2; }
    char line[128];
    while (fgets(line, sizeof line, file)) {
        int t;
        long long n;
        if (strchr(line, '\n') && sscanf(line, "%d %lld", &t, &n) == 2 && t >= 0 && t < TXN_THREADS && n > acked[t]) acked[t] = n;
    }
    fclose(file);
    unsigned char *buffer = malloc(TXN_VALUE_MAX), *expected = malloc(TXN_VALUE_MAX);
    uint64_t expected_keys = 0, in_flight = 0, committed = 0;
    int status;
    for (int t = 0; t < TXN_THREADS; t++) {
        counter[t] = txn_read_counter(NULL, db, t);
        if (counter[t] < acked[t])
            return txn_failed("transaction (%d, %lld) was acknowledged but the counter of its thread is %lld",
                              t, (long long)acked[t], (long long)counter[t]);
        if (counter[t] > acked[t] + 1)
            return txn_failed("thread %d: counter %lld, but only %lld transactions were acknowledged (one may be in flight)",
                              t, (long long)counter[t], (long long)acked[t]);
        in_flight += counter[t] > acked[t];
        committed += (uint64_t)counter[t];
        expected_keys += counter[t] > 0;
        /* The log keys of the last TXN_LOG_KEEP transactions, none before or after. */
        for (int64_t n = counter[t] - TXN_LOG_KEEP - 2; n <= counter[t] + 2; n++) {
            if (n < 1) continue;
            int present = n > counter[t] - TXN_LOG_KEEP && n <= counter[t], owner_t = -1;
            int64_t owner_n = 0;
            status = txn_read_id(NULL, db, txn_log_key(t, n), TXN_KEYS, &owner_t, &owner_n, buffer, expected);
            if (status != OMENDB_OK && status != OMENDB_NOT_FOUND)
                return txn_failed("the log key of (%d, %lld): status %d (%s)", t, (long long)n, status, omendb_status_string(status));
            if ((status == OMENDB_OK) != present || (present && (owner_t != t || owner_n != n)))
                return txn_failed("the log key of (%d, %lld) is %s, the counter of the thread is %lld", t, (long long)n,
                                  status == OMENDB_OK ? "present" : "absent", (long long)counter[t]);
            expected_keys += (uint64_t)present;
        }
    }
    /* Every group holds one committed transaction in all its keys, and not one its own thread overwrote later. */
    for (unsigned g = 0; g < TXN_GROUPS; g++) {
        int owner_t;
        int64_t owner_n;
        status = txn_read_group(NULL, db, g, &owner_t, &owner_n, buffer, expected);
        if (status == OMENDB_NOT_FOUND) continue;
        if (status != OMENDB_OK) return status == OMENDB_CORRUPTION ? 1 : fail("reading a group", status);
        expected_keys += TXN_KEYS;
        if (owner_n > counter[owner_t])
            return txn_failed("group %u holds transaction (%d, %lld), but that thread's counter is %lld",
                              g, owner_t, (long long)owner_n, (long long)counter[owner_t]);
        for (int64_t n = owner_n + 1; n <= counter[owner_t]; n++)
            if (txn_group(owner_t, n) == g)
                return txn_failed("group %u holds transaction (%d, %lld): the later (%d, %lld) that wrote it is lost",
                                  g, owner_t, (long long)owner_n, owner_t, (long long)n);
    }
    /* Nothing else is stored. */
    omendb_iterator *it = NULL;
    if ((status = omendb_iterator_create(db, NULL, &it)) != OMENDB_OK) return fail("iterator", status);
    uint64_t seen = 0;
    for (omendb_iterator_seek_first(it); omendb_iterator_valid(it); omendb_iterator_next(it)) seen++;
    omendb_iterator_free(it);
    if (seen != expected_keys)
        return txn_failed("the iterator saw %llu keys, expected %llu", (unsigned long long)seen, (unsigned long long)expected_keys);
    if ((status = omendb_verify(db)) != OMENDB_OK) return fail("verify", status);
    if ((status = omendb_close(db)) != OMENDB_OK) return fail("close", status);
    printf("ok: %llu transactions committed, %llu of them durable but not yet acknowledged at the kill, %llu keys open_us=%.0f\n",
           (unsigned long long)committed, (unsigned long long)in_flight, (unsigned long long)seen, open_us);
    free(buffer);
    free(expected);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "write") == 0) return run_writer(argv[2]);
    if (argc == 4 && strcmp(argv[1], "check") == 0) return run_check(argv[2], strtoll(argv[3], NULL, 10));
    if (argc == 3 && strcmp(argv[1], "txn-write") == 0) return run_txn_writer(argv[2]);
    if (argc == 4 && strcmp(argv[1], "txn-check") == 0) return run_txn_check(argv[2], argv[3]);
    if (argc == 5 && strcmp(argv[1], "reopen-kill") == 0)
        return run_reopen_kill(argv[2], strtol(argv[3], NULL, 10), (unsigned)strtoul(argv[4], NULL, 10));
    fprintf(stderr, "usage: crash_tool write <dir> | crash_tool check <dir> <last-acked-id> |"
                    " crash_tool reopen-kill <dir> <window-us> <seed> |"
                    " crash_tool txn-write <dir> | crash_tool txn-check <dir> <acknowledged-file>\n");
    return 64;
}
