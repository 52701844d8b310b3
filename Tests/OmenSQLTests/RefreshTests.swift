import CSQLite
import Foundation
import OmenDB
import OmenSQL
import XCTest

/// OmenSQL.refresh: a connection sees the tables other connections created, dropped,
/// altered and re-keyed after it opened the database.
final class RefreshTests: XCTestCase {
    func testRefreshDeclaresOtherConnectionsDDL() throws {
        let directory = temporaryDatabaseDirectory("refresh")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try Database(directory: directory)
        defer { try? database.close() }
        let a = try TestConnection(database)
        let b = try TestConnection(database)
        XCTAssertEqual(a.run("CREATE VIRTUAL TABLE t USING omendb(k int, v text)"), .rows([]))
        XCTAssertEqual(a.run("INSERT INTO t VALUES (5, 'five')"), .rows([]))
        XCTAssertEqual(b.run("SELECT * FROM t"), .error(SQLITE_ERROR, "no such table: t"), "not declared on b yet")
        try OmenSQL.refresh(b.handle)
        XCTAssertEqual(b.rows("SELECT k, v FROM t"), ["5|five"], "created")

        XCTAssertEqual(a.rows("SELECT omendb_add_column('t', 'w int DEFAULT 3')"), ["2"])
        try OmenSQL.refresh(b.handle)
        XCTAssertEqual(b.run("INSERT INTO t VALUES (6, 'six', 4)"), .rows([]), "altered: writes through the new declaration")
        XCTAssertEqual(b.rows("SELECT k, w FROM t ORDER BY k"), ["5|3", "6|4"])

        XCTAssertEqual(a.run("SELECT omendb_set_primary_key('t', 'k')"), .rows(["NULL"]))
        try OmenSQL.refresh(b.handle)
        XCTAssertEqual(b.rows("SELECT k, v, w FROM t WHERE k = 6"), ["6|six|4"], "re-keyed")

        // Inside a transaction that rolls back, the next refresh declares again.
        XCTAssertEqual(a.run("CREATE VIRTUAL TABLE u USING omendb(id bigint PRIMARY KEY)"), .rows([]))
        XCTAssertEqual(b.run("BEGIN"), .rows([]))
        try OmenSQL.refresh(b.handle)
        XCTAssertEqual(b.rows("SELECT count(*) FROM u"), ["0"])
        XCTAssertEqual(b.run("ROLLBACK"), .rows([]))
        try OmenSQL.refresh(b.handle)
        XCTAssertEqual(b.rows("SELECT count(*) FROM u"), ["0"])

        XCTAssertEqual(a.run("DROP TABLE t"), .rows([]))
        try OmenSQL.refresh(b.handle)
        XCTAssertEqual(b.run("SELECT * FROM t"), .error(SQLITE_ERROR, "no such table: t"), "dropped")
        XCTAssertEqual(a.run("CREATE VIRTUAL TABLE t USING omendb(x text)"), .rows([]))
        try OmenSQL.refresh(b.handle)
        XCTAssertEqual(b.run("INSERT INTO t VALUES ('again')"), .rows([]), "created again with other columns")
        XCTAssertEqual(a.rows("SELECT x FROM t"), ["again"])
        try OmenSQL.refresh(b.handle)  // nothing changed: no effect
        XCTAssertEqual(try OmenSQL.schemas(b.handle).map(\.name), ["u", "t"])
    }
}
