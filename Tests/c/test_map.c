/*
 * test_map.c — the omendb_map_* C API (an ALEX-backed ordered int64 -> uint64 map)
 * against a reference kept in plain C arrays, plus bad input and a threads check.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "omendb.h"

/* The reference: a sorted array of distinct keys with payloads. */
typedef struct {
    int64_t *keys;
    uint64_t *payloads;
    size_t count;
} reference_map;

static size_t reference_lower_bound(const reference_map *r, int64_t key) {
    size_t low = 0, high = r->count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (r->keys[middle] < key) low = middle + 1; else high = middle;
    }
    return low;
}

static int reference_put(reference_map *r, int64_t key, uint64_t payload) {
    size_t i = reference_lower_bound(r, key);
    if (i < r->count && r->keys[i] == key) { r->payloads[i] = payload; return 1; }
    memmove(r->keys + i + 1, r->keys + i, (r->count - i) * sizeof *r->keys);
    memmove(r->payloads + i + 1, r->payloads + i, (r->count - i) * sizeof *r->payloads);
    r->keys[i] = key;
    r->payloads[i] = payload;
    r->count++;
    return 0;
}

static int reference_delete(reference_map *r, int64_t key) {
    size_t i = reference_lower_bound(r, key);
    if (i == r->count || r->keys[i] != key) return 0;
    memmove(r->keys + i, r->keys + i + 1, (r->count - i - 1) * sizeof *r->keys);
    memmove(r->payloads + i, r->payloads + i + 1, (r->count - i - 1) * sizeof *r->payloads);
    r->count--;
    return 1;
}

static uint64_t rng_state = 0x1234567;
static uint64_t next_random(void) {
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* A key from a mix of distributions: uniform, dense, clustered near the extremes. */
static int64_t next_key(void) {
    uint64_t r = next_random();
    switch (r % 5) {
    case 0: return (int64_t)next_random();
    case 1: return (int64_t)(r >> 40);
    case 2: return INT64_MIN + (int64_t)(r >> 50);
    case 3: return INT64_MAX - (int64_t)(r >> 50);
    default: return -(int64_t)(r >> 44);
    }
}

/* Serializes `map`, loads it back, and checks the copy against the reference `r`;
 * then that damaged, truncated and NULL input is refused. */
static void test_serialization(const omendb_map *map, const reference_map *r) {
    size_t size = 0, written = 0, i, got = 0;
    unsigned char *bytes;
    int64_t *keys = malloc((r->count ? r->count : 1) * sizeof(int64_t));
    uint64_t *payloads = malloc((r->count ? r->count : 1) * sizeof(uint64_t));
    omendb_map *loaded = NULL, *refused = NULL;
    long bad = 0;
    check_section("serialize, load, compare; damaged and truncated buffers");
    CHECK_STATUS(omendb_map_serialized_size(map, &size), OMENDB_OK);
    bytes = malloc(size);
    CHECK_STATUS(omendb_map_serialize(map, bytes, size - 1, &written), OMENDB_TOO_LARGE);
    CHECK_STATUS(omendb_map_serialize(map, bytes, size, &written), OMENDB_OK);
    CHECK(written == size, "serialized %zu bytes, size said %zu", written, size);
    CHECK_STATUS(omendb_map_load(bytes, written, &loaded), OMENDB_OK);
    CHECK_STATUS(omendb_map_range(loaded, INT64_MIN, r->count, keys, payloads, &got), OMENDB_OK);
    for (i = 0; i < got && i < r->count; i++) if (keys[i] != r->keys[i] || payloads[i] != r->payloads[i]) bad++;
    CHECK(got == r->count && bad == 0, "loaded map: %zu entries (reference %zu), %ld differ", got, r->count, bad);
    if (r->count > 0) {
        int replaced = -1;
        uint64_t payload = 0;
        CHECK_STATUS(omendb_map_put(loaded, r->keys[0], 77, &replaced), OMENDB_OK);
        CHECK(replaced == 1, "put over a loaded key did not replace");
        CHECK_STATUS(omendb_map_get(loaded, r->keys[0], &payload), OMENDB_OK);
        CHECK(payload == 77, "loaded map: payload %llu after put", (unsigned long long)payload);
        CHECK_STATUS(omendb_map_delete(loaded, r->keys[r->count - 1], NULL), OMENDB_OK);
    }
    omendb_map_free(loaded);
    for (i = 0; i < size; i += 1 + size / 97) {
        bytes[i] ^= 0x40;
        refused = NULL;
        CHECK_STATUS(omendb_map_load(bytes, size, &refused), OMENDB_CORRUPTION);
        CHECK(refused == NULL, "a damaged load wrote a handle");
        bytes[i] ^= 0x40;
    }
    CHECK_STATUS(omendb_map_load(bytes, size / 2, &refused), OMENDB_CORRUPTION);
    CHECK_ERROR_MENTIONS("omendb_map_load");
    CHECK_STATUS(omendb_map_load(bytes, 0, &refused), OMENDB_CORRUPTION);
    CHECK_STATUS(omendb_map_load(NULL, size, &refused), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_map_load(bytes, size, NULL), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_map_serialize(map, NULL, size, &written), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_map_serialized_size(map, NULL), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_map_serialized_size(NULL, &size), OMENDB_INVALID_ARGUMENT);
    free(bytes);
    free(keys);
    free(payloads);
}

static void test_against_reference(void) {
    enum { capacity = 60000, operations = 120000 };
    reference_map r = { malloc(capacity * sizeof(int64_t)), malloc(capacity * sizeof(uint64_t)), 0 };
    omendb_map *map = NULL;
    long i;
    int64_t *range_keys = malloc(64 * sizeof(int64_t));
    uint64_t *range_payloads = malloc(64 * sizeof(uint64_t));
    long mismatches = 0;
    check_section("random operations against a sorted-array reference");
    CHECK_STATUS(omendb_map_create(&map), OMENDB_OK);
    for (i = 0; i < operations; i++) {
        uint64_t roll = next_random() % 100;
        int64_t key = (roll % 2 == 0 && r.count > 0) ? r.keys[next_random() % r.count] : next_key();
        if (roll < 50 && r.count < capacity - 1) {
            int replaced = -1;
            uint64_t payload = next_random();
            int expected = reference_put(&r, key, payload);
            if (omendb_map_put(map, key, payload, &replaced) != OMENDB_OK || replaced != expected) mismatches++;
        } else if (roll < 70) {
            uint64_t old = 0;
            size_t at = reference_lower_bound(&r, key);
            int present = at < r.count && r.keys[at] == key;
            uint64_t expected_old = present ? r.payloads[at] : 0;
            int status = omendb_map_delete(map, key, &old);
            reference_delete(&r, key);
            if (status != (present ? OMENDB_OK : OMENDB_NOT_FOUND) || (present && old != expected_old)) mismatches++;
        } else if (roll < 90) {
            uint64_t payload = 0;
            size_t at = reference_lower_bound(&r, key);
            int present = at < r.count && r.keys[at] == key;
            int status = omendb_map_get(map, key, &payload);
            if (status != (present ? OMENDB_OK : OMENDB_NOT_FOUND) || (present && payload != r.payloads[at])) mismatches++;
        } else {
            size_t written = 0, k, at = reference_lower_bound(&r, key);
            size_t want = (size_t)(next_random() % 64);
            if (omendb_map_range(map, key, want, range_keys, range_payloads, &written) != OMENDB_OK) mismatches++;
            if (written != (r.count - at < want ? r.count - at : want)) mismatches++;
            for (k = 0; k < written && at + k < r.count; k++)
                if (range_keys[k] != r.keys[at + k] || range_payloads[k] != r.payloads[at + k]) mismatches++;
        }
    }
    CHECK(mismatches == 0, "%ld operations disagreed with the reference", mismatches);
    {
        uint64_t count = 0;
        CHECK_STATUS(omendb_map_count(map, &count), OMENDB_OK);
        CHECK(count == r.count, "count %llu, reference %zu", (unsigned long long)count, r.count);
    }
    test_serialization(map, &r);
    check_section("cursor walks both ways equal the reference");
    {
        omendb_map_cursor *cursor = NULL;
        size_t index = 0;
        int64_t key = 0;
        uint64_t payload = 0;
        int status;
        long bad = 0;
        CHECK_STATUS(omendb_map_cursor_create(map, &cursor), OMENDB_OK);
        CHECK_STATUS(omendb_map_cursor_get(cursor, &key, &payload), OMENDB_NOT_FOUND);
        for (status = omendb_map_cursor_first(cursor); status == OMENDB_OK; status = omendb_map_cursor_next(cursor)) {
            CHECK_STATUS(omendb_map_cursor_get(cursor, &key, &payload), OMENDB_OK);
            if (index >= r.count || key != r.keys[index] || payload != r.payloads[index]) bad++;
            index++;
        }
        CHECK(status == OMENDB_NOT_FOUND && index == r.count && bad == 0, "forward walk: %zu entries, %ld wrong", index, bad);
        index = r.count;
        for (status = omendb_map_cursor_last(cursor); status == OMENDB_OK; status = omendb_map_cursor_prev(cursor)) {
            CHECK_STATUS(omendb_map_cursor_get(cursor, &key, NULL), OMENDB_OK);
            if (index == 0 || key != r.keys[index - 1]) bad++;
            index--;
        }
        CHECK(index == 0 && bad == 0, "backward walk stopped at %zu, %ld wrong", index, bad);
        CHECK_STATUS(omendb_map_cursor_seek(cursor, INT64_MIN), r.count ? OMENDB_OK : OMENDB_NOT_FOUND);
        CHECK_STATUS(omendb_map_cursor_get(cursor, &key, NULL), OMENDB_OK);
        CHECK(key == r.keys[0], "seek(INT64_MIN) gave %lld", (long long)key);
        CHECK_STATUS(omendb_map_cursor_seek_for_prev(cursor, INT64_MAX), OMENDB_OK);
        CHECK_STATUS(omendb_map_cursor_get(cursor, &key, NULL), OMENDB_OK);
        CHECK(key == r.keys[r.count - 1], "seek_for_prev(INT64_MAX) gave %lld", (long long)key);
        /* A put under the cursor: the cursor re-positions by key on its next move. */
        CHECK_STATUS(omendb_map_cursor_seek(cursor, r.keys[10]), OMENDB_OK);
        CHECK_STATUS(omendb_map_delete(map, r.keys[11], NULL), OMENDB_OK);
        CHECK_STATUS(omendb_map_cursor_next(cursor), OMENDB_OK);
        CHECK_STATUS(omendb_map_cursor_get(cursor, &key, NULL), OMENDB_OK);
        CHECK(key == r.keys[12], "after a delete, next gave %lld, expected %lld", (long long)key, (long long)r.keys[12]);
        /* The cursor keeps the map alive after omendb_map_free. */
        omendb_map_free(map);
        CHECK_STATUS(omendb_map_cursor_next(cursor), OMENDB_OK);
        CHECK_STATUS(omendb_map_cursor_get(cursor, &key, NULL), OMENDB_OK);
        CHECK(key == r.keys[13], "after the map was freed, next gave %lld", (long long)key);
        omendb_map_cursor_free(cursor);
    }
    free(range_keys);
    free(range_payloads);
    free(r.keys);
    free(r.payloads);
}

static void test_bulk_load_and_stats(void) {
    enum { n = 200000 };
    int64_t *keys = malloc(n * sizeof *keys);
    uint64_t *payloads = malloc(n * sizeof *payloads);
    omendb_map *map = NULL;
    omendb_map_stats stats;
    long i, bad = 0;
    check_section("bulk load, stats");
    for (i = 0; i < n; i++) { keys[i] = INT64_MIN + i * 40000000000000ll; payloads[i] = (uint64_t)i * 3; }
    CHECK_STATUS(omendb_map_create_sorted(keys, payloads, n, &map), OMENDB_OK);
    for (i = 0; i < n; i += 7) {
        uint64_t payload = 0;
        if (omendb_map_get(map, keys[i], &payload) != OMENDB_OK || payload != (uint64_t)i * 3) bad++;
        if (omendb_map_get(map, keys[i] + 1, &payload) != OMENDB_NOT_FOUND) bad++;
    }
    CHECK(bad == 0, "%ld bulk-loaded lookups wrong", bad);
    memset(&stats, 0, sizeof stats);
    stats.struct_size = sizeof stats;
    CHECK_STATUS(omendb_map_get_stats(map, &stats), OMENDB_OK);
    CHECK(stats.count == n && stats.depth >= 1 && stats.depth <= 4 && stats.data_node_count > 10 &&
          stats.size_bytes > n * 16 && stats.bytes_per_key > 16 && stats.bytes_per_key < 40,
          "stats: count %llu depth %u inner %llu data %llu bytes %llu (%.1f/key)", (unsigned long long)stats.count,
          stats.depth, (unsigned long long)stats.inner_node_count, (unsigned long long)stats.data_node_count,
          (unsigned long long)stats.size_bytes, stats.bytes_per_key);
    /* An older, smaller struct gets only the fields that fit. */
    memset(&stats, 0xAB, sizeof stats);
    stats.struct_size = offsetof(omendb_map_stats, depth);
    CHECK_STATUS(omendb_map_get_stats(map, &stats), OMENDB_OK);
    CHECK(stats.count == n && stats.depth == 0xABABABABu, "small struct: count %llu depth %x",
          (unsigned long long)stats.count, stats.depth);
    stats.struct_size = 4;
    CHECK_STATUS(omendb_map_get_stats(map, &stats), OMENDB_INVALID_ARGUMENT);
    CHECK_ERROR_MENTIONS("struct_size");
    omendb_map_free(map);

    keys[5] = keys[4];
    CHECK_STATUS(omendb_map_create_sorted(keys, payloads, n, &map), OMENDB_INVALID_ARGUMENT);
    CHECK_ERROR_MENTIONS("keys[5]");
    CHECK_STATUS(omendb_map_create_sorted(NULL, payloads, 3, &map), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_map_create_sorted(keys, payloads, (size_t)1 << 61, &map), OMENDB_TOO_LARGE);
    CHECK_STATUS(omendb_map_create_sorted(NULL, NULL, 0, &map), OMENDB_OK);
    omendb_map_free(map);
    free(keys);
    free(payloads);
}

static void test_bad_input(void) {
    omendb_map *map = NULL;
    omendb_map_cursor *cursor = NULL;
    uint64_t payload = 0, count = 0;
    size_t written = 0;
    int64_t key = 0;
    check_section("NULL and freed handles, NULL outputs, absurd sizes");
    CHECK_STATUS(omendb_map_create(NULL), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_map_put(NULL, 1, 1, NULL), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_map_get(NULL, 1, &payload), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_map_cursor_create(NULL, &cursor), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_map_cursor_next(NULL), OMENDB_INVALID_ARGUMENT);
    omendb_map_free(NULL);
    omendb_map_cursor_free(NULL);
    CHECK_STATUS(omendb_map_create(&map), OMENDB_OK);
    CHECK_STATUS(omendb_map_get(map, 1, NULL), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_map_count(map, NULL), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_map_range(map, 0, 10, NULL, NULL, NULL), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_map_range(map, 0, (size_t)-1, NULL, NULL, &written), OMENDB_OK);  /* big enough */
    CHECK(written == 0, "range of an empty map counted %zu", written);
    CHECK_STATUS(omendb_map_get_stats(map, NULL), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_map_put(map, INT64_MAX, 9, NULL), OMENDB_OK);
    CHECK_STATUS(omendb_map_put(map, INT64_MIN, 8, NULL), OMENDB_OK);
    CHECK_STATUS(omendb_map_range(map, INT64_MIN, 10, NULL, NULL, &written), OMENDB_OK);
    CHECK(written == 2, "range with no buffers counted %zu", written);
    CHECK_STATUS(omendb_map_delete(map, 5, NULL), OMENDB_NOT_FOUND);
    CHECK_STATUS(omendb_map_cursor_create(map, &cursor), OMENDB_OK);
    CHECK_STATUS(omendb_map_cursor_last(cursor), OMENDB_OK);
    CHECK_STATUS(omendb_map_cursor_get(cursor, &key, &payload), OMENDB_OK);
    CHECK(key == INT64_MAX && payload == 9, "last is %lld -> %llu", (long long)key, (unsigned long long)payload);
    CHECK_STATUS(omendb_map_cursor_next(cursor), OMENDB_NOT_FOUND);
    CHECK_STATUS(omendb_map_cursor_next(cursor), OMENDB_NOT_FOUND);
    omendb_map_cursor_free(cursor);
    CHECK_STATUS(omendb_map_cursor_next(cursor), OMENDB_MISUSE);
    omendb_map_free(map);
    CHECK_STATUS(omendb_map_get(map, 1, &payload), OMENDB_MISUSE);
    CHECK_ERROR_MENTIONS("already freed");
    CHECK_STATUS(omendb_map_count(map, &count), OMENDB_MISUSE);
}

/* Readers and a writer share one map handle (it carries a reader/writer lock). */
typedef struct { omendb_map *map; long errors; int writer; } worker;

static void *work(void *argument) {
    worker *w = argument;
    long i;
    for (i = 0; i < 200000; i++) {
        int64_t key = (int64_t)(i % 50000) * 2;
        uint64_t payload = 0;
        if (w->writer) {
            if (omendb_map_put(w->map, key + 1, (uint64_t)key, NULL) != OMENDB_OK) w->errors++;
            if (i % 3 == 0 && omendb_map_delete(w->map, key + 1, NULL) == OMENDB_INVALID_ARGUMENT) w->errors++;
        } else if (omendb_map_get(w->map, key, &payload) != OMENDB_OK || payload != (uint64_t)key) {
            w->errors++;
        }
    }
    return NULL;
}

static void test_threads(void) {
    omendb_map *map = NULL;
    pthread_t threads[3];
    worker workers[3];
    long i, errors = 0;
    check_section("two readers and a writer on one handle");
    CHECK_STATUS(omendb_map_create(&map), OMENDB_OK);
    for (i = 0; i < 50000; i++) omendb_map_put(map, i * 2, (uint64_t)i * 2, NULL);
    for (i = 0; i < 3; i++) {
        workers[i].map = map;
        workers[i].errors = 0;
        workers[i].writer = i == 0;
        pthread_create(&threads[i], NULL, work, &workers[i]);
    }
    for (i = 0; i < 3; i++) { pthread_join(threads[i], NULL); errors += workers[i].errors; }
    CHECK(errors == 0, "%ld errors across threads", errors);
    omendb_map_free(map);
}

int main(void) {
    test_against_reference();
    test_bulk_load_and_stats();
    test_bad_input();
    test_threads();
    return check_summary();
}
