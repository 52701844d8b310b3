/*
 * test_checkpoint.c — omendb_checkpoint and the progress callbacks through the public
 * header: a checkpoint taken while another thread writes, compared key by key with a
 * reference model replayed up to the checkpoint's sequence; checkpoints of a hot-tier,
 * runs-only and bulk-loaded state; the copy's independence; hard links against copies;
 * an existing destination; cancellation at the first, a middle and the last progress
 * report of bulk load, compaction, verify and checkpoint, each leaving the database
 * unchanged and openable; progress monotone and ending at its total.
 * Built normally and with ASan/UBSan by CTest.
 */
#include <dirent.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "omendb.h"
#include "reference.h"

#define KEY_SPACE 2048
#define WRITER_OPS 16000

static char root[] = "/tmp/omendb-test-checkpoint-XXXXXX";
static char db_path[64];
static int copies;

/* Op j writes key (j's key index) with a value naming j: 8 bytes of j, then j % 40 bytes. */
typedef struct { int key; int is_delete; } op_t;

typedef struct {
    int present[KEY_SPACE];
    uint64_t writer[KEY_SPACE]; /* the op whose value the key holds */
} model_t;

static model_t model;

static size_t value_length(uint64_t op) { return 8 + (size_t)(op % 40); }

static void make_value(uint64_t op, unsigned char *value) {
    memcpy(value, &op, 8);
    memset(value + 8, (int)(op & 0xFF), (size_t)(op % 40));
}

static int apply(omendb_db *db, model_t *m, op_t op, uint64_t j) {
    if (op.is_delete) {
        if (m) m->present[op.key] = 0;
        return db ? omendb_delete(db, op.key) : OMENDB_OK;
    }
    if (m) { m->present[op.key] = 1; m->writer[op.key] = j; }
    unsigned char value[48];
    make_value(j, value);
    return db ? omendb_put(db, op.key, value, value_length(j)) : OMENDB_OK;
}

static op_t random_op(rng_t *rng) {
    op_t op = { (int)(rng_next(rng) % KEY_SPACE), rng_next(rng) % 4 == 0 };
    return op;
}

/* Keys of `db` that differ from `m` (value, presence), plus entries an iterator finds
 * beyond the model's count. */
static int differences(omendb_db *db, const model_t *m) {
    int wrong = 0, expected = 0;
    for (int k = 0; k < KEY_SPACE; k++) {
        unsigned char value[64];
        size_t length = 0;
        int status = omendb_get(db, k, value, sizeof value, &length);
        if (!m->present[k]) { wrong += status != OMENDB_NOT_FOUND; continue; }
        expected++;
        unsigned char want[48];
        make_value(m->writer[k], want);
        wrong += status != OMENDB_OK || length != value_length(m->writer[k]) || memcmp(value, want, length) != 0;
    }
    omendb_iterator *it = NULL;
    if (omendb_iterator_create(db, NULL, &it) != OMENDB_OK) return wrong + 1;
    omendb_iterator_set_bounds(it, 0, KEY_SPACE);
    int found = 0;
    for (omendb_iterator_seek_first(it); omendb_iterator_valid(it); omendb_iterator_next(it)) found++;
    omendb_iterator_free(it);
    return wrong + (found != expected);
}

static omendb_db *open_at(const char *path, int read_only) {
    omendb_options *options = NULL;
    omendb_db *db = NULL;
    CHECK_STATUS(omendb_options_create(&options), OMENDB_OK);
    CHECK_STATUS(omendb_options_set_hot_tier_bytes(options, 65536), OMENDB_OK);
    CHECK_STATUS(omendb_options_set_read_only(options, read_only), OMENDB_OK);
    CHECK_STATUS(omendb_open(path, options, &db), OMENDB_OK);
    omendb_options_free(options);
    return db;
}

static uint64_t last_sequence(omendb_db *db) {
    omendb_db_stats stats;
    memset(&stats, 0, sizeof stats);
    stats.struct_size = sizeof stats;
    CHECK_STATUS(omendb_get_stats(db, &stats), OMENDB_OK);
    return stats.last_sequence;
}

static uint64_t run_count(omendb_db *db) {
    omendb_db_stats stats;
    memset(&stats, 0, sizeof stats);
    stats.struct_size = sizeof stats;
    CHECK_STATUS(omendb_get_stats(db, &stats), OMENDB_OK);
    return stats.run_count;
}

static void new_copy_path(char *path, size_t size) { snprintf(path, size, "%s/copy-%d", root, copies++); }

/* Entries of `root` whose name starts with `prefix`. */
static int entries_starting(const char *dir, const char *prefix) {
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    closedir(d);
    return n;
}

/* Run files of `copy` that share their inode with the same file of `db_path`: hard links. */
static int shared_runs(const char *copy, int *runs) {
    DIR *d = opendir(copy);
    if (!d) return -1;
    int shared = 0;
    *runs = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "run-", 4) != 0) continue;
        char a[600], b[600];
        snprintf(a, sizeof a, "%s/%s", copy, e->d_name);
        snprintf(b, sizeof b, "%s/%s", db_path, e->d_name);
        struct stat sa, sb;
        (*runs)++;
        if (stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev) shared++;
    }
    closedir(d);
    return shared;
}

/* Progress recorder: checks monotone and bounded reports; cancels at report `cancel_at` (0: never). */
typedef struct {
    int calls, cancel_at, bad;
    uint64_t last_done, total;
} recorder_t;

static int record_progress(void *context, uint64_t done, uint64_t total) {
    recorder_t *r = context;
    r->calls++;
    if (done > total || (r->calls > 1 && (done < r->last_done || total != r->total))) r->bad++;
    r->last_done = done;
    r->total = total;
    return r->cancel_at != 0 && r->calls == r->cancel_at;
}

static omendb_progress progress_for(recorder_t *r, int cancel_at) {
    memset(r, 0, sizeof *r);
    r->cancel_at = cancel_at;
    omendb_progress p;
    memset(&p, 0, sizeof p);
    p.struct_size = sizeof p;
    p.callback = record_progress;
    p.context = r;
    return p;
}

static void check_complete(const recorder_t *r, const char *what) {
    CHECK(r->bad == 0 && r->calls >= 2 && r->calls <= 66 && r->last_done == r->total,
          "%s: %d calls, %d bad, ended at %" PRIu64 " of %" PRIu64, what, r->calls, r->bad, r->last_done, r->total);
}

/* Takes a checkpoint of `db` and checks the copy against `m` (and its sequence). */
static void checkpoint_matches(omendb_db *db, const model_t *m, uint32_t flags, const char *state) {
    char copy[128];
    new_copy_path(copy, sizeof copy);
    recorder_t r;
    omendb_progress p = progress_for(&r, 0);
    uint64_t sequence = 0;
    CHECK_STATUS(omendb_checkpoint(db, copy, flags, &p, &sequence), OMENDB_OK);
    check_complete(&r, state);
    CHECK(sequence == last_sequence(db), "%s: checkpoint sequence %" PRIu64 ", database %" PRIu64, state, sequence, last_sequence(db));
    omendb_db *c = open_at(copy, 1);
    CHECK(differences(c, m) == 0, "%s: the copy differs from the model", state);
    CHECK(last_sequence(c) == sequence, "%s: copy opens at %" PRIu64 ", checkpoint %" PRIu64, state, last_sequence(c), sequence);
    CHECK_STATUS(omendb_verify(c), OMENDB_OK);
    CHECK_STATUS(omendb_close(c), OMENDB_OK);
}

static void test_states(void) {
    check_section("checkpoints of an empty, hot-tier, runs-only and bulk-loaded database");
    memset(&model, 0, sizeof model);
    omendb_db *db = open_at(db_path, 0);
    checkpoint_matches(db, &model, 0, "empty");
    rng_t rng = { 1 };
    for (uint64_t j = 1; j <= 300; j++) CHECK_STATUS(apply(db, &model, random_op(&rng), j), OMENDB_OK);
    checkpoint_matches(db, &model, 0, "hot tier only");
    CHECK_STATUS(omendb_flush(db), OMENDB_OK);
    checkpoint_matches(db, &model, 0, "runs only");
    for (uint64_t j = 301; j <= 600; j++) CHECK_STATUS(apply(db, &model, random_op(&rng), j), OMENDB_OK);
    CHECK_STATUS(omendb_flush(db), OMENDB_OK);
    for (uint64_t j = 601; j <= 700; j++) CHECK_STATUS(apply(db, &model, random_op(&rng), j), OMENDB_OK);
    checkpoint_matches(db, &model, OMENDB_CHECKPOINT_COPY, "two runs and a hot tier, copied");
    /* A bulk load above the key space (its keys are checked by presence only). */
    int64_t keys[100];
    uint64_t values[100];
    for (int i = 0; i < 100; i++) { keys[i] = KEY_SPACE + i; values[i] = (uint64_t)i; }
    CHECK_STATUS(omendb_bulk_load_fixed(db, keys, values, 8, 100), OMENDB_OK);
    char copy[128];
    new_copy_path(copy, sizeof copy);
    uint64_t sequence = 0;
    CHECK_STATUS(omendb_checkpoint(db, copy, 0, NULL, &sequence), OMENDB_OK);
    omendb_db *c = open_at(copy, 0);
    size_t length = 0;
    unsigned char value[8];
    CHECK_STATUS(omendb_get(c, KEY_SPACE + 99, value, sizeof value, &length), OMENDB_OK);
    CHECK(last_sequence(c) == sequence, "bulk-loaded copy opens at %" PRIu64 ", checkpoint %" PRIu64, last_sequence(c), sequence);

    check_section("the copy is independent of the original");
    CHECK_STATUS(omendb_put(db, 0, "after", 5), OMENDB_OK);
    CHECK_STATUS(omendb_get(c, 0, value, sizeof value, &length), model.present[0] ? OMENDB_OK : OMENDB_NOT_FOUND);
    CHECK(!model.present[0] || length == value_length(model.writer[0]), "the original's write shows in the copy");
    CHECK_STATUS(omendb_put(c, 1, "copy", 4), OMENDB_OK);
    CHECK_STATUS(omendb_compact(c), OMENDB_OK);
    CHECK_STATUS(omendb_close(c), OMENDB_OK);
    c = open_at(copy, 1);
    CHECK_STATUS(omendb_get(c, 1, value, sizeof value, &length), OMENDB_OK);
    CHECK(length == 4 && memcmp(value, "copy", 4) == 0, "the copy's own write is lost after reopen");
    CHECK_STATUS(omendb_close(c), OMENDB_OK);
    CHECK_STATUS(omendb_get(db, 1, value, sizeof value, &length), model.present[1] ? OMENDB_OK : OMENDB_NOT_FOUND);
    CHECK(!model.present[1] || length == value_length(model.writer[1]), "the copy's write shows in the original");
    CHECK_STATUS(omendb_delete(db, 0), OMENDB_OK);
    model.present[0] = 0;
    CHECK_STATUS(omendb_close(db), OMENDB_OK);
}

/* The writer thread: WRITER_OPS single writes (one sequence each), counted in `done`. */
typedef struct {
    omendb_db *db;
    op_t ops[WRITER_OPS];
    uint64_t first_op;
    pthread_mutex_t lock;
    int done, failures;
} writer_t;

static writer_t writer;

static void *write_ops(void *unused) {
    (void)unused;
    for (int i = 0; i < WRITER_OPS; i++) {
        int status = apply(writer.db, NULL, writer.ops[i], writer.first_op + (uint64_t)i);
        pthread_mutex_lock(&writer.lock);
        writer.failures += status != OMENDB_OK;
        writer.done = i + 1;
        pthread_mutex_unlock(&writer.lock);
    }
    return NULL;
}

static int writer_done(void) {
    pthread_mutex_lock(&writer.lock);
    int done = writer.done;
    pthread_mutex_unlock(&writer.lock);
    return done;
}

static void test_concurrent(uint64_t seed) {
    check_section("a checkpoint while another thread writes, against the model at its sequence");
    omendb_db *db = open_at(db_path, 0);
    rng_t rng = { seed };
    /* The model of the state the database holds now (its keys were set by test_states). */
    for (uint64_t j = 10000; j < 12000; j++) CHECK_STATUS(apply(db, &model, random_op(&rng), j), OMENDB_OK);
    uint64_t base = last_sequence(db);
    writer.db = db;
    writer.first_op = 100000;
    writer.done = 0;
    for (int i = 0; i < WRITER_OPS; i++) writer.ops[i] = random_op(&rng);
    pthread_mutex_init(&writer.lock, NULL);
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, write_ops, NULL) == 0, "pthread_create failed");
    struct timespec pause = { 0, 1000000 };
    while (writer_done() < WRITER_OPS / 8) nanosleep(&pause, NULL);
    /* Checkpoints one after another while the writer goes on (flushes and compactions
     * run meanwhile: the hot tier holds 64 KiB), alternately linked and copied. */
    enum { MAX_TAKEN = 12 };
    char copy[128];
    char taken[MAX_TAKEN][128];
    uint64_t sequences[MAX_TAKEN];
    int count = 0;
    recorder_t r;
    while (count < MAX_TAKEN && (count < 2 || writer_done() < WRITER_OPS)) {
        new_copy_path(taken[count], sizeof taken[count]);
        omendb_progress p = progress_for(&r, 0);
        int during = writer_done();
        CHECK_STATUS(omendb_checkpoint(db, taken[count], count % 2 ? OMENDB_CHECKPOINT_COPY : 0, &p, &sequences[count]), OMENDB_OK);
        check_complete(&r, "concurrent checkpoint");
        CHECK(sequences[count] >= base + (uint64_t)during && sequences[count] <= base + (uint64_t)writer_done() + 1,
              "checkpoint sequence %" PRIu64 " outside [%" PRIu64 ", %" PRIu64 "]", sequences[count],
              base + (uint64_t)during, base + (uint64_t)writer_done() + 1);
        count++;
        nanosleep(&pause, NULL);
    }
    pthread_join(thread, NULL);
    pthread_mutex_destroy(&writer.lock);
    CHECK(writer.failures == 0, "%d writes failed", writer.failures);
    for (int t = 0; t < count; t++) {
        uint64_t applied = sequences[t] - base;
        printf("checkpoint %d at %" PRIu64 " writes of %d\n", t, applied, WRITER_OPS);
        model_t at = model;
        for (uint64_t i = 0; i < applied && i < WRITER_OPS; i++) apply(NULL, &at, writer.ops[i], writer.first_op + i);
        omendb_db *c = open_at(taken[t], t % 2);
        CHECK(differences(c, &at) == 0, "checkpoint %d differs from the model at its sequence %" PRIu64, t, sequences[t]);
        CHECK(last_sequence(c) == sequences[t], "copy %d opens at %" PRIu64 ", checkpoint %" PRIu64, t, last_sequence(c), sequences[t]);
        CHECK_STATUS(omendb_verify(c), OMENDB_OK);
        CHECK_STATUS(omendb_close(c), OMENDB_OK);
    }
    for (int i = 0; i < WRITER_OPS; i++) apply(NULL, &model, writer.ops[i], writer.first_op + (uint64_t)i);
    CHECK(differences(db, &model) == 0, "the original differs from the model after all writes");
    omendb_db *c = NULL;

    check_section("hard links and copies");
    /* One run: with many, the flush may start a background compaction that replaces the
     * runs between the checkpoint and the inode comparison (seen under ASan). */
    CHECK_STATUS(omendb_flush(db), OMENDB_OK);
    CHECK_STATUS(omendb_compact(db), OMENDB_OK);
    int runs = 0;
    new_copy_path(copy, sizeof copy);
    CHECK_STATUS(omendb_checkpoint(db, copy, 0, NULL, NULL), OMENDB_OK);
    int shared = shared_runs(copy, &runs);
    CHECK(runs > 0 && shared == runs, "linked checkpoint: %d of %d runs share their inode", shared, runs);
    new_copy_path(copy, sizeof copy);
    CHECK_STATUS(omendb_checkpoint(db, copy, OMENDB_CHECKPOINT_COPY, NULL, NULL), OMENDB_OK);
    shared = shared_runs(copy, &runs);
    CHECK(runs > 0 && shared == 0, "copied checkpoint: %d of %d runs share their inode", shared, runs);
    c = open_at(copy, 1);
    CHECK(differences(c, &model) == 0, "the copied checkpoint differs from the model");
    CHECK_STATUS(omendb_close(c), OMENDB_OK);

    check_section("bad destinations and arguments");
    CHECK_STATUS(omendb_checkpoint(db, copy, 0, NULL, NULL), OMENDB_INVALID_ARGUMENT);
    CHECK_ERROR_MENTIONS("already exists");
    char empty_dir[128];
    snprintf(empty_dir, sizeof empty_dir, "%s/empty", root);
    CHECK(mkdir(empty_dir, 0755) == 0, "mkdir %s", empty_dir);
    CHECK_STATUS(omendb_checkpoint(db, empty_dir, 0, NULL, NULL), OMENDB_INVALID_ARGUMENT);
    char missing[128];
    snprintf(missing, sizeof missing, "%s/no/such/parent", root);
    CHECK_STATUS(omendb_checkpoint(db, missing, 0, NULL, NULL), OMENDB_IO_ERROR);
    CHECK_STATUS(omendb_checkpoint(db, NULL, 0, NULL, NULL), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_checkpoint(NULL, missing, 0, NULL, NULL), OMENDB_INVALID_ARGUMENT);
    new_copy_path(copy, sizeof copy);
    CHECK_STATUS(omendb_checkpoint(db, copy, 2, NULL, NULL), OMENDB_INVALID_ARGUMENT);
    omendb_progress small;
    memset(&small, 0, sizeof small);
    small.struct_size = sizeof(size_t);
    CHECK_STATUS(omendb_checkpoint(db, copy, 0, &small, NULL), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_compact_with_progress(db, &small), OMENDB_INVALID_ARGUMENT);
    CHECK(access(copy, F_OK) != 0, "a refused checkpoint made its destination");
    CHECK_STATUS(omendb_close(db), OMENDB_OK);

    check_section("read-only handles checkpoint too");
    db = open_at(db_path, 1);
    checkpoint_matches(db, &model, 0, "read-only handle");
    CHECK_STATUS(omendb_close(db), OMENDB_OK);
}

/* The database unchanged after a cancelled call: same content, run count, sequence. */
static void check_unchanged(omendb_db *db, uint64_t runs, uint64_t sequence, const char *what) {
    CHECK(differences(db, &model) == 0, "%s: the database changed", what);
    CHECK(run_count(db) == runs, "%s: %" PRIu64 " runs, %" PRIu64 " before", what, run_count(db), runs);
    CHECK(last_sequence(db) == sequence, "%s: sequence %" PRIu64 ", %" PRIu64 " before", what, last_sequence(db), sequence);
}

#define BULK 150000

static void test_cancellation(void) {
    check_section("cancellation at the first, a middle and the last report leaves the database unchanged");
    omendb_db *db = open_at(db_path, 0);
    rng_t rng = { 77 };
    /* Four runs for compaction to merge (below the background compaction's trigger, 8). */
    CHECK_STATUS(omendb_compact(db), OMENDB_OK);
    for (int round = 0; round < 3; round++) {
        for (uint64_t j = 0; j < 300; j++) CHECK_STATUS(apply(db, &model, random_op(&rng), 200000 + round * 300 + j), OMENDB_OK);
        CHECK_STATUS(omendb_flush(db), OMENDB_OK);
    }
    int64_t *keys = malloc(BULK * sizeof *keys);
    uint64_t *fixed = malloc(BULK * sizeof *fixed);
    const void **values = malloc(BULK * sizeof *values);
    size_t *lengths = malloc(BULK * sizeof *lengths);
    for (int i = 0; i < BULK; i++) {
        keys[i] = 1000000 + i;
        fixed[i] = (uint64_t)i;
        values[i] = &fixed[i];
        lengths[i] = (size_t)(i % 9);
    }
    const char *names[] = { "bulk load", "fixed bulk load", "compaction", "verify", "checkpoint" };
    for (int call = 0; call < 5; call++) {
        /* A full run first: how many reports the call makes. */
        recorder_t r;
        omendb_progress p = progress_for(&r, 0);
        int reports = 0;
        if (call == 3) {
            CHECK_STATUS(omendb_verify_with_progress(db, &p), OMENDB_OK);
            check_complete(&r, names[call]);
            reports = r.calls;
        } else if (call == 4) {
            char copy[128];
            new_copy_path(copy, sizeof copy);
            CHECK_STATUS(omendb_checkpoint(db, copy, OMENDB_CHECKPOINT_COPY, &p, NULL), OMENDB_OK);
            check_complete(&r, names[call]);
            reports = r.calls;
        } else {
            /* Bulk loads and compaction change the database: their report count comes from a
             * copy (checkpoints made above) so that the original stays as the model says. */
            char copy[128];
            new_copy_path(copy, sizeof copy);
            CHECK_STATUS(omendb_checkpoint(db, copy, 0, NULL, NULL), OMENDB_OK);
            omendb_db *c = open_at(copy, 0);
            int status = call == 0 ? omendb_bulk_load_with_progress(c, keys, values, lengths, BULK, &p)
                       : call == 1 ? omendb_bulk_load_fixed_with_progress(c, keys, fixed, 8, BULK, &p)
                                   : omendb_compact_with_progress(c, &p);
            CHECK_STATUS(status, OMENDB_OK);
            check_complete(&r, names[call]);
            reports = r.calls;
            CHECK_STATUS(omendb_close(c), OMENDB_OK);
        }
        CHECK(reports >= 3, "%s made %d progress reports", names[call], reports);
        int points[3] = { 1, reports / 2 + 1, reports };
        for (int k = 0; k < 3; k++) {
            uint64_t runs = run_count(db), sequence = last_sequence(db);
            int before = entries_starting(root, "copy-");
            p = progress_for(&r, points[k]);
            char copy[128];
            new_copy_path(copy, sizeof copy);
            int status = call == 0 ? omendb_bulk_load_with_progress(db, keys, values, lengths, BULK, &p)
                       : call == 1 ? omendb_bulk_load_fixed_with_progress(db, keys, fixed, 8, BULK, &p)
                       : call == 2 ? omendb_compact_with_progress(db, &p)
                       : call == 3 ? omendb_verify_with_progress(db, &p)
                                   : omendb_checkpoint(db, copy, OMENDB_CHECKPOINT_COPY, &p, NULL);
            CHECK(status == OMENDB_CANCELLED, "%s cancelled at report %d of %d returned %d (%s)", names[call],
                  points[k], reports, status, omendb_last_error());
            CHECK(r.calls == points[k], "%s went on reporting after the cancel (%d calls)", names[call], r.calls);
            CHECK_ERROR_MENTIONS("cancelled");
            check_unchanged(db, runs, sequence, names[call]);
            CHECK(access(copy, F_OK) != 0 && entries_starting(root, "copy-") == before,
                  "a cancelled checkpoint left files in %s", root);
        }
    }
    CHECK_STATUS(omendb_close(db), OMENDB_OK);
    db = open_at(db_path, 0);
    CHECK(differences(db, &model) == 0, "the database differs from the model after reopen");
    CHECK_STATUS(omendb_verify(db), OMENDB_OK);
    CHECK_STATUS(omendb_close(db), OMENDB_OK);
    free(keys);
    free(fixed);
    free(values);
    free(lengths);
}

int main(void) {
    if (!mkdtemp(root)) { perror("mkdtemp"); return 1; }
    snprintf(db_path, sizeof db_path, "%s/db", root);
    uint64_t seed = (uint64_t)getpid();
    printf("seed %" PRIu64 "\n", seed);
    CHECK(strcmp(omendb_status_string(OMENDB_CANCELLED), "cancelled by the caller") == 0, "status string of OMENDB_CANCELLED");
    test_states();
    test_concurrent(seed);
    test_cancellation();
    char command[sizeof root + 16];
    snprintf(command, sizeof command, "rm -rf '%s'", root);
    if (system(command) != 0) fprintf(stderr, "could not remove %s\n", root);
    return check_summary();
}
