/*
 * test_transactions.c — transactions through the C API: read-your-own-writes,
 * rollback without a trace, atomic commit (also across a reopen), OMENDB_CONFLICT
 * on write-write conflicts under REPEATABLE_READ and SERIALIZABLE and on read keys
 * and scanned ranges under SERIALIZABLE only (the message names the key), READ
 * COMMITTED / READ UNCOMMITTED, read-only transactions and databases, misuse after
 * the end, NULL / freed / wrong-type handles, the transaction iterator against a
 * reference (the snapshot merged with the transaction's own writes and deletes),
 * zero-copy reads that stay valid until the transaction is freed (across its own later
 * writes, other commits, flush, compaction and its end), the statistics, and
 * transactions left open across omendb_close.
 * Built normally and with ASan+UBSan by CTest (~1 s each), and by scripts/test.sh against
 * the ASan-built (swift_asan) and TSan-built (c_tsan) engine.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "omendb.h"
#include "reference.h"

#define MISSING INT64_MIN   /* what read_txn / read_db return for an absent key */

static const int LEVELS[] = {OMENDB_ISOLATION_REPEATABLE_READ, OMENDB_ISOLATION_SERIALIZABLE};
static const char *level_name(int level) {
    switch (level) {
        case OMENDB_ISOLATION_READ_UNCOMMITTED: return "READ_UNCOMMITTED";
        case OMENDB_ISOLATION_READ_COMMITTED: return "READ_COMMITTED";
        case OMENDB_ISOLATION_REPEATABLE_READ: return "REPEATABLE_READ";
        default: return "SERIALIZABLE";
    }
}

static omendb_db *open_database(const char *path, int read_only) {
    omendb_options *options = NULL;
    omendb_db *db = NULL;
    CHECK_STATUS(omendb_options_create(&options), OMENDB_OK);
    CHECK_STATUS(omendb_options_set_read_only(options, read_only), OMENDB_OK);
    CHECK_STATUS(omendb_open(path, options, &db), OMENDB_OK);
    omendb_options_free(options);
    return db;
}

static omendb_txn *begin(omendb_db *db, int level, int read_only) {
    omendb_txn_options *options = NULL;
    omendb_txn *txn = NULL;
    CHECK_STATUS(omendb_txn_options_create(&options), OMENDB_OK);
    CHECK_STATUS(omendb_txn_options_set_isolation(options, level), OMENDB_OK);
    CHECK_STATUS(omendb_txn_options_set_read_only(options, read_only), OMENDB_OK);
    CHECK_STATUS(omendb_txn_begin(db, options, &txn), OMENDB_OK);
    omendb_txn_options_free(options);
    return txn;
}

/* The int64 value of `key` as the transaction sees it, or MISSING. */
static int64_t read_txn(omendb_txn *txn, int64_t key) {
    int64_t value = 0;
    size_t length = 0;
    int status = omendb_txn_get(txn, key, &value, sizeof value, &length);
    if (status == OMENDB_NOT_FOUND) return MISSING;
    CHECK(status == OMENDB_OK && length == sizeof value, "omendb_txn_get(%" PRId64 "): status %d, length %zu: %s",
          key, status, length, omendb_last_error());
    return value;
}

/* The committed int64 value of `key`, or MISSING. */
static int64_t read_db(omendb_db *db, int64_t key) {
    int64_t value = 0;
    size_t length = 0;
    int status = omendb_get(db, key, &value, sizeof value, &length);
    if (status == OMENDB_NOT_FOUND) return MISSING;
    CHECK(status == OMENDB_OK && length == sizeof value, "omendb_get(%" PRId64 "): status %d, length %zu: %s",
          key, status, length, omendb_last_error());
    return value;
}

static void write_txn(omendb_txn *txn, int64_t key, int64_t value) {
    CHECK_STATUS(omendb_txn_put(txn, key, &value, sizeof value), OMENDB_OK);
}

static void write_db(omendb_db *db, int64_t key, int64_t value) {
    CHECK_STATUS(omendb_put(db, key, &value, sizeof value), OMENDB_OK);
}

/* Count and FNV-1a hash of every committed key and value (a fingerprint of the database). */
static uint64_t fingerprint(omendb_db *db, uint64_t *count) {
    omendb_iterator *it = NULL;
    uint64_t hash = 1469598103934665603ull;
    *count = 0;
    CHECK_STATUS(omendb_iterator_create(db, NULL, &it), OMENDB_OK);
    for (omendb_iterator_seek_first(it); omendb_iterator_valid(it); omendb_iterator_next(it)) {
        int64_t key = 0;
        const void *value = NULL;
        size_t length = 0;
        omendb_iterator_entry(it, &key, &value, &length);
        const unsigned char *k = (const unsigned char *)&key, *v = value;
        for (size_t i = 0; i < sizeof key; i++) hash = (hash ^ k[i]) * 1099511628211ull;
        for (size_t i = 0; i < length; i++) hash = (hash ^ v[i]) * 1099511628211ull;
        hash = (hash ^ length) * 1099511628211ull;
        (*count)++;
    }
    omendb_iterator_free(it);
    return hash;
}

static void test_own_writes(omendb_db *db) {
    check_section("read-your-own-writes");
    write_db(db, 10, 100);
    write_db(db, 11, 110);
    omendb_txn *txn = begin(db, OMENDB_ISOLATION_SERIALIZABLE, 0);
    CHECK(read_txn(txn, 10) == 100, "the transaction does not see the committed value of 10");
    write_txn(txn, 10, 200);
    write_txn(txn, 12, 120);
    CHECK_STATUS(omendb_txn_delete(txn, 11), OMENDB_OK);
    CHECK(read_txn(txn, 10) == 200, "own overwrite of 10 not visible");
    CHECK(read_txn(txn, 12) == 120, "own insert of 12 not visible");
    CHECK(read_txn(txn, 11) == MISSING, "own delete of 11 not visible");
    write_txn(txn, 12, 121);
    CHECK(read_txn(txn, 12) == 121, "second own write of 12 not visible");
    CHECK_STATUS(omendb_txn_delete(txn, 10), OMENDB_OK);
    write_txn(txn, 10, 300);
    CHECK(read_txn(txn, 10) == 300, "a put after an own delete is not visible");
    CHECK_STATUS(omendb_txn_put(txn, 13, NULL, 0), OMENDB_OK);

    /* Copy reads follow omendb_get: a short buffer gets the needed length. */
    unsigned char small[3];
    size_t length = 0;
    CHECK_STATUS(omendb_txn_get(txn, 12, small, sizeof small, &length), OMENDB_BUFFER_TOO_SMALL);
    CHECK(length == sizeof(int64_t), "BUFFER_TOO_SMALL reported length %zu, expected 8", length);
    CHECK_STATUS(omendb_txn_get(txn, 12, NULL, 0, &length), OMENDB_BUFFER_TOO_SMALL);
    CHECK_STATUS(omendb_txn_get(txn, 13, NULL, 0, &length), OMENDB_OK);
    CHECK(length == 0, "the own empty value reads back with length %zu", length);
    const void *pointer = NULL;
    CHECK_STATUS(omendb_txn_get_pointer(txn, 13, &pointer, &length), OMENDB_OK);
    CHECK(pointer != NULL && length == 0, "zero-copy read of an empty own value: %p, %zu", pointer, length);

    /* Nothing is visible outside before the commit: not to plain reads, not to another transaction. */
    CHECK(read_db(db, 10) == 100 && read_db(db, 11) == 110 && read_db(db, 12) == MISSING,
          "uncommitted writes are visible to omendb_get");
    omendb_txn *other = begin(db, OMENDB_ISOLATION_REPEATABLE_READ, 0);
    CHECK(read_txn(other, 10) == 100 && read_txn(other, 11) == 110 && read_txn(other, 12) == MISSING,
          "uncommitted writes are visible to another transaction");
    omendb_txn_free(other);

    CHECK_STATUS(omendb_txn_commit(txn), OMENDB_OK);
    omendb_txn_free(txn);
    CHECK(read_db(db, 10) == 300 && read_db(db, 11) == MISSING && read_db(db, 12) == 121,
          "after the commit: 10=%" PRId64 " 11=%" PRId64 " 12=%" PRId64, read_db(db, 10), read_db(db, 11), read_db(db, 12));
    CHECK_STATUS(omendb_get(db, 13, NULL, 0, &length), OMENDB_OK);
}

static void test_rollback(omendb_db **db, const char *path) {
    check_section("rollback leaves no trace");
    uint64_t count_before = 0, count = 0;
    uint64_t before = fingerprint(*db, &count_before);
    omendb_txn *txn = begin(*db, OMENDB_ISOLATION_SERIALIZABLE, 0);
    for (int64_t i = 0; i < 1000; i++) write_txn(txn, 20000 + i, i);
    CHECK_STATUS(omendb_txn_delete(txn, 10), OMENDB_OK);
    CHECK_STATUS(omendb_txn_delete(txn, 12), OMENDB_OK);
    write_txn(txn, 13, 7);
    CHECK_STATUS(omendb_txn_rollback(txn), OMENDB_OK);
    CHECK_STATUS(omendb_txn_rollback(txn), OMENDB_OK);   /* idempotent */
    CHECK_STATUS(omendb_txn_commit(txn), OMENDB_MISUSE);
    omendb_txn_free(txn);

    /* omendb_txn_free of an active transaction rolls it back. */
    txn = begin(*db, OMENDB_ISOLATION_REPEATABLE_READ, 0);
    write_txn(txn, 30000, 1);
    CHECK_STATUS(omendb_txn_delete(txn, 10), OMENDB_OK);
    omendb_txn_free(txn);

    CHECK(fingerprint(*db, &count) == before && count == count_before,
          "rolled-back writes changed the database (%" PRIu64 " keys, was %" PRIu64 ")", count, count_before);
    CHECK_STATUS(omendb_close(*db), OMENDB_OK);
    *db = open_database(path, 0);
    CHECK(fingerprint(*db, &count) == before && count == count_before,
          "rolled-back writes reappeared after reopen (%" PRIu64 " keys, was %" PRIu64 ")", count, count_before);
}

static void test_atomic_commit(omendb_db **db, const char *path) {
    check_section("commit is atomic");
    for (int64_t i = 0; i < 20; i++) write_db(*db, 50000 + i, i);
    omendb_snapshot *snapshot = NULL;
    CHECK_STATUS(omendb_snapshot_open(*db, &snapshot), OMENDB_OK);
    omendb_txn *reader = begin(*db, OMENDB_ISOLATION_REPEATABLE_READ, 1);
    omendb_txn *txn = begin(*db, OMENDB_ISOLATION_SERIALIZABLE, 0);
    for (int64_t i = 0; i < 500; i++) write_txn(txn, 40000 + i, 1000 + i);
    for (int64_t i = 0; i < 20; i++) CHECK_STATUS(omendb_txn_delete(txn, 50000 + i), OMENDB_OK);
    int early = 0;
    for (int64_t i = 0; i < 500; i++) early += read_db(*db, 40000 + i) != MISSING;
    CHECK(early == 0, "%d keys visible before the commit", early);
    CHECK_STATUS(omendb_txn_commit(txn), OMENDB_OK);
    omendb_txn_free(txn);

    int after = 0, snapshot_wrong = 0, reader_wrong = 0;
    for (int64_t i = 0; i < 500; i++) {
        const void *value = NULL;
        size_t length = 0;
        after += read_db(*db, 40000 + i) == 1000 + i;
        snapshot_wrong += omendb_snapshot_get(snapshot, 40000 + i, &value, &length) != OMENDB_NOT_FOUND;
        reader_wrong += read_txn(reader, 40000 + i) != MISSING;
    }
    for (int64_t i = 0; i < 20; i++) {
        const void *value = NULL;
        size_t length = 0;
        after += read_db(*db, 50000 + i) == MISSING;
        snapshot_wrong += omendb_snapshot_get(snapshot, 50000 + i, &value, &length) != OMENDB_OK;
        reader_wrong += read_txn(reader, 50000 + i) != i;
    }
    CHECK(after == 520, "only %d of the 520 writes of the commit are visible", after);
    CHECK(snapshot_wrong == 0, "%d keys of the commit leaked into an older snapshot", snapshot_wrong);
    CHECK(reader_wrong == 0, "%d keys of the commit leaked into an older transaction", reader_wrong);
    CHECK_STATUS(omendb_txn_commit(reader), OMENDB_OK);
    omendb_txn_free(reader);
    omendb_snapshot_free(snapshot);

    CHECK_STATUS(omendb_close(*db), OMENDB_OK);
    *db = open_database(path, 0);
    after = 0;
    for (int64_t i = 0; i < 500; i++) after += read_db(*db, 40000 + i) == 1000 + i;
    for (int64_t i = 0; i < 20; i++) after += read_db(*db, 50000 + i) == MISSING;
    CHECK(after == 520, "after reopen only %d of the 520 writes of the commit are visible", after);
}

/* Commits `txn` expecting OMENDB_CONFLICT with a message naming `key`. */
static void expect_conflict(omendb_txn *txn, int64_t key, const char *what, int level) {
    char needle[32];
    snprintf(needle, sizeof needle, "%" PRId64, key);
    int status = omendb_txn_commit(txn);
    CHECK(status == OMENDB_CONFLICT, "%s under %s: commit returned %d (%s), expected OMENDB_CONFLICT",
          what, level_name(level), status, omendb_status_string(status));
    CHECK(strstr(omendb_last_error(), needle) != NULL, "%s under %s: the conflict message \"%s\" does not name key %s",
          what, level_name(level), omendb_last_error(), needle);
    /* The transaction has ended. */
    CHECK_STATUS(omendb_txn_put(txn, key, &key, sizeof key), OMENDB_MISUSE);
    omendb_txn_free(txn);
}

static void test_write_conflicts(omendb_db *db) {
    for (size_t l = 0; l < 2; l++) {
        int level = LEVELS[l];
        check_section(level == OMENDB_ISOLATION_SERIALIZABLE ? "write-write conflicts, SERIALIZABLE"
                                                             : "write-write conflicts, REPEATABLE_READ");
        int64_t key = 4242 + (int64_t)l * 1000000;   /* 4242, 1004242 */
        write_db(db, key, 1);

        /* Two transactions write the same key: the first committer wins, the other leaves no trace. */
        omendb_txn *first = begin(db, level, 0), *second = begin(db, level, 0);
        write_txn(first, key, 2);
        write_txn(second, key, 3);
        write_txn(second, key + 1, 3);
        CHECK_STATUS(omendb_txn_commit(first), OMENDB_OK);
        omendb_txn_free(first);
        expect_conflict(second, key, "two transactions writing one key", level);
        CHECK(read_db(db, key) == 2 && read_db(db, key + 1) == MISSING,
              "after the conflict: %" PRId64 " and %" PRId64 " (the loser's writes leaked)", read_db(db, key), read_db(db, key + 1));

        /* A plain omendb_put is a commit too. */
        omendb_txn *txn = begin(db, level, 0);
        write_txn(txn, key, 5);
        write_db(db, key, 6);
        expect_conflict(txn, key, "a transaction against omendb_put", level);
        CHECK(read_db(db, key) == 6, "the plain put was overwritten by the conflicting transaction");

        /* A delete conflicts like a put. */
        txn = begin(db, level, 0);
        CHECK_STATUS(omendb_txn_delete(txn, key), OMENDB_OK);
        write_db(db, key, 7);
        expect_conflict(txn, key, "a delete against omendb_put", level);
        CHECK(read_db(db, key) == 7, "the conflicting delete took effect");

        /* Disjoint writes do not conflict. */
        first = begin(db, level, 0);
        second = begin(db, level, 0);
        write_txn(first, key, 8);
        write_txn(second, key + 2, 8);
        CHECK_STATUS(omendb_txn_commit(first), OMENDB_OK);
        CHECK_STATUS(omendb_txn_commit(second), OMENDB_OK);
        omendb_txn_free(first);
        omendb_txn_free(second);

        /* Reads are repeatable: the snapshot of the first read stays. */
        txn = begin(db, level, 0);
        CHECK(read_txn(txn, key) == 8, "did not read the committed 8");
        write_db(db, key, 9);
        CHECK(read_txn(txn, key) == 8, "a concurrent commit changed a repeated read under %s", level_name(level));
        omendb_txn_free(txn);
    }
}

/* Counts the entries of a transaction iterator over [lower, upper), forward or backward. */
static int scan(omendb_txn *txn, int64_t lower, int64_t upper, int backward) {
    omendb_iterator *it = NULL;
    int count = 0;
    CHECK_STATUS(omendb_txn_iterator_create(txn, &it), OMENDB_OK);
    CHECK_STATUS(omendb_iterator_set_bounds(it, lower, upper), OMENDB_OK);
    if (backward) {
        for (omendb_iterator_seek_last(it); omendb_iterator_valid(it); omendb_iterator_prev(it)) count++;
    } else {
        for (omendb_iterator_seek_first(it); omendb_iterator_valid(it); omendb_iterator_next(it)) count++;
    }
    omendb_iterator_free(it);
    return count;
}

/* Read validation: a transaction that read a key (or found it absent, or scanned a range)
 * that a later commit changed is refused under SERIALIZABLE; REPEATABLE_READ validates only
 * its writes, so the same interleavings commit there. */
static void test_read_conflicts(omendb_db *db) {
    for (size_t l = 0; l < 2; l++) {
        int level = LEVELS[l];
        int serializable = level == OMENDB_ISOLATION_SERIALIZABLE;
        int64_t base = 7000 + (int64_t)l * 1000000;
        check_section(serializable ? "read and range validation, SERIALIZABLE" : "no read validation, REPEATABLE_READ");

        /* A point read that a later commit overwrote. */
        write_db(db, base, 1);
        omendb_txn *txn = begin(db, level, 0);
        CHECK(read_txn(txn, base) == 1, "did not read the committed 1");
        write_db(db, base, 2);
        write_txn(txn, base + 1, 1);
        if (serializable) expect_conflict(txn, base, "a read key overwritten after the read", level);
        else { CHECK_STATUS(omendb_txn_commit(txn), OMENDB_OK); omendb_txn_free(txn); }

        /* A key read as absent that a later commit inserted. */
        txn = begin(db, level, 0);
        CHECK(read_txn(txn, base + 100) == MISSING, "key %" PRId64 " should be absent", base + 100);
        write_db(db, base + 100, 1);
        write_txn(txn, base + 101, 1);
        if (serializable) expect_conflict(txn, base + 100, "a key read as absent, then inserted", level);
        else { CHECK_STATUS(omendb_txn_commit(txn), OMENDB_OK); omendb_txn_free(txn); }

        /* A scanned range that a later commit inserted into, forward and backward. */
        int64_t lower = base + 1000, upper = base + 1100;
        for (int64_t k = lower; k < upper; k += 10) write_db(db, k, k);
        for (int backward = 0; backward < 2; backward++) {
            int64_t phantom = lower + 55 + backward;
            txn = begin(db, level, 0);
            int seen = scan(txn, lower, upper, backward);
            CHECK(seen == 10 + backward, "the scan saw %d keys, expected %d", seen, 10 + backward);
            write_db(db, phantom, 1);
            write_txn(txn, base + 2000, seen);
            if (serializable) {
                int status = omendb_txn_commit(txn);
                CHECK(status == OMENDB_CONFLICT, "a phantom in a %s-scanned range: commit returned %d (%s)",
                      backward ? "backward" : "forward", status, omendb_status_string(status));
                char key_text[32], range_text[32];
                snprintf(key_text, sizeof key_text, "%" PRId64, phantom);
                snprintf(range_text, sizeof range_text, "%" PRId64, lower);
                CHECK(strstr(omendb_last_error(), key_text) || strstr(omendb_last_error(), range_text),
                      "the range conflict message \"%s\" names neither the key %s nor the range from %s",
                      omendb_last_error(), key_text, range_text);
            } else {
                CHECK_STATUS(omendb_txn_commit(txn), OMENDB_OK);
            }
            omendb_txn_free(txn);
        }

        /* Commits outside everything the transaction read do not conflict. */
        txn = begin(db, level, 0);
        CHECK(read_txn(txn, base) == 2, "did not read the committed 2");
        int seen = scan(txn, lower, upper, 0);
        CHECK(seen == 12, "the scan saw %d keys, expected 12", seen);
        write_db(db, lower - 500, 1);
        write_db(db, upper + 500, 1);
        write_db(db, base + 1, 5);
        write_txn(txn, base + 3000, seen);
        CHECK_STATUS(omendb_txn_commit(txn), OMENDB_OK);
        omendb_txn_free(txn);
    }
}

/* READ_COMMITTED reads the newest committed state each time and validates nothing;
 * READ_UNCOMMITTED behaves exactly the same (never shows another transaction's
 * uncommitted writes). */
static void test_read_committed(omendb_db *db) {
    const int levels[] = {OMENDB_ISOLATION_READ_COMMITTED, OMENDB_ISOLATION_READ_UNCOMMITTED};
    for (size_t l = 0; l < 2; l++) {
        int level = levels[l];
        int64_t key = 6000 + (int64_t)l * 10;
        check_section(l == 0 ? "READ_COMMITTED" : "READ_UNCOMMITTED (as READ_COMMITTED)");
        write_db(db, key, 1);
        omendb_txn *txn = begin(db, level, 0);
        CHECK(read_txn(txn, key) == 1, "did not read the committed 1");
        write_db(db, key, 2);
        CHECK(read_txn(txn, key) == 2, "%s did not see a newer commit", level_name(level));
        omendb_txn *writer = begin(db, OMENDB_ISOLATION_SERIALIZABLE, 0);
        write_txn(writer, key + 1, 1);
        CHECK(read_txn(txn, key + 1) == MISSING, "%s saw another transaction's uncommitted write", level_name(level));
        omendb_txn_free(writer);
        write_txn(txn, key, 3);
        write_db(db, key, 4);
        CHECK(read_txn(txn, key) == 3, "own write not visible under %s", level_name(level));
        CHECK_STATUS(omendb_txn_commit(txn), OMENDB_OK);   /* no commit validation */
        omendb_txn_free(txn);
        CHECK(read_db(db, key) == 3, "the %s commit did not land", level_name(level));
    }
}

static void test_read_only(omendb_db **db, const char *path) {
    check_section("read-only transactions and databases");
    omendb_txn *txn = begin(*db, OMENDB_ISOLATION_SERIALIZABLE, 1);
    CHECK(read_txn(txn, 10) == 300, "a read-only transaction did not read 10");
    int64_t value = 1;
    CHECK_STATUS(omendb_txn_put(txn, 10, &value, sizeof value), OMENDB_READ_ONLY);
    CHECK_ERROR_MENTIONS("omendb_txn_put");
    CHECK_STATUS(omendb_txn_delete(txn, 10), OMENDB_READ_ONLY);
    CHECK_ERROR_MENTIONS("omendb_txn_delete");
    CHECK(read_txn(txn, 10) == 300, "a refused write changed the read-only transaction's view");
    CHECK_STATUS(omendb_txn_commit(txn), OMENDB_OK);
    omendb_txn_free(txn);
    CHECK(read_db(*db, 10) == 300, "a read-only transaction wrote");

    CHECK_STATUS(omendb_close(*db), OMENDB_OK);
    *db = open_database(path, 1);
    omendb_txn_options *options = NULL;
    CHECK_STATUS(omendb_txn_options_create(&options), OMENDB_OK);
    txn = NULL;
    CHECK_STATUS(omendb_txn_begin(*db, options, &txn), OMENDB_READ_ONLY);   /* read-write by default */
    CHECK(txn == NULL, "a refused begin wrote a handle");
    CHECK_STATUS(omendb_txn_options_set_read_only(options, 1), OMENDB_OK);
    CHECK_STATUS(omendb_txn_begin(*db, options, &txn), OMENDB_OK);
    CHECK(read_txn(txn, 10) == 300, "a read-only transaction on a read-only database did not read 10");
    CHECK_STATUS(omendb_txn_commit(txn), OMENDB_OK);
    omendb_txn_free(txn);
    omendb_txn_options_free(options);
    CHECK_STATUS(omendb_close(*db), OMENDB_OK);
    *db = open_database(path, 0);
}

static void test_misuse(omendb_db *db) {
    check_section("misuse after the end, NULL, freed and wrong-type handles");
    int64_t value = 1;
    const void *pointer = NULL;
    size_t length = 0;
    omendb_iterator *it = NULL, *late = NULL;
    for (int ending = 0; ending < 2; ending++) {   /* commit, then rollback */
        omendb_txn *txn = begin(db, OMENDB_ISOLATION_SERIALIZABLE, 0);
        write_txn(txn, 60000, 1);
        CHECK_STATUS(omendb_txn_iterator_create(txn, &it), OMENDB_OK);
        CHECK_STATUS(ending == 0 ? omendb_txn_commit(txn) : omendb_txn_rollback(txn), OMENDB_OK);
        CHECK_STATUS(omendb_txn_get(txn, 60000, &value, sizeof value, &length), OMENDB_MISUSE);
        CHECK_ERROR_MENTIONS("omendb_txn_get");
        CHECK_STATUS(omendb_txn_get_pointer(txn, 60000, &pointer, &length), OMENDB_MISUSE);
        CHECK_STATUS(omendb_txn_put(txn, 60000, &value, sizeof value), OMENDB_MISUSE);
        CHECK_STATUS(omendb_txn_delete(txn, 60000), OMENDB_MISUSE);
        late = NULL;
        CHECK_STATUS(omendb_txn_iterator_create(txn, &late), OMENDB_MISUSE);
        CHECK(late == NULL, "an ended transaction handed out an iterator");
        CHECK_STATUS(omendb_txn_commit(txn), OMENDB_MISUSE);
        CHECK_STATUS(omendb_txn_rollback(txn), OMENDB_OK);   /* idempotent */
        /* Its iterators end with it. */
        CHECK_STATUS(omendb_iterator_seek_first(it), OMENDB_MISUSE);
        CHECK_STATUS(omendb_iterator_seek(it, 60000), OMENDB_MISUSE);
        CHECK(!omendb_iterator_valid(it), "an iterator of an ended transaction is valid");
        omendb_iterator_free(it);
        omendb_txn_free(txn);
    }

    /* NULL pointers: a clear error, no handle written. */
    omendb_txn *txn = NULL;
    CHECK_STATUS(omendb_txn_begin(NULL, NULL, &txn), OMENDB_INVALID_ARGUMENT);
    CHECK_ERROR_MENTIONS("NULL");
    CHECK(txn == NULL, "a failed begin wrote a handle");
    CHECK_STATUS(omendb_txn_begin(db, NULL, NULL), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_txn_get(NULL, 1, &value, sizeof value, &length), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_txn_get_pointer(NULL, 1, &pointer, &length), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_txn_put(NULL, 1, &value, sizeof value), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_txn_delete(NULL, 1), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_txn_iterator_create(NULL, &it), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_txn_commit(NULL), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_txn_rollback(NULL), OMENDB_INVALID_ARGUMENT);
    omendb_txn_free(NULL);
    CHECK_STATUS(omendb_txn_options_create(NULL), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_txn_options_set_isolation(NULL, OMENDB_ISOLATION_SERIALIZABLE), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_txn_options_set_read_only(NULL, 1), OMENDB_INVALID_ARGUMENT);
    omendb_txn_options_free(NULL);

    /* NULL arguments and bad values on a live transaction and options object. */
    omendb_txn_options *options = NULL;
    CHECK_STATUS(omendb_txn_options_create(&options), OMENDB_OK);
    CHECK_STATUS(omendb_txn_options_set_isolation(options, 4), OMENDB_INVALID_ARGUMENT);
    CHECK_ERROR_MENTIONS("omendb_txn_options_set_isolation");
    CHECK_STATUS(omendb_txn_options_set_isolation(options, -1), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_txn_begin(db, options, &txn), OMENDB_OK);   /* the defaults stayed valid */
    CHECK_STATUS(omendb_txn_get(txn, 10, NULL, sizeof value, &length), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_txn_get(txn, 10, &value, sizeof value, NULL), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_txn_get_pointer(txn, 10, NULL, &length), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_txn_get_pointer(txn, 10, &pointer, NULL), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_txn_put(txn, 61000, NULL, 5), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_txn_put(txn, 61000, &value, SIZE_MAX), OMENDB_TOO_LARGE);
    CHECK_STATUS(omendb_txn_iterator_create(txn, NULL), OMENDB_INVALID_ARGUMENT);
    CHECK(read_txn(txn, 61000) == MISSING, "a refused put was stored");
    CHECK_STATUS(omendb_txn_put(txn, 61000, NULL, 0), OMENDB_OK);   /* NULL with length 0 is an empty value */

    /* A freed transaction and handles of another type are refused, not used. */
    omendb_txn_free(txn);
    CHECK_STATUS(omendb_txn_put(txn, 61000, &value, sizeof value), OMENDB_MISUSE);
    CHECK_ERROR_MENTIONS("freed");
    CHECK_STATUS(omendb_txn_commit(txn), OMENDB_MISUSE);
    CHECK_STATUS(omendb_txn_get((omendb_txn *)(void *)db, 10, &value, sizeof value, &length), OMENDB_MISUSE);
    CHECK_STATUS(omendb_txn_begin(db, (const omendb_txn_options *)(void *)db, &txn), OMENDB_MISUSE);
    omendb_txn_options_free(options);
    CHECK_STATUS(omendb_txn_options_set_read_only(options, 1), OMENDB_MISUSE);
    CHECK(read_db(db, 60000) == 1 && read_db(db, 61000) == MISSING, "misuse changed the database");
}

/* The transaction iterator against a reference: the snapshot at begin (a later commit
 * is not visible) merged with the transaction's own puts and deletes. */
#define MERGE_KEYS 600
/* Keys from INT64_MIN up, far below every other key of this test: the iterators are bounded
 * to [INT64_MIN, MERGE_END). */
static int64_t merge_key(int i) { return INT64_MIN + (int64_t)i * 1000; }
#define MERGE_END merge_key(MERGE_KEYS)
static size_t merge_length(int i, int version) { return (size_t)((i * 7 + version * 13) % 40); }
static void merge_fill(int i, int version, unsigned char *out) {
    for (size_t b = 0; b < merge_length(i, version); b++) out[b] = (unsigned char)(i * 31 + version * 17 + (int)b);
}

typedef struct { int version[MERGE_KEYS]; } merge_state;   /* -1 = absent */

static int merge_entry_ok(const merge_state *ref, int i, const void *value, size_t length) {
    unsigned char expected[64];
    if (i < 0 || i >= MERGE_KEYS || ref->version[i] < 0) return 0;
    merge_fill(i, ref->version[i], expected);
    return length == merge_length(i, ref->version[i]) && (length == 0 || memcmp(value, expected, length) == 0);
}

/* The reference index of the first present key >= key (forward) or last <= key (backward), or -1. */
static int merge_seek(const merge_state *ref, int64_t key, int backward, int64_t lower, int64_t upper) {
    if (!backward) {
        for (int i = 0; i < MERGE_KEYS; i++)
            if (ref->version[i] >= 0 && merge_key(i) >= key && merge_key(i) >= lower && merge_key(i) < upper) return i;
    } else {
        for (int i = MERGE_KEYS - 1; i >= 0; i--)
            if (ref->version[i] >= 0 && merge_key(i) <= key && merge_key(i) >= lower && merge_key(i) < upper) return i;
    }
    return -1;
}

/* Walks the iterator from its position to the end in one direction, the reference from
 * index i (-1: at the end): 1 at the first difference, 0 when both end together. */
static int merge_walk(omendb_iterator *it, const merge_state *ref, int i, int backward, int64_t lower, int64_t upper) {
    while (i >= 0 || omendb_iterator_valid(it)) {
        int64_t key = 0;
        const void *value = NULL;
        size_t length = 0;
        if (i < 0 || !omendb_iterator_valid(it)) return 1;
        if (omendb_iterator_entry(it, &key, &value, &length) != OMENDB_OK) return 1;
        if (key != merge_key(i) || !merge_entry_ok(ref, i, value, length)) return 1;
        if ((backward ? omendb_iterator_prev(it) : omendb_iterator_next(it)) != OMENDB_OK) return 1;
        do i += backward ? -1 : 1;   /* the next present key within the bounds */
        while (i >= 0 && i < MERGE_KEYS && (ref->version[i] < 0 || merge_key(i) < lower || merge_key(i) >= upper));
        if (i >= MERGE_KEYS) i = -1;
    }
    return 0;
}

static void test_iterator_merge(omendb_db *db, uint64_t seed) {
    rng_t rng = {seed};
    unsigned char value[64];
    for (size_t l = 0; l < 2; l++) {
        int level = LEVELS[l];
        check_section(l == 0 ? "iterator merges own writes, REPEATABLE_READ" : "iterator merges own writes, SERIALIZABLE");
        merge_state ref, written = {{0}};
        omendb_batch *batch = NULL;
        CHECK_STATUS(omendb_batch_create(&batch), OMENDB_OK);
        for (int i = 0; i < MERGE_KEYS; i++) {
            ref.version[i] = rng_next(&rng) % 2 ? (int)(rng_next(&rng) % 1000) : -1;
            if (ref.version[i] >= 0) {
                merge_fill(i, ref.version[i], value);
                CHECK_STATUS(omendb_batch_put(batch, merge_key(i), value, merge_length(i, ref.version[i])), OMENDB_OK);
            } else {
                CHECK_STATUS(omendb_batch_delete(batch, merge_key(i)), OMENDB_OK);
            }
        }
        CHECK_STATUS(omendb_write(db, batch), OMENDB_OK);
        if (l == 1) CHECK_STATUS(omendb_flush(db), OMENDB_OK);   /* the snapshot partly in a run file */

        omendb_txn *txn = begin(db, level, 0);
        /* A commit after the begin is not part of the transaction's view. */
        CHECK_STATUS(omendb_batch_clear(batch), OMENDB_OK);
        for (int n = 0; n < 100; n++) {
            int i = (int)(rng_next(&rng) % MERGE_KEYS);
            if (rng_next(&rng) % 2) CHECK_STATUS(omendb_batch_delete(batch, merge_key(i)), OMENDB_OK);
            else { merge_fill(i, 5000, value); CHECK_STATUS(omendb_batch_put(batch, merge_key(i), value, merge_length(i, 5000)), OMENDB_OK); }
        }
        CHECK_STATUS(omendb_write(db, batch), OMENDB_OK);
        omendb_batch_free(batch);
        /* Own puts (new keys and overwrites, the extremes included) and deletes (of present and absent keys). */
        for (int n = 0; n < 300; n++) {
            int i = n < 4 ? (n % 2 ? MERGE_KEYS - 1 - n / 2 : n / 2) : (int)(rng_next(&rng) % MERGE_KEYS);
            if (n >= 4 && rng_next(&rng) % 3 == 0) {
                CHECK_STATUS(omendb_txn_delete(txn, merge_key(i)), OMENDB_OK);
                ref.version[i] = -1;
            } else {
                ref.version[i] = 2000 + n;
                merge_fill(i, ref.version[i], value);
                CHECK_STATUS(omendb_txn_put(txn, merge_key(i), value, merge_length(i, ref.version[i])), OMENDB_OK);
            }
        }

        omendb_iterator *it = NULL;
        CHECK_STATUS(omendb_txn_iterator_create(txn, &it), OMENDB_OK);
        CHECK(!omendb_iterator_valid(it), "a new transaction iterator is valid before a seek");
        CHECK_STATUS(omendb_iterator_set_bounds(it, INT64_MIN, MERGE_END), OMENDB_OK);
        CHECK_STATUS(omendb_iterator_seek_first(it), OMENDB_OK);
        CHECK(merge_walk(it, &ref, merge_seek(&ref, INT64_MIN, 0, INT64_MIN, MERGE_END), 0, INT64_MIN, MERGE_END) == 0,
              "forward iteration differs from the reference");
        CHECK_STATUS(omendb_iterator_seek_last(it), OMENDB_OK);
        CHECK(merge_walk(it, &ref, merge_seek(&ref, INT64_MAX, 1, INT64_MIN, MERGE_END), 1, INT64_MIN, MERGE_END) == 0,
              "backward iteration differs from the reference");
        int wrong_seeks = 0;
        for (int n = 0; n < 200; n++) {
            int64_t target = merge_key(0) + (int64_t)(rng_next(&rng) % ((MERGE_KEYS + 1) * 1000));
            int backward = n % 2;
            int64_t lower = INT64_MIN, upper = MERGE_END;
            if (n % 4 >= 2) {   /* narrower bounds, at a key or just after one */
                lower = merge_key((int)(rng_next(&rng) % MERGE_KEYS)) + (int64_t)(rng_next(&rng) % 2);
                upper = lower + (int64_t)(rng_next(&rng) % 100000);
                CHECK_STATUS(omendb_iterator_set_bounds(it, lower, upper), OMENDB_OK);
            }
            CHECK_STATUS(backward ? omendb_iterator_seek_for_prev(it, target) : omendb_iterator_seek(it, target), OMENDB_OK);
            wrong_seeks += merge_walk(it, &ref, merge_seek(&ref, target, backward, lower, upper), backward, lower, upper) != 0;
            if (n % 4 >= 2) CHECK_STATUS(omendb_iterator_set_bounds(it, INT64_MIN, MERGE_END), OMENDB_OK);
        }
        CHECK(wrong_seeks == 0, "%d of 200 seeks (with and without bounds) walked differently from the reference", wrong_seeks);

        /* Batched reads work on a transaction iterator too. */
        int64_t keys[32];
        size_t lengths[32], count = 0;
        unsigned char buffer[32 * 64];
        CHECK_STATUS(omendb_iterator_seek_first(it), OMENDB_OK);
        CHECK_STATUS(omendb_iterator_read(it, 1, 32, keys, lengths, buffer, sizeof buffer, &count), OMENDB_OK);
        int i = merge_seek(&ref, INT64_MIN, 0, INT64_MIN, MERGE_END), wrong_read = count != 32;
        size_t offset = 0;
        for (size_t n = 0; n < count && i >= 0; n++) {
            wrong_read += keys[n] != merge_key(i) || !merge_entry_ok(&ref, i, buffer + offset, lengths[n]);
            offset += lengths[n];
            i = merge_seek(&ref, merge_key(i) + 1, 0, INT64_MIN, MERGE_END);
        }
        CHECK(wrong_read == 0, "omendb_iterator_read on a transaction iterator: %zu entries, %d wrong", count, wrong_read);
        omendb_iterator_free(it);
        /* The concurrent commit touched what this transaction wrote or scanned: it may not commit. */
        omendb_txn_free(txn);

        /* A transaction with no concurrent commit commits its last write of each key. */
        txn = begin(db, level, 0);
        int touched[MERGE_KEYS] = {0};
        for (int n = 0; n < 200; n++) {
            int k = (int)(rng_next(&rng) % MERGE_KEYS);
            touched[k] = 1;
            if (rng_next(&rng) % 3 == 0) { CHECK_STATUS(omendb_txn_delete(txn, merge_key(k)), OMENDB_OK); written.version[k] = -1; }
            else {
                written.version[k] = 3000 + n;
                merge_fill(k, written.version[k], value);
                CHECK_STATUS(omendb_txn_put(txn, merge_key(k), value, merge_length(k, written.version[k])), OMENDB_OK);
            }
        }
        CHECK_STATUS(omendb_txn_commit(txn), OMENDB_OK);
        omendb_txn_free(txn);
        int wrong = 0;
        omendb_snapshot *snapshot = NULL;
        CHECK_STATUS(omendb_snapshot_open(db, &snapshot), OMENDB_OK);
        for (int k = 0; k < MERGE_KEYS; k++) {
            if (!touched[k]) continue;
            const void *got = NULL;
            size_t length = 0;
            int status = omendb_snapshot_get(snapshot, merge_key(k), &got, &length);
            wrong += written.version[k] < 0 ? status != OMENDB_NOT_FOUND : status != OMENDB_OK || !merge_entry_ok(&written, k, got, length);
        }
        omendb_snapshot_free(snapshot);
        CHECK(wrong == 0, "%d keys written by the committed transaction read back wrong", wrong);
    }
}

/* Zero-copy reads stay valid until the transaction is freed: across its own later writes
 * (an overwrite of the same key included), other commits, flush, compaction and the
 * commit or rollback. */
static void test_zero_copy(omendb_db *db) {
    check_section("zero-copy reads valid until the transaction is freed");
    unsigned char committed[100], own[200], later[300];
    for (size_t i = 0; i < sizeof committed; i++) committed[i] = (unsigned char)(i * 3 + 1);
    for (size_t i = 0; i < sizeof own; i++) own[i] = (unsigned char)(i * 5 + 2);
    for (size_t i = 0; i < sizeof later; i++) later[i] = (unsigned char)(i * 7 + 3);
    CHECK_STATUS(omendb_put(db, 70000, committed, sizeof committed), OMENDB_OK);
    for (int read_only = 0; read_only < 2; read_only++) {
        omendb_txn *txn = begin(db, OMENDB_ISOLATION_SERIALIZABLE, read_only);
        const void *from_snapshot = NULL, *from_own = NULL, *again = NULL;
        size_t snapshot_length = 0, own_length = 0, length = 0;
        CHECK_STATUS(omendb_txn_get_pointer(txn, 70000, &from_snapshot, &snapshot_length), OMENDB_OK);
        if (!read_only) {
            CHECK_STATUS(omendb_txn_put(txn, 70001, own, sizeof own), OMENDB_OK);
            CHECK_STATUS(omendb_txn_get_pointer(txn, 70001, &from_own, &own_length), OMENDB_OK);
            for (int64_t i = 0; i < 2000; i++) CHECK_STATUS(omendb_txn_put(txn, 70100 + i, later, 64), OMENDB_OK);
            CHECK_STATUS(omendb_txn_put(txn, 70001, later, sizeof later), OMENDB_OK);
            CHECK_STATUS(omendb_txn_delete(txn, 70000), OMENDB_OK);
            CHECK_STATUS(omendb_txn_get_pointer(txn, 70001, &again, &length), OMENDB_OK);
            CHECK(length == sizeof later && memcmp(again, later, length) == 0, "the own overwrite of 70001 reads back wrong");
            CHECK_STATUS(omendb_txn_get_pointer(txn, 70000, &again, &length), OMENDB_NOT_FOUND);
        }
        for (int i = 0; i < 50; i++) CHECK_STATUS(omendb_put(db, 70000, later, (size_t)i), OMENDB_OK);
        CHECK_STATUS(omendb_flush(db), OMENDB_OK);
        CHECK_STATUS(omendb_compact(db), OMENDB_OK);
        /* Ended, but not freed: the values stay. */
        CHECK_STATUS(read_only ? omendb_txn_commit(txn) : omendb_txn_rollback(txn), OMENDB_OK);
        CHECK(snapshot_length == sizeof committed && from_snapshot && memcmp(from_snapshot, committed, sizeof committed) == 0,
              "a zero-copy read of a committed value changed before the transaction was freed (read-only %d)", read_only);
        if (!read_only)
            CHECK(own_length == sizeof own && from_own && memcmp(from_own, own, sizeof own) == 0,
                  "a zero-copy read of an own write changed after the transaction overwrote the key");
        omendb_txn_free(txn);
        CHECK_STATUS(omendb_put(db, 70000, committed, sizeof committed), OMENDB_OK);
    }
}

/* A transaction outlives omendb_close: REPEATABLE_READ and SERIALIZABLE reads go on at the
 * snapshot; READ_COMMITTED reads, writes and commits are OMENDB_MISUSE; nothing of it is written. */
static void test_close_with_open_transactions(omendb_db **db, const char *path) {
    check_section("transactions open across omendb_close");
    write_db(*db, 90000, 1);
    omendb_txn *snapshot_txn = begin(*db, OMENDB_ISOLATION_REPEATABLE_READ, 0);
    omendb_txn *committed_txn = begin(*db, OMENDB_ISOLATION_READ_COMMITTED, 0);
    write_txn(snapshot_txn, 90001, 1);
    write_txn(committed_txn, 90002, 1);
    CHECK_STATUS(omendb_close(*db), OMENDB_OK);
    CHECK(read_txn(snapshot_txn, 90000) == 1, "a REPEATABLE_READ read after omendb_close failed");
    CHECK(read_txn(snapshot_txn, 90001) == 1, "an own write is not readable after omendb_close");
    char buffer[16];
    size_t length = 0;
    CHECK_STATUS(omendb_txn_get(committed_txn, 90000, buffer, sizeof buffer, &length), OMENDB_MISUSE);
    CHECK_STATUS(omendb_txn_put(snapshot_txn, 90003, "x", 1), OMENDB_MISUSE);
    CHECK_STATUS(omendb_txn_delete(committed_txn, 90000), OMENDB_MISUSE);
    CHECK_STATUS(omendb_txn_commit(snapshot_txn), OMENDB_MISUSE);
    CHECK_STATUS(omendb_txn_commit(committed_txn), OMENDB_MISUSE);
    omendb_txn_free(snapshot_txn);
    omendb_txn_free(committed_txn);
    *db = open_database(path, 0);
    CHECK(read_db(*db, 90000) == 1 && read_db(*db, 90001) == MISSING && read_db(*db, 90002) == MISSING,
          "a transaction left open across omendb_close wrote");
}

static void test_statistics(omendb_db *db) {
    check_section("statistics");
    omendb_db_stats stats;
    memset(&stats, 0, sizeof stats);
    stats.struct_size = sizeof stats;
    CHECK_STATUS(omendb_get_stats(db, &stats), OMENDB_OK);
    uint64_t conflicts = stats.conflicts;
    CHECK(stats.active_transactions == 0, "%" PRIu64 " active transactions with none open", stats.active_transactions);
    CHECK(stats.oldest_pinned_sequence == 0, "oldest pinned sequence %" PRIu64 " with nothing pinned", stats.oldest_pinned_sequence);
    omendb_txn *first = begin(db, OMENDB_ISOLATION_SERIALIZABLE, 0), *second = begin(db, OMENDB_ISOLATION_REPEATABLE_READ, 1);
    CHECK_STATUS(omendb_get_stats(db, &stats), OMENDB_OK);
    CHECK(stats.active_transactions == 2, "%" PRIu64 " active transactions, expected 2", stats.active_transactions);
    CHECK(stats.oldest_pinned_sequence > 0 && stats.oldest_pinned_sequence <= stats.last_sequence,
          "oldest pinned sequence %" PRIu64 " with two snapshot transactions open (last sequence %" PRIu64 ")",
          stats.oldest_pinned_sequence, stats.last_sequence);
    write_txn(first, 80000, 1);
    write_db(db, 80000, 2);
    expect_conflict(first, 80000, "the statistics' conflict", OMENDB_ISOLATION_SERIALIZABLE);
    CHECK_STATUS(omendb_get_stats(db, &stats), OMENDB_OK);
    CHECK(stats.active_transactions == 1, "%" PRIu64 " active transactions, expected 1", stats.active_transactions);
    CHECK(stats.conflicts == conflicts + 1, "conflicts went from %" PRIu64 " to %" PRIu64 ", expected +1", conflicts, stats.conflicts);
    omendb_txn_free(second);
    CHECK_STATUS(omendb_get_stats(db, &stats), OMENDB_OK);
    CHECK(stats.active_transactions == 0 && stats.oldest_pinned_sequence == 0,
          "after the end: %" PRIu64 " active, oldest pinned %" PRIu64, stats.active_transactions, stats.oldest_pinned_sequence);
}

int main(void) {
    const char *seed_text = getenv("OMENDB_TEST_SEED");
    uint64_t seed = seed_text ? strtoull(seed_text, NULL, 10) : (uint64_t)time(NULL);
    printf("seed %" PRIu64 " (OMENDB_TEST_SEED=%" PRIu64 " reproduces)\n", seed, seed);
    char path[] = "/tmp/omendb-test-transactions-XXXXXX";
    if (!mkdtemp(path)) { perror("mkdtemp"); return 1; }
    char db_path[sizeof path + 8];
    snprintf(db_path, sizeof db_path, "%s/db", path);

    omendb_db *db = open_database(db_path, 0);
    test_own_writes(db);
    test_rollback(&db, db_path);
    test_atomic_commit(&db, db_path);
    test_write_conflicts(db);
    test_read_conflicts(db);
    test_read_committed(db);
    test_read_only(&db, db_path);
    test_misuse(db);
    test_iterator_merge(db, seed);
    test_zero_copy(db);
    test_statistics(db);
    test_close_with_open_transactions(&db, db_path);
    CHECK_STATUS(omendb_verify(db), OMENDB_OK);
    CHECK_STATUS(omendb_close(db), OMENDB_OK);

    char command[sizeof path + 16];
    snprintf(command, sizeof command, "rm -rf '%s'", path);
    if (system(command) != 0) fprintf(stderr, "could not remove %s\n", path);
    return check_summary();
}
