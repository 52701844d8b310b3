import CSQLite
import Foundation
import OmenDB
import OmenSQL
import XCTest

/// omendb_add_column (docs/sql.md, "Adding columns"): old rows read the default, new
/// rows store the column, the column survives reopening, a connection holding the
/// older declaration reads but cannot write, and bad definitions are clear errors.
final class AddColumnTests: XCTestCase {
    private func query(_ connection: OpaquePointer, _ sql: String) -> [String] {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(connection, sql, -1, &statement, nil) == SQLITE_OK else {
            return ["error: " + String(cString: sqlite3_errmsg(connection))]
        }
        defer { sqlite3_finalize(statement) }
        var rows: [String] = []
        var status = sqlite3_step(statement)
        while status == SQLITE_ROW {
            rows.append((0..<sqlite3_column_count(statement)).map { column in
                sqlite3_column_type(statement, column) == SQLITE_NULL ? "NULL"
                    : String(cString: sqlite3_column_text(statement, column)) + ":" + String(sqlite3_column_type(statement, column))
            }.joined(separator: "|"))
            status = sqlite3_step(statement)
        }
        return status == SQLITE_DONE ? rows : ["error: " + String(cString: sqlite3_errmsg(connection))]
    }

    private func open(_ path: String, _ database: Database) throws -> OpaquePointer {
        var connection: OpaquePointer?
        XCTAssertEqual(sqlite3_open(path, &connection), SQLITE_OK)
        try OmenSQL.register(connection!, database: database)
        return connection!
    }

    private func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("omensql-alter-\(UUID().uuidString)").path
    }

    func testAddColumnInTempSchema() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var database = try Database(directory: directory)
        let a = try open(":memory:", database)
        XCTAssertEqual(query(a, "CREATE VIRTUAL TABLE t USING omendb(id INTEGER PRIMARY KEY, name TEXT)"), [])
        XCTAssertEqual(query(a, "INSERT INTO t VALUES (1, 'a'), (2, NULL)"), [])
        let stale = try open(":memory:", database)  // declares t with two columns

        // Integer 3 becomes REAL 3.0 by the column's affinity, as SQLite's own ADD COLUMN does.
        XCTAssertEqual(query(a, "SELECT omendb_add_column('t', 'score REAL DEFAULT 3')"), ["2:1"], "schema version 2")
        XCTAssertEqual(query(a, "SELECT * FROM t"), ["1:1|a:3|3.0:2", "2:1|NULL|3.0:2"], "old rows read the default at once")
        XCTAssertEqual(query(a, "INSERT INTO t VALUES (3, 'c', 7.5), (4, 'd', NULL)"), [])
        XCTAssertEqual(query(a, "SELECT id, score FROM t WHERE id >= 3"), ["3:1|7.5:2", "4:1|NULL"], "new rows store the column")
        XCTAssertEqual(query(a, "SELECT omendb_add_column('t', 'tag TEXT')"), ["3:1"])
        XCTAssertEqual(query(a, "SELECT tag, count(*) FROM t GROUP BY tag"), ["NULL|4:1"], "without DEFAULT old rows read NULL")
        XCTAssertEqual(query(a, "UPDATE t SET tag = 'x' WHERE id = 1"), [])

        // The connection declared before the add reads the columns it knows (rows with
        // more columns too); its writes are refused, so no row loses the new columns.
        XCTAssertEqual(query(stale, "SELECT * FROM t WHERE id IN (1, 3)"), ["1:1|a:3", "3:1|c:3"])
        XCTAssertTrue(query(stale, "INSERT INTO t VALUES (9, 'z')")[0].contains("was altered (omendb_add_column)"))
        XCTAssertTrue(query(stale, "UPDATE t SET name = 'y' WHERE id = 1")[0].contains("reconnect"))
        let fresh = try open(":memory:", database)
        XCTAssertEqual(query(fresh, "SELECT * FROM t WHERE id = 1"), ["1:1|a:3|3.0:2|x:3"], "a new connection sees the columns")
        sqlite3_close(fresh)

        // Bad definitions and misuse: SQLite's ADD COLUMN rules and the module's.
        let errors: [(String, String)] = [
            ("'t', 'score TEXT'", "duplicate column name score"),
            ("'t', 'k INTEGER PRIMARY KEY'", "Cannot add a PRIMARY KEY column"),
            ("'t', 'k TEXT UNIQUE'", "Cannot add a UNIQUE column"),
            ("'t', 'k TEXT NOT NULL'", "Cannot add a NOT NULL column with default value NULL"),
            ("'t', 'k DEFAULT CURRENT_TIME'", "Cannot add a column with non-constant default"),
            ("'t', 'k TEXT, l TEXT'", "syntax error"),
            ("'t', 'k TEXT); DROP TABLE t; --'", "syntax error"),
            ("'nope', 'k TEXT'", "no omendb table nope"),
            ("'t', 5", "both must be text"),
        ]
        for (arguments, expected) in errors {
            let result = query(a, "SELECT omendb_add_column(\(arguments))")
            XCTAssertTrue(result.count == 1 && result[0].hasPrefix("error: ") && result[0].contains(expected),
                          "omendb_add_column(\(arguments)): \(result) should mention '\(expected)'")
        }
        XCTAssertEqual(query(a, "BEGIN"), [])
        XCTAssertTrue(query(a, "SELECT omendb_add_column('t', 'k TEXT')")[0].contains("inside a transaction"))
        XCTAssertEqual(query(a, "COMMIT"), [])

        sqlite3_close(a)
        sqlite3_close(stale)
        try database.close()
        database = try Database(directory: directory)
        let reopened = try open(":memory:", database)
        XCTAssertEqual(query(reopened, "SELECT * FROM t ORDER BY id"),
                       ["1:1|a:3|3.0:2|x:3", "2:1|NULL|3.0:2|NULL", "3:1|c:3|7.5:2|NULL", "4:1|d:3|NULL|NULL"], "after reopen")
        sqlite3_close(reopened)
        try database.close()
    }

    func testAddColumnInAFileDatabasesMainSchema() throws {
        let directory = temporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/main.sqlite"
        let database = try Database(directory: directory + "/omen")
        let a = try open(file, database)
        XCTAssertEqual(query(a, "CREATE VIRTUAL TABLE main.m USING omendb(id INTEGER PRIMARY KEY, v TEXT)"), [])
        XCTAssertEqual(query(a, "INSERT INTO m VALUES (1, 'a')"), [])
        XCTAssertEqual(query(a, "SELECT omendb_add_column('m', 'w BLOB DEFAULT x''ff''')"), ["2:1"])
        XCTAssertEqual(query(a, "SELECT sql FROM main.sqlite_schema WHERE name = 'm'"),
                       ["CREATE VIRTUAL TABLE \"m\" USING omendb(id INTEGER PRIMARY KEY, v TEXT, w BLOB DEFAULT x'ff'):3"])
        XCTAssertEqual(query(a, "SELECT id, v, hex(w) FROM main.m"), ["1:1|a:3|FF:3"])
        XCTAssertEqual(query(a, "INSERT INTO main.m VALUES (2, 'b', x'00')"), [])
        sqlite3_close(a)
        let b = try open(file, database)
        XCTAssertEqual(query(b, "SELECT id, v, hex(w) FROM main.m"), ["1:1|a:3|FF:3", "2:1|b:3|00:3"])
        sqlite3_close(b)
        try database.close()
    }
}
