/*
 * fixture.h — what the generated ABI conformance calls (conformance_calls.c, written
 * by generate_conformance.py from omendb.h) run against: a database with known
 * contents, live handles of every type made fresh for each call, handles that were
 * already freed, serialized models, and the error-message marker.
 *
 * Handle types are named by the part after "omendb_": for each type T the fixture
 * offers fx_make_T() (a fresh, live handle in a known state), fx_dispose_T(h) and
 * fx_stale_T() (a handle freed just now, its slot not reused yet).
 */
#ifndef OMENDB_ABI_FIXTURE_H
#define OMENDB_ABI_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "omendb.h"

/* Keys 10, 20, ..., 80 map to 3-byte values ("abc") in the database and to
 * payloads 1..8 in maps; indexes are built over them. */
#define FX_KEY_COUNT 8
#define FX_BUFFER_BYTES 4096

typedef struct fixture {
    omendb_db *db;  /* the shared database (a handle argument that is not consumed) */
    int64_t keys[64];
    uint64_t payloads[64];
    unsigned char bytes[FX_BUFFER_BYTES];
    unsigned char index_bytes[FX_BUFFER_BYTES];  /* an index over keys[0..8), serialized */
    size_t index_size;
    unsigned char map_bytes[FX_BUFFER_BYTES];    /* a map of keys/payloads[0..8), serialized */
    size_t map_size;
} fixture;

extern fixture fx;

/* Sets the fixture up (0 on success) / removes everything it made. */
int fx_setup(void);
void fx_teardown(void);

/* A path for omendb_open that does not exist yet (a new one on every call). */
const char *fx_new_path(void);

/* The error-message marker: fx_mark_error() makes the calling thread's last error
 * a known message; fx_error_is_mark() says whether it is still that message, i.e.
 * whether no call since recorded an error. */
void fx_mark_error(void);
int fx_error_is_mark(void);

/* Fresh live handles (in a known state), their disposal, and stale handles. */
omendb_index_options *fx_make_index_options(void);
void fx_dispose_index_options(omendb_index_options *handle);
omendb_index_options *fx_stale_index_options(void);

omendb_index *fx_make_index(void);          /* over keys[0..8) */
void fx_dispose_index(omendb_index *handle);
omendb_index *fx_stale_index(void);

omendb_options *fx_make_options(void);
void fx_dispose_options(omendb_options *handle);
omendb_options *fx_stale_options(void);

omendb_db *fx_make_db(void);                /* a new database in its own directory */
void fx_dispose_db(omendb_db *handle);
omendb_db *fx_stale_db(void);

omendb_batch *fx_make_batch(void);          /* holds one put */
void fx_dispose_batch(omendb_batch *handle);
omendb_batch *fx_stale_batch(void);

omendb_snapshot *fx_make_snapshot(void);    /* of the shared database */
void fx_dispose_snapshot(omendb_snapshot *handle);
omendb_snapshot *fx_stale_snapshot(void);

omendb_iterator *fx_make_iterator(void);    /* over the shared database, at its first key */
void fx_dispose_iterator(omendb_iterator *handle);
omendb_iterator *fx_stale_iterator(void);

omendb_txn_options *fx_make_txn_options(void);
void fx_dispose_txn_options(omendb_txn_options *handle);
omendb_txn_options *fx_stale_txn_options(void);

omendb_txn *fx_make_txn(void);              /* on the shared database, nothing written */
void fx_dispose_txn(omendb_txn *handle);
omendb_txn *fx_stale_txn(void);

omendb_map *fx_make_map(void);              /* keys/payloads[0..8) */
void fx_dispose_map(omendb_map *handle);
omendb_map *fx_stale_map(void);

omendb_map_cursor *fx_make_map_cursor(void);  /* over a fresh map, at its first key */
void fx_dispose_map_cursor(omendb_map_cursor *handle);
omendb_map_cursor *fx_stale_map_cursor(void);

omendb_table *fx_make_table(void);          /* table "fx" of the shared database, holding the fixture's keys */
void fx_dispose_table(omendb_table *handle); /* nothing: table handles are owned by their database */
omendb_table *fx_stale_table(void);         /* the handle of a table dropped just now */

/* Table names and lists: fx_table_to_drop() creates a table with a new name and
 * returns the name; fx_table_list() returns a fresh omendb_table_list result (for
 * omendb_table_list_free to free); fx_table_list_slot() frees the list it held and
 * returns its address (for omendb_table_list to fill; freed at teardown). */
const char *fx_table_to_drop(void);
char **fx_table_list(void);
char ***fx_table_list_slot(void);

/* A live handle of another type than T, for "wrong type" calls: a map (or, for
 * map parameters, an index). fx_wrong_is_live checks it survived the call. */
void *fx_make_wrong(const char *type);
int fx_wrong_is_live(const char *type, void *handle);
void fx_dispose_wrong(const char *type, void *handle);

#endif
