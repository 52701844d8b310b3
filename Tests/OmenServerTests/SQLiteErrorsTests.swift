import CSQLite
import XCTest
@testable import OmenServer

/// SQLite's real messages, produced by SQLite itself, become PostgreSQL's SQLSTATEs.
final class SQLiteErrorsTests: XCTestCase {
    private func error(_ sql: String, setup: String = "") -> PGError {
        var db: OpaquePointer?
        sqlite3_open(":memory:", &db)
        sqlite3_extended_result_codes(db, 1)
        defer { sqlite3_close(db) }
        if !setup.isEmpty { XCTAssertEqual(sqlite3_exec(db, setup, nil, nil, nil), SQLITE_OK) }
        let status = sqlite3_exec(db, sql, nil, nil, nil)
        XCTAssertNotEqual(status, SQLITE_OK, sql)
        return SQLiteErrors.map(code: sqlite3_extended_errcode(db), message: String(cString: sqlite3_errmsg(db)),
                                offset: sqlite3_error_offset(db))
    }

    func testCodes() {
        XCTAssertEqual(error("SELECT * FROM missing").code, SQLState.undefinedTable)
        XCTAssertEqual(error("SELECT * FROM missing").message, "relation \"missing\" does not exist")
        XCTAssertEqual(error("SELECT nope FROM t", setup: "CREATE TABLE t(a)").code, SQLState.undefinedColumn)
        XCTAssertEqual(error("SELECT nofunc(1)").code, SQLState.undefinedFunction)
        XCTAssertEqual(error("SELEC 1").code, SQLState.syntaxError)
        XCTAssertEqual(error("SELEC 1").message, "syntax error at or near \"SELEC\"")
        XCTAssertEqual(error("SELEC 1").position, 1)
        XCTAssertEqual(error("CREATE TABLE t(a)", setup: "CREATE TABLE t(a)").code, SQLState.duplicateTable)
        XCTAssertEqual(error("INSERT INTO t VALUES (1)", setup: "CREATE TABLE t(a PRIMARY KEY); INSERT INTO t VALUES (1)").code,
                       SQLState.uniqueViolation)
        XCTAssertEqual(error("INSERT INTO t VALUES (NULL)", setup: "CREATE TABLE t(a NOT NULL)").code, SQLState.notNullViolation)
        XCTAssertEqual(error("INSERT INTO t VALUES (NULL)", setup: "CREATE TABLE t(a NOT NULL)").message,
                       "null value in column \"a\" of relation \"t\" violates not-null constraint")
        XCTAssertEqual(error("INSERT INTO t VALUES (-1)", setup: "CREATE TABLE t(a CHECK (a > 0))").code, SQLState.checkViolation)
        XCTAssertEqual(error("RELEASE x", setup: "BEGIN").code, SQLState.invalidSavepointSpecification)
        XCTAssertEqual(error("SELECT a FROM t, u", setup: "CREATE TABLE t(a); CREATE TABLE u(a)").code, SQLState.ambiguousColumn)
        // INSERT's counts: 42601 with PostgreSQL's messages.
        let table = "CREATE TABLE t(a, b)"
        for (sql, message) in [("INSERT INTO t (a) VALUES (1, 2)", "INSERT has more expressions than target columns"),
                               ("INSERT INTO t (a, b) VALUES (1)", "INSERT has more target columns than expressions"),
                               ("INSERT INTO t VALUES (1, 2, 3)", "INSERT has more expressions than target columns"),
                               ("INSERT INTO t VALUES (1)", "INSERT has more target columns than expressions"),
                               ("INSERT INTO t VALUES (1, 2), (3)", "VALUES lists must all be the same length")] {
            XCTAssertEqual(error(sql, setup: table).code, SQLState.syntaxError, sql)
            XCTAssertEqual(error(sql, setup: table).message, message, sql)
        }
    }
}

/// Result column names as PostgreSQL gives them.
final class ColumnNamesTests: XCTestCase {
    func testNames() {
        XCTAssertEqual(ColumnNames.postgres("balance", fromTable: true), "balance")
        XCTAssertEqual(ColumnNames.postgres("total", fromTable: false), "total")              // an alias
        XCTAssertEqual(ColumnNames.postgres("count(*)", fromTable: false), "count")
        XCTAssertEqual(ColumnNames.postgres("SUM(f)", fromTable: false), "sum")
        XCTAssertEqual(ColumnNames.postgres("pg_catalog.version()", fromTable: false), "version")
        XCTAssertEqual(ColumnNames.postgres("t.k", fromTable: false), "k")
        XCTAssertEqual(ColumnNames.postgres("CAST(k AS INTEGER)", fromTable: false), "k")
        XCTAssertEqual(ColumnNames.postgres("CASE WHEN k > 1 THEN 1 END", fromTable: false), "case")
        XCTAssertEqual(ColumnNames.postgres("1 + 2", fromTable: false), "?column?")
        XCTAssertEqual(ColumnNames.postgres("'x'", fromTable: false), "?column?")
        XCTAssertEqual(ColumnNames.postgres("count(*) + 1", fromTable: false), "?column?")
    }
}
