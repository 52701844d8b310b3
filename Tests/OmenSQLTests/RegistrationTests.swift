import CSQLite
import Foundation
import OmenDB
import OmenSQL
import XCTest

/// OmenSQL.register with a Database the caller opened (the Swift entry point, which the
/// `omendb sql` shell uses): tables created on one connection are declared on the next.
final class RegistrationTests: XCTestCase {
    private func query(_ connection: OpaquePointer, _ sql: String) -> [String] {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(connection, sql, -1, &statement, nil) == SQLITE_OK else {
            return ["error: " + String(cString: sqlite3_errmsg(connection))]
        }
        defer { sqlite3_finalize(statement) }
        var rows: [String] = []
        while sqlite3_step(statement) == SQLITE_ROW {
            rows.append((0..<sqlite3_column_count(statement)).map { column in
                sqlite3_column_text(statement, column).map { String(cString: $0) } ?? "NULL"
            }.joined(separator: "|"))
        }
        return rows
    }

    func testRegisterWithADatabase() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("omensql-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try Database(directory: directory)
        for round in 0..<2 {
            var connection: OpaquePointer?
            XCTAssertEqual(sqlite3_open(":memory:", &connection), SQLITE_OK)
            try OmenSQL.register(connection!, database: database)
            if round == 0 {
                XCTAssertEqual(query(connection!, "CREATE VIRTUAL TABLE t USING omendb(id INTEGER PRIMARY KEY, name TEXT)"), [])
                XCTAssertEqual(query(connection!, "INSERT INTO t VALUES (2, 'two'), (1, 'one')"), [])
            }
            XCTAssertEqual(query(connection!, "SELECT * FROM t ORDER BY id DESC"), ["2|two", "1|one"], "round \(round)")
            XCTAssertEqual(query(connection!, "SELECT omendb_isolation()"), ["serializable"])
            sqlite3_close(connection)
        }
        try database.close()
    }
}
