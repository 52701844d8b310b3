/* C-level checks of the omendb database API: return codes, ownership rules and
 * error paths as documented in include/omendb.h. Run by Tests/crash/run.sh.
 * Usage: api_smoke <empty-directory-path>   (exit 0 = all checks passed) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "omendb.h"

static int failures = 0;
#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "api_smoke: %s:%d: check failed: %s (last error: %s)\n", \
    __FILE__, __LINE__, #cond, omendb_last_error()); failures++; } } while (0)

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: api_smoke <dir>\n"); return 64; }
    const char *dir = argv[1];
    omendb_db *db = NULL, *second = NULL;
    omendb_options *options = NULL;

    /* NULL handling and option validation. */
    CHECK(omendb_open(NULL, NULL, &db) == OMENDB_INVALID_ARGUMENT);
    CHECK(omendb_open(dir, NULL, NULL) == OMENDB_INVALID_ARGUMENT);
    CHECK(omendb_options_create(NULL) == OMENDB_INVALID_ARGUMENT);
    CHECK(omendb_options_create(&options) == OMENDB_OK);
    CHECK(omendb_options_set_sync(options, 7) == OMENDB_INVALID_ARGUMENT);
    CHECK(omendb_options_set_sync(options, OMENDB_SYNC_FULL) == OMENDB_OK);
    CHECK(omendb_options_set_hot_tier_bytes(options, 10) == OMENDB_INVALID_ARGUMENT);
    CHECK(omendb_options_set_hot_tier_bytes(options, 1 << 20) == OMENDB_OK);
    CHECK(omendb_options_set_max_value_size(options, 1000) == OMENDB_OK);
    CHECK(omendb_options_set_read_only(options, 2) == OMENDB_INVALID_ARGUMENT);
    CHECK(omendb_options_set_index_kind(options, 99) == OMENDB_INVALID_ARGUMENT);
    omendb_options_free(NULL);
    CHECK(omendb_close(NULL) == OMENDB_OK);
    CHECK(strcmp(omendb_status_string(OMENDB_BUFFER_TOO_SMALL), "buffer too small") == 0);

    CHECK(omendb_open(dir, options, &db) == OMENDB_OK);
    /* A second read-write opener is refused, naming our process. */
    CHECK(omendb_open(dir, NULL, &second) == OMENDB_BUSY);
    char pid[32];
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    CHECK(strstr(omendb_last_error(), pid) != NULL);

    /* put / get / delete. */
    const char hello[] = "hello";
    CHECK(omendb_put(db, 1, hello, 5) == OMENDB_OK);
    CHECK(omendb_put(db, 2, NULL, 0) == OMENDB_OK);
    CHECK(omendb_put(db, 3, NULL, 4) == OMENDB_INVALID_ARGUMENT);
    char big[1001] = {0};
    CHECK(omendb_put(db, 4, big, 1001) == OMENDB_TOO_LARGE);
    char buffer[16];
    size_t length = 0;
    CHECK(omendb_get(db, 1, buffer, 2, &length) == OMENDB_BUFFER_TOO_SMALL && length == 5);
    CHECK(omendb_get(db, 1, buffer, sizeof buffer, &length) == OMENDB_OK && length == 5 && memcmp(buffer, "hello", 5) == 0);
    CHECK(omendb_get(db, 2, NULL, 0, &length) == OMENDB_OK && length == 0);
    CHECK(omendb_get(db, 9, buffer, sizeof buffer, &length) == OMENDB_NOT_FOUND);
    CHECK(omendb_get(db, 1, buffer, sizeof buffer, NULL) == OMENDB_INVALID_ARGUMENT);
    CHECK(omendb_delete(db, 9) == OMENDB_OK);
    CHECK(omendb_delete(db, 2) == OMENDB_OK);
    CHECK(omendb_get(db, 2, NULL, 0, &length) == OMENDB_NOT_FOUND);

    /* Batches: atomic, reusable, rejected as a whole. */
    omendb_batch *batch = NULL;
    CHECK(omendb_batch_create(&batch) == OMENDB_OK);
    CHECK(omendb_batch_put(batch, 10, "a", 1) == OMENDB_OK);
    CHECK(omendb_batch_put(batch, 11, "b", 1) == OMENDB_OK);
    CHECK(omendb_batch_delete(batch, 1) == OMENDB_OK);
    CHECK(omendb_write(db, batch) == OMENDB_OK);
    CHECK(omendb_get(db, 1, buffer, sizeof buffer, &length) == OMENDB_NOT_FOUND);
    CHECK(omendb_get(db, 11, buffer, sizeof buffer, &length) == OMENDB_OK && buffer[0] == 'b');
    CHECK(omendb_batch_clear(batch) == OMENDB_OK);
    CHECK(omendb_batch_put(batch, 12, "c", 1) == OMENDB_OK);
    CHECK(omendb_batch_put(batch, 13, big, 1001) == OMENDB_OK);
    CHECK(omendb_write(db, batch) == OMENDB_TOO_LARGE);
    CHECK(omendb_get(db, 12, buffer, sizeof buffer, &length) == OMENDB_NOT_FOUND);
    omendb_batch_free(batch);
    CHECK(omendb_batch_put(batch, 1, "x", 1) == OMENDB_MISUSE);  /* freed handle */
    omendb_batch_free(NULL);

    /* Bulk load: sorted keys only. */
    int64_t keys[3] = {100, 200, 300};
    const void *values[3] = {"x", "yy", NULL};
    size_t lengths[3] = {1, 2, 0};
    int64_t unsorted[3] = {100, 300, 200};
    CHECK(omendb_bulk_load(db, unsorted, values, lengths, 3) == OMENDB_INVALID_ARGUMENT);
    CHECK(omendb_bulk_load(db, keys, values, lengths, 3) == OMENDB_OK);
    CHECK(omendb_get(db, 200, buffer, sizeof buffer, &length) == OMENDB_OK && length == 2);

    /* Snapshots: isolation and zero-copy reads that outlive later writes. */
    omendb_snapshot *snapshot = NULL;
    CHECK(omendb_snapshot_open(db, &snapshot) == OMENDB_OK);
    CHECK(omendb_put(db, 200, "zzz", 3) == OMENDB_OK);
    CHECK(omendb_flush(db) == OMENDB_OK);
    CHECK(omendb_compact(db) == OMENDB_OK);
    const void *value = NULL;
    CHECK(omendb_snapshot_get(snapshot, 200, &value, &length) == OMENDB_OK && length == 2 && memcmp(value, "yy", 2) == 0);
    CHECK(omendb_snapshot_get(snapshot, 300, &value, &length) == OMENDB_OK && length == 0 && value != NULL);
    int64_t probe[4] = {100, 5, 200, 11};
    const void *got[4];
    size_t got_lengths[4], found = 0;
    CHECK(omendb_snapshot_multi_get(snapshot, probe, 4, got, got_lengths, &found) == OMENDB_OK && found == 3);
    CHECK(got[1] == NULL && got_lengths[1] == 0 && got_lengths[2] == 2);

    /* Iterators with bounds, both directions. */
    omendb_iterator *it = NULL;
    CHECK(omendb_iterator_create(db, snapshot, &it) == OMENDB_OK);
    CHECK(omendb_iterator_valid(it) == 0);
    CHECK(omendb_iterator_next(it) == OMENDB_INVALID_ARGUMENT);
    CHECK(omendb_iterator_set_bounds(it, 20, 10) == OMENDB_INVALID_ARGUMENT);
    CHECK(omendb_iterator_set_bounds(it, 11, 250) == OMENDB_OK);
    int64_t seen[8];
    int count = 0;
    for (omendb_iterator_seek_first(it); omendb_iterator_valid(it) && count < 8; omendb_iterator_next(it)) {
        CHECK(omendb_iterator_entry(it, &seen[count], NULL, NULL) == OMENDB_OK);
        count++;
    }
    CHECK(count == 3 && seen[0] == 11 && seen[1] == 100 && seen[2] == 200);
    CHECK(omendb_iterator_seek_last(it) == OMENDB_OK && omendb_iterator_valid(it));
    int64_t key = 0;
    CHECK(omendb_iterator_entry(it, &key, &value, &length) == OMENDB_OK && key == 200 && length == 2);
    CHECK(omendb_iterator_seek_for_prev(it, 99) == OMENDB_OK);
    CHECK(omendb_iterator_entry(it, &key, NULL, NULL) == OMENDB_OK && key == 11);
    CHECK(omendb_iterator_prev(it) == OMENDB_OK && omendb_iterator_valid(it) == 0);
    omendb_snapshot_free(snapshot);  /* the iterator keeps its own reference */
    CHECK(omendb_iterator_seek(it, 150) == OMENDB_OK);
    CHECK(omendb_iterator_entry(it, &key, &value, &length) == OMENDB_OK && key == 200 && memcmp(value, "yy", 2) == 0);
    omendb_iterator_free(it);
    CHECK(omendb_iterator_valid(it) == 0);
    CHECK(omendb_snapshot_get(snapshot, 1, &value, &length) == OMENDB_MISUSE);

    /* Stats and verify. */
    omendb_db_stats stats;
    stats.struct_size = 4;
    CHECK(omendb_get_stats(db, &stats) == OMENDB_INVALID_ARGUMENT);
    stats.struct_size = sizeof stats;
    CHECK(omendb_get_stats(db, &stats) == OMENDB_OK && stats.run_count == 1 && stats.cold_keys >= 5);
    CHECK(omendb_verify(db) == OMENDB_OK);
    CHECK(omendb_close(db) == OMENDB_OK);
    CHECK(omendb_put(db, 1, "x", 1) == OMENDB_MISUSE);  /* closed handle */

    /* Read-only reopen. */
    omendb_options_set_read_only(options, 1);
    CHECK(omendb_open(dir, options, &db) == OMENDB_OK);
    CHECK(omendb_get(db, 200, buffer, sizeof buffer, &length) == OMENDB_OK && length == 3);
    CHECK(omendb_put(db, 1, "x", 1) == OMENDB_READ_ONLY);
    CHECK(omendb_close(db) == OMENDB_OK);
    omendb_options_free(options);

    if (failures == 0) printf("api smoke test passed\n");
    return failures == 0 ? 0 : 1;
}
