/*
 * omendb_sql.h — OmenDB tables in SQLite: the C interface of libomendb_sql.so
 * (docs/sql.md).
 *
 * libomendb_sql.so installs the SQLite virtual-table module `omendb` on an
 * ordinary sqlite3 connection; C programs then use the ordinary sqlite3_* API:
 *
 *     sqlite3 *conn;
 *     sqlite3_open(":memory:", &conn);
 *     if (omendb_sql_register(conn, "/path/to/db") != SQLITE_OK)
 *         fprintf(stderr, "%s\n", sqlite3_errmsg(conn));
 *     sqlite3_exec(conn, "CREATE VIRTUAL TABLE t USING omendb("
 *                        "id INTEGER PRIMARY KEY, name TEXT)", 0, 0, 0);
 *
 * The same file is a loadable SQLite extension (entry point
 * sqlite3_omendbsql_init): `.load libomendb_sql` in the sqlite3 shell, then
 * `SELECT omendb_open('/path/to/db');`.
 *
 * Link with -lomendb_sql -lsqlite3. libomendb_sql.so contains its own copy of
 * the OmenDB engine (and of the Swift runtime): it opens the database by path,
 * and an omendb_db handle of libomendb.so cannot be passed to it (docs/sql.md,
 * "Ways in").
 */
#ifndef OMENDB_SQL_H
#define OMENDB_SQL_H

#include <sqlite3.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Installs the module `omendb` and the SQL functions omendb_open(path),
 * omendb_close() and omendb_isolation([level]) on `conn`, then, when `path` is
 * not NULL, opens the OmenDB database in directory `path` (created when
 * missing) for this connection as omendb_open(path) does: the tables of its
 * catalog are declared in the connection's temp schema, so
 * `SELECT * FROM t` works at once. Connections of one process that open the
 * same directory share one database handle.
 *
 * Returns an SQLite result code: SQLITE_OK, SQLITE_MISUSE for a NULL `conn`,
 * else the error of opening the database, described by sqlite3_errmsg(conn)
 * (SQLITE_BUSY when another process holds the directory). Call it once per
 * connection; the registration lasts until sqlite3_close(conn).
 */
int omendb_sql_register(sqlite3 *conn, const char *path);

/*
 * Makes every sqlite3 connection opened afterwards in this process, by any code
 * using the same libsqlite3, register the module as omendb_sql_register(conn,
 * NULL) does (sqlite3_auto_extension; sqlite3_reset_auto_extension undoes it).
 * For hosts that can neither load extensions nor hand over their sqlite3 handle,
 * such as Python's sqlite3 module built without load_extension: call this through
 * ctypes, then sqlite3.connect(...) and SELECT omendb_open(path). Calling it again
 * changes nothing. Returns SQLITE_OK, or SQLITE_NOMEM.
 */
int omendb_sql_auto_register(void);

/*
 * The loadable extension's entry point (SQLite derives its name from the file
 * name libomendb_sql.so): registers as omendb_sql_register(conn, NULL) does.
 * Called by sqlite3_load_extension; C programs call omendb_sql_register.
 */
int sqlite3_omendbsql_init(sqlite3 *conn, char **error_message, const sqlite3_api_routines *api);

#ifdef __cplusplus
}
#endif

#endif /* OMENDB_SQL_H */
