/*
 * test_threads.c — one index queried by several threads at once, handles built
 * and freed concurrently, and per-thread error messages that do not leak between
 * threads. Also built with -fsanitize=thread.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "omendb.h"
#include "check.h"
#include "reference.h"

#define THREADS 4
#define KEYS 200000
#define QUERIES_PER_THREAD 100000

static int64_t *shared_keys;
static const omendb_index *shared_index;
static pthread_barrier_t barrier;

typedef struct {
    int id;
    /* results, read by the main thread after join */
    size_t wrong_answers;
    size_t wrong_batches;
    size_t churn_failures;
    int fresh_message_empty;
    int own_message_kept;
    char message[256];
} worker;

static void *work(void *argument) {
    worker *w = argument;
    rng_t rng = {1000u + (uint64_t)w->id};
    w->fresh_message_empty = omendb_last_error()[0] == '\0';

    /* 1. Each thread fails in its own way: unsorted keys at a position that
     *    names the thread. */
    size_t bad_position = 10 + (size_t)w->id;
    int64_t unsorted[32];
    for (size_t i = 0; i < 32; i++) unsorted[i] = (int64_t)i;
    unsorted[bad_position] = -1;
    omendb_index *never = NULL;
    int status = omendb_index_build(unsorted, 32, NULL, &never);
    char expected[64];
    snprintf(expected, sizeof expected, "keys[%zu]", bad_position);
    pthread_barrier_wait(&barrier);   /* every thread has failed before anyone reads */

    /* 2. Query the shared index while the others do the same. */
    int64_t batch_keys[64], batch_positions[64];
    for (size_t i = 0; i < QUERIES_PER_THREAD; i++) {
        int64_t key = (i & 1) ? shared_keys[rng_next(&rng) % KEYS] : rng_int64(&rng);
        size_t expected_position = reference_lower_bound(shared_keys, KEYS, key);
        uint64_t position = UINT64_MAX;
        if (omendb_index_lower_bound(shared_index, key, &position) != OMENDB_OK || position != expected_position)
            w->wrong_answers++;
        int present = expected_position < KEYS && shared_keys[expected_position] == key;
        int found = omendb_index_find(shared_index, key, &position);
        if (found != (present ? OMENDB_OK : OMENDB_NOT_FOUND) || (present && position != expected_position))
            w->wrong_answers++;
        batch_keys[i % 64] = key;
        if (i % 64 == 63) {
            if (omendb_index_lower_bound_batch(shared_index, batch_keys, 64, batch_positions) != OMENDB_OK) {
                w->wrong_batches++;
                continue;
            }
            for (size_t j = 0; j < 64; j++)
                if (batch_positions[j] != (int64_t)reference_lower_bound(shared_keys, KEYS, batch_keys[j]))
                    w->wrong_batches++;
        }
        /* 3. Handles are built and freed concurrently with other threads' queries. */
        if (i % 100 == 0) {
            int64_t small[4] = {(int64_t)i, (int64_t)i + 1, (int64_t)i + 1, (int64_t)i + 9};
            omendb_index *own = NULL;
            uint64_t p = 0;
            if (omendb_index_build(small, 4, NULL, &own) != OMENDB_OK ||
                omendb_index_find(own, (int64_t)i + 1, &p) != OMENDB_OK || p != 1)
                w->churn_failures++;
            omendb_index_free(own);
        }
    }

    /* 4. This thread's message is still its own failure, not another thread's. */
    snprintf(w->message, sizeof w->message, "%s", omendb_last_error());
    w->own_message_kept = status == OMENDB_INVALID_ARGUMENT && never == NULL && strstr(w->message, expected) != NULL;
    return NULL;
}

int main(void) {
    check_section("shared index, per-thread errors");
    rng_t rng = {42};
    shared_keys = malloc(KEYS * sizeof *shared_keys);
    for (size_t i = 0; i < KEYS; i++) shared_keys[i] = rng_int64(&rng) / 4;
    for (size_t i = 0; i < KEYS / 10; i++) shared_keys[rng_next(&rng) % KEYS] = shared_keys[rng_next(&rng) % KEYS];
    sort_keys(shared_keys, KEYS);   /* with some duplicates */

    omendb_index *index = NULL;
    CHECK_STATUS(omendb_index_build(shared_keys, KEYS, NULL, &index), OMENDB_OK);
    if (!index) return check_summary();
    shared_index = index;

    /* The main thread's own failure must survive the workers' failures too. */
    CHECK_STATUS(omendb_index_find(index, 0, NULL), OMENDB_INVALID_ARGUMENT);
    char main_message[256];
    snprintf(main_message, sizeof main_message, "%s", omendb_last_error());

    pthread_barrier_init(&barrier, NULL, THREADS);
    pthread_t threads[THREADS];
    worker workers[THREADS];
    memset(workers, 0, sizeof workers);
    for (int t = 0; t < THREADS; t++) {
        workers[t].id = t;
        CHECK(pthread_create(&threads[t], NULL, work, &workers[t]) == 0, "pthread_create %d failed", t);
    }
    for (int t = 0; t < THREADS; t++) pthread_join(threads[t], NULL);
    pthread_barrier_destroy(&barrier);

    for (int t = 0; t < THREADS; t++) {
        const worker *w = &workers[t];
        CHECK(w->fresh_message_empty, "thread %d started with a non-empty last error", t);
        CHECK(w->wrong_answers == 0, "thread %d: %zu wrong answers", t, w->wrong_answers);
        CHECK(w->wrong_batches == 0, "thread %d: %zu wrong batch answers", t, w->wrong_batches);
        CHECK(w->churn_failures == 0, "thread %d: %zu failed build/find/free cycles", t, w->churn_failures);
        CHECK(w->own_message_kept, "thread %d: last error \"%s\" is not its own (keys[%d])", t, w->message, 10 + t);
    }
    CHECK(strcmp(omendb_last_error(), main_message) == 0, "main thread's message became \"%s\"", omendb_last_error());

    omendb_index_free(index);
    free(shared_keys);
    return check_summary();
}
