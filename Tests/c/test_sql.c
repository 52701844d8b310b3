/*
 * test_sql.c — OmenDB tables in SQLite through the real sqlite3 API on connections
 * where omendb_sql_register installed the module (include/omendb_sql.h): create,
 * insert, select, update (also of the key), delete, reopen; EXPLAIN QUERY PLAN shows
 * key predicates pushed down (never a plain full scan); transactions, rollback,
 * savepoints and statement rollback; conflicts between two connections (SQLITE_BUSY
 * with OmenDB's message); isolation levels; constraint errors naming the key; the
 * loadable extension and omendb_sql_auto_register; a seeded random workload against
 * a native SQLite table.
 * Usage: test_sql [path of libomendb_sql.so, for the loadable-extension checks].
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check.h"
#include "omendb_sql.h"
#include "reference.h"

static char directory[256];

/* Runs `sql`; returns the status (the message goes to stderr when not expected). */
static int run(sqlite3 *conn, const char *sql) {
    char *message = NULL;
    int status = sqlite3_exec(conn, sql, NULL, NULL, &message);
    if (status != SQLITE_OK) fprintf(stderr, "    (%s -> %d: %s)\n", sql, status, message ? message : "");
    sqlite3_free(message);
    return status;
}

#define CHECK_SQL(conn, sql) CHECK(run((conn), (sql)) == SQLITE_OK, "%s", (sql))

/* The first column of the first row of `sql` as an integer (INT64_MIN: no row or an error). */
static int64_t integer(sqlite3 *conn, const char *sql) {
    sqlite3_stmt *statement = NULL;
    int64_t result = INT64_MIN;
    if (sqlite3_prepare_v2(conn, sql, -1, &statement, NULL) != SQLITE_OK) {
        fprintf(stderr, "    (prepare %s: %s)\n", sql, sqlite3_errmsg(conn));
        return result;
    }
    if (sqlite3_step(statement) == SQLITE_ROW) result = sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    return result;
}

/* The first column of the first row of `sql` as text, into `buffer` ("" when none). */
static const char *text(sqlite3 *conn, const char *sql, char *buffer, size_t size) {
    sqlite3_stmt *statement = NULL;
    buffer[0] = 0;
    if (sqlite3_prepare_v2(conn, sql, -1, &statement, NULL) != SQLITE_OK) return buffer;
    if (sqlite3_step(statement) == SQLITE_ROW && sqlite3_column_text(statement, 0))
        snprintf(buffer, size, "%s", (const char *)sqlite3_column_text(statement, 0));
    sqlite3_finalize(statement);
    return buffer;
}

/* The EXPLAIN QUERY PLAN lines of `sql`, joined with " | ". */
static const char *plan(sqlite3 *conn, const char *sql, char *buffer, size_t size) {
    char query[1024];
    sqlite3_stmt *statement = NULL;
    size_t used = 0;
    buffer[0] = 0;
    snprintf(query, sizeof query, "EXPLAIN QUERY PLAN %s", sql);
    if (sqlite3_prepare_v2(conn, query, -1, &statement, NULL) != SQLITE_OK) return buffer;
    while (sqlite3_step(statement) == SQLITE_ROW && used + 1 < size) {
        used += (size_t)snprintf(buffer + used, size - used, "%s%s", used ? " | " : "",
                                 (const char *)sqlite3_column_text(statement, 3));
    }
    sqlite3_finalize(statement);
    return buffer;
}

static sqlite3 *connect(void) {
    sqlite3 *conn = NULL;
    CHECK(sqlite3_open(":memory:", &conn) == SQLITE_OK, "sqlite3_open");
    int status = omendb_sql_register(conn, directory);
    CHECK(status == SQLITE_OK, "omendb_sql_register: %d %s", status, sqlite3_errmsg(conn));
    return conn;
}

static void test_basics(void) {
    check_section("create, insert, select, update, delete");
    sqlite3 *conn = connect();
    char buffer[512];
    CHECK_SQL(conn, "CREATE VIRTUAL TABLE t USING omendb(id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB)");
    CHECK_SQL(conn, "INSERT INTO t VALUES (1, 'one', 1.5, x'00ff'), (2, 'two', 2, NULL), ('3', 3, '3.5', 'x')");
    CHECK(integer(conn, "SELECT count(*) FROM t") == 3, "three rows");
    CHECK(strcmp(text(conn, "SELECT typeof(id) || typeof(name) || typeof(score) || typeof(data) FROM t WHERE id = 3",
                      buffer, sizeof buffer), "integertextrealtext") == 0, "affinity as SQLite applies it: %s", buffer);
    CHECK(strcmp(text(conn, "SELECT typeof(score) FROM t WHERE id = 2", buffer, sizeof buffer), "real") == 0,
          "an integer in a REAL column reads as real: %s", buffer);
    CHECK(strcmp(text(conn, "SELECT hex(data) FROM t WHERE id = 1", buffer, sizeof buffer), "00FF") == 0, "blob: %s", buffer);
    CHECK_SQL(conn, "INSERT INTO t(name) VALUES ('auto')");
    CHECK(integer(conn, "SELECT last_insert_rowid()") == 4, "an automatic key is the largest + 1");
    CHECK(integer(conn, "SELECT id FROM t WHERE name = 'auto'") == 4, "the automatic key reads back");

    /* The key named in a constraint error; OR IGNORE / OR REPLACE. */
    CHECK(run(conn, "INSERT INTO t VALUES (1, 'again', 0, NULL)") == SQLITE_CONSTRAINT, "duplicate key");
    CHECK(strstr(sqlite3_errmsg(conn), "UNIQUE constraint failed: t.id") && strstr(sqlite3_errmsg(conn), "key 1"),
          "message names the key: %s", sqlite3_errmsg(conn));
    CHECK_SQL(conn, "INSERT OR IGNORE INTO t VALUES (1, 'ignored', 0, NULL)");
    CHECK(strcmp(text(conn, "SELECT name FROM t WHERE id = 1", buffer, sizeof buffer), "one") == 0, "OR IGNORE kept: %s", buffer);
    CHECK_SQL(conn, "INSERT OR REPLACE INTO t VALUES (1, 'replaced', 0, NULL)");
    CHECK(strcmp(text(conn, "SELECT name FROM t WHERE id = 1", buffer, sizeof buffer), "replaced") == 0, "OR REPLACE: %s", buffer);
    CHECK(run(conn, "INSERT INTO t VALUES ('abc', 'bad key', 0, NULL)") == SQLITE_MISMATCH, "text key: datatype mismatch");
    CHECK(run(conn, "INSERT INTO t VALUES (1.5, 'bad key', 0, NULL)") == SQLITE_MISMATCH, "real key: datatype mismatch");

    /* UPDATE of columns and of the key; DELETE. */
    CHECK_SQL(conn, "UPDATE t SET score = score * 2 WHERE id >= 2");
    CHECK(integer(conn, "SELECT CAST(sum(score) AS INTEGER) FROM t") == 11, "updated scores");
    CHECK_SQL(conn, "UPDATE t SET id = 100 WHERE id = 2");
    CHECK(integer(conn, "SELECT count(*) FROM t WHERE id = 2") == 0 && integer(conn, "SELECT count(*) FROM t WHERE id = 100") == 1,
          "key moved");
    CHECK(run(conn, "UPDATE t SET id = 3 WHERE id = 100") == SQLITE_CONSTRAINT, "moving onto an existing key");
    CHECK(run(conn, "UPDATE t SET id = NULL WHERE id = 100") == SQLITE_MISMATCH, "a NULL key");
    CHECK_SQL(conn, "DELETE FROM t WHERE id = 100 OR name = 'auto'");
    CHECK(strcmp(text(conn, "SELECT group_concat(id, ',') FROM t", buffer, sizeof buffer), "1,3") == 0, "after delete: %s", buffer);

    /* Schemas refused with a clear message. */
    CHECK(run(conn, "CREATE VIRTUAL TABLE bad USING omendb(name TEXT PRIMARY KEY)") == SQLITE_ERROR &&
          strstr(sqlite3_errmsg(conn), "INTEGER"), "a text primary key: %s", sqlite3_errmsg(conn));
    CHECK(run(conn, "CREATE VIRTUAL TABLE bad USING omendb(id INTEGER PRIMARY KEY, v TEXT UNIQUE)") == SQLITE_ERROR &&
          strstr(sqlite3_errmsg(conn), "UNIQUE"), "UNIQUE: %s", sqlite3_errmsg(conn));

    /* PostgreSQL DDL: an int key as a table constraint, NOT NULL, ADD PRIMARY KEY, TRUNCATE. */
    CHECK_SQL(conn, "CREATE VIRTUAL TABLE n USING omendb(k int8 NOT NULL, v text NOT NULL)");
    CHECK(run(conn, "INSERT INTO n VALUES (1, NULL)") == SQLITE_CONSTRAINT &&
          sqlite3_extended_errcode(conn) == SQLITE_CONSTRAINT_NOTNULL &&
          strcmp(sqlite3_errmsg(conn), "NOT NULL constraint failed: n.v") == 0, "NOT NULL: %s", sqlite3_errmsg(conn));
    CHECK_SQL(conn, "INSERT INTO n VALUES (20, 'b'), (10, 'a')");
    CHECK_SQL(conn, "SELECT omendb_set_primary_key('n', 'k')");
    CHECK(strcmp(text(conn, "SELECT group_concat(rowid || v, ',') FROM n", buffer, sizeof buffer), "10a,20b") == 0,
          "re-keyed by k: %s", buffer);
    CHECK_SQL(conn, "SELECT omendb_truncate('n')");
    CHECK(integer(conn, "SELECT count(*) FROM n") == 0, "truncated");
    CHECK_SQL(conn, "DROP TABLE n");
    CHECK(run(conn, "ALTER TABLE t RENAME TO u") != SQLITE_OK, "rename refused");
    CHECK(sqlite3_close(conn) == SQLITE_OK, "sqlite3_close: %s", sqlite3_errmsg(conn));

    check_section("reopen: the catalog declares the tables again");
    conn = connect();
    CHECK(strcmp(text(conn, "SELECT group_concat(id || name, ',') FROM t", buffer, sizeof buffer), "1replaced,33") == 0, "rows after reopen: %s", buffer);
    CHECK(integer(conn, "SELECT count(*) FROM sqlite_temp_master WHERE name = 't'") == 1, "declared in temp");
    CHECK(sqlite3_close(conn) == SQLITE_OK, "sqlite3_close: %s", sqlite3_errmsg(conn));
}

static void test_plans(void) {
    check_section("EXPLAIN QUERY PLAN: key predicates pushed down");
    sqlite3 *conn = connect();
    char buffer[1024];
    CHECK_SQL(conn, "CREATE VIRTUAL TABLE p USING omendb(id INTEGER PRIMARY KEY, v INTEGER)");
    CHECK_SQL(conn, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
                    "INSERT INTO p SELECT i * 2, i FROM n");
    CHECK_SQL(conn, "CREATE TABLE native(x INTEGER)");
    CHECK_SQL(conn, "INSERT INTO native VALUES (10), (20), (31)");
    static const struct { const char *sql; const char *expected; int64_t count; } cases[] = {
        {"SELECT * FROM p WHERE id = 10", "INDEX 1:id = ?", 1},
        {"SELECT * FROM p WHERE rowid = 10", "INDEX 1:id = ?", 1},
        {"SELECT * FROM p WHERE id IN (2, 4, 5, 4000, 4002)", "id IN (...)", 3},
        {"SELECT * FROM p WHERE id > 3990", "id > ?", 5},
        {"SELECT * FROM p WHERE id BETWEEN 100 AND 120", "id >= ? AND id <= ?", 11},
        {"SELECT * FROM p WHERE id < 7.5 AND id >= '2'", "id", 3},
        {"SELECT * FROM p ORDER BY id DESC LIMIT 3", "ORDER BY id DESC LIMIT", 3},
        {"SELECT * FROM p WHERE id >= 100 ORDER BY id LIMIT 2 OFFSET 1", "LIMIT OFFSET", 2},
        {"SELECT * FROM native JOIN p ON p.id = native.x", "INDEX 1:id = ?", 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        plan(conn, cases[i].sql, buffer, sizeof buffer);
        CHECK(strstr(buffer, cases[i].expected) != NULL, "%s: plan %s lacks %s", cases[i].sql, buffer, cases[i].expected);
        char count[1100];
        snprintf(count, sizeof count, "SELECT count(*) FROM (%s)", cases[i].sql);
        CHECK(integer(conn, count) == cases[i].count, "%s: %" PRId64 " rows", cases[i].sql, integer(conn, count));
    }
    plan(conn, "SELECT * FROM p WHERE v = 3", buffer, sizeof buffer);
    CHECK(strstr(buffer, "INDEX 0:") != NULL, "a non-key predicate is a full scan: %s", buffer);
    CHECK(integer(conn, "SELECT id FROM p ORDER BY id DESC LIMIT 1 OFFSET 2") == 3996, "descending with offset");
    CHECK(integer(conn, "SELECT count(*) FROM p WHERE id = 'x'") == 0 && integer(conn, "SELECT count(*) FROM p WHERE id < 'x'") == 2000,
          "integers sort before text");
    CHECK(integer(conn, "SELECT count(*) FROM p WHERE id = NULL") == 0, "NULL matches nothing");
    CHECK(sqlite3_close(conn) == SQLITE_OK, "sqlite3_close: %s", sqlite3_errmsg(conn));
}

static void test_transactions(void) {
    check_section("transactions, savepoints, statement rollback");
    sqlite3 *conn = connect();
    char buffer[512];
    CHECK_SQL(conn, "CREATE VIRTUAL TABLE a USING omendb(id INTEGER PRIMARY KEY, v TEXT)");
    CHECK_SQL(conn, "CREATE VIRTUAL TABLE b USING omendb(id INTEGER PRIMARY KEY, v TEXT)");
    CHECK_SQL(conn, "BEGIN; INSERT INTO a VALUES (1, 'a1'); INSERT INTO b VALUES (1, 'b1'); ROLLBACK");
    CHECK(integer(conn, "SELECT count(*) FROM a") == 0 && integer(conn, "SELECT count(*) FROM b") == 0, "rolled back");
    CHECK_SQL(conn, "BEGIN; INSERT INTO a VALUES (1, 'a1'); INSERT INTO b VALUES (1, 'b1')");
    CHECK(integer(conn, "SELECT count(*) FROM a JOIN b USING (id)") == 1, "own writes visible inside");
    CHECK_SQL(conn, "COMMIT");
    CHECK(integer(conn, "SELECT count(*) FROM a JOIN b USING (id)") == 1, "committed");

    CHECK_SQL(conn, "BEGIN; INSERT INTO a VALUES (2, 'a2'); SAVEPOINT s; INSERT INTO a VALUES (3, 'a3');"
                    "UPDATE a SET v = 'changed' WHERE id = 1; DELETE FROM b WHERE id = 1; INSERT INTO b VALUES (2, 'b2')");
    CHECK(integer(conn, "SELECT count(*) FROM a") == 3 && integer(conn, "SELECT count(*) FROM b") == 1, "inside the savepoint");
    CHECK_SQL(conn, "ROLLBACK TO s");
    CHECK(strcmp(text(conn, "SELECT group_concat(id || v, ',') FROM a", buffer, sizeof buffer), "1a1,2a2") == 0, "a: %s", buffer);
    CHECK(strcmp(text(conn, "SELECT group_concat(id || v, ',') FROM b", buffer, sizeof buffer), "1b1") == 0, "b: %s", buffer);
    CHECK_SQL(conn, "RELEASE s; COMMIT");
    CHECK(integer(conn, "SELECT count(*) FROM a") == 2, "the write before the savepoint committed");

    /* A failing statement inside a transaction is undone alone (OR ABORT). */
    CHECK_SQL(conn, "BEGIN; INSERT INTO b VALUES (10, 'kept')");
    CHECK(run(conn, "INSERT INTO b VALUES (11, 'undone'), (12, 'undone'), (1, 'duplicate')") == SQLITE_CONSTRAINT,
          "statement fails on its third row");
    CHECK_SQL(conn, "COMMIT");
    CHECK(strcmp(text(conn, "SELECT group_concat(id, ',') FROM b", buffer, sizeof buffer), "1,10") == 0,
          "only the failed statement's rows are gone: %s", buffer);
    /* OR FAIL keeps the rows before the failing one. */
    CHECK(run(conn, "INSERT OR FAIL INTO b VALUES (20, 'x'), (1, 'dup'), (21, 'y')") == SQLITE_CONSTRAINT, "OR FAIL");
    CHECK(strcmp(text(conn, "SELECT group_concat(id, ',') FROM b", buffer, sizeof buffer), "1,10,20") == 0,
          "OR FAIL kept the first row: %s", buffer);

    check_section("two connections: snapshots and conflicts");
    sqlite3 *other = connect();
    CHECK_SQL(conn, "BEGIN");
    CHECK(strcmp(text(conn, "SELECT v FROM a WHERE id = 1", buffer, sizeof buffer), "a1") == 0, "read %s", buffer);
    CHECK_SQL(other, "UPDATE a SET v = 'other' WHERE id = 1");
    CHECK(strcmp(text(conn, "SELECT v FROM a WHERE id = 1", buffer, sizeof buffer), "a1") == 0,
          "a transaction that only read keeps its snapshot: %s", buffer);
    CHECK_SQL(conn, "COMMIT");
    CHECK(strcmp(text(conn, "SELECT v FROM a WHERE id = 1", buffer, sizeof buffer), "other") == 0,
          "after COMMIT of a read-only transaction, the newest state: %s", buffer);
    CHECK_SQL(conn, "BEGIN");
    CHECK(strcmp(text(conn, "SELECT v FROM a WHERE id = 1", buffer, sizeof buffer), "other") == 0, "a new snapshot: %s", buffer);
    CHECK_SQL(conn, "COMMIT; BEGIN");
    CHECK(strcmp(text(conn, "SELECT v FROM a WHERE id = 2", buffer, sizeof buffer), "a2") == 0, "read %s", buffer);
    CHECK_SQL(other, "UPDATE a SET v = 'first' WHERE id = 2");
    CHECK_SQL(conn, "UPDATE a SET v = 'second' WHERE id = 2");
    int status = run(conn, "COMMIT");
    CHECK(status == SQLITE_BUSY, "the later commit conflicts: %d", status);
    CHECK(strstr(sqlite3_errmsg(conn), "conflict") != NULL, "OmenDB's message: %s", sqlite3_errmsg(conn));
    run(conn, "ROLLBACK");
    CHECK(strcmp(text(conn, "SELECT v FROM a WHERE id = 2", buffer, sizeof buffer), "first") == 0, "first committer won: %s", buffer);

    /* Conflicts are per (table, key): the same key in another table is no conflict. */
    CHECK_SQL(conn, "BEGIN; UPDATE a SET v = 'a-side' WHERE id = 1");
    CHECK_SQL(other, "INSERT OR REPLACE INTO b VALUES (1, 'b-side')");
    CHECK_SQL(conn, "COMMIT");
    CHECK(strcmp(text(other, "SELECT v FROM a WHERE id = 1", buffer, sizeof buffer), "a-side") == 0, "committed: %s", buffer);

    check_section("isolation levels");
    CHECK(strcmp(text(conn, "SELECT omendb_isolation()", buffer, sizeof buffer), "serializable") == 0, "default %s", buffer);
    CHECK(strcmp(text(conn, "SELECT omendb_isolation('read committed')", buffer, sizeof buffer), "read committed") == 0, "set");
    CHECK(run(conn, "SELECT omendb_isolation('chaos')") == SQLITE_ERROR, "unknown level refused");
    CHECK_SQL(conn, "BEGIN");
    CHECK(strcmp(text(conn, "SELECT v FROM a WHERE id = 2", buffer, sizeof buffer), "first") == 0, "read %s", buffer);
    CHECK_SQL(other, "UPDATE a SET v = 'newer' WHERE id = 2");
    CHECK(strcmp(text(conn, "SELECT v FROM a WHERE id = 2", buffer, sizeof buffer), "newer") == 0, "READ COMMITTED sees it: %s", buffer);
    CHECK_SQL(conn, "UPDATE a SET v = 'mine' WHERE id = 2; COMMIT");
    CHECK(strcmp(text(other, "SELECT v FROM a WHERE id = 2", buffer, sizeof buffer), "mine") == 0, "no validation: %s", buffer);
    CHECK(sqlite3_close(other) == SQLITE_OK, "sqlite3_close: %s", sqlite3_errmsg(other));

    check_section("DROP TABLE drops the data");
    CHECK_SQL(conn, "DROP TABLE b");
    CHECK(sqlite3_close(conn) == SQLITE_OK, "sqlite3_close: %s", sqlite3_errmsg(conn));
    conn = connect();
    CHECK(integer(conn, "SELECT count(*) FROM sqlite_temp_master WHERE name = 'b'") == 0, "b is gone after reopen");
    CHECK(integer(conn, "SELECT count(*) FROM a") == 2, "a is there");
    CHECK(sqlite3_close(conn) == SQLITE_OK, "sqlite3_close: %s", sqlite3_errmsg(conn));
}

static void test_random(void) {
    check_section("random workload against a native table");
    rng_t rng = rng_from_environment();
    sqlite3 *conn = connect();
    CHECK_SQL(conn, "CREATE VIRTUAL TABLE r USING omendb(id INTEGER PRIMARY KEY, v INTEGER, s TEXT)");
    CHECK_SQL(conn, "CREATE TABLE n(id INTEGER PRIMARY KEY, v INTEGER, s TEXT)");
    char sql[512], left[8192], right[8192];
    int mismatches = 0;
    for (int round = 0; round < 3000; round++) {
        int64_t key = (int64_t)(rng_next(&rng) % 500) - 250, other = key + (int64_t)(rng_next(&rng) % 40);
        switch (rng_next(&rng) % 6) {
            case 0: case 1:
                snprintf(sql, sizeof sql, "INSERT OR REPLACE INTO %%s VALUES (%" PRId64 ", %" PRId64 ", 's%" PRId64 "')", key, other, key);
                break;
            case 2: snprintf(sql, sizeof sql, "DELETE FROM %%s WHERE id BETWEEN %" PRId64 " AND %" PRId64, key, key + 3); break;
            case 3: snprintf(sql, sizeof sql, "UPDATE OR IGNORE %%s SET id = id + 1000 WHERE id = %" PRId64, key); break;
            case 4: snprintf(sql, sizeof sql, "UPDATE %%s SET v = v + 1 WHERE id >= %" PRId64 " AND id < %" PRId64, key, other); break;
            default: snprintf(sql, sizeof sql, "INSERT OR IGNORE INTO %%s VALUES (%" PRId64 ", NULL, NULL)", key); break;
        }
        char statement[600];
        snprintf(statement, sizeof statement, sql, "r");
        int a = run(conn, statement);
        snprintf(statement, sizeof statement, sql, "n");
        int b = run(conn, statement);
        if (a != b) { mismatches++; fprintf(stderr, "    %s: %d vs %d\n", statement, a, b); }
        if (round % 100 == 99) {
            static const char *queries[] = {
                "SELECT group_concat(id || ':' || ifnull(v, '-') || ':' || ifnull(s, '-'), ',') FROM (SELECT * FROM %s ORDER BY id)",
                "SELECT group_concat(id, ',') FROM (SELECT id FROM %s WHERE id BETWEEN -50 AND 60 ORDER BY id DESC LIMIT 7 OFFSET 2)",
                "SELECT group_concat(id, ',') FROM (SELECT id FROM %s WHERE id IN (-3, 1, 2, 1001, 7, 7) ORDER BY id)",
                "SELECT count(*) || ':' || ifnull(sum(v), 0) FROM %s WHERE id > 10.5",
            };
            for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
                snprintf(statement, sizeof statement, queries[q], "r");
                text(conn, statement, left, sizeof left);
                snprintf(statement, sizeof statement, queries[q], "n");
                text(conn, statement, right, sizeof right);
                if (strcmp(left, right) != 0) { mismatches++; fprintf(stderr, "    %s:\n    %s\n    %s\n", statement, left, right); }
            }
        }
    }
    CHECK(mismatches == 0, "%d differences from the native table (seed printed above)", mismatches);
    CHECK(sqlite3_close(conn) == SQLITE_OK, "sqlite3_close: %s", sqlite3_errmsg(conn));
}

static void test_extension(const char *library) {
    check_section("the loadable extension");
    sqlite3 *conn = NULL;
    char *message = NULL;
    char sql[512];
    CHECK(sqlite3_open(":memory:", &conn) == SQLITE_OK, "open");
    sqlite3_enable_load_extension(conn, 1);
    CHECK(sqlite3_load_extension(conn, library, NULL, &message) == SQLITE_OK, "load %s: %s", library, message ? message : "");
    sqlite3_free(message);
    CHECK(run(conn, "SELECT * FROM a") != SQLITE_OK, "no database yet");
    CHECK(run(conn, "CREATE VIRTUAL TABLE z USING omendb(id INTEGER PRIMARY KEY)") == SQLITE_ERROR &&
          strstr(sqlite3_errmsg(conn), "omendb_open"), "creating needs a database: %s", sqlite3_errmsg(conn));
    snprintf(sql, sizeof sql, "SELECT omendb_open('%s')", directory);
    CHECK_SQL(conn, sql);
    CHECK(integer(conn, "SELECT count(*) FROM a") == 2, "the tables of the catalog");
    CHECK(run(conn, sql) == SQLITE_MISUSE, "a second omendb_open");
    CHECK_SQL(conn, "SELECT omendb_close()");
    CHECK(run(conn, "SELECT count(*) FROM a") != SQLITE_OK, "closed");
    CHECK_SQL(conn, sql);
    CHECK(integer(conn, "SELECT count(*) FROM a") == 2, "open again");
    CHECK(sqlite3_close(conn) == SQLITE_OK, "sqlite3_close: %s", sqlite3_errmsg(conn));
}

static void test_auto_register(void) {
    check_section("omendb_sql_auto_register: every new connection gets the module");
    sqlite3 *conn = NULL;
    char buffer[64];
    CHECK(omendb_sql_auto_register() == SQLITE_OK && omendb_sql_auto_register() == SQLITE_OK, "twice");
    CHECK(sqlite3_open(":memory:", &conn) == SQLITE_OK, "open");
    CHECK(strcmp(text(conn, "SELECT omendb_isolation()", buffer, sizeof buffer), "serializable") == 0,
          "the functions are there without omendb_sql_register: '%s'", buffer);
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT omendb_open('%s')", directory);
    CHECK_SQL(conn, sql);
    CHECK(integer(conn, "SELECT count(*) FROM a") == 2, "the catalog's tables");
    CHECK(sqlite3_close(conn) == SQLITE_OK, "sqlite3_close");
    sqlite3_reset_auto_extension();
    CHECK(sqlite3_open(":memory:", &conn) == SQLITE_OK, "open");
    CHECK(run(conn, "SELECT omendb_isolation()") == SQLITE_ERROR, "after sqlite3_reset_auto_extension, no module");
    CHECK(sqlite3_close(conn) == SQLITE_OK, "sqlite3_close");
}

int main(int argc, char **argv) {
    snprintf(directory, sizeof directory, "%s/omendb-test-sql-%ld-%ld", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
             (long)getpid(), (long)time(NULL));
    CHECK(omendb_sql_register(NULL, directory) == SQLITE_MISUSE, "NULL connection");
    test_basics();
    test_plans();
    test_transactions();
    test_random();
    if (argc > 1) test_extension(argv[1]);
    test_auto_register();
    char command[400];
    snprintf(command, sizeof command, "rm -rf '%s'", directory);
    if (system(command) != 0) fprintf(stderr, "could not remove %s\n", directory);
    return check_summary();
}
