/*
 * test_sizes.c — every size_t crosses the C boundary unsigned. Sizes at 2^63 and
 * SIZE_MAX (negative if read as a signed integer) in every role:
 *  - counts of caller input (keys, batch elements): above 2^60, OMENDB_TOO_LARGE;
 *  - value lengths (put, batch put, bulk load's lengths[i]): OMENDB_TOO_LARGE;
 *  - lengths of serialized buffers to load: above 2^60, OMENDB_TOO_LARGE;
 *  - capacities of caller output buffers: simply big enough, never an error;
 *  - struct_size of stats structs: larger than the library's struct is fine.
 * Each refusal's message states the value as an unsigned number.
 * Built normally and with ASan/UBSan by CTest.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "omendb.h"

#define TWO_63 ((size_t)1 << 63)
#define TWO_63_TEXT "9223372036854775808"
#define SIZE_MAX_TEXT "18446744073709551615"

static const size_t huge_sizes[] = {TWO_63, SIZE_MAX, ((size_t)1 << 60) + 1};
static const char *const huge_texts[] = {TWO_63_TEXT, SIZE_MAX_TEXT, "1152921504606846977"};
#define HUGE_COUNT (sizeof huge_sizes / sizeof huge_sizes[0])

static void test_value_lengths(omendb_db *db) {
    check_section("value lengths: put, batch put, bulk load lengths[i]");
    char byte = 'x';
    const void *values[2] = {&byte, &byte};
    int64_t keys[2] = {100, 101};
    omendb_batch *batch = NULL;
    CHECK_STATUS(omendb_batch_create(&batch), OMENDB_OK);
    for (size_t i = 0; i < 2; i++) {  /* 2^63 and SIZE_MAX */
        CHECK_STATUS(omendb_put(db, 100, &byte, huge_sizes[i]), OMENDB_TOO_LARGE);
        CHECK_ERROR_MENTIONS(huge_texts[i]);
        CHECK_STATUS(omendb_batch_put(batch, 100, &byte, huge_sizes[i]), OMENDB_TOO_LARGE);
        CHECK_ERROR_MENTIONS(huge_texts[i]);
        /* The length of the second value: the first is fine, so this is checked per element. */
        size_t lengths[2] = {1, huge_sizes[i]};
        CHECK_STATUS(omendb_bulk_load(db, keys, values, lengths, 2), OMENDB_TOO_LARGE);
        CHECK_ERROR_MENTIONS(huge_texts[i]);
        CHECK_ERROR_MENTIONS("lengths[1]");
        /* The length is checked before the value is looked at: a NULL value too. */
        const void *null_values[2] = {&byte, NULL};
        CHECK_STATUS(omendb_bulk_load(db, keys, null_values, lengths, 2), OMENDB_TOO_LARGE);
        CHECK_ERROR_MENTIONS(huge_texts[i]);
    }
    size_t over_limit[2] = {((size_t)1 << 30) + 1, 1};
    CHECK_STATUS(omendb_bulk_load(db, keys, values, over_limit, 2), OMENDB_TOO_LARGE);
    CHECK_ERROR_MENTIONS("1073741825");
    /* Nothing was loaded by the refused calls. */
    char out = 0;
    size_t length = 0;
    CHECK_STATUS(omendb_get(db, 100, &out, 1, &length), OMENDB_NOT_FOUND);
    omendb_batch_free(batch);
}

static void test_copy_capacities(omendb_db *db) {
    check_section("capacities: get, iterator read, multi-get copy");
    CHECK_STATUS(omendb_put(db, 1, "one", 3), OMENDB_OK);
    CHECK_STATUS(omendb_put(db, 2, "two!", 4), OMENDB_OK);
    char buffer[16];
    size_t length = 0;
    for (size_t i = 0; i < HUGE_COUNT; i++) {
        memset(buffer, 0, sizeof buffer);
        length = 0;
        CHECK_STATUS(omendb_get(db, 2, buffer, huge_sizes[i], &length), OMENDB_OK);
        CHECK(length == 4 && memcmp(buffer, "two!", 4) == 0, "capacity %zu: length %zu, value \"%.4s\"",
              huge_sizes[i], length, buffer);
    }
    /* A real shortage is still reported, with the capacity as given. */
    CHECK_STATUS(omendb_get(db, 2, buffer, 3, &length), OMENDB_BUFFER_TOO_SMALL);
    CHECK(length == 4, "needed length %zu, expected 4", length);
    CHECK_ERROR_MENTIONS("holds 3");

    omendb_snapshot *snapshot = NULL;
    CHECK_STATUS(omendb_snapshot_open(db, &snapshot), OMENDB_OK);
    int64_t keys[3] = {1, 2, 3};
    size_t lengths[3];
    for (size_t i = 0; i < HUGE_COUNT; i++) {
        size_t done = 0;
        memset(buffer, 0, sizeof buffer);
        CHECK_STATUS(omendb_snapshot_multi_get_copy(snapshot, keys, 3, lengths, buffer, huge_sizes[i], &done),
                     OMENDB_OK);
        CHECK(done == 3 && lengths[0] == 3 && lengths[1] == 4 && lengths[2] == SIZE_MAX &&
              memcmp(buffer, "onetwo!", 7) == 0, "multi-get copy with capacity %zu: done %zu", huge_sizes[i], done);

        omendb_iterator *it = NULL;
        CHECK_STATUS(omendb_iterator_create(NULL, snapshot, &it), OMENDB_OK);
        CHECK_STATUS(omendb_iterator_seek_first(it), OMENDB_OK);
        int64_t read_keys[3] = {0, 0, 0};
        size_t count = 0;
        memset(buffer, 0, sizeof buffer);
        /* max_entries is the caller's array size: huge means "as many as there are". */
        CHECK_STATUS(omendb_iterator_read(it, 1, huge_sizes[i], read_keys, lengths, buffer, huge_sizes[i], &count),
                     OMENDB_OK);
        CHECK(count == 2 && read_keys[0] == 1 && read_keys[1] == 2 && memcmp(buffer, "onetwo!", 7) == 0,
              "iterator read with max_entries = capacity = %zu: count %zu", huge_sizes[i], count);
        CHECK(omendb_iterator_valid(it) == 0, "the iterator should be past the end");
        omendb_iterator_free(it);
    }
    omendb_snapshot_free(snapshot);
}

static void test_input_counts(omendb_db *db) {
    check_section("counts of caller input above 2^60");
    int64_t keys[2] = {1, 2};
    uint64_t payloads[2] = {1, 2};
    const void *values[2] = {NULL, NULL};
    size_t lengths[2] = {0, 0};
    int64_t positions[2];
    size_t found = 0, done = 0;
    omendb_index *index = NULL;
    CHECK_STATUS(omendb_index_build(keys, 2, NULL, &index), OMENDB_OK);
    omendb_snapshot *snapshot = NULL;
    CHECK_STATUS(omendb_snapshot_open(db, &snapshot), OMENDB_OK);
    const void *pointers[2];
    for (size_t i = 0; i < HUGE_COUNT; i++) {
        size_t n = huge_sizes[i];
        omendb_index *built = NULL;
        omendb_map *map = NULL;
        CHECK_STATUS(omendb_index_build(keys, n, NULL, &built), OMENDB_TOO_LARGE);
        CHECK_ERROR_MENTIONS(huge_texts[i]);
        CHECK_STATUS(omendb_index_find_batch(index, keys, n, positions, &found), OMENDB_TOO_LARGE);
        CHECK_ERROR_MENTIONS(huge_texts[i]);
        CHECK_STATUS(omendb_index_lower_bound_batch(index, keys, n, positions), OMENDB_TOO_LARGE);
        CHECK_ERROR_MENTIONS(huge_texts[i]);
        CHECK_STATUS(omendb_map_create_sorted(keys, payloads, n, &map), OMENDB_TOO_LARGE);
        CHECK_ERROR_MENTIONS(huge_texts[i]);
        CHECK_STATUS(omendb_bulk_load(db, keys, values, lengths, n), OMENDB_TOO_LARGE);
        CHECK_ERROR_MENTIONS(huge_texts[i]);
        CHECK_STATUS(omendb_snapshot_multi_get(snapshot, keys, n, pointers, lengths, &found), OMENDB_TOO_LARGE);
        CHECK_ERROR_MENTIONS(huge_texts[i]);
        CHECK_STATUS(omendb_snapshot_multi_get_copy(snapshot, keys, n, lengths, NULL, 0, &done), OMENDB_TOO_LARGE);
        CHECK_ERROR_MENTIONS(huge_texts[i]);
        CHECK_STATUS(omendb_index_load(keys, n, "x", 1, &built), OMENDB_TOO_LARGE);
        CHECK_ERROR_MENTIONS(huge_texts[i]);
    }
    omendb_snapshot_free(snapshot);
    omendb_index_free(index);
}

static void test_serialization(void) {
    check_section("serialize capacities and load lengths");
    int64_t keys[64];
    uint64_t payloads[64];
    for (int i = 0; i < 64; i++) { keys[i] = 3 * i; payloads[i] = (uint64_t)i; }
    omendb_index *index = NULL;
    omendb_map *map = NULL;
    CHECK_STATUS(omendb_index_build(keys, 64, NULL, &index), OMENDB_OK);
    CHECK_STATUS(omendb_map_create_sorted(keys, payloads, 64, &map), OMENDB_OK);
    size_t index_size = 0, map_size = 0;
    CHECK_STATUS(omendb_index_serialized_size(index, &index_size), OMENDB_OK);
    CHECK_STATUS(omendb_map_serialized_size(map, &map_size), OMENDB_OK);
    unsigned char *index_bytes = calloc(index_size, 1), *map_bytes = calloc(map_size, 1);
    for (size_t i = 0; i < HUGE_COUNT; i++) {
        size_t written = 0;
        CHECK_STATUS(omendb_index_serialize(index, index_bytes, huge_sizes[i], &written), OMENDB_OK);
        CHECK(written == index_size, "index: wrote %zu of %zu bytes with capacity %zu", written, index_size,
              huge_sizes[i]);
        written = 0;
        CHECK_STATUS(omendb_map_serialize(map, map_bytes, huge_sizes[i], &written), OMENDB_OK);
        CHECK(written == map_size, "map: wrote %zu of %zu bytes with capacity %zu", written, map_size, huge_sizes[i]);
    }
    /* The output is whole: it loads back. */
    omendb_index *loaded = NULL;
    omendb_map *loaded_map = NULL;
    CHECK_STATUS(omendb_index_load(keys, 64, index_bytes, index_size, &loaded), OMENDB_OK);
    CHECK_STATUS(omendb_map_load(map_bytes, map_size, &loaded_map), OMENDB_OK);
    omendb_index_free(loaded);
    omendb_map_free(loaded_map);
    /* A shortage names the capacity. */
    size_t written = 0;
    CHECK_STATUS(omendb_index_serialize(index, index_bytes, index_size - 1, &written), OMENDB_TOO_LARGE);
    CHECK_STATUS(omendb_map_serialize(map, map_bytes, 1, &written), OMENDB_TOO_LARGE);
    CHECK_ERROR_MENTIONS("capacity is 1");
    /* Buffer lengths no memory can hold: refused before anything is read. */
    for (size_t i = 0; i < HUGE_COUNT; i++) {
        loaded = NULL;
        loaded_map = NULL;
        CHECK_STATUS(omendb_index_load(keys, 64, index_bytes, huge_sizes[i], &loaded), OMENDB_TOO_LARGE);
        CHECK_ERROR_MENTIONS(huge_texts[i]);
        CHECK(loaded == NULL, "index_load wrote its output on failure");
        CHECK_STATUS(omendb_map_load(map_bytes, huge_sizes[i], &loaded_map), OMENDB_TOO_LARGE);
        CHECK_ERROR_MENTIONS(huge_texts[i]);
        CHECK(loaded_map == NULL, "map_load wrote its output on failure");
    }
    free(index_bytes);
    free(map_bytes);
    omendb_index_free(index);
    omendb_map_free(map);
}

static void test_map_range_capacity(void) {
    check_section("map range capacity");
    int64_t keys[3] = {-5, 0, 5}, out_keys[3] = {0, 0, 0};
    uint64_t payloads[3] = {50, 0, 5}, out_payloads[3] = {9, 9, 9};
    omendb_map *map = NULL;
    CHECK_STATUS(omendb_map_create_sorted(keys, payloads, 3, &map), OMENDB_OK);
    for (size_t i = 0; i < HUGE_COUNT; i++) {
        size_t written = 0;
        CHECK_STATUS(omendb_map_range(map, INT64_MIN, huge_sizes[i], out_keys, out_payloads, &written), OMENDB_OK);
        CHECK(written == 3 && out_keys[0] == -5 && out_keys[2] == 5 && out_payloads[0] == 50 && out_payloads[2] == 5,
              "capacity %zu: written %zu", huge_sizes[i], written);
    }
    omendb_map_free(map);
}

static void test_struct_sizes(omendb_db *db) {
    check_section("stats struct_size");
    int64_t keys[4] = {1, 2, 3, 4};
    uint64_t payloads[4] = {1, 2, 3, 4};
    omendb_index *index = NULL;
    omendb_map *map = NULL;
    CHECK_STATUS(omendb_index_build(keys, 4, NULL, &index), OMENDB_OK);
    CHECK_STATUS(omendb_map_create_sorted(keys, payloads, 4, &map), OMENDB_OK);
    for (size_t i = 0; i < HUGE_COUNT; i++) {
        omendb_index_stats index_stats;
        memset(&index_stats, 0, sizeof index_stats);
        index_stats.struct_size = huge_sizes[i];
        CHECK_STATUS(omendb_index_get_stats(index, &index_stats), OMENDB_OK);
        CHECK(index_stats.struct_size == sizeof index_stats && index_stats.key_count == 4,
              "index stats with struct_size %zu: struct_size %zu, key_count %llu", huge_sizes[i],
              index_stats.struct_size, (unsigned long long)index_stats.key_count);
        omendb_map_stats map_stats;
        memset(&map_stats, 0, sizeof map_stats);
        map_stats.struct_size = huge_sizes[i];
        CHECK_STATUS(omendb_map_get_stats(map, &map_stats), OMENDB_OK);
        CHECK(map_stats.struct_size == sizeof map_stats && map_stats.count == 4,
              "map stats with struct_size %zu: struct_size %zu", huge_sizes[i], map_stats.struct_size);
        omendb_db_stats db_stats;
        memset(&db_stats, 0, sizeof db_stats);
        db_stats.struct_size = huge_sizes[i];
        CHECK_STATUS(omendb_get_stats(db, &db_stats), OMENDB_OK);
        CHECK(db_stats.struct_size == sizeof db_stats, "db stats with struct_size %zu: struct_size %zu",
              huge_sizes[i], db_stats.struct_size);
    }
    omendb_index_stats small;
    small.struct_size = 3;
    CHECK_STATUS(omendb_index_get_stats(index, &small), OMENDB_INVALID_ARGUMENT);
    CHECK_ERROR_MENTIONS("struct_size is 3");
    omendb_index_free(index);
    omendb_map_free(map);
}

int main(void) {
    char path[] = "/tmp/omendb-test-sizes-XXXXXX";
    if (!mkdtemp(path)) { perror("mkdtemp"); return 1; }
    char db_path[sizeof path + 8];
    snprintf(db_path, sizeof db_path, "%s/db", path);
    omendb_db *db = NULL;
    CHECK_STATUS(omendb_open(db_path, NULL, &db), OMENDB_OK);
    if (db != NULL) {
        test_value_lengths(db);
        test_copy_capacities(db);
        test_input_counts(db);
        test_struct_sizes(db);
        CHECK_STATUS(omendb_close(db), OMENDB_OK);
    }
    test_serialization();
    test_map_range_capacity();

    char command[sizeof path + 16];
    snprintf(command, sizeof command, "rm -rf '%s'", path);
    if (system(command) != 0) fprintf(stderr, "could not remove %s\n", path);
    return check_summary();
}
