/* fault_workload.c — the workload that Tests/faults/run.py runs under fault_shim.so.
 *
 *   fault_workload run   <profile> <db-dir> <status-file>
 *       runs the profile's fixed list of operations (open, puts, deletes, batches,
 *       reads, flushes, compaction, bulk load, close, reopen),
 *       writing one status letter per operation to <status-file> as it finishes:
 *       A acknowledged (OMENDB_OK), F failed, S skipped (no open database).
 *       After a failure it checks, in the same process, that reads still work and show
 *       a consistent state; at the end of a run with an injected fault it closes and
 *       opens the database twice more (the fault may still hold) and checks again.
 *   fault_workload check <profile> <db-dir> <status-file>
 *       opens the database (no fault any more) twice and checks its state against the
 *       statuses, then omendb_verify.
 *
 * Profiles: "main" (OMENDB_SYNC_FULL, no automatic flush: every I/O step happens on the
 * calling thread, in the same order every run), "normal" (the same operations with
 * OMENDB_SYNC_NORMAL: log fsyncs by the background thread and at close) and
 * "background" (SYNC_FULL, a 64 KiB hot tier: the background thread flushes and
 * compacts while the workload writes). A process crash keeps what was written, so
 * with NORMAL too every acknowledged write must survive a crash of the process.
 *
 * The check: every acknowledged operation is visible with its exact value (unless a
 * later operation changed the key); an operation that failed or was cut short by a
 * crash is either entirely visible or not at all. Each batch and bulk load also puts
 * its own marker key, so whether such an operation took effect is known exactly.
 *
 * Exit status: 0 all checks passed, 1 a check failed (the stderr line starting with
 * "FINDING" says which), 2 usage or harness error. */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "omendb.h"

#define MAX_OPS 512
#define MAX_ITEMS 8192
#define MAX_KEYS 8192
#define MAX_ALLOWED 64
#define MAX_VALUE 8192
#define MARKER_BASE ((int64_t)1 << 40)
#define ABSENT (-1)

enum op_kind { OP_OPEN, OP_PUT, OP_DELETE, OP_BATCH, OP_BULK, OP_READ, OP_FLUSH, OP_COMPACT, OP_CLOSE };
static const char *const op_names[] = {"open", "put", "delete", "batch", "bulk_load", "read", "flush", "compact", "close"};

struct item { int64_t key; int is_delete; };
/* PUT/DELETE use items[first]; BATCH/BULK use items[first .. first+count), the marker last. */
struct op { enum op_kind kind; int first, count; };

static struct op ops[MAX_OPS];
static int op_count;
static struct item items[MAX_ITEMS];
static int item_count;
static int background_profile;
static int sync_mode = OMENDB_SYNC_FULL;

static void harness_error(const char *what) {
    fprintf(stderr, "fault_workload: %s\n", what);
    exit(2);
}

/* ---- the workloads ------------------------------------------------------------ */

static int add_op(enum op_kind kind) {
    if (op_count == MAX_OPS) harness_error("too many operations");
    ops[op_count] = (struct op){kind, item_count, 0};
    return op_count++;
}

static void add_item(int64_t key, int is_delete) {
    if (item_count == MAX_ITEMS) harness_error("too many items");
    items[item_count++] = (struct item){key, is_delete};
    ops[op_count - 1].count++;
}

static void single(enum op_kind kind, int64_t key) { add_op(kind); add_item(key, kind == OP_DELETE); }

/* A batch or bulk load of `count` keys from `keys`; `deletes` marks deletions (batches only). */
static void multi(enum op_kind kind, const int64_t *keys, const int *deletes, int count) {
    int index = add_op(kind);
    for (int i = 0; i < count; i++) add_item(keys[i], deletes != NULL && deletes[i]);
    add_item(MARKER_BASE + index, 0);
}

static void build_main(void) {
    add_op(OP_OPEN);
    for (int64_t k = 1; k <= 11; k++) single(OP_PUT, k);
    single(OP_DELETE, 3);
    single(OP_DELETE, 100);  /* absent */
    multi(OP_BATCH, (int64_t[]){20, 21, 22, 23, 24, 25, 1}, (int[]){0, 0, 0, 0, 0, 0, 1}, 7);
    multi(OP_BATCH, (int64_t[]){1, 21, 22}, (int[]){0, 0, 1}, 3);
    add_op(OP_READ);
    add_op(OP_FLUSH);
    for (int64_t k = 30; k <= 33; k++) single(OP_PUT, k);
    single(OP_DELETE, 2);
    multi(OP_BATCH, (int64_t[]){2, 24, 40, 41, 42, 43, 44, 45}, (int[]){0, 1, 0, 0, 0, 0, 0, 0}, 8);
    add_op(OP_FLUSH);
    add_op(OP_COMPACT);
    int64_t bulk[16];
    for (int i = 0; i < 16; i++) bulk[i] = 1000 + i;
    multi(OP_BULK, bulk, NULL, 16);
    single(OP_PUT, 1000);
    single(OP_DELETE, 1001);
    add_op(OP_READ);
    add_op(OP_CLOSE);
    add_op(OP_OPEN);
    single(OP_PUT, 50);
    multi(OP_BATCH, (int64_t[]){51, 52, 53, 54, 55, 30}, (int[]){0, 0, 0, 0, 0, 1}, 6);
    add_op(OP_READ);
    add_op(OP_FLUSH);
    single(OP_DELETE, 50);
    add_op(OP_CLOSE);
}

/* Batches of ~17 KB against a 64 KiB hot tier: about ten background flushes, and a
 * background compaction once there are more than eight runs. */
static void build_background(void) {
    add_op(OP_OPEN);
    for (int b = 0; b < 44; b++) {
        int64_t keys[12];
        int deletes[12] = {0};
        for (int j = 0; j < 12; j++) keys[j] = (int64_t)((b * 5 + j * 3) % 97);
        /* distinct keys: j*3 mod 97 is distinct for j < 12, shifted by b*5 */
        deletes[11] = b % 3 == 0;
        multi(OP_BATCH, keys, deletes, 12);
        if (b % 11 == 10) add_op(OP_READ);
    }
    single(OP_PUT, 7);
    add_op(OP_CLOSE);
    add_op(OP_OPEN);
    single(OP_DELETE, 7);
    multi(OP_BATCH, (int64_t[]){200, 201, 202}, NULL, 3);
    add_op(OP_READ);
    add_op(OP_CLOSE);
}

/* ---- values ----------------------------------------------------------------------- */

static uint64_t mix(uint64_t x) {
    x ^= x >> 31; x *= 0x7fb5d329728ea185ull;
    x ^= x >> 27; x *= 0x81dadef4bc2dd44dull;
    return x ^ (x >> 33);
}

/* The value operation `op` writes under `key`: a marker holds the operation's index;
 * data values have deterministic lengths (some empty, some large) and bytes. */
static size_t value_of(int op, int64_t key, unsigned char *out) {
    if (key >= MARKER_BASE) {
        uint64_t index = (uint64_t)op;
        memcpy(out, &index, sizeof index);
        return sizeof index;
    }
    uint64_t h = mix((uint64_t)op * 1000003u + (uint64_t)key);
    size_t length;
    if (background_profile) length = 800 + (size_t)(h % 1200);
    else if (h % 13 == 0) length = 0;
    else if (h % 11 == 0) length = 4000 + (size_t)(h % 3000);
    else length = 1 + (size_t)(h % 300);
    for (size_t i = 0; i < length; i++) {
        h = h * 6364136223846793005ull + 1442695040888963407ull;
        out[i] = (unsigned char)(h >> 56);
    }
    return length;
}

/* ---- the shim's queries (absent when the shim is not loaded) --------------------- */

static int (*shim_injected)(void);
static const char *(*shim_first)(void);
static int (*shim_first_in_this_thread)(void);
static int (*shim_first_absorbable)(void);

static void find_shim(void) {
    shim_injected = (int (*)(void))dlsym(RTLD_DEFAULT, "faultshim_injected");
    shim_first = (const char *(*)(void))dlsym(RTLD_DEFAULT, "faultshim_first");
    shim_first_in_this_thread = (int (*)(void))dlsym(RTLD_DEFAULT, "faultshim_first_in_this_thread");
    shim_first_absorbable = (int (*)(void))dlsym(RTLD_DEFAULT, "faultshim_first_absorbable");
}

static int injected(void) { return shim_injected != NULL ? shim_injected() : 0; }
static const char *first_injection(void) { return shim_first != NULL ? shim_first() : ""; }

/* ---- the state check -------------------------------------------------------------- */

static int64_t universe[MAX_KEYS];
static int universe_count;
static int allowed[MAX_KEYS][MAX_ALLOWED];
static int allowed_count[MAX_KEYS];

static int compare_keys(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void build_universe(void) {
    for (int i = 0; i < item_count; i++) universe[universe_count++] = items[i].key;
    qsort(universe, (size_t)universe_count, sizeof universe[0], compare_keys);
    int unique = 0;
    for (int i = 0; i < universe_count; i++)
        if (unique == 0 || universe[unique - 1] != universe[i]) universe[unique++] = universe[i];
    universe_count = unique;
}

static int key_index(int64_t key) {
    const int64_t *found = bsearch(&key, universe, (size_t)universe_count, sizeof key, compare_keys);
    return found == NULL ? -1 : (int)(found - universe);
}

#define FINDING(...) do { fprintf(stderr, "FINDING: "); fprintf(stderr, __VA_ARGS__); \
                          if (injected() > 0) fprintf(stderr, " [fault: %s]", first_injection()); \
                          fprintf(stderr, "\n"); return 1; } while (0)

/* Reads `key`: 1 present (value in `buffer`, length in *length), 0 absent, -1 error. */
static int read_key(omendb_db *db, int64_t key, unsigned char *buffer, size_t *length) {
    int status = omendb_get(db, key, buffer, MAX_VALUE, length);
    if (status == OMENDB_OK) return 1;
    if (status == OMENDB_NOT_FOUND) return 0;
    fprintf(stderr, "FINDING: get %lld failed: status %d (%s): %s [fault: %s]\n", (long long)key, status,
            omendb_status_string(status), omendb_last_error(), injected() > 0 ? first_injection() : "none");
    return -1;
}

/* Whether the stored value (present or not) is one of the key's allowed outcomes. */
static int matches(int index, int present, const unsigned char *value, size_t length) {
    static unsigned char expected[MAX_VALUE];
    for (int a = 0; a < allowed_count[index]; a++) {
        if (allowed[index][a] == ABSENT) { if (!present) return 1; continue; }
        if (!present) continue;
        size_t want = value_of(allowed[index][a], universe[index], expected);
        if (want == length && memcmp(expected, value, length) == 0) return 1;
    }
    return 0;
}

static void describe_allowed(int index, char *out, size_t capacity) {
    size_t used = 0;
    out[0] = 0;
    for (int a = 0; a < allowed_count[index] && used + 24 < capacity; a++) {
        int op = allowed[index][a];
        used += (size_t)(op == ABSENT ? snprintf(out + used, capacity - used, "%sabsent", a ? " | " : "")
                                      : snprintf(out + used, capacity - used, "%svalue of op %d", a ? " | " : "", op));
    }
}

/* Checks the state seen through `db` against the operations' statuses: status[i] is
 * A (acknowledged), F (failed), P (cut short by a crash), S or N (skipped, not run).
 * Returns 0, or 1 after printing a FINDING. */
static int check_state(omendb_db *db, const char *status, const char *context) {
    static unsigned char buffer[MAX_VALUE];
    for (int k = 0; k < universe_count; k++) { allowed[k][0] = ABSENT; allowed_count[k] = 1; }
    for (int i = 0; i < op_count; i++) {
        const struct op *op = &ops[i];
        if (op->count == 0) continue;  /* no data */
        int known = status[i] == 'A' || status[i] == 'S' || status[i] == 'N';
        int applied = status[i] == 'A';
        if (op->kind == OP_BATCH || op->kind == OP_BULK) {
            /* The marker tells whether the operation took effect. */
            size_t length = 0;
            int present = read_key(db, MARKER_BASE + i, buffer, &length);
            if (present < 0) return 1;
            unsigned char marker[8];
            if (present && (length != value_of(i, MARKER_BASE + i, marker) || memcmp(buffer, marker, length) != 0))
                FINDING("%s: the marker of op %d (%s) holds a wrong value", context, i, op_names[op->kind]);
            if (known && present != applied)
                FINDING("%s: op %d (%s, status %c) is %s", context, i, op_names[op->kind], status[i],
                        applied ? "acknowledged but its marker is missing (lost)" : "not run but its marker is present");
            known = 1;
            applied = present;
        }
        if (known && !applied) continue;
        for (int j = op->first; j < op->first + op->count; j++) {
            int k = key_index(items[j].key);
            int outcome = items[j].is_delete ? ABSENT : i;
            if (known) { allowed[k][0] = outcome; allowed_count[k] = 1; }
            else if (allowed_count[k] < MAX_ALLOWED) allowed[k][allowed_count[k]++] = outcome;
            else harness_error("too many possible values for one key");
        }
    }
    /* Point reads. */
    uint64_t present_count = 0;
    for (int k = 0; k < universe_count; k++) {
        size_t length = 0;
        int present = read_key(db, universe[k], buffer, &length);
        if (present < 0) return 1;
        present_count += (uint64_t)present;
        if (!matches(k, present, buffer, length)) {
            char expected[512];
            describe_allowed(k, expected, sizeof expected);
            FINDING("%s: key %lld is %s (length %zu); expected %s", context, (long long)universe[k],
                    present ? "present" : "absent", length, expected);
        }
    }
    /* A snapshot agrees with the point reads; an iterator over it sees exactly the present keys. */
    omendb_snapshot *snapshot = NULL;
    int rc = omendb_snapshot_open(db, &snapshot);
    if (rc != OMENDB_OK) FINDING("%s: snapshot_open failed: status %d: %s", context, rc, omendb_last_error());
    omendb_iterator *it = NULL;
    rc = omendb_iterator_create(NULL, snapshot, &it);
    if (rc != OMENDB_OK) FINDING("%s: iterator_create failed: status %d: %s", context, rc, omendb_last_error());
    uint64_t seen = 0;
    for (rc = omendb_iterator_seek_first(it); rc == OMENDB_OK && omendb_iterator_valid(it); rc = omendb_iterator_next(it)) {
        int64_t key;
        const void *value;
        size_t length;
        if ((rc = omendb_iterator_entry(it, &key, &value, &length)) != OMENDB_OK) break;
        int k = key_index(key);
        if (k < 0) FINDING("%s: the iterator shows key %lld, which the workload never wrote", context, (long long)key);
        if (!matches(k, 1, value, length)) FINDING("%s: the iterator shows a wrong value for key %lld", context, (long long)key);
        const void *direct;
        size_t direct_length;
        if (omendb_snapshot_get(snapshot, key, &direct, &direct_length) != OMENDB_OK || direct_length != length
            || (length > 0 && memcmp(direct, value, length) != 0))
            FINDING("%s: snapshot_get disagrees with the iterator at key %lld", context, (long long)key);
        seen++;
    }
    if (rc != OMENDB_OK) FINDING("%s: iteration failed: status %d: %s", context, rc, omendb_last_error());
    omendb_iterator_free(it);
    omendb_snapshot_free(snapshot);
    if (seen != present_count)
        FINDING("%s: the iterator saw %llu keys, point reads found %llu", context, (unsigned long long)seen,
                (unsigned long long)present_count);
    if ((rc = omendb_verify(db)) != OMENDB_OK) FINDING("%s: omendb_verify failed: status %d: %s", context, rc, omendb_last_error());
    return 0;
}

/* ---- running the workload ---------------------------------------------------------- */

/* The names and sizes of a database directory's files (LOCK, rewritten by every
 * read-write open, aside). */
struct listing { int count; char names[64][40]; long long sizes[64]; };

static void list_directory(const char *path, struct listing *listing) {
    listing->count = 0;
    DIR *directory = opendir(path);
    if (directory == NULL) return;
    struct dirent *entry;
    while ((entry = readdir(directory)) != NULL && listing->count < 64) {
        const char *name = entry->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strcmp(name, "LOCK") == 0 || strlen(name) >= 40) continue;
        char file[4096];
        struct stat info;
        snprintf(file, sizeof file, "%s/%s", path, name);
        strcpy(listing->names[listing->count], name);
        listing->sizes[listing->count++] = stat(file, &info) == 0 ? (long long)info.st_size : -1;
    }
    closedir(directory);
}

static int find_name(const struct listing *listing, const char *name) {
    for (int i = 0; i < listing->count; i++) if (strcmp(listing->names[i], name) == 0) return i;
    return -1;
}

/* Describes how `after` differs from `before` ("" when it does not). */
static void listing_changes(const struct listing *before, const struct listing *after, char *out, size_t capacity) {
    size_t used = 0;
    out[0] = 0;
    for (int i = 0; i < before->count && used < capacity; i++) {
        int j = find_name(after, before->names[i]);
        if (j < 0) used += (size_t)snprintf(out + used, capacity - used, " removed %s;", before->names[i]);
        else if (after->sizes[j] != before->sizes[i])
            used += (size_t)snprintf(out + used, capacity - used, " resized %s from %lld to %lld bytes;", before->names[i],
                                     before->sizes[i], after->sizes[j]);
    }
    for (int j = 0; j < after->count && used < capacity; j++)
        if (find_name(before, after->names[j]) < 0)
            used += (size_t)snprintf(out + used, capacity - used, " added %s (%lld bytes);", after->names[j], after->sizes[j]);
}

/* Opens the database. A failed open must leave the directory as it found it: an
 * existing database's files unchanged, a database it was creating removed again (the
 * process exits after a FINDING otherwise). */
static int open_database(const char *path, omendb_db **db) {
    omendb_options *options = NULL;
    if (omendb_options_create(&options) != OMENDB_OK) harness_error("options_create failed");
    omendb_options_set_sync(options, sync_mode);
    if (background_profile) omendb_options_set_hot_tier_bytes(options, 65536);
    static struct listing before, after;
    struct stat info;
    int existed = stat(path, &info) == 0;
    list_directory(path, &before);
    int status = omendb_open(path, options, db);
    omendb_options_free(options);
    if (status != OMENDB_OK && !existed && stat(path, &info) == 0) {
        fprintf(stderr, "FINDING: a failed open (status %d: %s) that was creating the database left %s behind [fault: %s]\n",
                status, omendb_last_error(), path, injected() > 0 ? first_injection() : "none");
        exit(1);
    }
    if (status != OMENDB_OK && find_name(&before, "MANIFEST") >= 0) {
        char changes[1024];
        list_directory(path, &after);
        listing_changes(&before, &after, changes, sizeof changes);
        if (changes[0] != 0) {
            fprintf(stderr, "FINDING: a failed open (status %d: %s) changed the database directory:%s [fault: %s]\n", status,
                    omendb_last_error(), changes, injected() > 0 ? first_injection() : "none");
            exit(1);
        }
    }
    return status;
}

static int execute(int index, const char *path, omendb_db **db, const char *status) {
    static unsigned char value[MAX_VALUE];
    const struct op *op = &ops[index];
    const struct item *item = &items[op->first];
    switch (op->kind) {
    case OP_OPEN: return open_database(path, db);
    case OP_PUT: return omendb_put(*db, item->key, value, value_of(index, item->key, value));
    case OP_DELETE: return omendb_delete(*db, item->key);
    case OP_BATCH: {
        omendb_batch *batch = NULL;
        if (omendb_batch_create(&batch) != OMENDB_OK) harness_error("batch_create failed");
        for (int j = 0; j < op->count; j++) {
            if (item[j].is_delete) omendb_batch_delete(batch, item[j].key);
            else omendb_batch_put(batch, item[j].key, value, value_of(index, item[j].key, value));
        }
        int rc = omendb_write(*db, batch);
        omendb_batch_free(batch);
        return rc;
    }
    case OP_BULK: {
        int64_t keys[64];
        const void *values[64];
        size_t lengths[64];
        static unsigned char storage[64][MAX_VALUE];
        if (op->count > 64) harness_error("bulk load too large");
        for (int j = 0; j < op->count; j++) {
            keys[j] = item[j].key;
            lengths[j] = value_of(index, item[j].key, storage[j]);
            values[j] = storage[j];
        }
        return omendb_bulk_load(*db, keys, values, lengths, (size_t)op->count);
    }
    case OP_READ: {
        char context[64];
        snprintf(context, sizeof context, "read at op %d", index);
        if (check_state(*db, status, context) != 0) exit(1);
        return OMENDB_OK;
    }
    case OP_FLUSH: return omendb_flush(*db);
    case OP_COMPACT: return omendb_compact(*db);
    case OP_CLOSE: {
        int rc = omendb_close(*db);
        *db = NULL;  /* invalid afterwards, even after an error */
        return rc;
    }
    }
    return OMENDB_INTERNAL;
}

/* A failure caused by an injected fault must be an I/O error whose message names the
 * injected error. Returns 0, or 1 after a FINDING. */
static int check_failure(const char *what, int rc) {
    const char *message = omendb_last_error();
    if (injected() == 0)
        FINDING("%s failed without an injected fault: status %d (%s): %s", what, rc, omendb_status_string(rc), message);
    if (rc != OMENDB_IO_ERROR || (strstr(message, "No space left on device") == NULL && strstr(message, "Input/output error") == NULL))
        FINDING("%s: expected OMENDB_IO_ERROR naming the injected error, got status %d (%s): '%s'", what, rc,
                omendb_status_string(rc), message);
    return 0;
}

static int run(const char *path, const char *status_path) {
    int status_fd = open(status_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (status_fd < 0) harness_error("cannot create the status file");
    char status[MAX_OPS + 1];
    memset(status, 'N', sizeof status);
    omendb_db *db = NULL;
    int failures = 0;
    for (int i = 0; i < op_count; i++) {
        char what[96];
        snprintf(what, sizeof what, "op %d (%s%s)", i, op_names[ops[i].kind], ops[i].count == 1 ? " of one key" : "");
        if (db == NULL && ops[i].kind != OP_OPEN) {
            status[i] = 'S';
        } else {
            int before = injected();
            int rc = execute(i, path, &db, status);
            if (before == 0 && injected() > 0) {
                printf("fault: %s, during op %d%s\n", first_injection(), i,
                       shim_first_in_this_thread() ? "" : " (in another thread)");
                fflush(stdout);
            }
            if (rc == OMENDB_OK) {
                status[i] = 'A';
                if (before == 0 && injected() > 0 && shim_first_in_this_thread() && !shim_first_absorbable())
                    FINDING("%s returned OMENDB_OK although a fault was injected during it", what);
            } else {
                status[i] = 'F';
                fprintf(stderr, "%s failed: status %d (%s): %s\n", what, rc, omendb_status_string(rc), omendb_last_error());
                if (check_failure(what, rc) != 0) return 1;
                failures++;
            }
        }
        if (write(status_fd, &status[i], 1) != 1) harness_error("cannot write the status file");
        /* Reads still work, and show a consistent state, right after the first failure. */
        if (status[i] == 'F' && failures == 1 && db != NULL && check_state(db, status, "reads right after the failure") != 0) return 1;
    }
    close(status_fd);
    if (injected() == 0) return 0;
    /* The fault may still hold (a full disk): close, then open twice, each either failing
     * with a clear I/O error or showing a consistent state. */
    if (db != NULL) {
        int rc = omendb_close(db);
        if (rc != OMENDB_OK && check_failure("close after the fault", rc) != 0) return 1;
    }
    for (int attempt = 1; attempt <= 2; attempt++) {
        char what[64];
        snprintf(what, sizeof what, "reopen %d after the fault", attempt);
        int rc = open_database(path, &db);
        if (rc != OMENDB_OK) {
            fprintf(stderr, "%s failed: status %d (%s): %s\n", what, rc, omendb_status_string(rc), omendb_last_error());
            if (check_failure(what, rc) != 0) return 1;
            continue;
        }
        if (check_state(db, status, what) != 0) return 1;
        rc = omendb_close(db);
        if (rc != OMENDB_OK && check_failure(what, rc) != 0) return 1;
    }
    return 0;
}

/* Only the engine's own files may remain after a clean open and close. */
static int check_directory(const char *path) {
    DIR *directory = opendir(path);
    if (directory == NULL) FINDING("cannot list %s", path);
    struct dirent *entry;
    int bad = 0;
    while ((entry = readdir(directory)) != NULL) {
        const char *name = entry->d_name;
        size_t length = strlen(name);
        int known = strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strcmp(name, "LOCK") == 0
                    || strcmp(name, "MANIFEST") == 0
                    || (length == 20 && strncmp(name, "wal-", 4) == 0 && strcmp(name + 16, ".log") == 0)
                    || (length == 20 && strncmp(name, "run-", 4) == 0 && strcmp(name + 16, ".run") == 0);
        if (!known) { fprintf(stderr, "FINDING: stray file %s/%s after a clean open and close\n", path, name); bad = 1; }
    }
    closedir(directory);
    return bad;
}

static int check(const char *path, const char *status_path) {
    char status[MAX_OPS + 1];
    memset(status, 'N', sizeof status);
    int fd = open(status_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) harness_error("cannot open the status file");
    ssize_t n = read(fd, status, (size_t)op_count);
    close(fd);
    if (n < 0) harness_error("cannot read the status file");
    if (n < op_count) status[n] = 'P';  /* the run stopped (crashed) during this operation */
    for (int round = 1; round <= 2; round++) {
        char what[64];
        snprintf(what, sizeof what, "open %d after the run", round);
        omendb_db *db = NULL;
        int rc = open_database(path, &db);
        if (rc != OMENDB_OK)
            FINDING("%s failed: status %d (%s): %s", what, rc, omendb_status_string(rc), omendb_last_error());
        if (check_state(db, status, what) != 0) return 1;
        if ((rc = omendb_close(db)) != OMENDB_OK)
            FINDING("%s: close failed: status %d (%s): %s", what, rc, omendb_status_string(rc), omendb_last_error());
    }
    if (check_directory(path) != 0) return 1;
    printf("ok: %d operations, statuses %.*s\n", op_count, (int)(n > 0 ? n : 0), status);
    return 0;
}

int main(int argc, char **argv) {
    static const char usage[] = "usage: fault_workload run|check main|normal|background <db-dir> <status-file>\n";
    if (argc != 5 || (strcmp(argv[2], "main") != 0 && strcmp(argv[2], "normal") != 0 && strcmp(argv[2], "background") != 0)) {
        fprintf(stderr, usage);
        return 2;
    }
    background_profile = strcmp(argv[2], "background") == 0;
    if (strcmp(argv[2], "normal") == 0) sync_mode = OMENDB_SYNC_NORMAL;
    if (background_profile) build_background(); else build_main();
    build_universe();
    find_shim();
    if (strcmp(argv[1], "run") == 0) return run(argv[3], argv[4]);
    if (strcmp(argv[1], "check") == 0) return check(argv[3], argv[4]);
    fprintf(stderr, usage);
    return 2;
}
