/*
 * get_ab.c — omendb_get through two builds of libomendb.so loaded side by side in one
 * process (dlopen, RTLD_LOCAL), on identical databases, in interleaved rounds: an A/B
 * of a read-path change whose noise on a shared machine is mostly common to both
 * sides. Optionally side B's database holds one range tombstone (a single absent key,
 * left in the hot tier or flushed to a run), so the same library can be compared with
 * and without range tombstones.
 *
 *   cc -O2 -std=c11 -D_GNU_SOURCE -Iinclude bench/getpath/get_ab.c -ldl -o get_ab
 *   ./get_ab LIB_A LIB_B [--keys N] [--queries Q] [--rounds R] [--tombstone-b none|hot|run]
 *
 * Prints one JSON line: medians of ns per get (present keys) for A and B and B/A.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "omendb.h"

typedef struct {
    int (*options_create)(omendb_options **);
    void (*options_free)(omendb_options *);
    int (*options_set_sync)(omendb_options *, int);
    int (*open)(const char *, const omendb_options *, omendb_db **);
    int (*close)(omendb_db *);
    int (*bulk_load_fixed)(omendb_db *, const int64_t *, const void *, size_t, size_t);
    int (*get)(omendb_db *, int64_t, void *, size_t, size_t *);
    int (*delete_range)(omendb_db *, int64_t, int64_t);
    int (*flush)(omendb_db *);
    omendb_db *db;
} library;

static void *symbol(void *handle, const char *name) {
    void *found = dlsym(handle, name);
    if (!found) { fprintf(stderr, "get_ab: %s missing: %s\n", name, dlerror()); exit(1); }
    return found;
}

static void check(int rc, const char *what) {
    if (rc != OMENDB_OK) { fprintf(stderr, "get_ab: %s failed: %d\n", what, rc); exit(1); }
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, compare);
    return v[n / 2];
}

/* Opens a fresh database in `path` with `keys` (values: the key) through `lib`. */
static void load(library *lib, const char *path, const int64_t *keys, size_t n, const char *tombstone) {
    char command[512];
    snprintf(command, sizeof command, "rm -rf '%s'", path);
    if (system(command) != 0) exit(1);
    omendb_options *options = NULL;
    check(lib->options_create(&options), "options_create");
    check(lib->options_set_sync(options, OMENDB_SYNC_OFF), "options_set_sync");
    check(lib->open(path, options, &lib->db), "open");
    check(lib->bulk_load_fixed(lib->db, keys, keys, sizeof(int64_t), n), "bulk_load_fixed");
    check(lib->close(lib->db), "close");
    check(lib->open(path, options, &lib->db), "reopen");
    lib->options_free(options);
    if (strcmp(tombstone, "none") != 0) {
        check(lib->delete_range(lib->db, -5, -4), "delete_range");  /* keys are >= 0: covers none */
        if (strcmp(tombstone, "run") == 0) check(lib->flush(lib->db), "flush");
    }
}

static double time_gets(library *lib, const int64_t *queries, size_t q) {
    int64_t value = 0;
    size_t length = 0;
    uint64_t started = now_ns();
    for (size_t i = 0; i < q; i++) {
        if (lib->get(lib->db, queries[i], &value, sizeof value, &length) != OMENDB_OK || value != queries[i]) {
            fprintf(stderr, "get_ab: wrong answer for %lld\n", (long long)queries[i]);
            exit(1);
        }
    }
    return (double)(now_ns() - started) / (double)q;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: get_ab LIB_A LIB_B [--keys N] [--queries Q] [--rounds R] [--tombstone-b none|hot|run]\n"); return 2; }
    size_t n = 1000000, q = 1000000;
    int rounds = 9;
    const char *tombstone = "none";
    for (int i = 3; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--keys") == 0) n = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--queries") == 0) q = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--rounds") == 0) rounds = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--tombstone-b") == 0) tombstone = argv[i + 1];
        else { fprintf(stderr, "get_ab: unknown option %s\n", argv[i]); return 2; }
    }
    if (rounds < 1 || rounds > 99 || n == 0 || q == 0) { fprintf(stderr, "get_ab: bad sizes\n"); return 2; }
    library libs[2];
    for (int s = 0; s < 2; s++) {
        void *handle = dlopen(argv[1 + s], RTLD_NOW | RTLD_LOCAL);
        if (!handle) { fprintf(stderr, "get_ab: %s\n", dlerror()); return 1; }
        libs[s].options_create = (int (*)(omendb_options **))symbol(handle, "omendb_options_create");
        libs[s].options_free = (void (*)(omendb_options *))symbol(handle, "omendb_options_free");
        libs[s].options_set_sync = (int (*)(omendb_options *, int))symbol(handle, "omendb_options_set_sync");
        libs[s].open = (int (*)(const char *, const omendb_options *, omendb_db **))symbol(handle, "omendb_open");
        libs[s].close = (int (*)(omendb_db *))symbol(handle, "omendb_close");
        libs[s].bulk_load_fixed = (int (*)(omendb_db *, const int64_t *, const void *, size_t, size_t))symbol(handle, "omendb_bulk_load_fixed");
        libs[s].get = (int (*)(omendb_db *, int64_t, void *, size_t, size_t *))symbol(handle, "omendb_get");
        libs[s].flush = (int (*)(omendb_db *))symbol(handle, "omendb_flush");
        libs[s].delete_range = s == 1 && strcmp(tombstone, "none") != 0
            ? (int (*)(omendb_db *, int64_t, int64_t))symbol(handle, "omendb_delete_range") : NULL;
    }
    int64_t *keys = malloc(n * sizeof *keys), *queries = malloc(q * sizeof *queries);
    uint64_t s = 0x9E3779B97F4A7C15ull;
    int64_t key = 0;
    for (size_t i = 0; i < n; i++) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; key += 1 + (int64_t)(s % 64); keys[i] = key; }
    for (size_t i = 0; i < q; i++) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; queries[i] = keys[s % n]; }
    load(&libs[0], "/tmp/omendb-get-ab-a", keys, n, "none");
    load(&libs[1], "/tmp/omendb-get-ab-b", keys, n, tombstone);
    time_gets(&libs[0], queries, q);
    time_gets(&libs[1], queries, q);
    double a[99], b[99];
    for (int r = 0; r < rounds; r++) {
        if (r % 2 == 0) { a[r] = time_gets(&libs[0], queries, q); b[r] = time_gets(&libs[1], queries, q); }
        else { b[r] = time_gets(&libs[1], queries, q); a[r] = time_gets(&libs[0], queries, q); }
    }
    double ratios[99];
    for (int r = 0; r < rounds; r++) ratios[r] = b[r] / a[r];
    double ma = median(a, rounds), mb = median(b, rounds), mr = median(ratios, rounds);
    printf("{\"bench\":\"get_ab\",\"a\":\"%s\",\"b\":\"%s\",\"tombstone_b\":\"%s\",\"keys\":%zu,\"queries\":%zu,\"rounds\":%d,"
           "\"a_ns\":%.1f,\"b_ns\":%.1f,\"b_over_a\":%.3f,\"median_round_ratio\":%.3f}\n",
           argv[1], argv[2], tombstone, n, q, rounds, ma, mb, mb / ma, mr);
    libs[0].close(libs[0].db);
    libs[1].close(libs[1].db);
    system("rm -rf /tmp/omendb-get-ab-a /tmp/omendb-get-ab-b");
    free(keys);
    free(queries);
    return 0;
}
