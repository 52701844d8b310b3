/* What OmenSQL needs from SQLite that Swift cannot import directly: the SQLite
 * header itself, the virtual-table structs OmenSQL extends (the SQLite struct first,
 * then a pointer to the Swift object), and wrappers for macros and variadic calls. */
#ifndef OMENDB_CSQLITE_SHIM_H
#define OMENDB_CSQLITE_SHIM_H

#include <sqlite3.h>

/* A virtual table: SQLite's part, then the Swift VirtualTable (unretained; the
 * struct owns one reference, released in xDisconnect/xDestroy). */
typedef struct omendb_sql_vtab {
    sqlite3_vtab base;
    void *owner;
} omendb_sql_vtab;

/* A cursor: SQLite's part, then the Swift Cursor (one reference, released in xClose). */
typedef struct omendb_sql_cursor {
    sqlite3_vtab_cursor base;
    void *owner;
} omendb_sql_cursor;

/* SQLITE_TRANSIENT: SQLite copies the bytes before the call returns. */
static inline sqlite3_destructor_type omendb_sql_transient(void) { return SQLITE_TRANSIENT; }

/* sqlite3_vtab_config is variadic. */
static inline int omendb_sql_enable_constraint_support(sqlite3 *db) {
    return sqlite3_vtab_config(db, SQLITE_VTAB_CONSTRAINT_SUPPORT, 1);
}

#endif
