/*
 * checkpoint_vs_lmdb.c — the cost of an online backup, OmenDB against LMDB, in one process.
 *
 * Both stores hold the same N keys (int64, stride 7) with V-byte values (OmenDB: one bulk
 * load plus 20,000 puts in the hot tier; LMDB: MDB_APPEND puts in one transaction). Each
 * round, interleaved: omendb_checkpoint with hard links, omendb_checkpoint with
 * OMENDB_CHECKPOINT_COPY, mdb_env_copy2 and mdb_env_copy2(MDB_CP_COMPACT). LMDB's copy
 * does not fsync (it writes with O_DIRECT where available); it is followed here by an
 * fsync of the copied file and of its directory, so that both sides end durable, as
 * omendb_checkpoint does. Prints one JSON line per round and one with the medians and
 * the ratios of OmenDB's times to LMDB's (mdb_env_copy2 + fsync).
 *
 *   checkpoint_vs_lmdb DIR [N] [VALUE_BYTES] [ROUNDS]
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <lmdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "omendb.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void must(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "checkpoint_vs_lmdb: %s failed (%s)\n", what, omendb_last_error());
        exit(1);
    }
}

static void fsync_path(const char *path) {
    int fd = open(path, O_RDONLY);
    must(fd >= 0 && fsync(fd) == 0, path);
    close(fd);
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *values, int count) {
    qsort(values, (size_t)count, sizeof *values, compare);
    return count % 2 ? values[count / 2] : (values[count / 2 - 1] + values[count / 2]) / 2;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: checkpoint_vs_lmdb DIR [N] [VALUE_BYTES] [ROUNDS]\n"); return 2; }
    const char *root = argv[1];
    size_t n = argc > 2 ? strtoull(argv[2], NULL, 10) : 1000000;
    size_t value_bytes = argc > 3 ? strtoull(argv[3], NULL, 10) : 100;
    int rounds = argc > 4 ? atoi(argv[4]) : 5;
    if (rounds < 1 || rounds > 64 || value_bytes == 0) { fprintf(stderr, "bad arguments\n"); return 2; }
    must(mkdir(root, 0755) == 0, "mkdir DIR (it must not exist)");
    int64_t *keys = malloc(n * sizeof *keys);
    unsigned char *values = malloc(n * value_bytes);
    must(keys && values, "malloc");
    for (size_t i = 0; i < n; i++) {
        keys[i] = (int64_t)i * 7;
        memset(values + i * value_bytes, (int)(i & 0xFF), value_bytes);
    }
    char path[4096];
    omendb_db *db = NULL;
    snprintf(path, sizeof path, "%s/omendb", root);
    must(omendb_open(path, NULL, &db) == OMENDB_OK, "omendb_open");
    must(omendb_bulk_load_fixed(db, keys, values, value_bytes, n) == OMENDB_OK, "omendb_bulk_load_fixed");
    for (size_t i = 0; i < 20000 && i < n; i++)
        must(omendb_put(db, (int64_t)i * 13 + 1, values, value_bytes) == OMENDB_OK, "omendb_put");
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    MDB_dbi dbi;
    snprintf(path, sizeof path, "%s/lmdb", root);
    must(mkdir(path, 0755) == 0, "mkdir lmdb");
    must(mdb_env_create(&env) == 0 && mdb_env_set_mapsize(env, (size_t)n * (value_bytes + 64) * 2 + (64u << 20)) == 0 &&
         mdb_env_open(env, path, 0, 0644) == 0, "mdb_env_open");
    must(mdb_txn_begin(env, NULL, 0, &txn) == 0 && mdb_dbi_open(txn, NULL, MDB_INTEGERKEY, &dbi) == 0, "mdb_txn_begin");
    for (size_t i = 0; i < n; i++) {
        MDB_val k = { sizeof keys[i], &keys[i] }, v = { value_bytes, values + i * value_bytes };
        must(mdb_put(txn, dbi, &k, &v, MDB_APPEND) == 0, "mdb_put");
    }
    must(mdb_txn_commit(txn) == 0, "mdb_txn_commit");
    double linked[64], copied[64], lmdb[64], compact[64];
    for (int round = 0; round < rounds; round++) {
        double t0 = now();
        snprintf(path, sizeof path, "%s/omendb-linked-%d", root, round);
        must(omendb_checkpoint(db, path, 0, NULL, NULL) == OMENDB_OK, "omendb_checkpoint");
        double t1 = now();
        snprintf(path, sizeof path, "%s/omendb-copied-%d", root, round);
        must(omendb_checkpoint(db, path, OMENDB_CHECKPOINT_COPY, NULL, NULL) == OMENDB_OK, "omendb_checkpoint copy");
        double t2 = now();
        char file[4200];
        snprintf(path, sizeof path, "%s/lmdb-copy-%d", root, round);
        must(mkdir(path, 0755) == 0 && mdb_env_copy2(env, path, 0) == 0, "mdb_env_copy2");
        snprintf(file, sizeof file, "%s/data.mdb", path);
        fsync_path(file);
        fsync_path(path);
        double t3 = now();
        snprintf(path, sizeof path, "%s/lmdb-compact-%d", root, round);
        must(mkdir(path, 0755) == 0 && mdb_env_copy2(env, path, MDB_CP_COMPACT) == 0, "mdb_env_copy2 compact");
        snprintf(file, sizeof file, "%s/data.mdb", path);
        fsync_path(file);
        fsync_path(path);
        double t4 = now();
        linked[round] = (t1 - t0) * 1e3;
        copied[round] = (t2 - t1) * 1e3;
        lmdb[round] = (t3 - t2) * 1e3;
        compact[round] = (t4 - t3) * 1e3;
        printf("{\"bench\":\"checkpoint\",\"keys\":%zu,\"value_bytes\":%zu,\"round\":%d,\"omendb_linked_ms\":%.1f,"
               "\"omendb_copied_ms\":%.1f,\"lmdb_copy_fsync_ms\":%.1f,\"lmdb_compact_copy_fsync_ms\":%.1f}\n",
               n, value_bytes, round, linked[round], copied[round], lmdb[round], compact[round]);
        fflush(stdout);
    }
    double ml = median(linked, rounds), mc = median(copied, rounds), mm = median(lmdb, rounds), mk = median(compact, rounds);
    printf("{\"bench\":\"checkpoint\",\"keys\":%zu,\"value_bytes\":%zu,\"rounds\":%d,\"median_omendb_linked_ms\":%.1f,"
           "\"median_omendb_copied_ms\":%.1f,\"median_lmdb_copy_fsync_ms\":%.1f,\"median_lmdb_compact_copy_fsync_ms\":%.1f,"
           "\"linked_vs_lmdb\":%.2f,\"copied_vs_lmdb\":%.2f}\n",
           n, value_bytes, rounds, ml, mc, mm, mk, ml / mm, mc / mm);
    must(omendb_close(db) == OMENDB_OK, "omendb_close");
    mdb_env_close(env);
    free(keys);
    free(values);
    return 0;
}
