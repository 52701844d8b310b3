/*
 * reference.h — independent reference answers and key generators for the C tests.
 *
 * The reference is a plain binary search over the sorted array: the first position
 * whose key is >= the query. Generators are deterministic (splitmix64 seeded per
 * distribution) so a failure reproduces.
 */
#ifndef OMENDB_TEST_REFERENCE_H
#define OMENDB_TEST_REFERENCE_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* First position i in keys[0..count) with keys[i] >= key, or count. */
static inline size_t reference_lower_bound(const int64_t *keys, size_t count, int64_t key) {
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (keys[mid] < key) lo = mid + 1; else hi = mid;
    }
    return lo;
}

/* splitmix64: a small, good, deterministic generator. */
typedef struct { uint64_t state; } rng_t;

static inline uint64_t rng_next(rng_t *rng) {
    uint64_t z = (rng->state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* A generator seeded from OMENDB_TEST_SEED when set, else from the process id; the
 * seed is printed so that a failing run can be repeated. */
static inline rng_t rng_from_environment(void) {
    const char *text = getenv("OMENDB_TEST_SEED");
    uint64_t seed = text ? strtoull(text, NULL, 10) : (uint64_t)getpid() * 2654435761u + 1;
    printf("seed %llu (OMENDB_TEST_SEED)\n", (unsigned long long)seed);
    fflush(stdout);
    return (rng_t){seed};
}

/* Uniform over the whole int64 range (two's complement reinterpretation). */
static inline int64_t rng_int64(rng_t *rng) {
    uint64_t bits = rng_next(rng);
    int64_t value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

/* The int64 at the same rank as `ordered` among all uint64 values (0 -> INT64_MIN). */
static inline int64_t int64_from_ordered(uint64_t ordered) {
    uint64_t bits = ordered ^ 0x8000000000000000ull;
    int64_t value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

/* Uniform in [0, 1). */
static inline double rng_unit(rng_t *rng) {
    return (double)(rng_next(rng) >> 11) * (1.0 / 9007199254740992.0);
}

/* Standard normal (Box-Muller). */
static inline double rng_normal(rng_t *rng) {
    double u1 = rng_unit(rng), u2 = rng_unit(rng);
    if (u1 < 1e-300) u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static inline int compare_int64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static inline void sort_keys(int64_t *keys, size_t count) {
    if (count > 1) qsort(keys, count, sizeof *keys, compare_int64);
}

/* x + delta without signed overflow (saturating at the int64 limits). */
static inline int64_t saturating_add(int64_t x, int64_t delta) {
    if (delta > 0 && x > INT64_MAX - delta) return INT64_MAX;
    if (delta < 0 && x < INT64_MIN - delta) return INT64_MIN;
    return x + delta;
}

#endif
