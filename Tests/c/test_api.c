/*
 * test_api.c — the API's contract outside the happy path: versions, status
 * strings, the per-thread error message, stats struct sizing, options setters
 * with bad values, NULL pointers, absurd sizes, unsorted input, freed handles.
 * Every bad call must return a clear status and message, never crash.
 */
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "omendb.h"
#include "check.h"
#include "reference.h"

static void test_versions(void) {
    check_section("versions");
    CHECK(omendb_version_number() == OMENDB_VERSION_NUMBER, "library %d, header %d",
          omendb_version_number(), OMENDB_VERSION_NUMBER);
    CHECK(OMENDB_VERSION_NUMBER == OMENDB_VERSION_MAJOR * 1000000 + OMENDB_VERSION_MINOR * 1000 + OMENDB_VERSION_PATCH,
          "OMENDB_VERSION_NUMBER %d disagrees with its parts", OMENDB_VERSION_NUMBER);
    CHECK(OMENDB_VERSION_MINOR < 1000 && OMENDB_VERSION_PATCH < 1000, "version parts overflow the encoding");
    char expected[64];
    snprintf(expected, sizeof expected, "%d.%d.%d", OMENDB_VERSION_MAJOR, OMENDB_VERSION_MINOR, OMENDB_VERSION_PATCH);
    CHECK(strcmp(OMENDB_VERSION_STRING, expected) == 0, "OMENDB_VERSION_STRING \"%s\", parts say \"%s\"",
          OMENDB_VERSION_STRING, expected);
    CHECK(omendb_version_string() != NULL && strcmp(omendb_version_string(), OMENDB_VERSION_STRING) == 0,
          "omendb_version_string() \"%s\", header \"%s\"", omendb_version_string(), OMENDB_VERSION_STRING);
}

static void test_status_strings(void) {
    check_section("status strings");
    static const struct { int code; const char *text; } expected[] = {
        {OMENDB_OK, "ok"},
        {OMENDB_NOT_FOUND, "not found"},
        {OMENDB_INVALID_ARGUMENT, "invalid argument"},
        {OMENDB_IO_ERROR, "I/O error"},
        {OMENDB_CORRUPTION, "data corruption detected"},
        {OMENDB_CONFLICT, "transaction conflict"},
        {OMENDB_BUSY, "resource busy"},
        {OMENDB_NO_MEMORY, "out of memory"},
        {OMENDB_MISUSE, "API misuse"},
        {OMENDB_READ_ONLY, "database is read-only"},
        {OMENDB_TOO_LARGE, "size exceeds a limit"},
        {OMENDB_UNSUPPORTED, "unsupported operation or format"},
        {OMENDB_INTERNAL, "internal error"},
    };
    size_t n = sizeof expected / sizeof expected[0];
    for (size_t i = 0; i < n; i++) {
        CHECK(expected[i].code == (int)i, "status codes are not dense: %d at %zu", expected[i].code, i);
        const char *text = omendb_status_string(expected[i].code);
        CHECK(text != NULL && strcmp(text, expected[i].text) == 0, "status %d: \"%s\", expected \"%s\"",
              expected[i].code, text ? text : "(null)", expected[i].text);
        /* Distinct codes have distinct texts. */
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(text, omendb_status_string(expected[j].code)) != 0, "statuses %zu and %zu share a text", i, j);
    }
    static const int unknown[] = {-1, 1000, INT_MAX, INT_MIN};   /* codes may be added after 12 */
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
        CHECK(strcmp(omendb_status_string(unknown[i]), "unknown status") == 0, "status %d: \"%s\"",
              unknown[i], omendb_status_string(unknown[i]));

    static const char *kinds[] = {"auto", "linear", "rmi", "pgm", "alex"};
    for (int k = 0; k <= OMENDB_INDEX_ALEX; k++)
        CHECK(strcmp(omendb_index_kind_name(k), kinds[k]) == 0, "kind %d named \"%s\"", k, omendb_index_kind_name(k));
    CHECK(strcmp(omendb_index_kind_name(-1), "unknown") == 0, "kind -1 named \"%s\"", omendb_index_kind_name(-1));
    CHECK(strcmp(omendb_index_kind_name(INT_MAX), "unknown") == 0, "kind INT_MAX named \"%s\"",
          omendb_index_kind_name(INT_MAX));
}

static void test_error_message_lifecycle(void) {
    check_section("error message lifecycle");
    CHECK(omendb_last_error() != NULL && omendb_last_error()[0] == '\0',
          "a fresh thread's last error is \"%s\", expected \"\"", omendb_last_error());

    int64_t keys[] = {1, 2, 3};
    omendb_index *index = NULL;
    CHECK_STATUS(omendb_index_build(keys, 3, NULL, NULL), OMENDB_INVALID_ARGUMENT);
    CHECK_ERROR_MENTIONS("omendb_index_build");
    char saved[1024];
    snprintf(saved, sizeof saved, "%s", omendb_last_error());

    /* Success and NOT_FOUND leave the message alone. */
    CHECK_STATUS(omendb_index_build(keys, 3, NULL, &index), OMENDB_OK);
    uint64_t position;
    CHECK_STATUS(omendb_index_find(index, 2, &position), OMENDB_OK);
    CHECK_STATUS(omendb_index_find(index, 7, &position), OMENDB_NOT_FOUND);
    CHECK(strcmp(omendb_last_error(), saved) == 0, "message changed to \"%s\" without a failure", omendb_last_error());
    omendb_index_free(NULL);
    omendb_index_options_free(NULL);
    CHECK(strcmp(omendb_last_error(), saved) == 0, "free(NULL) changed the message to \"%s\"", omendb_last_error());

    /* A new failure replaces it. */
    CHECK_STATUS(omendb_index_find(index, 2, NULL), OMENDB_INVALID_ARGUMENT);
    CHECK_ERROR_MENTIONS("omendb_index_find");
    CHECK_ERROR_MENTIONS("position");
    omendb_index_free(index);
}

/* Builds an index over keys or records a failure. */
static omendb_index *build_or_fail(const int64_t *keys, size_t count) {
    omendb_index *index = NULL;
    CHECK_STATUS(omendb_index_build(keys, count, NULL, &index), OMENDB_OK);
    return index;
}

static void test_stats_sizes(void) {
    check_section("stats struct_size");
    int64_t keys[1000];
    for (int i = 0; i < 1000; i++) keys[i] = (int64_t)i * 3;
    omendb_index *index = build_or_fail(keys, 1000);
    if (!index) return;

    omendb_index_stats full;
    memset(&full, 0, sizeof full);
    full.struct_size = sizeof full;
    CHECK_STATUS(omendb_index_get_stats(index, &full), OMENDB_OK);
    CHECK(full.kind == OMENDB_INDEX_PGM && full.key_count == 1000, "kind %d, %" PRIu64 " keys",
          (int)full.kind, full.key_count);

    /* A program built against an older, smaller struct: only its fields are written. */
    typedef struct { size_t struct_size; int32_t kind; int32_t level_count; uint64_t key_count; } stats_v0;
    unsigned char buffer[sizeof(omendb_index_stats) + 64];
    memset(buffer, 0xAB, sizeof buffer);
    stats_v0 old;
    old.struct_size = sizeof old;
    memcpy(buffer, &old, sizeof old.struct_size);
    CHECK_STATUS(omendb_index_get_stats(index, (omendb_index_stats *)(void *)buffer), OMENDB_OK);
    memcpy(&old, buffer, sizeof old);
    CHECK(old.kind == full.kind && old.level_count == full.level_count && old.key_count == full.key_count,
          "old struct got kind %d levels %d keys %" PRIu64, (int)old.kind, (int)old.level_count, old.key_count);
    CHECK(old.struct_size <= sizeof old, "old struct's struct_size grew to %zu", old.struct_size);
    size_t touched = 0;
    for (size_t i = sizeof old; i < sizeof buffer; i++) touched += buffer[i] != 0xAB;
    CHECK(touched == 0, "%zu bytes past the caller's %zu-byte struct were written", touched, sizeof old);

    /* The smallest accepted size: struct_size and kind. */
    memset(buffer, 0xAB, sizeof buffer);
    size_t minimum = offsetof(omendb_index_stats, kind) + sizeof(int32_t);
    memcpy(buffer, &minimum, sizeof minimum);
    CHECK_STATUS(omendb_index_get_stats(index, (omendb_index_stats *)(void *)buffer), OMENDB_OK);
    int32_t kind;
    memcpy(&kind, buffer + offsetof(omendb_index_stats, kind), sizeof kind);
    CHECK(kind == OMENDB_INDEX_PGM, "minimum struct got kind %d", (int)kind);
    touched = 0;
    for (size_t i = minimum; i < sizeof buffer; i++) touched += buffer[i] != 0xAB;
    CHECK(touched == 0, "%zu bytes past the minimum struct were written", touched);

    /* A newer, larger struct: the library writes what it knows and says how much. */
    memset(buffer, 0xAB, sizeof buffer);
    size_t larger = sizeof buffer;
    memcpy(buffer, &larger, sizeof larger);
    CHECK_STATUS(omendb_index_get_stats(index, (omendb_index_stats *)(void *)buffer), OMENDB_OK);
    size_t reported;
    memcpy(&reported, buffer, sizeof reported);
    CHECK(reported == sizeof(omendb_index_stats), "larger struct: struct_size became %zu, expected %zu",
          reported, sizeof(omendb_index_stats));
    touched = 0;
    for (size_t i = sizeof(omendb_index_stats); i < sizeof buffer; i++) touched += buffer[i] != 0xAB;
    CHECK(touched == 0, "%zu bytes past sizeof(omendb_index_stats) were written", touched);

    /* Too small to hold anything: an error naming struct_size, nothing written. */
    static const size_t too_small[] = {0, 1, sizeof(size_t), offsetof(omendb_index_stats, kind) + 3};
    for (size_t i = 0; i < sizeof too_small / sizeof too_small[0]; i++) {
        memset(buffer, 0xAB, sizeof buffer);
        memcpy(buffer, &too_small[i], sizeof too_small[i]);
        CHECK_STATUS(omendb_index_get_stats(index, (omendb_index_stats *)(void *)buffer), OMENDB_INVALID_ARGUMENT);
        CHECK_ERROR_MENTIONS("struct_size");
        touched = 0;
        for (size_t j = sizeof(size_t); j < sizeof buffer; j++) touched += buffer[j] != 0xAB;
        CHECK(touched == 0, "struct_size %zu: %zu bytes written", too_small[i], touched);
    }
    CHECK_STATUS(omendb_index_get_stats(index, NULL), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_index_get_stats(NULL, &full), OMENDB_INVALID_ARGUMENT);
    omendb_index_free(index);
}

static void test_options_setters(void) {
    check_section("options setters");
    CHECK_STATUS(omendb_index_options_create(NULL), OMENDB_INVALID_ARGUMENT);
    CHECK_ERROR_MENTIONS("omendb_index_options_create");
    omendb_index_options *options = NULL;
    CHECK_STATUS(omendb_index_options_create(&options), OMENDB_OK);
    if (!options) return;

    static const int bad_kinds[] = {-1, 5, 100, INT_MAX, INT_MIN};
    for (size_t i = 0; i < sizeof bad_kinds / sizeof bad_kinds[0]; i++) {
        CHECK_STATUS(omendb_index_options_set_kind(options, bad_kinds[i]), OMENDB_INVALID_ARGUMENT);
        CHECK_ERROR_MENTIONS("omendb_index_options_set_kind");
    }
    for (int k = OMENDB_INDEX_AUTO; k <= OMENDB_INDEX_ALEX; k++)
        CHECK_STATUS(omendb_index_options_set_kind(options, k), OMENDB_OK);
    CHECK_STATUS(omendb_index_options_set_kind(options, OMENDB_INDEX_PGM), OMENDB_OK);

    static const uint32_t bad_epsilons[] = {0, (1u << 20) + 1, UINT32_MAX};
    for (size_t i = 0; i < sizeof bad_epsilons / sizeof bad_epsilons[0]; i++) {
        CHECK_STATUS(omendb_index_options_set_epsilon(options, bad_epsilons[i]), OMENDB_INVALID_ARGUMENT);
        CHECK_ERROR_MENTIONS("epsilon");
        CHECK_STATUS(omendb_index_options_set_recursive_epsilon(options, bad_epsilons[i]), OMENDB_INVALID_ARGUMENT);
        CHECK_ERROR_MENTIONS("epsilon");
    }
    CHECK_STATUS(omendb_index_options_set_epsilon(options, 1), OMENDB_OK);
    CHECK_STATUS(omendb_index_options_set_epsilon(options, 1u << 20), OMENDB_OK);
    CHECK_STATUS(omendb_index_options_set_recursive_epsilon(options, 1), OMENDB_OK);
    CHECK_STATUS(omendb_index_options_set_recursive_epsilon(options, 1u << 20), OMENDB_OK);

    CHECK_STATUS(omendb_index_options_set_rmi_leaves(options, 0), OMENDB_OK);
    CHECK_STATUS(omendb_index_options_set_rmi_leaves(options, 1u << 28), OMENDB_OK);
    CHECK_STATUS(omendb_index_options_set_rmi_leaves(options, (1u << 28) + 1), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_index_options_set_rmi_leaves(options, UINT32_MAX), OMENDB_INVALID_ARGUMENT);

    CHECK_STATUS(omendb_index_options_set_search(options, OMENDB_SEARCH_BRANCHY), OMENDB_OK);
    CHECK_STATUS(omendb_index_options_set_search(options, OMENDB_SEARCH_BRANCHLESS), OMENDB_OK);
    CHECK_STATUS(omendb_index_options_set_search(options, 2), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_index_options_set_search(options, -1), OMENDB_INVALID_ARGUMENT);
    CHECK_ERROR_MENTIONS("omendb_index_options_set_search");

    /* NULL options for every setter. */
    CHECK_STATUS(omendb_index_options_set_kind(NULL, OMENDB_INDEX_PGM), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_index_options_set_epsilon(NULL, 8), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_index_options_set_recursive_epsilon(NULL, 8), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_index_options_set_rmi_leaves(NULL, 8), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_index_options_set_search(NULL, 0), OMENDB_INVALID_ARGUMENT);

    /* A rejected value leaves the previous one in force: epsilon 8 survives a bad 0.
     * Lognormal keys without duplicates need windows far larger than 8 at the
     * default epsilon 64, so max_error tells which epsilon was used. */
    CHECK_STATUS(omendb_index_options_set_epsilon(options, 8), OMENDB_OK);
    CHECK_STATUS(omendb_index_options_set_epsilon(options, 0), OMENDB_INVALID_ARGUMENT);
    size_t n = 50000;
    int64_t *keys = malloc(n * sizeof *keys);
    rng_t rng = {7};
    for (size_t i = 0; i < n; i++) keys[i] = (int64_t)(exp(2.0 * rng_normal(&rng)) * 1e9);
    sort_keys(keys, n);
    size_t distinct = 0;
    for (size_t i = 0; i < n; i++) if (i == 0 || keys[i] != keys[distinct - 1]) keys[distinct++] = keys[i];
    omendb_index *index = NULL;
    CHECK_STATUS(omendb_index_build(keys, distinct, options, &index), OMENDB_OK);
    omendb_index_stats stats;
    stats.struct_size = sizeof stats;
    if (index && omendb_index_get_stats(index, &stats) == OMENDB_OK)
        CHECK(stats.max_error <= 8 + 2, "max_error %" PRIu64 " after epsilon 8 then a rejected 0", stats.max_error);
    omendb_index_free(index);
    index = NULL;
    CHECK_STATUS(omendb_index_build(keys, distinct, NULL, &index), OMENDB_OK);
    if (index && omendb_index_get_stats(index, &stats) == OMENDB_OK)
        CHECK(stats.max_error > 8 + 2, "default epsilon gave max_error %" PRIu64 ": this check cannot tell epsilons apart",
              stats.max_error);
    omendb_index_free(index);
    free(keys);

    /* A freed options object is refused, not used. */
    omendb_index_options_free(options);
    CHECK_STATUS(omendb_index_options_set_epsilon(options, 8), OMENDB_MISUSE);
    int64_t three[] = {1, 2, 3};
    index = NULL;
    CHECK_STATUS(omendb_index_build(three, 3, options, &index), OMENDB_MISUSE);
    CHECK(index == NULL, "a build with freed options wrote a handle");
    omendb_index_options_free(options);   /* double free: reported, no crash */
    CHECK_ERROR_MENTIONS("omendb_index_options_free");
}

static void test_build_misuse(void) {
    check_section("build misuse");
    int64_t keys[] = {1, 2, 3, 2, 5};
    omendb_index *index = (omendb_index *)(void *)&index;   /* a sentinel: must stay untouched */
    omendb_index *const sentinel = index;

    CHECK_STATUS(omendb_index_build(keys, 5, NULL, &index), OMENDB_INVALID_ARGUMENT);
    CHECK_ERROR_MENTIONS("keys[3]");
    CHECK_ERROR_MENTIONS("sorted");
    CHECK(index == sentinel, "a failed build wrote the output handle");

    int64_t early[] = {9, 1, 2};
    CHECK_STATUS(omendb_index_build(early, 3, NULL, &index), OMENDB_INVALID_ARGUMENT);
    CHECK_ERROR_MENTIONS("keys[1]");
    int64_t late[] = {INT64_MIN, 0, 1, 2, 3, 4, 5, INT64_MAX, INT64_MIN};
    CHECK_STATUS(omendb_index_build(late, 9, NULL, &index), OMENDB_INVALID_ARGUMENT);
    CHECK_ERROR_MENTIONS("keys[8]");
    int64_t extremes_reversed[] = {INT64_MAX, INT64_MIN};
    CHECK_STATUS(omendb_index_build(extremes_reversed, 2, NULL, &index), OMENDB_INVALID_ARGUMENT);
    CHECK_ERROR_MENTIONS("keys[1]");
    /* A long array unsorted only at its very end. */
    size_t n = 200001;
    int64_t *big = malloc(n * sizeof *big);
    for (size_t i = 0; i < n; i++) big[i] = (int64_t)i;
    big[n - 1] = 5;
    CHECK_STATUS(omendb_index_build(big, n, NULL, &index), OMENDB_INVALID_ARGUMENT);
    CHECK_ERROR_MENTIONS("keys[200000]");
    free(big);
    CHECK(index == sentinel, "a failed build wrote the output handle");

    CHECK_STATUS(omendb_index_build(NULL, 5, NULL, &index), OMENDB_INVALID_ARGUMENT);
    CHECK_ERROR_MENTIONS("keys");
    CHECK_STATUS(omendb_index_build(keys, 3, NULL, NULL), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_index_build(keys, SIZE_MAX, NULL, &index), OMENDB_TOO_LARGE);
    CHECK_ERROR_MENTIONS("2^60");
    CHECK_STATUS(omendb_index_build(keys, ((size_t)1 << 60) + 1, NULL, &index), OMENDB_TOO_LARGE);
    CHECK_STATUS(omendb_index_build(keys, SIZE_MAX / 2 + 1, NULL, &index), OMENDB_TOO_LARGE);
    CHECK_STATUS(omendb_index_build(NULL, SIZE_MAX, NULL, &index), OMENDB_TOO_LARGE);
    CHECK(index == sentinel, "a failed build wrote the output handle");

    /* NULL keys with zero length is an empty index, and it answers like one. */
    index = NULL;
    CHECK_STATUS(omendb_index_build(NULL, 0, NULL, &index), OMENDB_OK);
    uint64_t position = 77, first = 77, count = 77;
    CHECK_STATUS(omendb_index_find(index, 0, &position), OMENDB_NOT_FOUND);
    CHECK(position == 77, "NOT_FOUND wrote position %" PRIu64, position);
    CHECK_STATUS(omendb_index_lower_bound(index, INT64_MAX, &position), OMENDB_OK);
    CHECK(position == 0, "lower_bound on an empty index gave %" PRIu64, position);
    CHECK_STATUS(omendb_index_range(index, INT64_MIN, INT64_MAX, &first, &count), OMENDB_OK);
    CHECK(count == 0, "range on an empty index counted %" PRIu64, count);
    omendb_index_free(index);
}

static void test_query_misuse(void) {
    check_section("query misuse");
    int64_t keys[] = {-5, 0, 0, 7, 100};
    omendb_index *index = build_or_fail(keys, 5);
    if (!index) return;
    uint64_t position, first, count;
    int64_t positions[4];
    size_t found = 99;

    CHECK_STATUS(omendb_index_find(NULL, 0, &position), OMENDB_INVALID_ARGUMENT);
    CHECK_ERROR_MENTIONS("handle is NULL");
    CHECK_STATUS(omendb_index_lower_bound(NULL, 0, &position), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_index_lower_bound(index, 0, NULL), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_index_range(NULL, 0, 1, &first, &count), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_index_range(index, 0, 1, NULL, &count), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_index_range(index, 0, 1, &first, NULL), OMENDB_INVALID_ARGUMENT);

    CHECK_STATUS(omendb_index_find_batch(NULL, keys, 4, positions, &found), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_index_find_batch(index, NULL, 4, positions, &found), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_index_find_batch(index, keys, 4, NULL, &found), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_index_find_batch(index, keys, SIZE_MAX, positions, &found), OMENDB_TOO_LARGE);
    CHECK_ERROR_MENTIONS("count");
    CHECK_STATUS(omendb_index_lower_bound_batch(index, NULL, 4, positions), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_index_lower_bound_batch(index, keys, 4, NULL), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_index_lower_bound_batch(index, keys, SIZE_MAX, positions), OMENDB_TOO_LARGE);
    CHECK(found == 99, "a failed batch wrote found = %zu", found);

    /* positions must not overlap keys: in place, partly, or by one element. */
    int64_t shared[8] = {-5, 0, 7, 100, 3, 4, 5, 6};
    CHECK_STATUS(omendb_index_find_batch(index, shared, 4, shared, &found), OMENDB_INVALID_ARGUMENT);
    CHECK_ERROR_MENTIONS("overlap");
    CHECK_STATUS(omendb_index_lower_bound_batch(index, shared, 4, shared), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_index_find_batch(index, shared, 4, shared + 2, &found), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_index_find_batch(index, shared + 3, 4, shared, &found), OMENDB_INVALID_ARGUMENT);
    CHECK_STATUS(omendb_index_lower_bound_batch(index, shared + 2, 4, shared), OMENDB_INVALID_ARGUMENT);
    CHECK(shared[0] == -5 && shared[3] == 100, "a refused batch wrote its positions");
    /* Adjacent, not overlapping: fine, and the answers are right. */
    CHECK_STATUS(omendb_index_find_batch(index, shared, 4, shared + 4, &found), OMENDB_OK);
    CHECK(shared[4] == 0 && shared[5] == 1 && shared[6] == 3 && shared[7] == 4 && found == 4,
          "adjacent batch gave %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 ", found %zu",
          shared[4], shared[5], shared[6], shared[7], found);

    /* Zero-length batches are fine with NULL arrays. */
    CHECK_STATUS(omendb_index_find_batch(index, NULL, 0, NULL, &found), OMENDB_OK);
    CHECK(found == 0, "empty batch found %zu", found);
    CHECK_STATUS(omendb_index_lower_bound_batch(index, NULL, 0, NULL), OMENDB_OK);

    /* Duplicates answer with the first occurrence; range counts all of them. */
    CHECK_STATUS(omendb_index_find(index, 0, &position), OMENDB_OK);
    CHECK(position == 1, "first 0 at %" PRIu64 ", expected 1", position);
    CHECK_STATUS(omendb_index_range(index, 0, 1, &first, &count), OMENDB_OK);
    CHECK(first == 1 && count == 2, "range [0,1) gave %" PRIu64 "+%" PRIu64, first, count);
    CHECK_STATUS(omendb_index_range(index, 100, -5, &first, &count), OMENDB_OK);
    CHECK(count == 0, "inverted range counted %" PRIu64, count);

    /* A handle of another type is refused. */
    omendb_index_options *options = NULL;
    CHECK_STATUS(omendb_index_options_create(&options), OMENDB_OK);
    CHECK_STATUS(omendb_index_find((const omendb_index *)(void *)options, 0, &position), OMENDB_MISUSE);
    CHECK_STATUS(omendb_index_options_set_epsilon((omendb_index_options *)(void *)index, 8), OMENDB_MISUSE);
    omendb_index_free((omendb_index *)(void *)options);   /* wrong free: reported, options stay alive */
    CHECK_ERROR_MENTIONS("omendb_index_free");
    CHECK_STATUS(omendb_index_options_set_epsilon(options, 8), OMENDB_OK);
    omendb_index_options_free(options);

    /* A freed handle: every call says MISUSE until its slot is reused. */
    omendb_index_free(index);
    omendb_index_stats stats;
    stats.struct_size = sizeof stats;
    CHECK_STATUS(omendb_index_find(index, 0, &position), OMENDB_MISUSE);
    CHECK_ERROR_MENTIONS("freed");
    CHECK_STATUS(omendb_index_lower_bound(index, 0, &position), OMENDB_MISUSE);
    CHECK_STATUS(omendb_index_range(index, 0, 1, &first, &count), OMENDB_MISUSE);
    CHECK_STATUS(omendb_index_find_batch(index, keys, 4, positions, NULL), OMENDB_MISUSE);
    CHECK_STATUS(omendb_index_lower_bound_batch(index, keys, 4, positions), OMENDB_MISUSE);
    CHECK_STATUS(omendb_index_get_stats(index, &stats), OMENDB_MISUSE);
    CHECK_ERROR_MENTIONS("omendb_index_get_stats");
    omendb_index_free(index);   /* double free: no crash, reported */
    CHECK_ERROR_MENTIONS("omendb_index_free");
    omendb_index_free(index);
    CHECK_STATUS(omendb_index_find(index, 0, &position), OMENDB_MISUSE);

    /* Many build/free cycles: handles are recycled and each new one works. */
    size_t wrong = 0;
    for (int round = 0; round < 2000; round++) {
        int64_t k[3] = {round, round + 1, round + 2};
        omendb_index *h = NULL;
        if (omendb_index_build(k, 3, NULL, &h) != OMENDB_OK) { wrong++; continue; }
        if (omendb_index_find(h, round + 1, &position) != OMENDB_OK || position != 1) wrong++;
        omendb_index_free(h);
        if (omendb_index_find(h, round + 1, &position) != OMENDB_MISUSE) wrong++;
    }
    CHECK(wrong == 0, "%zu wrong answers over 2000 build/find/free cycles", wrong);
}

int main(void) {
    test_error_message_lifecycle();   /* first: it checks a fresh thread's empty message */
    test_versions();
    test_status_strings();
    test_stats_sizes();
    test_options_setters();
    test_build_misuse();
    test_query_misuse();
    return check_summary();
}
