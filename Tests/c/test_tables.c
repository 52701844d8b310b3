/*
 * test_tables.c — named tables through the public header: omendb_table_open / _drop /
 * _list / _name and the table-taking reads, writes, counts, iterators, batches,
 * snapshots and transactions, against a reference model of every table (random puts,
 * deletes, range deletes, batches and transactions spanning tables, some rolled back),
 * over the hot tier, flushed runs, compaction and reopens; then atomicity across
 * tables (a batch with a table of another database writes nothing; transactions
 * conflict per (table, key)), drops (also while other threads use the table's
 * handle), and the refusal of bad input (NULL, bad names,
 * dropped tables, closed databases, tables of another database, read-only handles).
 * The seed is printed (set OMENDB_TEST_SEED to repeat a run). Built normally and with
 * ASan/UBSan by CTest.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "omendb.h"
#include "reference.h"

#define TABLES 4     /* the default table (0) and three named ones */
#define KEYS 400     /* keys 0 .. KEYS-1 in every table */
#define MAX_VALUE 24

static const char *const table_names[TABLES] = {NULL, "alpha", "beta", "\xcf\x84-table"}; /* τ-table */

/* The reference: per table, per key, present or not and its value. */
typedef struct {
    int present[TABLES][KEYS];
    size_t length[TABLES][KEYS];
    unsigned char value[TABLES][KEYS][MAX_VALUE];
} model;

static model truth;
static rng_t rng;
static char directory[] = "/tmp/omendb-test-tables-XXXXXX";

static void path_in(char *out, size_t size, const char *name) { snprintf(out, size, "%s/%s", directory, name); }

static void open_tables(omendb_db *db, omendb_table **tables) {
    for (int t = 0; t < TABLES; t++) {
        tables[t] = NULL;
        CHECK_STATUS(omendb_table_open(db, table_names[t], OMENDB_TABLE_CREATE, &tables[t]), OMENDB_OK);
    }
}

static void random_value(unsigned char *out, size_t *length) {
    *length = (size_t)(rng_next(&rng) % (MAX_VALUE + 1));
    for (size_t i = 0; i < *length; i++) out[i] = (unsigned char)rng_next(&rng);
}

/* Applies a put/delete/range delete to a model. */
static void model_put(model *m, int t, int k, const unsigned char *value, size_t length) {
    m->present[t][k] = 1;
    m->length[t][k] = length;
    memcpy(m->value[t][k], value, length);
}
static void model_delete_range(model *m, int t, int lo, int hi) {
    for (int k = lo; k < hi; k++) m->present[t][k] = 0;
}

static void random_range(int *lo, int *hi) {
    *lo = (int)(rng_next(&rng) % KEYS);
    *hi = *lo + (int)(rng_next(&rng) % 40);
    if (*hi > KEYS) *hi = KEYS;
}

/* Every key of every table by omendb_table_get (and the default table by omendb_get
 * too), forward and backward scans, and random counts. */
static void verify(omendb_db *db, omendb_table **tables, const char *when) {
    check_section(when);
    long wrong = 0, wrong_plain = 0;
    for (int t = 0; t < TABLES; t++) {
        for (int k = 0; k < KEYS; k++) {
            unsigned char buffer[MAX_VALUE];
            size_t length = 0;
            int status = omendb_table_get(tables[t], k, buffer, sizeof buffer, &length);
            int expected = truth.present[t][k] ? OMENDB_OK : OMENDB_NOT_FOUND;
            if (status != expected || (status == OMENDB_OK && (length != truth.length[t][k] ||
                                                               memcmp(buffer, truth.value[t][k], length) != 0)))
                wrong++;
            if (t == 0) {
                status = omendb_get(db, k, buffer, sizeof buffer, &length);
                if (status != expected || (status == OMENDB_OK && memcmp(buffer, truth.value[0][k], length) != 0))
                    wrong_plain++;
            }
        }
    }
    CHECK(wrong == 0, "%s: %ld table reads differ from the reference", when, wrong);
    CHECK(wrong_plain == 0, "%s: %ld omendb_get reads of the default table differ from table 0", when, wrong_plain);

    for (int t = 0; t < TABLES; t++) {
        omendb_iterator *it = NULL;
        CHECK_STATUS(omendb_table_iterator_create(tables[t], NULL, &it), OMENDB_OK);
        long differ = 0;
        CHECK_STATUS(omendb_iterator_seek_first(it), OMENDB_OK);
        for (int k = 0; k < KEYS; k++) {
            if (!truth.present[t][k]) continue;
            int64_t key = -1;
            const void *value = NULL;
            size_t length = 0;
            if (!omendb_iterator_valid(it) || omendb_iterator_entry(it, &key, &value, &length) != OMENDB_OK ||
                key != k || length != truth.length[t][k] || memcmp(value, truth.value[t][k], length) != 0)
                differ++;
            omendb_iterator_next(it);
        }
        CHECK(differ == 0 && !omendb_iterator_valid(it), "%s: table %d forward scan: %ld entries differ", when, t, differ);
        differ = 0;
        CHECK_STATUS(omendb_iterator_seek_last(it), OMENDB_OK);
        for (int k = KEYS - 1; k >= 0; k--) {
            if (!truth.present[t][k]) continue;
            int64_t key = -1;
            if (!omendb_iterator_valid(it) || omendb_iterator_entry(it, &key, NULL, NULL) != OMENDB_OK || key != k)
                differ++;
            omendb_iterator_prev(it);
        }
        CHECK(differ == 0 && !omendb_iterator_valid(it), "%s: table %d backward scan: %ld entries differ", when, t, differ);
        omendb_iterator_free(it);

        for (int round = 0; round < 8; round++) {
            int lo, hi;
            random_range(&lo, &hi);
            uint64_t expected = 0, count = 0;
            for (int k = lo; k < hi; k++) expected += (uint64_t)truth.present[t][k];
            CHECK_STATUS(omendb_table_count(tables[t], lo, hi, &count), OMENDB_OK);
            CHECK(count == expected, "%s: table %d count [%d, %d) is %" PRIu64 ", expected %" PRIu64, when, t, lo, hi,
                  count, expected);
        }
    }
}

/* One random operation, or a batch or transaction of several spanning tables. */
static void random_operation(omendb_db *db, omendb_table **tables) {
    unsigned choice = (unsigned)(rng_next(&rng) % 100);
    int t = (int)(rng_next(&rng) % TABLES);
    int k = (int)(rng_next(&rng) % KEYS);
    unsigned char value[MAX_VALUE];
    size_t length;
    if (choice < 45) {
        random_value(value, &length);
        CHECK_STATUS(omendb_table_put(tables[t], k, value, length), OMENDB_OK);
        model_put(&truth, t, k, value, length);
    } else if (choice < 60) {
        CHECK_STATUS(omendb_table_delete(tables[t], k), OMENDB_OK);
        truth.present[t][k] = 0;
    } else if (choice < 64) {
        int lo, hi;
        random_range(&lo, &hi);
        CHECK_STATUS(omendb_table_delete_range(tables[t], lo, hi), OMENDB_OK);
        model_delete_range(&truth, t, lo, hi);
    } else if (choice < 80) {
        omendb_batch *batch = NULL;
        CHECK_STATUS(omendb_batch_create(&batch), OMENDB_OK);
        int operations = 1 + (int)(rng_next(&rng) % 8);
        for (int i = 0; i < operations; i++) {
            t = (int)(rng_next(&rng) % TABLES);
            k = (int)(rng_next(&rng) % KEYS);
            unsigned kind = (unsigned)(rng_next(&rng) % 10);
            if (kind < 6) {
                random_value(value, &length);
                CHECK_STATUS(omendb_batch_table_put(batch, tables[t], k, value, length), OMENDB_OK);
                model_put(&truth, t, k, value, length);
            } else if (kind < 9) {
                CHECK_STATUS(omendb_batch_table_delete(batch, tables[t], k), OMENDB_OK);
                truth.present[t][k] = 0;
            } else {
                int lo, hi;
                random_range(&lo, &hi);
                CHECK_STATUS(omendb_batch_table_delete_range(batch, tables[t], lo, hi), OMENDB_OK);
                model_delete_range(&truth, t, lo, hi);
            }
        }
        CHECK_STATUS(omendb_write(db, batch), OMENDB_OK);
        omendb_batch_free(batch);
    } else {
        /* A transaction over a copy of the model: committed (copied back) or rolled back. */
        static model pending;
        pending = truth;
        int commit = choice < 95;
        omendb_txn *txn = NULL;
        CHECK_STATUS(omendb_txn_begin(db, NULL, &txn), OMENDB_OK);
        int operations = 1 + (int)(rng_next(&rng) % 6);
        for (int i = 0; i < operations; i++) {
            t = (int)(rng_next(&rng) % TABLES);
            k = (int)(rng_next(&rng) % KEYS);
            unsigned kind = (unsigned)(rng_next(&rng) % 10);
            if (kind < 5) {
                random_value(value, &length);
                CHECK_STATUS(omendb_txn_table_put(txn, tables[t], k, value, length), OMENDB_OK);
                model_put(&pending, t, k, value, length);
            } else if (kind < 7) {
                CHECK_STATUS(omendb_txn_table_delete(txn, tables[t], k), OMENDB_OK);
                pending.present[t][k] = 0;
            } else if (kind < 8) {
                int lo, hi;
                random_range(&lo, &hi);
                CHECK_STATUS(omendb_txn_table_delete_range(txn, tables[t], lo, hi), OMENDB_OK);
                model_delete_range(&pending, t, lo, hi);
            } else {
                /* The transaction sees its own writes. */
                unsigned char buffer[MAX_VALUE];
                size_t got = 0;
                int status = omendb_txn_table_get(txn, tables[t], k, buffer, sizeof buffer, &got);
                CHECK(status == (pending.present[t][k] ? OMENDB_OK : OMENDB_NOT_FOUND) &&
                      (status != OMENDB_OK || (got == pending.length[t][k] && memcmp(buffer, pending.value[t][k], got) == 0)),
                      "transaction read of table %d key %d: status %d, %s", t, k, status, omendb_last_error());
                uint64_t count = 0, expected = 0;
                for (int j = 0; j < KEYS; j++) expected += (uint64_t)pending.present[t][j];
                CHECK_STATUS(omendb_txn_table_count(txn, tables[t], 0, KEYS, &count), OMENDB_OK);
                CHECK(count == expected, "transaction count of table %d: %" PRIu64 ", expected %" PRIu64, t, count, expected);
            }
        }
        if (commit) {
            CHECK_STATUS(omendb_txn_commit(txn), OMENDB_OK);
            truth = pending;
        } else {
            CHECK_STATUS(omendb_txn_rollback(txn), OMENDB_OK);
        }
        omendb_txn_free(txn);
    }
}

static void test_reference(void) {
    char path[128];
    path_in(path, sizeof path, "reference");
    omendb_db *db = NULL;
    CHECK_STATUS(omendb_open(path, NULL, &db), OMENDB_OK);
    omendb_table *tables[TABLES];
    open_tables(db, tables);
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < 600; i++) random_operation(db, tables);
        char when[64];
        snprintf(when, sizeof when, "reference round %d", round);
        verify(db, tables, when);
        if (round == 1) {
            CHECK_STATUS(omendb_flush(db), OMENDB_OK);
            verify(db, tables, "after flush");
        }
        if (round == 2) {
            CHECK_STATUS(omendb_compact(db), OMENDB_OK);
            verify(db, tables, "after compaction");
        }
    }
    /* Reopen: log replay (the last writes) over the runs. */
    CHECK_STATUS(omendb_close(db), OMENDB_OK);
    CHECK_STATUS(omendb_open(path, NULL, &db), OMENDB_OK);
    open_tables(db, tables);
    verify(db, tables, "after reopen");
    for (int i = 0; i < 300; i++) random_operation(db, tables);
    CHECK_STATUS(omendb_flush(db), OMENDB_OK);
    CHECK_STATUS(omendb_close(db), OMENDB_OK);
    CHECK_STATUS(omendb_open(path, NULL, &db), OMENDB_OK);
    open_tables(db, tables);
    verify(db, tables, "after flush and reopen");

    char **names = NULL;
    size_t count = 0;
    CHECK_STATUS(omendb_table_list(db, &names, &count), OMENDB_OK);
    CHECK(count == 3 && names && strcmp(names[0], "alpha") == 0 && strcmp(names[1], "beta") == 0 &&
          strcmp(names[2], table_names[3]) == 0 && names[3] == NULL,
          "table list after reopen: %zu names", count);
    omendb_table_list_free(names);

    /* Per-table statistics count the table's own keys only. */
    for (int t = 0; t < TABLES; t++) {
        omendb_db_stats stats;
        memset(&stats, 0, sizeof stats);
        stats.struct_size = sizeof stats;
        CHECK_STATUS(omendb_table_get_stats(tables[t], &stats), OMENDB_OK);
        uint64_t expected = 0;
        for (int k = 0; k < KEYS; k++) expected += (uint64_t)truth.present[t][k];
        CHECK(stats.approximate_count >= expected && stats.approximate_count <= (uint64_t)KEYS * 2,
              "table %d stats: approximate_count %" PRIu64 " for %" PRIu64 " keys", t, stats.approximate_count, expected);
    }
    CHECK_STATUS(omendb_close(db), OMENDB_OK);
}

/* Handles, names and lists. */
static void test_handles(void) {
    check_section("handles and names");
    char path[128];
    path_in(path, sizeof path, "handles");
    omendb_db *db = NULL;
    CHECK_STATUS(omendb_open(path, NULL, &db), OMENDB_OK);
    omendb_table *a = NULL, *again = NULL, *plain = NULL;
    CHECK_STATUS(omendb_table_open(db, "a", 0, &a), OMENDB_NOT_FOUND);
    CHECK(a == NULL, "a missing table wrote *table");
    CHECK_STATUS(omendb_table_open(db, "a", OMENDB_TABLE_CREATE, &a), OMENDB_OK);
    CHECK_STATUS(omendb_table_open(db, "a", 0, &again), OMENDB_OK);
    CHECK(a == again && a != NULL, "opening a table twice gave two handles");
    CHECK_STATUS(omendb_table_open(db, NULL, 0, &plain), OMENDB_OK);
    const char *name = NULL;
    CHECK_STATUS(omendb_table_name(a, &name), OMENDB_OK);
    CHECK(name && strcmp(name, "a") == 0, "omendb_table_name gave %s", name ? name : "NULL");
    CHECK_STATUS(omendb_table_name(plain, &name), OMENDB_OK);
    CHECK(name && name[0] == '\0', "the default table's name is not empty");

    /* Names: 255 bytes is the longest; empty, longer and invalid UTF-8 are refused. */
    char longest[257];
    memset(longest, 'x', 256);
    longest[255] = '\0';
    omendb_table *t = NULL;
    CHECK_STATUS(omendb_table_open(db, longest, OMENDB_TABLE_CREATE, &t), OMENDB_OK);
    longest[255] = 'x';
    longest[256] = '\0';
    t = NULL;
    CHECK_STATUS(omendb_table_open(db, longest, OMENDB_TABLE_CREATE, &t), OMENDB_INVALID_ARGUMENT);
    CHECK_ERROR_MENTIONS("256 bytes");
    CHECK(t == NULL, "a refused open wrote *table");
    CHECK_STATUS(omendb_table_open(db, "", OMENDB_TABLE_CREATE, &t), OMENDB_INVALID_ARGUMENT);
    CHECK_ERROR_MENTIONS("empty");
    CHECK_STATUS(omendb_table_open(db, "bad\xff", OMENDB_TABLE_CREATE, &t), OMENDB_INVALID_ARGUMENT);
    CHECK_ERROR_MENTIONS("UTF-8");
    CHECK_STATUS(omendb_table_open(db, "\xc3", OMENDB_TABLE_CREATE, &t), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_table_open(db, "a", 4, &t), OMENDB_INVALID_ARGUMENT);
    CHECK_ERROR_MENTIONS("flags");
    CHECK_STATUS(omendb_table_open(db, "a", OMENDB_TABLE_CREATE, NULL), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_table_open(NULL, "a", OMENDB_TABLE_CREATE, &t), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_table_drop(db, ""), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_table_drop(db, NULL), OMENDB_INVALID_ARGUMENT);
    CHECK_ERROR_MENTIONS("default table");
    CHECK_STATUS(omendb_table_drop(db, "missing"), OMENDB_NOT_FOUND);

    /* The list: byte order, NULL-terminated; an empty list is an array holding NULL. */
    char **names = NULL;
    size_t count = 99;
    CHECK_STATUS(omendb_table_list(db, &names, &count), OMENDB_OK);
    CHECK(count == 2 && strcmp(names[0], "a") == 0 && strlen(names[1]) == 255 && names[2] == NULL,
          "list: %zu names", count);
    omendb_table_list_free(names);
    omendb_table_list_free(NULL);
    CHECK_STATUS(omendb_table_list(db, NULL, &count), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_table_list(db, &names, NULL), OMENDB_INVALID_ARGUMENT);

    /* Data written to one table is in no other. */
    CHECK_STATUS(omendb_table_put(a, 7, "seven", 5), OMENDB_OK);
    char buffer[16];
    size_t length = 0;
    CHECK_STATUS(omendb_get(db, 7, buffer, sizeof buffer, &length), OMENDB_NOT_FOUND);
    CHECK_STATUS(omendb_put(db, 7, "plain", 5), OMENDB_OK);
    CHECK_STATUS(omendb_table_get(a, 7, buffer, sizeof buffer, &length), OMENDB_OK);
    CHECK(length == 5 && memcmp(buffer, "seven", 5) == 0, "table a lost its value under the default table's put");
    CHECK_STATUS(omendb_table_get(a, 7, buffer, 2, &length), OMENDB_BUFFER_TOO_SMALL);
    CHECK(length == 5, "BUFFER_TOO_SMALL gave length %zu", length);

    /* Drop: the handle is freed, the name free for a new, empty table. */
    CHECK_STATUS(omendb_table_drop(db, "a"), OMENDB_OK);
    CHECK_STATUS(omendb_table_put(a, 8, "x", 1), OMENDB_MISUSE);
    CHECK_ERROR_MENTIONS("dropped");
    CHECK_STATUS(omendb_table_get(a, 7, buffer, sizeof buffer, &length), OMENDB_MISUSE);
    CHECK_STATUS(omendb_table_name(a, &name), OMENDB_MISUSE);
    CHECK_STATUS(omendb_table_open(db, "a", 0, &t), OMENDB_NOT_FOUND);
    CHECK_STATUS(omendb_table_drop(db, "a"), OMENDB_NOT_FOUND);
    omendb_table *fresh = NULL;
    CHECK_STATUS(omendb_table_open(db, "a", OMENDB_TABLE_CREATE, &fresh), OMENDB_OK);
    uint64_t n = 99;
    CHECK_STATUS(omendb_table_count(fresh, INT64_MIN, INT64_MAX, &n), OMENDB_OK);
    CHECK(n == 0, "a table created again after a drop holds %" PRIu64 " keys", n);
    CHECK_STATUS(omendb_get(db, 7, buffer, sizeof buffer, &length), OMENDB_OK);
    CHECK(length == 5 && memcmp(buffer, "plain", 5) == 0, "dropping table a touched the default table");

    /* Bulk load into a table, then a copy multi-get at a snapshot. */
    int64_t keys[100];
    const void *values[100];
    size_t lengths[100];
    for (int i = 0; i < 100; i++) {
        keys[i] = 1000 + 2 * i;
        values[i] = &keys[i];
        lengths[i] = sizeof keys[i];
    }
    CHECK_STATUS(omendb_table_bulk_load(fresh, keys, values, lengths, 100, NULL), OMENDB_OK);
    CHECK_STATUS(omendb_table_count(fresh, 1000, 1200, &n), OMENDB_OK);
    CHECK(n == 100, "bulk load into a table: count %" PRIu64, n);
    CHECK_STATUS(omendb_count(db, 1000, 1200, &n), OMENDB_OK);
    CHECK(n == 0, "bulk load into a table reached the default table: %" PRIu64, n);
    omendb_snapshot *snapshot = NULL;
    CHECK_STATUS(omendb_snapshot_open(db, &snapshot), OMENDB_OK);
    int64_t wanted[3] = {1000, 1001, 1198};
    size_t got[3];
    int64_t copied[3];
    size_t done = 0;
    CHECK_STATUS(omendb_snapshot_table_multi_get_copy(snapshot, fresh, wanted, 3, got, copied, sizeof copied, &done),
                 OMENDB_OK);
    CHECK(done == 3 && got[0] == 8 && got[1] == SIZE_MAX && got[2] == 8 && copied[0] == 1000 && copied[1] == 1198,
          "table multi-get copy: done %zu", done);
    const void *found_values[3];
    size_t found = 0;
    CHECK_STATUS(omendb_snapshot_table_multi_get(snapshot, fresh, wanted, 3, found_values, got, &found), OMENDB_OK);
    CHECK(found == 2 && found_values[1] == NULL && got[0] == 8 && memcmp(found_values[2], &wanted[2], 8) == 0,
          "table zero-copy multi-get: found %zu", found);
    /* found may be NULL: the values and lengths are filled all the same. */
    memset(found_values, 0, sizeof found_values);
    memset(got, 0, sizeof got);
    CHECK_STATUS(omendb_snapshot_table_multi_get(snapshot, fresh, wanted, 3, found_values, got, NULL), OMENDB_OK);
    CHECK(found_values[0] != NULL && got[0] == 8 && found_values[1] == NULL && memcmp(found_values[2], &wanted[2], 8) == 0,
          "table zero-copy multi-get without a found count");
    omendb_snapshot_free(snapshot);

    /* A fixed-size bulk load into another table, the values packed back to back. */
    omendb_table *packed = NULL;
    CHECK_STATUS(omendb_table_open(db, "packed", OMENDB_TABLE_CREATE, &packed), OMENDB_OK);
    CHECK_STATUS(omendb_table_bulk_load_fixed(packed, keys, keys, sizeof keys[0], 100, NULL), OMENDB_OK);
    CHECK_STATUS(omendb_table_get(packed, 1010, buffer, sizeof buffer, &length), OMENDB_OK);
    CHECK(length == 8 && memcmp(buffer, &keys[5], 8) == 0, "fixed bulk load into a table: value of key 1010");
    CHECK_STATUS(omendb_table_count(fresh, 1000, 1200, &n), OMENDB_OK);
    CHECK(n == 100, "a fixed bulk load into one table changed another: %" PRIu64, n);

    /* Closing frees every table handle of the database. */
    CHECK_STATUS(omendb_close(db), OMENDB_OK);
    CHECK_STATUS(omendb_table_put(fresh, 1, "x", 1), OMENDB_MISUSE);
    CHECK_STATUS(omendb_table_put(plain, 1, "x", 1), OMENDB_MISUSE);
    CHECK_ERROR_MENTIONS("freed");

    /* Reopened: the dropped table stays dropped, the new one holds its bulk load. */
    CHECK_STATUS(omendb_open(path, NULL, &db), OMENDB_OK);
    CHECK_STATUS(omendb_table_open(db, "a", 0, &t), OMENDB_OK);
    n = 0;
    CHECK_STATUS(omendb_table_count(t, INT64_MIN, INT64_MAX, &n), OMENDB_OK);
    CHECK(n == 100, "after reopen the re-created table holds %" PRIu64 " keys", n);
    omendb_table *packed_again = NULL;
    CHECK_STATUS(omendb_table_open(db, "packed", 0, &packed_again), OMENDB_OK);
    CHECK_STATUS(omendb_table_get(packed_again, 1198, buffer, sizeof buffer, &length), OMENDB_OK);
    CHECK_STATUS(omendb_table_get(t, 7, buffer, sizeof buffer, &length), OMENDB_NOT_FOUND);
    CHECK_STATUS(omendb_close(db), OMENDB_OK);

    /* Read-only: existing tables open and read; creating and writing are refused. */
    omendb_options *options = NULL;
    CHECK_STATUS(omendb_options_create(&options), OMENDB_OK);
    CHECK_STATUS(omendb_options_set_read_only(options, 1), OMENDB_OK);
    CHECK_STATUS(omendb_open(path, options, &db), OMENDB_OK);
    omendb_options_free(options);
    t = NULL;
    CHECK_STATUS(omendb_table_open(db, "a", OMENDB_TABLE_CREATE, &t), OMENDB_OK);
    CHECK_STATUS(omendb_table_get(t, 1000, buffer, sizeof buffer, &length), OMENDB_OK);
    CHECK_STATUS(omendb_table_put(t, 1, "x", 1), OMENDB_READ_ONLY);
    CHECK_STATUS(omendb_table_open(db, "new", OMENDB_TABLE_CREATE, &t), OMENDB_READ_ONLY);
    CHECK_STATUS(omendb_table_drop(db, "a"), OMENDB_READ_ONLY);
    CHECK_STATUS(omendb_close(db), OMENDB_OK);
}

/* Atomicity across tables, and tables of another database. */
static void test_atomicity(void) {
    check_section("atomicity across tables");
    char path[128], other_path[128];
    path_in(path, sizeof path, "atomic");
    path_in(other_path, sizeof other_path, "other");
    omendb_db *db = NULL, *other = NULL;
    CHECK_STATUS(omendb_open(path, NULL, &db), OMENDB_OK);
    CHECK_STATUS(omendb_open(other_path, NULL, &other), OMENDB_OK);
    omendb_table *x = NULL, *y = NULL, *foreign = NULL;
    CHECK_STATUS(omendb_table_open(db, "x", OMENDB_TABLE_CREATE, &x), OMENDB_OK);
    CHECK_STATUS(omendb_table_open(db, "y", OMENDB_TABLE_CREATE, &y), OMENDB_OK);
    CHECK_STATUS(omendb_table_open(other, "x", OMENDB_TABLE_CREATE, &foreign), OMENDB_OK);
    CHECK(foreign != x, "two databases share a table handle");

    /* A batch holding a table of another database writes nothing. */
    omendb_batch *batch = NULL;
    CHECK_STATUS(omendb_batch_create(&batch), OMENDB_OK);
    CHECK_STATUS(omendb_batch_table_put(batch, x, 1, "x1", 2), OMENDB_OK);
    CHECK_STATUS(omendb_batch_table_put(batch, foreign, 1, "f1", 2), OMENDB_OK);
    CHECK_STATUS(omendb_write(db, batch), OMENDB_MISUSE);
    char buffer[16];
    size_t length = 0;
    CHECK_STATUS(omendb_table_get(x, 1, buffer, sizeof buffer, &length), OMENDB_NOT_FOUND);
    CHECK_STATUS(omendb_table_get(foreign, 1, buffer, sizeof buffer, &length), OMENDB_NOT_FOUND);
    CHECK_STATUS(omendb_batch_clear(batch), OMENDB_OK);
    CHECK_STATUS(omendb_batch_table_put(batch, x, 1, "x1", 2), OMENDB_OK);
    CHECK_STATUS(omendb_batch_table_put(batch, y, 1, "y1", 2), OMENDB_OK);
    CHECK_STATUS(omendb_batch_put(batch, 1, "d1", 2), OMENDB_OK);
    CHECK_STATUS(omendb_write(db, batch), OMENDB_OK);
    omendb_batch_free(batch);

    /* Transactions: tables of another database are refused; validation is per (table, key). */
    omendb_txn *txn = NULL, *rival = NULL;
    CHECK_STATUS(omendb_txn_begin(db, NULL, &txn), OMENDB_OK);
    CHECK_STATUS(omendb_txn_table_put(txn, foreign, 5, "f", 1), OMENDB_MISUSE);
    CHECK_STATUS(omendb_txn_table_get(txn, x, 1, buffer, sizeof buffer, &length), OMENDB_OK);
    CHECK(length == 2 && memcmp(buffer, "x1", 2) == 0, "transaction read of x[1]");
    CHECK_STATUS(omendb_txn_begin(db, NULL, &rival), OMENDB_OK);
    CHECK_STATUS(omendb_txn_table_put(rival, y, 1, "r", 1), OMENDB_OK);   /* same key, other table */
    CHECK_STATUS(omendb_txn_commit(rival), OMENDB_OK);
    omendb_txn_free(rival);
    CHECK_STATUS(omendb_txn_table_put(txn, y, 2, "t", 1), OMENDB_OK);
    CHECK_STATUS(omendb_txn_commit(txn), OMENDB_OK);  /* read x[1]; y[1] changed: no conflict */
    omendb_txn_free(txn);

    CHECK_STATUS(omendb_txn_begin(db, NULL, &txn), OMENDB_OK);
    CHECK_STATUS(omendb_txn_table_get(txn, x, 1, buffer, sizeof buffer, &length), OMENDB_OK);
    CHECK_STATUS(omendb_txn_table_put(txn, y, 3, "t", 1), OMENDB_OK);
    CHECK_STATUS(omendb_txn_table_put(txn, x, 3, "t", 1), OMENDB_OK);
    CHECK_STATUS(omendb_txn_begin(db, NULL, &rival), OMENDB_OK);
    CHECK_STATUS(omendb_txn_table_put(rival, x, 1, "r", 1), OMENDB_OK);
    CHECK_STATUS(omendb_txn_commit(rival), OMENDB_OK);
    omendb_txn_free(rival);
    CHECK_STATUS(omendb_txn_commit(txn), OMENDB_CONFLICT);  /* x[1] changed since its read */
    omendb_txn_free(txn);
    CHECK_STATUS(omendb_table_get(x, 3, buffer, sizeof buffer, &length), OMENDB_NOT_FOUND);
    CHECK_STATUS(omendb_table_get(y, 3, buffer, sizeof buffer, &length), OMENDB_NOT_FOUND);

    /* A transaction's iterator over a table merges its own writes. */
    CHECK_STATUS(omendb_txn_begin(db, NULL, &txn), OMENDB_OK);
    CHECK_STATUS(omendb_txn_table_put(txn, x, 0, "zero", 4), OMENDB_OK);
    CHECK_STATUS(omendb_txn_table_delete(txn, x, 1), OMENDB_OK);
    const void *pointer = NULL;
    CHECK_STATUS(omendb_txn_table_get_pointer(txn, x, 0, &pointer, &length), OMENDB_OK);
    CHECK(length == 4 && memcmp(pointer, "zero", 4) == 0, "transaction zero-copy read of its own put");
    omendb_iterator *it = NULL;
    CHECK_STATUS(omendb_txn_table_iterator_create(txn, x, &it), OMENDB_OK);
    CHECK_STATUS(omendb_iterator_seek_first(it), OMENDB_OK);
    int64_t key = -1;
    CHECK(omendb_iterator_valid(it) && omendb_iterator_entry(it, &key, NULL, NULL) == OMENDB_OK && key == 0,
          "transaction iterator's first key is %" PRId64, key);
    CHECK_STATUS(omendb_iterator_next(it), OMENDB_OK);
    CHECK(!omendb_iterator_valid(it), "transaction iterator sees the key it deleted");
    omendb_iterator_free(it);
    omendb_txn_free(txn);  /* rolled back */

    /* Snapshots: a view of every table at one point; a table of another database is refused. */
    omendb_snapshot *snapshot = NULL, *foreign_snapshot = NULL;
    CHECK_STATUS(omendb_snapshot_open(db, &snapshot), OMENDB_OK);
    CHECK_STATUS(omendb_snapshot_open(other, &foreign_snapshot), OMENDB_OK);
    CHECK_STATUS(omendb_table_put(x, 1, "later", 5), OMENDB_OK);
    CHECK_STATUS(omendb_snapshot_table_get(snapshot, x, 1, &pointer, &length), OMENDB_OK);
    CHECK(length == 1 && memcmp(pointer, "r", 1) == 0, "the snapshot sees a later write");
    uint64_t n = 0;
    CHECK_STATUS(omendb_snapshot_table_count(snapshot, y, 0, 10, &n), OMENDB_OK);
    CHECK(n == 2, "snapshot count of y: %" PRIu64, n);
    CHECK_STATUS(omendb_snapshot_table_get(snapshot, foreign, 1, &pointer, &length), OMENDB_MISUSE);
    CHECK_STATUS(omendb_table_iterator_create(x, foreign_snapshot, &it), OMENDB_MISUSE);
    CHECK_STATUS(omendb_table_iterator_create(x, snapshot, &it), OMENDB_OK);
    CHECK_STATUS(omendb_iterator_seek(it, 1), OMENDB_OK);
    const void *value = NULL;
    CHECK(omendb_iterator_entry(it, &key, &value, &length) == OMENDB_OK && key == 1 && length == 1 &&
          memcmp(value, "r", 1) == 0, "snapshot table iterator at key 1");
    omendb_iterator_free(it);
    omendb_snapshot_free(foreign_snapshot);

    /* A batch and a transaction holding writes to a table dropped meanwhile write nothing. */
    omendb_batch *late = NULL;
    CHECK_STATUS(omendb_batch_create(&late), OMENDB_OK);
    CHECK_STATUS(omendb_batch_table_put(late, x, 50, "x", 1), OMENDB_OK);
    CHECK_STATUS(omendb_batch_table_put(late, y, 50, "y", 1), OMENDB_OK);
    CHECK_STATUS(omendb_txn_begin(db, NULL, &txn), OMENDB_OK);
    CHECK_STATUS(omendb_txn_table_put(txn, x, 51, "x", 1), OMENDB_OK);
    CHECK_STATUS(omendb_txn_table_put(txn, y, 51, "y", 1), OMENDB_OK);

    /* After a drop its handle is freed: even a snapshot taken before cannot name the table. */
    CHECK_STATUS(omendb_table_drop(db, "y"), OMENDB_OK);
    CHECK_STATUS(omendb_write(db, late), OMENDB_MISUSE);
    CHECK_ERROR_MENTIONS("dropped");
    CHECK_STATUS(omendb_txn_commit(txn), OMENDB_MISUSE);
    CHECK_STATUS(omendb_table_get(x, 50, buffer, sizeof buffer, &length), OMENDB_NOT_FOUND);
    CHECK_STATUS(omendb_table_get(x, 51, buffer, sizeof buffer, &length), OMENDB_NOT_FOUND);
    omendb_txn_free(txn);
    omendb_batch_free(late);
    CHECK_STATUS(omendb_table_put(y, 9, "x", 1), OMENDB_MISUSE);
    CHECK_STATUS(omendb_snapshot_table_count(snapshot, y, 0, 10, &n), OMENDB_MISUSE);
    omendb_snapshot_free(snapshot);

    CHECK_STATUS(omendb_close(other), OMENDB_OK);
    CHECK_STATUS(omendb_close(db), OMENDB_OK);
}

/* Concurrent opens of one name create it once and share the handle. */
typedef struct {
    omendb_db *db;
    omendb_table *table;
    int status;
} opener;

static void *open_shared(void *argument) {
    opener *o = argument;
    o->status = omendb_table_open(o->db, "shared", OMENDB_TABLE_CREATE, &o->table);
    return NULL;
}

static void test_threads(void) {
    check_section("concurrent opens");
    char path[128];
    path_in(path, sizeof path, "threads");
    omendb_db *db = NULL;
    CHECK_STATUS(omendb_open(path, NULL, &db), OMENDB_OK);
    pthread_t threads[4];
    opener openers[4];
    for (int i = 0; i < 4; i++) {
        openers[i] = (opener){db, NULL, -1};
        pthread_create(&threads[i], NULL, open_shared, &openers[i]);
    }
    for (int i = 0; i < 4; i++) pthread_join(threads[i], NULL);
    for (int i = 0; i < 4; i++)
        CHECK(openers[i].status == OMENDB_OK && openers[i].table == openers[0].table,
              "thread %d: status %d, handle %p vs %p", i, openers[i].status, (void *)openers[i].table,
              (void *)openers[0].table);
    char **names = NULL;
    size_t count = 0;
    CHECK_STATUS(omendb_table_list(db, &names, &count), OMENDB_OK);
    CHECK(count == 1, "concurrent opens created %zu tables", count);
    omendb_table_list_free(names);
    CHECK_STATUS(omendb_close(db), OMENDB_OK);
}

/* A drop while other threads use the table's handle: their calls succeed (before the
 * drop) or fail with OMENDB_MISUSE (after it), never anything else, never a crash
 * (the ASan build checks that no freed memory is touched). */
typedef struct {
    omendb_table *table;
    long ok, misuse, other;
} user;

static void *use_table(void *argument) {
    user *u = argument;
    char buffer[16];
    for (int64_t i = 0; i < 20000; i++) {
        size_t length = 0;
        int status = i % 2 ? omendb_table_put(u->table, i, "v", 1)
                           : omendb_table_get(u->table, i - 1, buffer, sizeof buffer, &length);
        if (status == OMENDB_OK || status == OMENDB_NOT_FOUND) u->ok++;
        else if (status == OMENDB_MISUSE) u->misuse++;
        else u->other++;
    }
    return NULL;
}

static void test_drop_while_used(void) {
    check_section("drop while other threads use the handle");
    char path[128];
    path_in(path, sizeof path, "drop-race");
    omendb_db *db = NULL;
    CHECK_STATUS(omendb_open(path, NULL, &db), OMENDB_OK);
    omendb_table *table = NULL;
    CHECK_STATUS(omendb_table_open(db, "busy", OMENDB_TABLE_CREATE, &table), OMENDB_OK);
    pthread_t threads[3];
    user users[3];
    for (int i = 0; i < 3; i++) {
        users[i] = (user){table, 0, 0, 0};
        pthread_create(&threads[i], NULL, use_table, &users[i]);
    }
    struct timespec pause = {0, 2000000};
    nanosleep(&pause, NULL);
    CHECK_STATUS(omendb_table_drop(db, "busy"), OMENDB_OK);
    for (int i = 0; i < 3; i++) pthread_join(threads[i], NULL);
    long misuse = 0;
    for (int i = 0; i < 3; i++) {
        CHECK(users[i].other == 0, "thread %d: %ld calls returned neither OK/NOT_FOUND nor MISUSE", i, users[i].other);
        misuse += users[i].misuse;
    }
    printf("calls after the drop refused: %ld of %d\n", misuse, 3 * 20000);
    CHECK_STATUS(omendb_table_put(table, 1, "x", 1), OMENDB_MISUSE);
    CHECK_STATUS(omendb_close(db), OMENDB_OK);
}

int main(void) {
    rng = rng_from_environment();
    if (!mkdtemp(directory)) {
        perror("mkdtemp");
        return 2;
    }
    test_handles();
    test_atomicity();
    test_threads();
    test_drop_while_used();
    test_reference();
    char command[sizeof directory + 16];
    snprintf(command, sizeof command, "rm -rf '%s'", directory);
    if (system(command) != 0) fprintf(stderr, "could not remove %s\n", directory);
    return check_summary();
}
