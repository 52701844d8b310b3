import CSQLite
import Foundation
import OmenDB
import OmenSQL
import XCTest

/// OmenSQL.setValueCheck: every non-NULL value an INSERT, UPDATE or ADD COLUMN default
/// would store passes the check (after the column's affinity, the key included); a refusal
/// fails the statement with the check's code and message and writes nothing; a
/// replacement integer is stored instead of its row's value.
final class ValueCheckTests: XCTestCase {
    func testAWriteStoresOnlyWhatTheCheckAccepts() throws {
        let directory = temporaryDatabaseDirectory("value-check")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try Database(directory: directory)
        defer { try? database.close() }
        let connection = try TestConnection(database)
        XCTAssertEqual(connection.run("CREATE VIRTUAL TABLE t USING omendb(k int PRIMARY KEY, v small, w text)"), .rows([]))
        var seen: [String] = []
        // "small" (and the key's "int"): an integer below 100 (text that reads as one
        // arrives as an integer, after the column's numeric affinity).
        var asked: [String] = []
        try OmenSQL.setValueCheck(connection.handle) { declaredType in
            asked.append(declaredType)
            return { value in
                seen.append("\(declaredType):\(sqlite3_value_type(value))")
                if declaredType == "text", String(cString: sqlite3_value_text(value)) == "ten" { return .storeInteger(10) }
                if declaredType == "text", String(cString: sqlite3_value_text(value)) == "TEN" { return .storeText("ten") }
                guard declaredType == "small" || declaredType == "int" else { return .store }
                guard sqlite3_value_type(value) == SQLITE_INTEGER, sqlite3_value_int64(value) < 100 else {
                    return .refuse(code: SQLITE_ERROR, message: "not small: \(String(cString: sqlite3_value_text(value)))")
                }
                return .store
            }
        }
        XCTAssertEqual(connection.run("INSERT INTO t VALUES (1, '42', 'x')"), .rows([]))
        XCTAssertEqual(seen, ["int:\(SQLITE_INTEGER)", "small:\(SQLITE_INTEGER)", "text:\(SQLITE_TEXT)"])
        seen = []
        XCTAssertEqual(connection.run("INSERT INTO t VALUES (2, NULL, NULL)"), .rows([]))
        XCTAssertEqual(seen, ["int:\(SQLITE_INTEGER)"], "NULLs are not passed")
        XCTAssertEqual(connection.run("INSERT INTO t VALUES (3, 500, 'y')"), .error(SQLITE_ERROR, "not small: 500"))
        XCTAssertEqual(connection.run("INSERT INTO t VALUES (300, 5, 'y')"), .error(SQLITE_ERROR, "not small: 300"), "the key")
        XCTAssertEqual(connection.run("UPDATE t SET v = v + 90 WHERE k = 1"), .error(SQLITE_ERROR, "not small: 132"))
        XCTAssertEqual(connection.run("INSERT OR IGNORE INTO t VALUES (4, 'abc', 'z')"), .error(SQLITE_ERROR, "not small: abc"),
                       "not a constraint: OR IGNORE does not skip it")
        XCTAssertEqual(connection.rows("SELECT k, v, w FROM t ORDER BY k"), ["1|42|x", "2|NULL|NULL"], "nothing refused was written")
        XCTAssertEqual(asked, ["int", "small", "text"], "asked once per column")
        XCTAssertEqual(connection.run("UPDATE t SET w = 'ten' WHERE k = 2"), .rows([]))
        XCTAssertEqual(connection.rows("SELECT w, typeof(w) FROM t WHERE k = 2"), ["10|integer"], "stored as the check's integer")
        XCTAssertEqual(connection.run("UPDATE t SET w = 'TEN' WHERE k = 2"), .rows([]))
        XCTAssertEqual(connection.rows("SELECT w, typeof(w) FROM t WHERE k = 2"), ["ten|text"], "stored as the check's text")
        XCTAssertEqual(connection.run("UPDATE t SET w = 'x' WHERE k = 2"), .rows([]))
        XCTAssertEqual(connection.rows("SELECT w FROM t WHERE k = 2"), ["x"], "a replacement holds for its row only")
        XCTAssertEqual(connection.run("SELECT omendb_add_column('t', 'u small DEFAULT 200')"), .error(SQLITE_ERROR, "not small: 200"))
        XCTAssertEqual(connection.rows("SELECT omendb_add_column('t', 'u small DEFAULT 7')"), ["2"])
        XCTAssertEqual(connection.rows("SELECT k, u FROM t ORDER BY k"), ["1|7", "2|7"])
        // Without a check, a column takes any value, as an SQLite table's does.
        try OmenSQL.setValueCheck(connection.handle, nil)
        XCTAssertEqual(connection.run("INSERT INTO t VALUES (3, 500, 'y', 1000)"), .rows([]))
        XCTAssertEqual(connection.rows("SELECT v, u FROM t WHERE k = 3"), ["500|1000"])
    }
}
