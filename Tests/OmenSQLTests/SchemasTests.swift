import CSQLite
import Foundation
import OmenDB
import OmenSQL
import XCTest

/// OmenSQL.schemas (for the PostgreSQL catalog): every table of the connection's
/// database with its columns as declared, NOT NULL, DEFAULT and key.
final class SchemasTests: XCTestCase {
    func testSchemasListTheCatalog() throws {
        let directory = temporaryDatabaseDirectory("schemas")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try Database(directory: directory)
        defer { try? database.close() }
        let connection = try TestConnection(database)
        XCTAssertEqual(try OmenSQL.schemas(connection.handle), [])
        XCTAssertEqual(connection.run("CREATE VIRTUAL TABLE branches USING omendb(bid int not null, bbalance int, "
                                      + "filler char(88) DEFAULT 'x', PRIMARY KEY (bid))"), .rows([]))
        XCTAssertEqual(connection.run("CREATE VIRTUAL TABLE history USING omendb(tid int, \"Delta\" numeric(10,2) NOT NULL, mtime timestamp)"),
                       .rows([]))
        let schemas = try OmenSQL.schemas(connection.handle)
        XCTAssertEqual(schemas.map(\.name), ["branches", "history"])
        let branches = schemas[0]
        XCTAssertEqual(branches.keyColumn, 0)
        XCTAssertEqual(branches.columns.map(\.name), ["bid", "bbalance", "filler"])
        XCTAssertEqual(branches.columns.map(\.declaredType), ["int", "int", "char(88)"])
        XCTAssertEqual(branches.columns.map(\.notNull), [true, false, false])
        XCTAssertEqual(branches.columns.map(\.defaultExpression), [nil, nil, "'x'"])
        let history = schemas[1]
        XCTAssertNil(history.keyColumn)
        XCTAssertEqual(history.columns.map(\.name), ["tid", "Delta", "mtime"])
        XCTAssertEqual(history.columns.map(\.declaredType), ["int", "numeric(10,2)", "timestamp"])
        XCTAssertEqual(history.columns.map(\.notNull), [false, true, false])
        // Current after DDL of another connection; an unregistered connection is misuse.
        let other = try TestConnection(database)
        XCTAssertEqual(other.run("DROP TABLE history"), .rows([]))
        XCTAssertEqual(try OmenSQL.schemas(connection.handle).map(\.name), ["branches"])
        var plain: OpaquePointer?
        XCTAssertEqual(sqlite3_open(":memory:", &plain), SQLITE_OK)
        defer { sqlite3_close(plain) }
        XCTAssertThrowsError(try OmenSQL.schemas(plain!)) { error in
            XCTAssertEqual((error as? OmenError)?.code, .misuse)
        }
    }
}
