/*
 * test_bank.c — transactions under concurrency, through the C API.
 *
 * Bank transfers: WRITERS threads move random amounts between ACCOUNTS accounts in
 * SERIALIZABLE transactions for a bounded time, retrying on OMENDB_CONFLICT (every
 * conflict is counted, its message must name one of the two accounts). Each transfer
 * also sets its thread's counter and writes a log entry (from, to, amount) in the same
 * transaction. A reader thread checks, in read-only transactions, that the total never
 * changes and that every thread's counter agrees with its log entries (a commit is
 * visible whole or not at all). After close and reopen, every account holds exactly
 * what the acknowledged transfers give, every counter equals the thread's number of
 * acknowledged transfers and every log entry is present and right.
 *
 * Write skew: two threads each read two "on call" keys (both 1) and, seeing both on
 * call, take their own key off (0), then commit. Under REPEATABLE_READ both commits
 * must succeed in every round (the anomaly snapshot isolation allows: nobody is left
 * on call); under SERIALIZABLE exactly one of the two must fail with OMENDB_CONFLICT
 * naming a key of the round, so one stays on call.
 *
 * Seeded (the seed is printed; OMENDB_TEST_SEED=<seed> repeats the random choices, not
 * the thread interleaving). OMENDB_BANK_SECONDS sets the stress time (default 4 s; the
 * whole test then takes ~5 s). Built normally and with ASan+UBSan by CTest, against the
 * ASan-built engine by scripts/test.sh swift_asan and against the TSan-built one by c_tsan.
 */
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "omendb.h"
#include "reference.h"

#define ACCOUNTS 32
#define INITIAL_BALANCE 1000
#define WRITERS 4
#define ACCOUNT_KEY(a) ((int64_t)7000000 + (int64_t)(a) * 1001)   /* distinctive in conflict messages */
#define COUNTER_KEY(t) ((int64_t)1000 + (t))
#define LOG_KEY(t, n) (((int64_t)1 << 32) + (int64_t)(t) * ((int64_t)1 << 24) + (int64_t)(n))
#define SKEW_ROUNDS 100
#define SKEW_BASE ((int64_t)1 << 40)

static omendb_db *db;
static double deadline;   /* set before the threads start, read-only afterwards */

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static omendb_txn *begin(int level, int read_only) {
    omendb_txn_options *options = NULL;
    omendb_txn *txn = NULL;
    if (omendb_txn_options_create(&options) != OMENDB_OK) return NULL;
    if (omendb_txn_options_set_isolation(options, level) != OMENDB_OK ||
        omendb_txn_options_set_read_only(options, read_only) != OMENDB_OK ||
        omendb_txn_begin(db, options, &txn) != OMENDB_OK)
        txn = NULL;
    omendb_txn_options_free(options);
    return txn;
}

/* Reads the int64 under `key` into *value (0 when absent); returns the status. */
static int read_int(omendb_txn *txn, int64_t key, int64_t *value) {
    size_t length = 0;
    *value = 0;
    int status = omendb_txn_get(txn, key, value, sizeof *value, &length);
    if (status == OMENDB_OK && length != sizeof *value) return OMENDB_CORRUPTION;
    return status;
}

typedef struct { int64_t from, to, amount; } transfer;

typedef struct {
    int id;
    uint64_t seed;
    /* results, read by the main thread after join */
    transfer *done;            /* the acknowledged transfers, in commit order */
    size_t count, capacity;
    uint64_t conflicts;        /* commits refused with OMENDB_CONFLICT */
    uint64_t unnamed;          /* conflict messages that name neither account */
    uint64_t counter_wrong;    /* the thread's counter did not equal its acknowledged count */
    char error[256];           /* the first unexpected failure, empty if none */
} writer;

static void note_error(char *error, const char *what, int status) {
    if (error[0] == '\0')
        snprintf(error, 256, "%s: %d (%s): %s", what, status, omendb_status_string(status), omendb_last_error());
}

/* One attempt at transfer `t` as the thread's next transfer: the commit's status, or the
 * first failing call's (conflicts are found at commit only). */
static int attempt_transfer(writer *w, const transfer *t) {
    omendb_txn *txn = begin(OMENDB_ISOLATION_SERIALIZABLE, 0);
    if (!txn) return OMENDB_INTERNAL;
    int64_t from = 0, to = 0, counter = 0;
    int status;
    if ((status = read_int(txn, t->from, &from)) != OMENDB_OK ||
        (status = read_int(txn, t->to, &to)) != OMENDB_OK) goto done;
    status = read_int(txn, COUNTER_KEY(w->id), &counter);
    if (status != OMENDB_OK && status != OMENDB_NOT_FOUND) goto done;
    if (counter != (int64_t)w->count) w->counter_wrong++;
    from -= t->amount;
    to += t->amount;
    counter = (int64_t)w->count + 1;
    if ((status = omendb_txn_put(txn, t->from, &from, sizeof from)) != OMENDB_OK ||
        (status = omendb_txn_put(txn, t->to, &to, sizeof to)) != OMENDB_OK ||
        (status = omendb_txn_put(txn, COUNTER_KEY(w->id), &counter, sizeof counter)) != OMENDB_OK ||
        (status = omendb_txn_put(txn, LOG_KEY(w->id, w->count), t, sizeof *t)) != OMENDB_OK) goto done;
    status = omendb_txn_commit(txn);
done:
    omendb_txn_free(txn);
    return status;
}

static void *transfer_money(void *argument) {
    writer *w = argument;
    rng_t rng = {w->seed};
    while (now_seconds() < deadline) {
        transfer t;
        int64_t from = (int64_t)(rng_next(&rng) % ACCOUNTS), to = (from + 1 + (int64_t)(rng_next(&rng) % (ACCOUNTS - 1))) % ACCOUNTS;
        t.from = ACCOUNT_KEY(from);
        t.to = ACCOUNT_KEY(to);
        t.amount = 1 + (int64_t)(rng_next(&rng) % 100);
        int status;
        /* Retries until committed: a conflict leaves no trace, so the same transfer is tried again. */
        while ((status = attempt_transfer(w, &t)) == OMENDB_CONFLICT) {
            char from_text[32], to_text[32];
            snprintf(from_text, sizeof from_text, "%" PRId64, t.from);
            snprintf(to_text, sizeof to_text, "%" PRId64, t.to);
            w->conflicts++;
            if (!strstr(omendb_last_error(), from_text) && !strstr(omendb_last_error(), to_text)) w->unnamed++;
            sched_yield();
        }
        if (status != OMENDB_OK) { note_error(w->error, "transfer", status); break; }
        if (w->count == w->capacity) {
            w->capacity = w->capacity ? 2 * w->capacity : 1024;
            w->done = realloc(w->done, w->capacity * sizeof *w->done);
            if (!w->done) { note_error(w->error, "realloc", OMENDB_NO_MEMORY); break; }
        }
        w->done[w->count++] = t;
    }
    return NULL;
}

typedef struct {
    /* results, read by the main thread after join */
    uint64_t reads;            /* read-only transactions checked */
    uint64_t wrong_totals;
    uint64_t torn;             /* a counter that disagrees with its thread's log entries */
    int64_t bad_total;
    char error[256];
} reader;

/* One read-only transaction: the total by point reads (REPEATABLE_READ) or through the
 * transaction iterator (SERIALIZABLE), and each thread's counter against its log. */
static int check_once(reader *r, int by_iterator) {
    omendb_txn *txn = begin(by_iterator ? OMENDB_ISOLATION_SERIALIZABLE : OMENDB_ISOLATION_REPEATABLE_READ, 1);
    if (!txn) return OMENDB_INTERNAL;
    int64_t total = 0, value = 0;
    int status = OMENDB_OK, accounts = 0;
    if (by_iterator) {
        omendb_iterator *it = NULL;
        if ((status = omendb_txn_iterator_create(txn, &it)) != OMENDB_OK) goto done;
        if ((status = omendb_iterator_set_bounds(it, ACCOUNT_KEY(0), ACCOUNT_KEY(ACCOUNTS))) == OMENDB_OK)
            status = omendb_iterator_seek_first(it);
        while (status == OMENDB_OK && omendb_iterator_valid(it)) {
            const void *bytes = NULL;
            size_t length = 0;
            if ((status = omendb_iterator_entry(it, NULL, &bytes, &length)) != OMENDB_OK) break;
            if (length != sizeof value) { status = OMENDB_CORRUPTION; break; }
            memcpy(&value, bytes, sizeof value);
            total += value;
            accounts++;
            status = omendb_iterator_next(it);
        }
        omendb_iterator_free(it);
        if (status != OMENDB_OK) goto done;
    } else {
        for (int64_t a = 0; a < ACCOUNTS; a++) {
            if ((status = read_int(txn, ACCOUNT_KEY(a), &value)) != OMENDB_OK) goto done;
            total += value;
            accounts++;
        }
    }
    if (total != (int64_t)ACCOUNTS * INITIAL_BALANCE || accounts != ACCOUNTS) { r->wrong_totals++; r->bad_total = total; }
    for (int t = 0; t < WRITERS; t++) {
        int64_t counter = 0;
        transfer entry;
        size_t length = 0;
        status = read_int(txn, COUNTER_KEY(t), &counter);
        if (status != OMENDB_OK && status != OMENDB_NOT_FOUND) goto done;
        int last = counter == 0 || omendb_txn_get(txn, LOG_KEY(t, counter - 1), &entry, sizeof entry, &length) == OMENDB_OK;
        int next = omendb_txn_get(txn, LOG_KEY(t, counter), &entry, sizeof entry, &length) == OMENDB_NOT_FOUND;
        if (!last || !next) r->torn++;
    }
    status = omendb_txn_commit(txn);   /* a read-only transaction never conflicts */
done:
    omendb_txn_free(txn);
    return status;
}

static void *check_totals(void *argument) {
    reader *r = argument;
    while (now_seconds() < deadline) {
        int status = check_once(r, (int)(r->reads % 2));
        if (status != OMENDB_OK) { note_error(r->error, "reader", status); break; }
        r->reads++;
    }
    return NULL;
}

static omendb_db *open_database(const char *path) {
    omendb_options *options = NULL;
    omendb_db *handle = NULL;
    CHECK_STATUS(omendb_options_create(&options), OMENDB_OK);
    CHECK_STATUS(omendb_options_set_hot_tier_bytes(options, 65536), OMENDB_OK);   /* flushes and compactions during the run */
    CHECK_STATUS(omendb_open(path, options, &handle), OMENDB_OK);
    omendb_options_free(options);
    return handle;
}

static void test_bank(const char *path, uint64_t seed, double seconds) {
    check_section("bank transfers, SERIALIZABLE");
    db = open_database(path);
    omendb_batch *batch = NULL;
    CHECK_STATUS(omendb_batch_create(&batch), OMENDB_OK);
    for (int64_t a = 0; a < ACCOUNTS; a++) {
        int64_t balance = INITIAL_BALANCE;
        CHECK_STATUS(omendb_batch_put(batch, ACCOUNT_KEY(a), &balance, sizeof balance), OMENDB_OK);
    }
    CHECK_STATUS(omendb_write(db, batch), OMENDB_OK);
    omendb_batch_free(batch);

    writer writers[WRITERS];
    reader checker;
    pthread_t threads[WRITERS + 1];
    memset(writers, 0, sizeof writers);
    memset(&checker, 0, sizeof checker);
    double started = now_seconds();
    deadline = started + seconds;
    for (int t = 0; t < WRITERS; t++) {
        writers[t].id = t;
        writers[t].seed = seed * 31 + (uint64_t)t;
        CHECK(pthread_create(&threads[t], NULL, transfer_money, &writers[t]) == 0, "pthread_create %d failed", t);
    }
    CHECK(pthread_create(&threads[WRITERS], NULL, check_totals, &checker) == 0, "pthread_create (reader) failed");
    for (int t = 0; t <= WRITERS; t++) pthread_join(threads[t], NULL);
    double elapsed = now_seconds() - started;

    uint64_t transfers = 0, conflicts = 0;
    for (int t = 0; t < WRITERS; t++) {
        const writer *w = &writers[t];
        CHECK(w->error[0] == '\0', "writer %d failed: %s", t, w->error);
        CHECK(w->unnamed == 0, "writer %d: %" PRIu64 " conflict messages named neither account", t, w->unnamed);
        CHECK(w->counter_wrong == 0, "writer %d: its counter disagreed with its acknowledged transfers %" PRIu64 " times",
              t, w->counter_wrong);
        transfers += w->count;
        conflicts += w->conflicts;
    }
    CHECK(transfers > 0, "no transfer committed in %.1f s", elapsed);
    CHECK(checker.error[0] == '\0', "reader failed: %s", checker.error);
    CHECK(checker.reads > 0, "the reader checked nothing");
    CHECK(checker.wrong_totals == 0, "%" PRIu64 " of %" PRIu64 " read-only transactions saw a wrong total (e.g. %" PRId64 ")",
          checker.wrong_totals, checker.reads, checker.bad_total);
    CHECK(checker.torn == 0, "%" PRIu64 " read-only transactions saw a counter disagree with its log entries", checker.torn);

    omendb_db_stats stats;
    memset(&stats, 0, sizeof stats);
    stats.struct_size = sizeof stats;
    CHECK_STATUS(omendb_get_stats(db, &stats), OMENDB_OK);
    CHECK(stats.conflicts == conflicts, "the statistics count %" PRIu64 " conflicts, the writers saw %" PRIu64,
          stats.conflicts, conflicts);
    CHECK(stats.active_transactions == 0, "%" PRIu64 " transactions still active", stats.active_transactions);
    uint64_t attempts = transfers + conflicts;
    printf("bank: %d writers, %d accounts, %.1f s: %" PRIu64 " transfers (%.0f/s), %" PRIu64 " conflicts "
           "(%.1f%% of %" PRIu64 " commits); reader: %" PRIu64 " read-only transactions (%.0f/s)\n",
           WRITERS, ACCOUNTS, elapsed, transfers, (double)transfers / elapsed, conflicts,
           attempts ? 100.0 * (double)conflicts / (double)attempts : 0.0, attempts,
           checker.reads, (double)checker.reads / elapsed);
    fflush(stdout);

    /* After close and reopen: exactly the acknowledged transfers. */
    CHECK_STATUS(omendb_close(db), OMENDB_OK);
    db = open_database(path);
    int64_t expected[ACCOUNTS], total = 0;
    for (int a = 0; a < ACCOUNTS; a++) expected[a] = INITIAL_BALANCE;
    omendb_txn *txn = begin(OMENDB_ISOLATION_REPEATABLE_READ, 1);
    CHECK(txn != NULL, "begin after reopen failed: %s", omendb_last_error());
    uint64_t wrong_logs = 0, wrong_counters = 0, wrong_balances = 0;
    for (int t = 0; t < WRITERS; t++) {
        const writer *w = &writers[t];
        for (size_t n = 0; n < w->count; n++) {
            transfer entry;
            size_t length = 0;
            const transfer *d = &w->done[n];
            int status = omendb_txn_get(txn, LOG_KEY(t, n), &entry, sizeof entry, &length);
            wrong_logs += status != OMENDB_OK || length != sizeof entry || entry.from != d->from || entry.to != d->to ||
                          entry.amount != d->amount;
            expected[(d->from - ACCOUNT_KEY(0)) / 1001] -= d->amount;
            expected[(d->to - ACCOUNT_KEY(0)) / 1001] += d->amount;
        }
        transfer entry;
        size_t length = 0;
        wrong_logs += omendb_txn_get(txn, LOG_KEY(t, w->count), &entry, sizeof entry, &length) != OMENDB_NOT_FOUND;
        int64_t counter = 0;
        int status = read_int(txn, COUNTER_KEY(t), &counter);
        wrong_counters += (status != OMENDB_OK && status != OMENDB_NOT_FOUND) || counter != (int64_t)w->count;
    }
    for (int64_t a = 0; a < ACCOUNTS; a++) {
        int64_t balance = 0;
        int status = read_int(txn, ACCOUNT_KEY(a), &balance);
        wrong_balances += status != OMENDB_OK || balance != expected[a];
        total += balance;
    }
    omendb_txn_free(txn);
    CHECK(wrong_logs == 0, "after reopen %" PRIu64 " transfer log entries are wrong, missing or extra", wrong_logs);
    CHECK(wrong_counters == 0, "after reopen %" PRIu64 " thread counters differ from the acknowledged counts", wrong_counters);
    CHECK(wrong_balances == 0, "after reopen %" PRIu64 " balances differ from what the acknowledged transfers give", wrong_balances);
    CHECK(total == (int64_t)ACCOUNTS * INITIAL_BALANCE, "after reopen the total is %" PRId64, total);
    CHECK_STATUS(omendb_verify(db), OMENDB_OK);
    CHECK_STATUS(omendb_close(db), OMENDB_OK);
    for (int t = 0; t < WRITERS; t++) free(writers[t].done);
}

/* Write skew: each round, both threads read both keys of the round, wait for each other,
 * take their own key off call and commit. */
typedef struct {
    int id, level;
    pthread_barrier_t *barrier;
    int status[SKEW_ROUNDS];         /* each round's commit status */
    int named[SKEW_ROUNDS];          /* a conflict message named a key of the round */
    char error[256];
} doctor;

static void *go_off_call(void *argument) {
    doctor *d = argument;
    for (int round = 0; round < SKEW_ROUNDS; round++) {
        int64_t keys[2] = {SKEW_BASE + 2 * round, SKEW_BASE + 2 * round + 1}, on_call[2] = {0, 0};
        omendb_txn *txn = begin(d->level, 0);
        int status = txn ? OMENDB_OK : OMENDB_INTERNAL;
        for (int k = 0; k < 2 && status == OMENDB_OK; k++) status = read_int(txn, keys[k], &on_call[k]);
        pthread_barrier_wait(d->barrier);   /* both have read before either writes */
        if (status == OMENDB_OK && on_call[0] + on_call[1] >= 2) {
            int64_t off = 0;
            status = omendb_txn_put(txn, keys[d->id], &off, sizeof off);
            if (status == OMENDB_OK) status = omendb_txn_commit(txn);
        } else if (status == OMENDB_OK) {
            status = OMENDB_INTERNAL;   /* the initial state was not both on call */
        }
        d->status[round] = status;
        if (status == OMENDB_CONFLICT) {
            char first[32], second[32];
            snprintf(first, sizeof first, "%" PRId64, keys[0]);
            snprintf(second, sizeof second, "%" PRId64, keys[1]);
            d->named[round] = strstr(omendb_last_error(), first) || strstr(omendb_last_error(), second);
        } else if (status != OMENDB_OK) {
            note_error(d->error, "write skew round", status);
        }
        omendb_txn_free(txn);
        pthread_barrier_wait(d->barrier);   /* the round is over for both */
    }
    return NULL;
}

static void test_write_skew(const char *path, int level) {
    int serializable = level == OMENDB_ISOLATION_SERIALIZABLE;
    check_section(serializable ? "write skew, SERIALIZABLE (refused)" : "write skew, REPEATABLE_READ (observed)");
    db = open_database(path);
    omendb_batch *batch = NULL;
    CHECK_STATUS(omendb_batch_create(&batch), OMENDB_OK);
    int64_t one = 1;
    for (int64_t k = 0; k < 2 * SKEW_ROUNDS; k++) CHECK_STATUS(omendb_batch_put(batch, SKEW_BASE + k, &one, sizeof one), OMENDB_OK);
    CHECK_STATUS(omendb_write(db, batch), OMENDB_OK);
    omendb_batch_free(batch);

    pthread_barrier_t barrier;
    pthread_barrier_init(&barrier, NULL, 2);
    doctor doctors[2];
    pthread_t threads[2];
    memset(doctors, 0, sizeof doctors);
    for (int i = 0; i < 2; i++) {
        doctors[i].id = i;
        doctors[i].level = level;
        doctors[i].barrier = &barrier;
        CHECK(pthread_create(&threads[i], NULL, go_off_call, &doctors[i]) == 0, "pthread_create %d failed", i);
    }
    for (int i = 0; i < 2; i++) pthread_join(threads[i], NULL);
    pthread_barrier_destroy(&barrier);
    for (int i = 0; i < 2; i++) CHECK(doctors[i].error[0] == '\0', "thread %d failed: %s", i, doctors[i].error);

    int skewed = 0, one_refused = 0, both_refused = 0, unnamed = 0;
    for (int round = 0; round < SKEW_ROUNDS; round++) {
        int refused = (doctors[0].status[round] == OMENDB_CONFLICT) + (doctors[1].status[round] == OMENDB_CONFLICT);
        one_refused += refused == 1;
        both_refused += refused == 2;
        for (int i = 0; i < 2; i++) unnamed += doctors[i].status[round] == OMENDB_CONFLICT && !doctors[i].named[round];
        int64_t on_call = 0;
        size_t length = 0;
        for (int k = 0; k < 2; k++) {
            int64_t value = 0;
            CHECK_STATUS(omendb_get(db, SKEW_BASE + 2 * round + k, &value, sizeof value, &length), OMENDB_OK);
            on_call += value;
        }
        skewed += on_call == 0;
    }
    printf("write skew under %s: %d of %d rounds left nobody on call, %d refused one transaction, %d both\n",
           serializable ? "SERIALIZABLE" : "REPEATABLE_READ", skewed, SKEW_ROUNDS, one_refused, both_refused);
    if (serializable) {
        CHECK(skewed == 0, "SERIALIZABLE let write skew through in %d of %d rounds", skewed, SKEW_ROUNDS);
        CHECK(one_refused == SKEW_ROUNDS, "SERIALIZABLE refused exactly one transaction in %d of %d rounds (both: %d)",
              one_refused, SKEW_ROUNDS, both_refused);
        CHECK(unnamed == 0, "%d conflict messages named neither key of their round", unnamed);
    } else {
        CHECK(skewed == SKEW_ROUNDS && one_refused == 0 && both_refused == 0,
              "REPEATABLE_READ (snapshot isolation) must let write skew through: %d of %d rounds skewed, %d refused",
              skewed, SKEW_ROUNDS, one_refused + both_refused);
    }
    CHECK_STATUS(omendb_close(db), OMENDB_OK);
}

/* Swift initializes globals lazily through swift_once, whose synchronization TSan cannot see
 * (the runtime is linked into libomendb.so uninstrumented), so two threads making the first
 * use of one at once are reported as a race. The main thread takes every path the threads
 * take once before they start: reads, an iterator, writes, a commit and a conflict. */
static void warm_up(const char *path) {
    db = open_database(path);
    omendb_txn *first = begin(OMENDB_ISOLATION_SERIALIZABLE, 0), *second = begin(OMENDB_ISOLATION_REPEATABLE_READ, 1);
    omendb_iterator *it = NULL;
    int64_t value = 0;
    CHECK_STATUS(read_int(first, 1, &value), OMENDB_NOT_FOUND);
    CHECK_STATUS(read_int(second, 1, &value), OMENDB_NOT_FOUND);
    CHECK_STATUS(omendb_txn_iterator_create(second, &it), OMENDB_OK);
    CHECK_STATUS(omendb_iterator_set_bounds(it, 0, 10), OMENDB_OK);
    CHECK_STATUS(omendb_iterator_seek_first(it), OMENDB_OK);
    omendb_iterator_free(it);
    CHECK_STATUS(omendb_txn_put(first, 1, &value, sizeof value), OMENDB_OK);
    CHECK_STATUS(omendb_put(db, 1, &value, sizeof value), OMENDB_OK);
    CHECK_STATUS(omendb_txn_commit(first), OMENDB_CONFLICT);
    CHECK_STATUS(omendb_txn_commit(second), OMENDB_OK);
    omendb_txn_free(first);
    omendb_txn_free(second);
    CHECK_STATUS(omendb_close(db), OMENDB_OK);
}

int main(void) {
    const char *seed_text = getenv("OMENDB_TEST_SEED"), *seconds_text = getenv("OMENDB_BANK_SECONDS");
    uint64_t seed = seed_text ? strtoull(seed_text, NULL, 10) : (uint64_t)time(NULL);
    double seconds = seconds_text ? atof(seconds_text) : 4.0;
    printf("seed %" PRIu64 " (OMENDB_TEST_SEED=%" PRIu64 " repeats the choices), %.1f s (OMENDB_BANK_SECONDS)\n",
           seed, seed, seconds);
    char path[] = "/tmp/omendb-test-bank-XXXXXX";
    if (!mkdtemp(path)) { perror("mkdtemp"); return 1; }
    char warm_path[sizeof path + 16], bank_path[sizeof path + 16], skew_path[sizeof path + 16], serializable_path[sizeof path + 16];
    snprintf(warm_path, sizeof warm_path, "%s/warm", path);
    snprintf(bank_path, sizeof bank_path, "%s/bank", path);
    snprintf(skew_path, sizeof skew_path, "%s/skew-rr", path);
    snprintf(serializable_path, sizeof serializable_path, "%s/skew-ser", path);

    warm_up(warm_path);
    test_write_skew(skew_path, OMENDB_ISOLATION_REPEATABLE_READ);
    test_write_skew(serializable_path, OMENDB_ISOLATION_SERIALIZABLE);
    test_bank(bank_path, seed, seconds);

    char command[sizeof path + 16];
    snprintf(command, sizeof command, "rm -rf '%s'", path);
    if (system(command) != 0) fprintf(stderr, "could not remove %s\n", path);
    return check_summary();
}
