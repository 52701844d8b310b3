import CSQLite
import XCTest
@testable import OmenServer

final class ExactSumTests: XCTestCase {
    private func sum(_ values: String, registered: Bool) -> (Int32, String?) {
        var db: OpaquePointer?
        sqlite3_open(":memory:", &db)
        defer { sqlite3_close(db) }
        if registered { XCTAssertEqual(ExactSum.register(db!), SQLITE_OK) }
        var statement: OpaquePointer?
        XCTAssertEqual(sqlite3_prepare_v2(db, "SELECT sum(column1) FROM (VALUES \(values))", -1, &statement, nil), SQLITE_OK)
        defer { sqlite3_finalize(statement) }
        let status = sqlite3_step(statement)
        guard status == SQLITE_ROW else { return (status, String(cString: sqlite3_errmsg(db))) }
        return (sqlite3_column_type(statement, 0), sqlite3_column_text(statement, 0).map { String(cString: $0) })
    }

    func testRunningTotalsBeyond64Bits() {
        let values = "(4611686018427387904), (4611686018427387904), (-4611686018427387904)"   // 2^62 twice, -2^62
        XCTAssertEqual(sum(values, registered: false).1, "integer overflow")      // SQLite's own sum
        XCTAssertEqual(sum(values, registered: true).0, SQLITE_INTEGER)
        XCTAssertEqual(sum(values, registered: true).1, "4611686018427387904")
        XCTAssertEqual(sum("(9223372036854775807), (1)", registered: true).1, "integer overflow")
    }

    func testAsSQLiteOtherwise() {
        XCTAssertEqual(sum("(NULL)", registered: true).0, SQLITE_NULL)
        XCTAssertEqual(sum("(1), (NULL), (2)", registered: true).1, "3")
        XCTAssertEqual(sum("(1), (2.5)", registered: true).0, SQLITE_FLOAT)
        XCTAssertEqual(sum("(1), (2.5)", registered: true).1, "3.5")
        XCTAssertEqual(sum("('7'), (1)", registered: true).1, "8")      // numeric text counts as its number
    }
}
