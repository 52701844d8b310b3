/*
 * fixture.c — the state the ABI conformance calls run against (see fixture.h).
 * Any failure to set it up is fatal: the calls would test nothing.
 */
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

fixture fx;

static char root[] = "/tmp/omendb-abi-conformance-XXXXXX";
static char path_buffer[sizeof root + 32];
static unsigned path_counter;

static void fatal(const char *what, int status) {
    fprintf(stderr, "fixture: %s failed with %d (%s): %s\n", what, status, omendb_status_string(status),
            omendb_last_error());
    exit(2);
}

#define MUST(call)                                   \
    do {                                             \
        int must_status_ = (call);                   \
        if (must_status_ != OMENDB_OK) fatal(#call, must_status_); \
    } while (0)

const char *fx_new_path(void) {
    snprintf(path_buffer, sizeof path_buffer, "%s/db%u", root, path_counter++);
    return path_buffer;
}

int fx_setup(void) {
    if (!mkdtemp(root)) { perror("mkdtemp"); return 1; }
    for (int i = 0; i < 64; i++) {
        fx.keys[i] = 10 * (int64_t)(i + 1);
        fx.payloads[i] = (uint64_t)(i + 1);
    }
    for (size_t i = 0; i < FX_BUFFER_BYTES; i++) fx.bytes[i] = (unsigned char)('a' + i % 26);
    MUST(omendb_open(fx_new_path(), NULL, &fx.db));
    for (int i = 0; i < FX_KEY_COUNT; i++) MUST(omendb_put(fx.db, fx.keys[i], "abc", 3));

    omendb_table *table = fx_make_table();
    for (int i = 0; i < FX_KEY_COUNT; i++) MUST(omendb_table_put(table, fx.keys[i], "abc", 3));

    omendb_index *index = fx_make_index();
    MUST(omendb_index_serialize(index, fx.index_bytes, sizeof fx.index_bytes, &fx.index_size));
    fx_dispose_index(index);
    omendb_map *map = fx_make_map();
    MUST(omendb_map_serialize(map, fx.map_bytes, sizeof fx.map_bytes, &fx.map_size));
    fx_dispose_map(map);
    return 0;
}

static char **table_list;

void fx_teardown(void) {
    omendb_table_list_free(table_list);
    MUST(omendb_close(fx.db));
    char command[sizeof root + 16];
    snprintf(command, sizeof command, "rm -rf '%s'", root);
    if (system(command) != 0) fprintf(stderr, "could not remove %s\n", root);
}

/* The marker is the message of a call no generated call repeats: inverted bounds
 * (1 > 0) on a NULL iterator. */
static const char *mark_message(void) {
    return "omendb_iterator_set_bounds: lower 1 > upper 0";
}

void fx_mark_error(void) {
    if (omendb_iterator_set_bounds(NULL, 1, 0) != OMENDB_INVALID_ARGUMENT || !fx_error_is_mark()) {
        fprintf(stderr, "fixture: the error marker call gives \"%s\"\n", omendb_last_error());
        exit(2);
    }
}

int fx_error_is_mark(void) { return strcmp(omendb_last_error(), mark_message()) == 0; }

/* ---- handles ------------------------------------------------------------- */

omendb_index_options *fx_make_index_options(void) {
    omendb_index_options *handle = NULL;
    MUST(omendb_index_options_create(&handle));
    return handle;
}
void fx_dispose_index_options(omendb_index_options *handle) { omendb_index_options_free(handle); }
omendb_index_options *fx_stale_index_options(void) {
    omendb_index_options *handle = fx_make_index_options();
    omendb_index_options_free(handle);
    return handle;
}

omendb_index *fx_make_index(void) {
    omendb_index *handle = NULL;
    MUST(omendb_index_build(fx.keys, FX_KEY_COUNT, NULL, &handle));
    return handle;
}
void fx_dispose_index(omendb_index *handle) { omendb_index_free(handle); }
omendb_index *fx_stale_index(void) {
    omendb_index *handle = fx_make_index();
    omendb_index_free(handle);
    return handle;
}

omendb_options *fx_make_options(void) {
    omendb_options *handle = NULL;
    MUST(omendb_options_create(&handle));
    return handle;
}
void fx_dispose_options(omendb_options *handle) { omendb_options_free(handle); }
omendb_options *fx_stale_options(void) {
    omendb_options *handle = fx_make_options();
    omendb_options_free(handle);
    return handle;
}

omendb_db *fx_make_db(void) {
    omendb_db *handle = NULL;
    MUST(omendb_open(fx_new_path(), NULL, &handle));
    return handle;
}
void fx_dispose_db(omendb_db *handle) { MUST(omendb_close(handle)); }
omendb_db *fx_stale_db(void) {
    omendb_db *handle = fx_make_db();
    MUST(omendb_close(handle));
    return handle;
}

omendb_batch *fx_make_batch(void) {
    omendb_batch *handle = NULL;
    MUST(omendb_batch_create(&handle));
    MUST(omendb_batch_put(handle, 900, "abc", 3));
    return handle;
}
void fx_dispose_batch(omendb_batch *handle) { omendb_batch_free(handle); }
omendb_batch *fx_stale_batch(void) {
    omendb_batch *handle = fx_make_batch();
    omendb_batch_free(handle);
    return handle;
}

omendb_snapshot *fx_make_snapshot(void) {
    omendb_snapshot *handle = NULL;
    MUST(omendb_snapshot_open(fx.db, &handle));
    return handle;
}
void fx_dispose_snapshot(omendb_snapshot *handle) { omendb_snapshot_free(handle); }
omendb_snapshot *fx_stale_snapshot(void) {
    omendb_snapshot *handle = fx_make_snapshot();
    omendb_snapshot_free(handle);
    return handle;
}

omendb_txn_options *fx_make_txn_options(void) {
    omendb_txn_options *handle = NULL;
    MUST(omendb_txn_options_create(&handle));
    return handle;
}
void fx_dispose_txn_options(omendb_txn_options *handle) { omendb_txn_options_free(handle); }
omendb_txn_options *fx_stale_txn_options(void) {
    omendb_txn_options *handle = fx_make_txn_options();
    omendb_txn_options_free(handle);
    return handle;
}

omendb_txn *fx_make_txn(void) {
    omendb_txn *handle = NULL;
    MUST(omendb_txn_begin(fx.db, NULL, &handle));
    return handle;
}
void fx_dispose_txn(omendb_txn *handle) { omendb_txn_free(handle); }
omendb_txn *fx_stale_txn(void) {
    omendb_txn *handle = fx_make_txn();
    omendb_txn_free(handle);
    return handle;
}

omendb_iterator *fx_make_iterator(void) {
    omendb_iterator *handle = NULL;
    MUST(omendb_iterator_create(fx.db, NULL, &handle));
    MUST(omendb_iterator_seek_first(handle));
    return handle;
}
void fx_dispose_iterator(omendb_iterator *handle) { omendb_iterator_free(handle); }
omendb_iterator *fx_stale_iterator(void) {
    omendb_iterator *handle = fx_make_iterator();
    omendb_iterator_free(handle);
    return handle;
}

omendb_map *fx_make_map(void) {
    omendb_map *handle = NULL;
    MUST(omendb_map_create_sorted(fx.keys, fx.payloads, FX_KEY_COUNT, &handle));
    return handle;
}
void fx_dispose_map(omendb_map *handle) { omendb_map_free(handle); }
omendb_map *fx_stale_map(void) {
    omendb_map *handle = fx_make_map();
    omendb_map_free(handle);
    return handle;
}

omendb_map_cursor *fx_make_map_cursor(void) {
    omendb_map *map = fx_make_map();
    omendb_map_cursor *handle = NULL;
    MUST(omendb_map_cursor_create(map, &handle));
    omendb_map_free(map);  /* the cursor keeps it alive */
    MUST(omendb_map_cursor_first(handle));
    return handle;
}
void fx_dispose_map_cursor(omendb_map_cursor *handle) { omendb_map_cursor_free(handle); }
omendb_map_cursor *fx_stale_map_cursor(void) {
    omendb_map_cursor *handle = fx_make_map_cursor();
    omendb_map_cursor_free(handle);
    return handle;
}

omendb_table *fx_make_table(void) {
    omendb_table *handle = NULL;
    MUST(omendb_table_open(fx.db, "fx", OMENDB_TABLE_CREATE, &handle));
    return handle;
}
void fx_dispose_table(omendb_table *handle) { (void)handle; }
omendb_table *fx_stale_table(void) {
    const char *name = fx_table_to_drop();
    omendb_table *handle = NULL;
    MUST(omendb_table_open(fx.db, name, 0, &handle));
    MUST(omendb_table_drop(fx.db, name));
    return handle;
}

static char table_name[32];
static unsigned table_counter;

const char *fx_table_to_drop(void) {
    snprintf(table_name, sizeof table_name, "dropped-%u", table_counter++);
    omendb_table *handle = NULL;
    MUST(omendb_table_open(fx.db, table_name, OMENDB_TABLE_CREATE, &handle));
    return table_name;
}

char **fx_table_list(void) {
    char **names = NULL;
    size_t count = 0;
    MUST(omendb_table_list(fx.db, &names, &count));
    return names;
}

char ***fx_table_list_slot(void) {
    omendb_table_list_free(table_list);
    table_list = NULL;
    return &table_list;
}

/* ---- wrong-type handles --------------------------------------------------- */

static int is_map_type(const char *type) { return strcmp(type, "map") == 0; }

void *fx_make_wrong(const char *type) {
    return is_map_type(type) ? (void *)fx_make_index() : (void *)fx_make_map();
}

int fx_wrong_is_live(const char *type, void *handle) {
    if (is_map_type(type)) {
        uint64_t position = 0;
        return omendb_index_find((omendb_index *)handle, fx.keys[1], &position) == OMENDB_OK && position == 1;
    }
    uint64_t count = 0;
    return omendb_map_count((omendb_map *)handle, &count) == OMENDB_OK && count == FX_KEY_COUNT;
}

void fx_dispose_wrong(const char *type, void *handle) {
    if (is_map_type(type)) omendb_index_free((omendb_index *)handle);
    else omendb_map_free((omendb_map *)handle);
}
