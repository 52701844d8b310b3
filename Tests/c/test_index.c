/*
 * test_index.c — the learned-index API (omendb_index_*) against a reference.
 *
 * Every answer of find, lower_bound, range, find_batch and lower_bound_batch is
 * compared with a binary search over the same sorted array, for many key
 * distributions and build options. Statistics are checked for consistency.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "omendb.h"
#include "check.h"
#include "reference.h"

#define LARGE 100000

/* ---- key distributions -------------------------------------------------- */

typedef struct {
    const char *name;
    int64_t *keys;
    size_t count;
} dataset;

static int64_t *alloc_keys(size_t count) {
    int64_t *keys = malloc((count ? count : 1) * sizeof *keys);
    if (!keys) { fprintf(stderr, "out of memory\n"); exit(2); }
    return keys;
}

static dataset make_sequential(size_t n) {
    dataset d = {"sequential", alloc_keys(n), n};
    for (size_t i = 0; i < n; i++) d.keys[i] = (int64_t)i;
    return d;
}

static dataset make_gaps(size_t n, rng_t *rng) {
    dataset d = {"sequential with gaps", alloc_keys(n), n};
    int64_t key = -1000;
    for (size_t i = 0; i < n; i++) {
        /* mostly +1, sometimes a gap of up to 1000, rarely a gap of up to 10^9 */
        uint64_t r = rng_next(rng) % 100;
        key += r < 90 ? 1 : r < 99 ? 1 + (int64_t)(rng_next(rng) % 1000) : 1 + (int64_t)(rng_next(rng) % 1000000000);
        d.keys[i] = key;
    }
    return d;
}

static dataset make_uniform(size_t n, rng_t *rng) {
    dataset d = {"uniform over full int64", alloc_keys(n), n};
    for (size_t i = 0; i < n; i++) d.keys[i] = rng_int64(rng);
    sort_keys(d.keys, n);
    return d;
}

static dataset make_lognormal(size_t n, rng_t *rng) {
    dataset d = {"lognormal", alloc_keys(n), n};
    for (size_t i = 0; i < n; i++) {
        double v = exp(2.0 * rng_normal(rng)) * 1e6;
        d.keys[i] = v >= 9.0e18 ? INT64_MAX : (int64_t)v;
    }
    sort_keys(d.keys, n);
    return d;
}

static dataset make_clustered(size_t n, rng_t *rng) {
    dataset d = {"clustered with huge gaps", alloc_keys(n), n};
    size_t clusters = 37;
    for (size_t i = 0; i < n; i++) {
        size_t c = (size_t)(rng_next(rng) % clusters);
        /* cluster centres spread over the whole range, members dense around them */
        uint64_t ordered = 1000000 + c * ((UINT64_MAX - 2000000) / (clusters - 1));
        d.keys[i] = int64_from_ordered(ordered) + (int64_t)(rng_next(rng) % 50000);
    }
    sort_keys(d.keys, n);
    return d;
}

static dataset make_extremes(size_t n, rng_t *rng) {
    dataset d = {"int64 min/max", alloc_keys(n), n};
    size_t i = 0;
    for (int64_t k = 0; k < 8 && i < n; k++) d.keys[i++] = INT64_MIN + k;
    for (int64_t k = 0; k < 8 && i < n; k++) d.keys[i++] = INT64_MAX - k;
    d.keys[i < n ? i++ : 0] = INT64_MIN;   /* a duplicate of the minimum */
    d.keys[i < n ? i++ : 0] = INT64_MAX;   /* and of the maximum */
    while (i < n) d.keys[i++] = (int64_t)(rng_next(rng) % 2000000) - 1000000;
    sort_keys(d.keys, n);
    return d;
}

static dataset make_duplicates(size_t n, rng_t *rng) {
    dataset d = {"many duplicates", alloc_keys(n), n};
    for (size_t i = 0; i < n; i++) d.keys[i] = (int64_t)(rng_next(rng) % 997) * 1000003 - 400000000;
    sort_keys(d.keys, n);
    return d;
}

static dataset make_all_equal(size_t n) {
    dataset d = {"all keys equal", alloc_keys(n), n};
    for (size_t i = 0; i < n; i++) d.keys[i] = -42;
    return d;
}

static dataset make_small(const char *name, const int64_t *keys, size_t n) {
    dataset d = {name, alloc_keys(n), n};
    if (n) memcpy(d.keys, keys, n * sizeof *keys);
    return d;
}

/* ---- queries -------------------------------------------------------------- */

/* Every key, its neighbours, midpoints, the int64 extremes and random keys. */
static int64_t *make_queries(const dataset *d, rng_t *rng, size_t *out_count) {
    size_t capacity = d->count * 4 + 4096 + 16, n = 0;
    int64_t *q = alloc_keys(capacity);
    static const int64_t fixed[] = {INT64_MIN, INT64_MIN + 1, -1, 0, 1, INT64_MAX - 1, INT64_MAX};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) q[n++] = fixed[i];
    for (size_t i = 0; i < d->count; i++) {
        int64_t k = d->keys[i];
        q[n++] = k;
        q[n++] = saturating_add(k, -1);
        q[n++] = saturating_add(k, 1);
        if (i + 1 < d->count) q[n++] = k + (int64_t)(((uint64_t)d->keys[i + 1] - (uint64_t)k) / 2);
    }
    for (size_t i = 0; i < 4096; i++) q[n++] = rng_int64(rng);
    *out_count = n;
    return q;
}

/* ---- verification ----------------------------------------------------------- */

/* expected[i] is the reference lower bound of q[i] (computed once per data set). */
static void verify_point_queries(const char *label, const omendb_index *index, const dataset *d,
                                 const int64_t *q, const size_t *expected_positions, size_t nq) {
    size_t lb_wrong = 0, find_wrong = 0, first_bad = 0;
    for (size_t i = 0; i < nq; i++) {
        size_t expected = expected_positions[i];
        int present = expected < d->count && d->keys[expected] == q[i];
        uint64_t position = UINT64_MAX;
        if (omendb_index_lower_bound(index, q[i], &position) != OMENDB_OK || position != expected) {
            if (!lb_wrong++ && !find_wrong) first_bad = i;
        }
        position = 0xABCDEF;
        int status = omendb_index_find(index, q[i], &position);
        int ok = present ? (status == OMENDB_OK && position == expected)
                         : (status == OMENDB_NOT_FOUND && position == 0xABCDEF);
        if (!ok && !find_wrong++ && !lb_wrong) first_bad = i;
    }
    CHECK(lb_wrong == 0, "%s: lower_bound wrong for %zu of %zu queries (first: key %" PRId64 ", expected %zu)",
          label, lb_wrong, nq, q[first_bad], expected_positions[first_bad]);
    CHECK(find_wrong == 0, "%s: find wrong for %zu of %zu queries (first: key %" PRId64 ")",
          label, find_wrong, nq, q[first_bad]);
}

static void verify_batches(const char *label, const omendb_index *index, const dataset *d,
                           const int64_t *q, const size_t *expected_positions, size_t nq) {
    int64_t *positions = alloc_keys(nq);
    size_t found = SIZE_MAX, expected_found = 0, wrong = 0;
    CHECK_STATUS(omendb_index_find_batch(index, q, nq, positions, &found), OMENDB_OK);
    for (size_t i = 0; i < nq; i++) {
        size_t expected = expected_positions[i];
        int present = expected < d->count && d->keys[expected] == q[i];
        expected_found += (size_t)present;
        if (positions[i] != (present ? (int64_t)expected : -1)) wrong++;
    }
    CHECK(wrong == 0, "%s: find_batch wrong for %zu of %zu keys", label, wrong, nq);
    CHECK(found == expected_found, "%s: find_batch found %zu, expected %zu", label, found, expected_found);
    CHECK_STATUS(omendb_index_find_batch(index, q, nq, positions, NULL), OMENDB_OK);

    wrong = 0;
    CHECK_STATUS(omendb_index_lower_bound_batch(index, q, nq, positions), OMENDB_OK);
    for (size_t i = 0; i < nq; i++)
        if (positions[i] != (int64_t)expected_positions[i]) wrong++;
    CHECK(wrong == 0, "%s: lower_bound_batch wrong for %zu of %zu keys", label, wrong, nq);

    /* Odd lengths and offsets exercise the interleaving's tail handling. */
    wrong = 0;
    for (size_t len = 0; len < 19 && len <= nq; len++) {
        size_t start = nq > len ? (len * 7919) % (nq - len + 1) : 0;
        if (omendb_index_lower_bound_batch(index, q + start, len, positions) != OMENDB_OK) { wrong++; continue; }
        for (size_t i = 0; i < len; i++)
            if (positions[i] != (int64_t)expected_positions[start + i]) wrong++;
    }
    CHECK(wrong == 0, "%s: short lower_bound_batch calls wrong %zu times", label, wrong);
    free(positions);
}

static void verify_ranges(const char *label, const omendb_index *index, const dataset *d,
                          const int64_t *q, size_t nq, rng_t *rng) {
    size_t wrong = 0, trials = nq < 20000 ? nq : 20000;
    for (size_t t = 0; t < trials; t++) {
        int64_t lo = q[rng_next(rng) % nq], hi;
        switch (t % 4) {
        case 0: hi = q[rng_next(rng) % nq]; break;          /* any pair, inverted ones too */
        case 1: hi = lo; break;                              /* empty */
        case 2: hi = saturating_add(lo, 1); break;           /* one key and its duplicates */
        default: hi = saturating_add(lo, (int64_t)(rng_next(rng) % 100000)); break;
        }
        size_t first_expected = reference_lower_bound(d->keys, d->count, lo);
        size_t count_expected = hi > lo ? reference_lower_bound(d->keys, d->count, hi) - first_expected : 0;
        uint64_t first = UINT64_MAX, count = UINT64_MAX;
        if (omendb_index_range(index, lo, hi, &first, &count) != OMENDB_OK) { wrong++; continue; }
        if (count != count_expected || (count_expected > 0 && first != first_expected)) wrong++;
    }
    uint64_t first = 0, count = 0;
    CHECK_STATUS(omendb_index_range(index, INT64_MIN, INT64_MAX, &first, &count), OMENDB_OK);
    size_t below_max = reference_lower_bound(d->keys, d->count, INT64_MAX);
    CHECK(first == 0 && count == below_max, "%s: full range gave first %" PRIu64 " count %" PRIu64 ", expected 0 and %zu",
          label, first, count, below_max);
    CHECK(wrong == 0, "%s: range wrong for %zu of %zu ranges", label, wrong, trials);
}

static int count_distinct_adjacent_equal(const dataset *d) {
    for (size_t i = 1; i < d->count; i++) if (d->keys[i] == d->keys[i - 1]) return 1;
    return 0;
}

static void verify_stats(const char *label, const omendb_index *index, const dataset *d,
                         int expected_kind, uint32_t epsilon) {
    omendb_index_stats stats;
    memset(&stats, 0xAB, sizeof stats);
    stats.struct_size = sizeof stats;
    CHECK_STATUS(omendb_index_get_stats(index, &stats), OMENDB_OK);
    CHECK(stats.struct_size == sizeof stats, "%s: struct_size became %zu", label, stats.struct_size);
    CHECK(stats.key_count == d->count, "%s: key_count %" PRIu64 ", expected %zu", label, stats.key_count, d->count);
    CHECK(stats.kind == expected_kind, "%s: kind %d, expected %d", label, (int)stats.kind, expected_kind);
    CHECK(stats.kind != OMENDB_INDEX_AUTO, "%s: stats report kind AUTO", label);
    if (d->count > 0) {
        CHECK(stats.level_count >= 1 && stats.model_count >= (uint64_t)stats.level_count,
              "%s: %d levels, %" PRIu64 " models", label, (int)stats.level_count, stats.model_count);
        /* At most one model per key, plus one per level (an RMI's root over 1 key).
         * Not for ALEX (auto may pick it too): its nodes are gapped arrays, and even
         * two keys far apart sit in a small tree of several nodes. */
        if (stats.kind != OMENDB_INDEX_ALEX)
            CHECK(stats.model_count <= d->count + (uint64_t)stats.level_count, "%s: %" PRIu64 " models in %d levels for %zu keys",
                  label, stats.model_count, (int)stats.level_count, d->count);
        CHECK(stats.size_bytes > 0 && stats.bytes_per_key == (double)stats.size_bytes / (double)d->count,
              "%s: size %" PRIu64 " bytes, %.4f bytes/key", label, stats.size_bytes, stats.bytes_per_key);
        /* Without duplicates a PGM leaf's window is epsilon plus rounding. */
        if (expected_kind == OMENDB_INDEX_PGM && !count_distinct_adjacent_equal(d))
            CHECK(stats.max_error <= (uint64_t)epsilon + 2, "%s: max_error %" PRIu64 " exceeds epsilon %u + 2",
                  label, stats.max_error, epsilon);
    } else {
        CHECK(stats.bytes_per_key == 0.0, "%s: empty index has %.4f bytes/key", label, stats.bytes_per_key);
    }
    CHECK(memchr(stats.note, '\0', sizeof stats.note) != NULL && stats.note[0] != '\0',
          "%s: note is not a non-empty NUL-terminated string", label);
}

/* Serializes `index`, loads it back over the same keys, and checks that the loaded
 * index gives the same answers, the same statistics, and serializes to the same bytes. */
static void verify_round_trip(const char *label, const omendb_index *index, const dataset *d,
                              const int64_t *q, const size_t *expected, size_t nq) {
    size_t size = 0, written = 0;
    CHECK_STATUS(omendb_index_serialized_size(index, &size), OMENDB_OK);
    unsigned char *bytes = malloc(size ? size : 1), *again = malloc(size ? size : 1);
    int64_t *positions = malloc((nq ? nq : 1) * sizeof *positions);
    if (!bytes || !again || !positions) { fprintf(stderr, "out of memory\n"); exit(2); }
    CHECK_STATUS(omendb_index_serialize(index, bytes, size, &written), OMENDB_OK);
    CHECK(written == size, "%s: serialized %zu bytes, size said %zu", label, written, size);
    omendb_index *loaded = NULL;
    int status = omendb_index_load(d->keys, d->count, bytes, written, &loaded);
    CHECK(status == OMENDB_OK && loaded != NULL, "%s: load returned %d: %s", label, status, omendb_last_error());
    if (status == OMENDB_OK) {
        CHECK_STATUS(omendb_index_lower_bound_batch(loaded, q, nq, positions), OMENDB_OK);
        size_t wrong = 0;
        for (size_t i = 0; i < nq; i++) if ((size_t)positions[i] != expected[i]) wrong++;
        CHECK(wrong == 0, "%s: loaded index wrong for %zu of %zu queries", label, wrong, nq);
        omendb_index_stats before, after;
        before.struct_size = after.struct_size = sizeof before;
        CHECK_STATUS(omendb_index_get_stats(index, &before), OMENDB_OK);
        CHECK_STATUS(omendb_index_get_stats(loaded, &after), OMENDB_OK);
        CHECK(before.kind == after.kind && before.model_count == after.model_count &&
              before.level_count == after.level_count && before.max_error == after.max_error &&
              before.size_bytes == after.size_bytes,
              "%s: loaded statistics differ (kind %d/%d, models %" PRIu64 "/%" PRIu64 ", bytes %" PRIu64 "/%" PRIu64 ")",
              label, (int)before.kind, (int)after.kind, before.model_count, after.model_count,
              before.size_bytes, after.size_bytes);
        CHECK_STATUS(omendb_index_serialize(loaded, again, size, &written), OMENDB_OK);
        CHECK(written == size && memcmp(bytes, again, size) == 0, "%s: reserialized bytes differ", label);
        /* A damaged copy is refused as corruption. */
        if (size > 0) {
            bytes[size / 2] ^= 0x10;
            omendb_index *damaged = NULL;
            CHECK_STATUS(omendb_index_load(d->keys, d->count, bytes, size, &damaged), OMENDB_CORRUPTION);
            CHECK(damaged == NULL, "%s: a damaged load wrote a handle", label);
        }
        omendb_index_free(loaded);
    }
    free(positions);
    free(again);
    free(bytes);
}

/* ---- build configurations ----------------------------------------------------- */

typedef struct {
    const char *name;
    int use_options;
    int kind;
    uint32_t epsilon, recursive_epsilon;
    int search;
} configuration;

static const configuration configurations[] = {
    {"defaults (NULL options)", 0, OMENDB_INDEX_PGM, 64, 4, OMENDB_SEARCH_BRANCHY},
    {"pgm eps=1 reps=1", 1, OMENDB_INDEX_PGM, 1, 1, OMENDB_SEARCH_BRANCHY},
    {"pgm eps=16 branchless", 1, OMENDB_INDEX_PGM, 16, 2, OMENDB_SEARCH_BRANCHLESS},
    {"pgm eps=max reps=max", 1, OMENDB_INDEX_PGM, 1u << 20, 1u << 20, OMENDB_SEARCH_BRANCHY},
    {"rmi branchy", 1, OMENDB_INDEX_RMI, 64, 4, OMENDB_SEARCH_BRANCHY},
    {"auto", 1, OMENDB_INDEX_AUTO, 64, 4, OMENDB_SEARCH_BRANCHY},
    {"linear", 1, OMENDB_INDEX_LINEAR, 64, 4, OMENDB_SEARCH_BRANCHY},
    {"rmi", 1, OMENDB_INDEX_RMI, 64, 4, OMENDB_SEARCH_BRANCHLESS},
    {"alex", 1, OMENDB_INDEX_ALEX, 64, 4, OMENDB_SEARCH_BRANCHY},
};

static size_t unsupported_builds;

static void test_dataset(const dataset *d, rng_t *rng) {
    size_t nq;
    int64_t *q = make_queries(d, rng, &nq);
    size_t *expected = malloc(nq * sizeof *expected);
    if (!expected) { fprintf(stderr, "out of memory\n"); exit(2); }
    for (size_t i = 0; i < nq; i++) expected[i] = reference_lower_bound(d->keys, d->count, q[i]);
    for (size_t c = 0; c < sizeof configurations / sizeof configurations[0]; c++) {
        const configuration *config = &configurations[c];
        char label[160];
        snprintf(label, sizeof label, "[%s, n=%zu, %s]", d->name, d->count, config->name);

        omendb_index_options *options = NULL;
        if (config->use_options) {
            CHECK_STATUS(omendb_index_options_create(&options), OMENDB_OK);
            CHECK_STATUS(omendb_index_options_set_kind(options, config->kind), OMENDB_OK);
            CHECK_STATUS(omendb_index_options_set_epsilon(options, config->epsilon), OMENDB_OK);
            CHECK_STATUS(omendb_index_options_set_recursive_epsilon(options, config->recursive_epsilon), OMENDB_OK);
            CHECK_STATUS(omendb_index_options_set_search(options, config->search), OMENDB_OK);
        }
        omendb_index *index = NULL;
        int status = omendb_index_build(d->keys, d->count, options, &index);
        omendb_index_options_free(options);   /* the index keeps no reference to its options */
        if (status == OMENDB_UNSUPPORTED && config->kind != OMENDB_INDEX_PGM && config->kind != OMENDB_INDEX_AUTO &&
            config->kind != OMENDB_INDEX_ALEX) {
            /* A kind this build lacks must say so clearly, and not hand out an index. */
            CHECK(index == NULL, "%s: unsupported build wrote a handle", label);
            CHECK_ERROR_MENTIONS(omendb_index_kind_name(config->kind));
            unsupported_builds++;
            continue;
        }
        CHECK(status == OMENDB_OK && index != NULL, "%s: build returned %d: %s", label, status, omendb_last_error());
        if (status != OMENDB_OK) continue;

        verify_point_queries(label, index, d, q, expected, nq);
        verify_batches(label, index, d, q, expected, nq);
        verify_ranges(label, index, d, q, nq, rng);
        int expected_kind = config->kind == OMENDB_INDEX_AUTO ? -1 : config->kind;
        if (expected_kind < 0) {
            omendb_index_stats stats;
            stats.struct_size = sizeof stats;
            expected_kind = omendb_index_get_stats(index, &stats) == OMENDB_OK ? stats.kind : -1;
        }
        verify_stats(label, index, d, expected_kind, config->epsilon);
        verify_round_trip(label, index, d, q, expected, nq);
        omendb_index_free(index);
    }
    free(expected);
    free(q);
}

int main(void) {
    rng_t rng = {20261123};
    static const int64_t one_zero[] = {0}, one_min[] = {INT64_MIN}, one_max[] = {INT64_MAX},
                         two_equal[] = {5, 5}, two_extremes[] = {INT64_MIN, INT64_MAX}, two_adjacent[] = {-1, 0};
    dataset datasets[] = {
        make_small("empty", NULL, 0),
        make_small("one key 0", one_zero, 1),
        make_small("one key INT64_MIN", one_min, 1),
        make_small("one key INT64_MAX", one_max, 1),
        make_small("two equal keys", two_equal, 2),
        make_small("two extreme keys", two_extremes, 2),
        make_small("two adjacent keys", two_adjacent, 2),
        make_sequential(1000),
        make_sequential(LARGE),
        make_gaps(LARGE, &rng),
        make_uniform(LARGE, &rng),
        make_uniform(777, &rng),
        make_lognormal(LARGE, &rng),
        make_clustered(LARGE, &rng),
        make_extremes(LARGE / 10, &rng),
        make_extremes(18, &rng),
        make_duplicates(LARGE, &rng),
        make_all_equal(5000),
    };
    size_t dataset_count = sizeof datasets / sizeof datasets[0];
    for (size_t i = 0; i < dataset_count; i++) {
        char title[160];
        snprintf(title, sizeof title, "%s (n=%zu)", datasets[i].name, datasets[i].count);
        check_section(title);
        test_dataset(&datasets[i], &rng);
        free(datasets[i].keys);
    }
    printf("(%zu builds of kinds this library does not provide were refused with OMENDB_UNSUPPORTED)\n",
           unsupported_builds);
    return check_summary();
}
