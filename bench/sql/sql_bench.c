/*
 * sql_bench.c — the same prepared SQL statements on an `omendb` virtual table and on
 * SQLite's own tables, interleaved in one process, through the sqlite3 C API.
 *
 * Tables (one per side, same schema `id INTEGER PRIMARY KEY, name TEXT, score REAL,
 * data BLOB`, 16-byte names and 64-byte blobs, N rows, keys i*16 + (hash(i) & 7) so
 * gaps are irregular; inserted keys are i*16 + 8 + (hash & 7), never loaded ones):
 *   rowid          a rowid table, journal_mode=WAL, synchronous=OFF, mmap_size 2 GB
 *   without_rowid  the same with WITHOUT ROWID
 *   omendb         CREATE VIRTUAL TABLE ... USING omendb(...) in an OmenDB database
 *                  attached through libomendb_sql (--library; omitted: no omendb side)
 *   kv             (with --library) omendb_get on a plain OmenDB database holding the
 *                  same keys and 96-byte values: the engine's share of an SQL lookup
 *   floor          a virtual table of this file (`floor_vtab`) that stores nothing: it
 *                  computes the same rows from the key and answers =, IN and ranges
 *                  as the omendb module does (same result calls, SQLITE_TRANSIENT). Its
 *                  time is what any virtual table pays in SQLite (VDBE, xFilter/xNext/
 *                  xColumn, value copies) before storage: the lower bound of an
 *                  `omendb` table's time, so a target below it cannot be met by a
 *                  virtual table (read workloads only)
 *
 * Workloads, each repetition running every side in a rotating order:
 *   point   SELECT name, score, data FROM t WHERE id = ?            (ns per query)
 *   range   ... WHERE id BETWEEN ? AND ? (100 rows)                  (ns per query)
 *   in      ... WHERE id IN (?, ... 100 keys)                        (ns per query)
 *   insert  INSERT INTO t VALUES (?, ?, ?, ?), BEGIN..COMMIT per 1000 (ns per row)
 * Reads run in read transactions of 1000 rows' worth of queries (BEGIN..COMMIT), as
 * bench/harness's SQLite adapter does, or with --autocommit 1 each in its own. Every
 * query checks its row count and reads every column. Prints a JSON line per
 * (workload, side, repetition) and one per workload with medians and the ratios
 * sqlite-side time / omendb time (> 1: omendb faster).
 *
 *   sql_bench DIR [--rows N] [--reps R] [--queries Q] [--library PATH]
 *             [--sides rowid,without_rowid,omendb,kv,floor] [--workloads point,range,in,insert] [--autocommit 0|1]
 *
 * --sides/--workloads run a subset (e.g. one side under `perf record`).
 */
#define _POSIX_C_SOURCE 200809L
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "omendb.h"

enum { SIDES = 5, REPS_MAX = 31, IN_KEYS = 100, RANGE_ROWS = 100, TXN_ROWS = 1000 };
enum { FLOOR = 4 };
static const char *side_names[SIDES] = {"rowid", "without_rowid", "omendb", "kv", "floor"};
static const char *workloads[] = {"point", "range", "in", "insert"};

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static uint64_t mix(uint64_t x) {  /* splitmix64 */
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static int64_t loaded_key(int64_t i) { return i * 16 + (int64_t)(mix((uint64_t)i) & 7); }
static int64_t insert_key(int64_t i) { return i * 16 + 8 + (int64_t)(mix((uint64_t)i) & 7); }

static void die(sqlite3 *db, const char *what) {
    fprintf(stderr, "sql_bench: %s: %s\n", what, db ? sqlite3_errmsg(db) : "");
    exit(1);
}

static void exec(sqlite3 *db, const char *sql) {
    char *error = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &error) != SQLITE_OK) {
        fprintf(stderr, "sql_bench: %s: %s\n", sql, error ? error : "?");
        exit(1);
    }
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql) {
    sqlite3_stmt *statement = NULL;
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &statement, NULL) != SQLITE_OK) die(db, sql);
    return statement;
}

static char name_of[17];
static unsigned char blob_of[64];
static void fill_row(int64_t key) {
    uint64_t h = mix((uint64_t)key);
    for (int i = 0; i < 16; i++) name_of[i] = (char)('a' + (h >> (i * 4) & 15));
    name_of[16] = 0;
    for (int i = 0; i < 64; i += 8) {
        h = mix(h);
        memcpy(blob_of + i, &h, 8);
    }
}

static void bind_row(sqlite3_stmt *insert, int64_t key) {
    fill_row(key);
    sqlite3_bind_int64(insert, 1, key);
    sqlite3_bind_text(insert, 2, name_of, 16, SQLITE_STATIC);
    sqlite3_bind_double(insert, 3, (double)key * 0.5);
    sqlite3_bind_blob(insert, 4, blob_of, 64, SQLITE_STATIC);
}

/* Reads every column of the current row; returns something the compiler must keep. */
static uint64_t consume(sqlite3_stmt *s) {
    const unsigned char *name = sqlite3_column_text(s, 0);
    double score = sqlite3_column_double(s, 1);
    const unsigned char *data = sqlite3_column_blob(s, 2);
    int bytes = sqlite3_column_bytes(s, 2);
    return (uint64_t)(name ? name[0] : 0) + (uint64_t)score + (uint64_t)(data && bytes ? data[0] : 0) + (uint64_t)bytes;
}

typedef struct {
    sqlite3 *db;
    sqlite3_stmt *point, *range, *in, *insert;
    int present;
} Side;

static const char *SCHEMA = "(id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB)";

/* ---- floor_vtab: the rows of loaded_key(0..rows-1), computed, not stored ---------- */

static int64_t floor_rows;

typedef struct {
    sqlite3_vtab_cursor base;
    int64_t index, last;       /* the current row's i, and the last i to visit */
    int64_t key, high;         /* the current key; keys above high end the scan */
    char name[17];
    unsigned char blob[64];
} FloorCursor;

static int floor_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out, char **error) {
    (void)aux; (void)argc; (void)argv; (void)error;
    int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB)");
    if (rc != SQLITE_OK) return rc;
    *out = sqlite3_malloc(sizeof **out);
    if (!*out) return SQLITE_NOMEM;
    memset(*out, 0, sizeof **out);
    return SQLITE_OK;
}

static int floor_disconnect(sqlite3_vtab *vtab) { sqlite3_free(vtab); return SQLITE_OK; }

/* idxNum bits: 1 = id '=' (argument 1), 2 = lower bound, 4 = upper bound (in order). */
static int floor_best_index(sqlite3_vtab *vtab, sqlite3_index_info *info) {
    (void)vtab;
    int equal = -1, lower = -1, upper = -1;
    for (int i = 0; i < info->nConstraint; i++) {
        const struct sqlite3_index_constraint *c = &info->aConstraint[i];
        if (!c->usable || c->iColumn > 0) continue;  /* the rowid is column -1, id column 0 */
        if (c->op == SQLITE_INDEX_CONSTRAINT_EQ) equal = i;
        else if (c->op == SQLITE_INDEX_CONSTRAINT_GE || c->op == SQLITE_INDEX_CONSTRAINT_GT) lower = i;
        else if (c->op == SQLITE_INDEX_CONSTRAINT_LE || c->op == SQLITE_INDEX_CONSTRAINT_LT) upper = i;
    }
    int argument = 1;
    if (equal >= 0) {
        info->idxNum = 1;
        info->aConstraintUsage[equal].argvIndex = argument++;
        info->aConstraintUsage[equal].omit = 1;
        info->estimatedCost = 1;
        info->estimatedRows = 1;
        info->idxFlags = SQLITE_INDEX_SCAN_UNIQUE;
        return SQLITE_OK;
    }
    /* Bounds stay checked by SQLite (omit = 0): GT/LT are handled as GE/LE here. */
    if (lower >= 0) { info->idxNum |= 2; info->aConstraintUsage[lower].argvIndex = argument++; }
    if (upper >= 0) { info->idxNum |= 4; info->aConstraintUsage[upper].argvIndex = argument++; }
    info->estimatedCost = info->idxNum ? 100 : (double)floor_rows;
    info->estimatedRows = info->idxNum ? 100 : floor_rows;
    return SQLITE_OK;
}

static int floor_open(sqlite3_vtab *vtab, sqlite3_vtab_cursor **out) {
    (void)vtab;
    FloorCursor *cursor = sqlite3_malloc(sizeof *cursor);
    if (!cursor) return SQLITE_NOMEM;
    memset(cursor, 0, sizeof *cursor);
    *out = &cursor->base;
    return SQLITE_OK;
}

static int floor_close(sqlite3_vtab_cursor *cursor) { sqlite3_free(cursor); return SQLITE_OK; }

/* Moves to row `index` (or past the end) and computes its columns. */
static void floor_settle(FloorCursor *cursor, int64_t index) {
    cursor->index = index;
    if (index > cursor->last) return;
    cursor->key = loaded_key(index);
    if (cursor->key > cursor->high) { cursor->index = cursor->last + 1; return; }
    fill_row(cursor->key);
    memcpy(cursor->name, name_of, sizeof cursor->name);
    memcpy(cursor->blob, blob_of, sizeof cursor->blob);
}

static int floor_filter(sqlite3_vtab_cursor *base, int idxNum, const char *idxStr, int argc, sqlite3_value **argv) {
    (void)idxStr; (void)argc;
    FloorCursor *cursor = (FloorCursor *)base;
    int64_t low = INT64_MIN, high = INT64_MAX;
    int argument = 0;
    if (idxNum & 1) {
        low = high = sqlite3_value_int64(argv[argument++]);
    } else {
        if (idxNum & 2) low = sqlite3_value_int64(argv[argument++]);
        if (idxNum & 4) high = sqlite3_value_int64(argv[argument++]);
    }
    /* loaded_key(i) lies in [16i, 16i + 7]: the first row at or above low is i = low/16 or the next. */
    int64_t first = low <= 0 ? 0 : low / 16;
    if (first < floor_rows && loaded_key(first) < low) first++;
    cursor->last = floor_rows - 1;
    cursor->high = high;
    floor_settle(cursor, first);
    if (idxNum & 1 && cursor->index <= cursor->last && cursor->key != low) cursor->index = cursor->last + 1;
    if (idxNum & 1) cursor->last = cursor->index;
    return SQLITE_OK;
}

static int floor_next(sqlite3_vtab_cursor *base) {
    FloorCursor *cursor = (FloorCursor *)base;
    floor_settle(cursor, cursor->index + 1);
    return SQLITE_OK;
}

static int floor_eof(sqlite3_vtab_cursor *base) {
    const FloorCursor *cursor = (const FloorCursor *)base;
    return cursor->index > cursor->last;
}

static int floor_column(sqlite3_vtab_cursor *base, sqlite3_context *context, int column) {
    const FloorCursor *cursor = (const FloorCursor *)base;
    switch (column) {
    case 0: sqlite3_result_int64(context, cursor->key); break;
    case 1: sqlite3_result_text(context, cursor->name, 16, SQLITE_TRANSIENT); break;
    case 2: sqlite3_result_double(context, (double)cursor->key * 0.5); break;
    default: sqlite3_result_blob(context, cursor->blob, 64, SQLITE_TRANSIENT); break;
    }
    return SQLITE_OK;
}

static int floor_rowid(sqlite3_vtab_cursor *base, sqlite3_int64 *rowid) {
    *rowid = ((const FloorCursor *)base)->key;
    return SQLITE_OK;
}

static const sqlite3_module floor_module = {
    .xCreate = floor_connect, .xConnect = floor_connect, .xBestIndex = floor_best_index,
    .xDisconnect = floor_disconnect, .xDestroy = floor_disconnect, .xOpen = floor_open,
    .xClose = floor_close, .xFilter = floor_filter, .xNext = floor_next, .xEof = floor_eof,
    .xColumn = floor_column, .xRowid = floor_rowid,
};

static void open_side(Side *side, int which, const char *dir, const char *library, int64_t rows) {
    char path[4096], sql[4096];
    snprintf(path, sizeof path, "%s/%s.sqlite", dir, side_names[which]);
    if (sqlite3_open(path, &side->db) != SQLITE_OK) die(side->db, path);
    exec(side->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA mmap_size=2147483648;");
    if (which == FLOOR) {
        floor_rows = rows;
        if (sqlite3_create_module(side->db, "floor_vtab", &floor_module, NULL) != SQLITE_OK) die(side->db, "floor module");
        exec(side->db, "CREATE VIRTUAL TABLE temp.t USING floor_vtab");
    } else if (which == 0) {
        snprintf(sql, sizeof sql, "CREATE TABLE t%s", SCHEMA);
    } else if (which == 1) {
        snprintf(sql, sizeof sql, "CREATE TABLE t%s WITHOUT ROWID", SCHEMA);
    } else {
        char *error = NULL;
        sqlite3_enable_load_extension(side->db, 1);
        if (sqlite3_load_extension(side->db, library, "sqlite3_omendbsql_init", &error) != SQLITE_OK) {
            fprintf(stderr, "sql_bench: loading %s: %s\n", library, error ? error : "?");
            exit(1);
        }
        snprintf(sql, sizeof sql, "SELECT omendb_open('%s/omendb')", dir);
        exec(side->db, sql);
        snprintf(sql, sizeof sql, "CREATE VIRTUAL TABLE t USING omendb%s", SCHEMA);
    }
    if (which != FLOOR) {
        exec(side->db, sql);
        side->insert = prepare(side->db, "INSERT INTO t VALUES (?, ?, ?, ?)");
        double start = now();
        for (int64_t i = 0; i < rows; i += 100000) {
            exec(side->db, "BEGIN");
            for (int64_t j = i; j < i + 100000 && j < rows; j++) {
                bind_row(side->insert, loaded_key(j));
                if (sqlite3_step(side->insert) != SQLITE_DONE) die(side->db, "load");
                sqlite3_reset(side->insert);
            }
            exec(side->db, "COMMIT");
        }
        fprintf(stderr, "sql_bench: loaded %lld rows into %s in %.1f s\n", (long long)rows, side_names[which],
                (now() - start) / 1e9);
    }
    side->point = prepare(side->db, "SELECT name, score, data FROM t WHERE id = ?");
    side->range = prepare(side->db, "SELECT name, score, data FROM t WHERE id BETWEEN ? AND ?");
    char in_sql[1024] = "SELECT name, score, data FROM t WHERE id IN (?";
    for (int i = 1; i < IN_KEYS; i++) strcat(in_sql, ",?");
    strcat(in_sql, ")");
    side->in = prepare(side->db, in_sql);
    side->present = 1;
}

static uint64_t sink;
static int autocommit;         /* --autocommit: every read statement its own transaction */
static uint64_t insert_space;  /* inserted keys are insert_key(i) for i < insert_space */

/* One timed run of a workload on a side; ns per query (per row for inserts). */
static double run_sql(Side *side, int workload, int64_t rows, int64_t queries, uint64_t seed, int64_t *inserted) {
    double start = now();
    if (workload < 3 && !autocommit) exec(side->db, "BEGIN");
    if (workload == 0) {
        for (int64_t q = 0; q < queries; q++) {
            if (!autocommit && q % TXN_ROWS == TXN_ROWS - 1) exec(side->db, "COMMIT; BEGIN");
            sqlite3_bind_int64(side->point, 1, loaded_key((int64_t)(mix(seed + (uint64_t)q) % (uint64_t)rows)));
            if (sqlite3_step(side->point) != SQLITE_ROW) die(side->db, "point: no row");
            sink += consume(side->point);
            sqlite3_reset(side->point);
        }
    } else if (workload == 1) {
        for (int64_t q = 0; q < queries; q++) {
            if (!autocommit && q % (TXN_ROWS / RANGE_ROWS) == TXN_ROWS / RANGE_ROWS - 1) exec(side->db, "COMMIT; BEGIN");
            int64_t i = (int64_t)(mix(seed + (uint64_t)q) % (uint64_t)(rows - RANGE_ROWS));
            sqlite3_bind_int64(side->range, 1, loaded_key(i));
            sqlite3_bind_int64(side->range, 2, loaded_key(i + RANGE_ROWS - 1));
            int count = 0;
            while (sqlite3_step(side->range) == SQLITE_ROW) { sink += consume(side->range); count++; }
            /* 100 loaded rows, plus the rows earlier insert repetitions put between them */
            if (count < RANGE_ROWS || count > 2 * RANGE_ROWS) die(side->db, "range: wrong row count");
            sqlite3_reset(side->range);
        }
    } else if (workload == 2) {
        for (int64_t q = 0; q < queries; q++) {
            if (!autocommit && q % (TXN_ROWS / IN_KEYS) == TXN_ROWS / IN_KEYS - 1) exec(side->db, "COMMIT; BEGIN");
            for (int k = 0; k < IN_KEYS; k++)
                sqlite3_bind_int64(side->in, k + 1,
                                   loaded_key((int64_t)(mix(seed + (uint64_t)(q * IN_KEYS + k)) % (uint64_t)rows)));
            int count = 0;
            while (sqlite3_step(side->in) == SQLITE_ROW) { sink += consume(side->in); count++; }
            if (count < 1 || count > IN_KEYS) die(side->db, "in: wrong row count");
            sqlite3_reset(side->in);
        }
    } else {
        for (int64_t q = 0; q < queries; q += TXN_ROWS) {
            exec(side->db, "BEGIN");
            for (int64_t k = 0; k < TXN_ROWS; k++) {
                /* fresh keys in random order: i -> i * p mod m permutes [0, m) for the prime p > m */
                uint64_t i = (uint64_t)(*inserted + q + k);
                bind_row(side->insert, insert_key((int64_t)(i * 2654435761u % insert_space)));
                if (sqlite3_step(side->insert) != SQLITE_DONE) die(side->db, "insert");
                sqlite3_reset(side->insert);
            }
            exec(side->db, "COMMIT");
        }
    }
    if (workload < 3 && !autocommit) exec(side->db, "COMMIT");
    return (now() - start) / (double)queries;
}

static omendb_db *kv;
static double run_kv(int64_t rows, int64_t queries, uint64_t seed) {
    unsigned char buffer[256];
    size_t length;
    double start = now();
    for (int64_t q = 0; q < queries; q++) {
        int64_t key = loaded_key((int64_t)(mix(seed + (uint64_t)q) % (uint64_t)rows));
        if (omendb_get(kv, key, buffer, sizeof buffer, &length) != OMENDB_OK) {
            fprintf(stderr, "sql_bench: kv get: %s\n", omendb_last_error());
            exit(1);
        }
        sink += buffer[0] + length;
    }
    return (now() - start) / (double)queries;
}

static void open_kv(const char *dir, int64_t rows) {
    char path[4096];
    snprintf(path, sizeof path, "%s/kv", dir);
    omendb_options *options = NULL;
    if (omendb_options_create(&options) != OMENDB_OK || omendb_options_set_sync(options, OMENDB_SYNC_OFF) != OMENDB_OK ||
        omendb_open(path, options, &kv) != OMENDB_OK) {
        fprintf(stderr, "sql_bench: kv open: %s\n", omendb_last_error());
        exit(1);
    }
    omendb_options_free(options);
    int64_t *keys = malloc((size_t)rows * sizeof *keys);
    unsigned char *values = malloc((size_t)rows * 96);
    if (!keys || !values) { fprintf(stderr, "sql_bench: out of memory\n"); exit(1); }
    for (int64_t i = 0; i < rows; i++) {
        keys[i] = loaded_key(i);
        fill_row(keys[i]);
        memcpy(values + i * 96, name_of, 16);
        memcpy(values + i * 96 + 16, &keys[i], 8);
        memcpy(values + i * 96 + 24, blob_of, 64);
        memset(values + i * 96 + 88, 0, 8);
    }
    if (omendb_bulk_load_fixed(kv, keys, values, 96, (size_t)rows) != OMENDB_OK) {
        fprintf(stderr, "sql_bench: kv bulk load: %s\n", omendb_last_error());
        exit(1);
    }
    free(keys);
    free(values);
}

/* Whether `name` is an item of the comma-separated `list`. */
static int listed(const char *list, const char *name) {
    size_t length = strlen(name);
    for (const char *p = list; (p = strstr(p, name)) != NULL; p += length)
        if ((p == list || p[-1] == ',') && (p[length] == ',' || p[length] == 0)) return 1;
    return 0;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(const double *values, int count) {
    double sorted[REPS_MAX];
    memcpy(sorted, values, (size_t)count * sizeof *values);
    qsort(sorted, (size_t)count, sizeof *sorted, compare);
    return count % 2 ? sorted[count / 2] : (sorted[count / 2 - 1] + sorted[count / 2]) / 2;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: sql_bench DIR [--rows N] [--reps R] [--queries Q] [--library PATH] "
                        "[--sides LIST] [--workloads LIST] [--autocommit 0|1]\n");
        return 2;
    }
    const char *dir = argv[1], *library = NULL, *side_list = "rowid,without_rowid,omendb,kv,floor",
               *workload_list = "point,range,in,insert";
    int64_t rows = 1000000, queries = 100000;
    int reps = 5;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--rows")) rows = strtoll(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--reps")) reps = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--queries")) queries = strtoll(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--library")) library = argv[i + 1];
        else if (!strcmp(argv[i], "--sides")) side_list = argv[i + 1];
        else if (!strcmp(argv[i], "--autocommit")) autocommit = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--workloads")) workload_list = argv[i + 1];
        else { fprintf(stderr, "sql_bench: unknown option %s\n", argv[i]); return 2; }
    }
    if (rows < 1000 || reps < 1 || reps > REPS_MAX || queries < TXN_ROWS) {
        fprintf(stderr, "sql_bench: need --rows >= 1000, 1 <= --reps <= %d, --queries >= %d\n", REPS_MAX, TXN_ROWS);
        return 2;
    }
    queries -= queries % TXN_ROWS;
    insert_space = (uint64_t)(rows * 4 + reps * queries);
    if (insert_space >= 2654435761u / 2) { fprintf(stderr, "sql_bench: --rows/--queries too large\n"); return 2; }
    mkdir(dir, 0755);
    Side sides[SIDES] = {{0}};
    int kv_present = 0;
    for (int s = 0; s < SIDES; s++)
        if (s != 3 && (s != 2 || library) && listed(side_list, side_names[s])) open_side(&sides[s], s, dir, library, rows);
    if (library && listed(side_list, "kv")) { open_kv(dir, rows); kv_present = 1; }
    /* Queries per workload: ranges and IN lists touch 100 rows each. */
    int64_t per_workload[4] = {queries, queries / 20, queries / 20, queries};
    double times[4][SIDES][REPS_MAX];
    int64_t inserted = 0;
    for (int rep = 0; rep < reps; rep++) {
        for (int w = 0; w < 4; w++) {
            if (!listed(workload_list, workloads[w])) continue;
            uint64_t seed = (uint64_t)(rep * 4 + w) << 32;
            for (int k = 0; k < SIDES; k++) {
                int s = (k + rep) % SIDES;  /* rotate who goes first */
                if (s == 3) {
                    if (!kv_present || w != 0) continue;
                    times[w][s][rep] = run_kv(rows, per_workload[w], seed);
                } else if (sides[s].present && !(s == FLOOR && w == 3)) {
                    times[w][s][rep] = run_sql(&sides[s], w, rows, per_workload[w], seed, &inserted);
                } else {
                    continue;
                }
                printf("{\"bench\":\"sql\",\"workload\":\"%s\",\"side\":\"%s\",\"rows\":%lld,\"rep\":%d,"
                       "\"queries\":%lld,\"ns_per_op\":%.1f}\n", workloads[w], side_names[s], (long long)rows, rep,
                       (long long)per_workload[w], times[w][s][rep]);
            }
            if (w == 3) inserted += per_workload[3];
        }
        fflush(stdout);
    }
    for (int w = 0; w < 4; w++) {
        if (!listed(workload_list, workloads[w])) continue;
        double m[SIDES] = {0};
        for (int s = 0; s < SIDES; s++)
            if ((s != 3 && sides[s].present && !(s == FLOOR && w == 3)) || (s == 3 && kv_present && w == 0))
                m[s] = median(times[w][s], reps);
        printf("{\"bench\":\"sql\",\"summary\":true,\"workload\":\"%s\",\"rows\":%lld,\"reps\":%d,\"autocommit\":%d,"
               "\"median_ns\":{", workloads[w], (long long)rows, reps, autocommit);
        const char *separator = "";
        for (int s = 0; s < SIDES; s++) {
            if (m[s] <= 0) continue;
            printf("%s\"%s\":%.1f", separator, side_names[s], m[s]);
            separator = ",";
        }
        printf("}");
        if (m[2] > 0 && m[0] > 0) printf(",\"speedup_vs_rowid\":%.3f", m[0] / m[2]);
        if (m[2] > 0 && m[1] > 0) printf(",\"speedup_vs_without_rowid\":%.3f", m[1] / m[2]);
        if (m[2] <= 0 && m[0] > 0 && m[1] > 0) printf(",\"without_rowid_vs_rowid\":%.3f", m[0] / m[1]);
        if (m[2] > 0 && m[3] > 0) printf(",\"engine_share_of_omendb\":%.3f", m[3] / m[2]);
        /* The best speedup over the rowid table that any virtual table could show. */
        if (m[FLOOR] > 0 && m[0] > 0) printf(",\"floor_vs_rowid\":%.3f", m[0] / m[FLOOR]);
        if (m[FLOOR] > 0 && m[2] > 0) printf(",\"floor_share_of_omendb\":%.3f", m[FLOOR] / m[2]);
        printf("}\n");
    }
    for (int s = 0; s < SIDES; s++) {
        if (!sides[s].present) continue;
        sqlite3_finalize(sides[s].point);
        sqlite3_finalize(sides[s].range);
        sqlite3_finalize(sides[s].in);
        sqlite3_finalize(sides[s].insert);
        if (sqlite3_close_v2(sides[s].db) != SQLITE_OK) die(sides[s].db, "close");
    }
    if (kv_present) omendb_close(kv);
    fprintf(stderr, "sql_bench: checksum %llu\n", (unsigned long long)sink);
    return 0;
}
