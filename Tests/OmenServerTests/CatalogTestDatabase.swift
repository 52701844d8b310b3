import CSQLite
import Foundation
import OmenDB
import OmenSQL
@testable import OmenServer
import XCTest

/// A session's connection for the catalog tests: an OmenDB database in a temporary
/// directory, OmenSQL and the catalog registered on an in-memory sqlite3 connection.
final class CatalogTestDatabase {
    let directory: String
    let database: Database
    let connection: OpaquePointer
    let settings: SessionSettings
    let context = CatalogContext(database: "omen", user: "alice", backendPID: 4242)

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("omendb-catalog-\(UUID().uuidString)").path
        database = try Database(directory: directory)
        var handle: OpaquePointer?
        guard sqlite3_open(":memory:", &handle) == SQLITE_OK, let handle else { throw PGError("58000", "sqlite3_open failed") }
        connection = handle
        try OmenSQL.register(connection, database: database)
        settings = SessionSettings(user: context.user)
        try PGCatalog.register(connection, settings: settings, context: context)
    }

    deinit {
        sqlite3_close(connection)
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The rows of `sql`, each value as text ("NULL" for NULL); a failure is thrown as
    /// the catalog's PGError when it raised one, else SQLite's message with code XX000.
    func rows(_ sql: String) throws -> [[String]] {
        var statement: OpaquePointer?
        defer { sqlite3_finalize(statement) }
        guard sqlite3_prepare_v2(connection, sql, -1, &statement, nil) == SQLITE_OK else { throw failure() }
        var rows: [[String]] = []
        while true {
            let status = sqlite3_step(statement)
            if status == SQLITE_DONE { return rows }
            guard status == SQLITE_ROW else { throw failure() }
            rows.append((0..<sqlite3_column_count(statement)).map { column in
                sqlite3_column_type(statement, column) == SQLITE_NULL ? "NULL" : String(cString: sqlite3_column_text(statement, column))
            })
        }
    }

    /// The declared types of `sql`'s result columns.
    func declaredTypes(_ sql: String) throws -> [String] {
        var statement: OpaquePointer?
        defer { sqlite3_finalize(statement) }
        guard sqlite3_prepare_v2(connection, sql, -1, &statement, nil) == SQLITE_OK else { throw failure() }
        return (0..<sqlite3_column_count(statement)).map { column in
            sqlite3_column_decltype(statement, column).map { String(cString: $0) } ?? "NULL"
        }
    }

    func execute(_ sql: String) throws { _ = try rows(sql) }

    private func failure() -> PGError {
        PGCatalog.takeError(connection) ?? PGError(SQLState.internalError, String(cString: sqlite3_errmsg(connection)))
    }
}
