import CSQLite
import OmenSQL

/// Keeps a session's SQLite connection in step with tables other sessions create: OmenSQL
/// declares the catalog's tables when a connection registers, so a table created later
/// by another connection is declared here when a statement first fails to prepare.
enum OmenSQLTables {
    /// Declares (in `temp`) every catalog table the connection has not declared; true
    /// when it declared any.
    static func declareNew(_ connection: OpaquePointer) -> Bool {
        guard let schemas = try? OmenSQL.schemas(connection) else { return false }
        var declared = false
        for schema in schemas where !isDeclared(connection, schema.name) {
            let sql = "CREATE VIRTUAL TABLE IF NOT EXISTS temp.\(quoteIdentifier(schema.name)) USING omendb(\(schema.definitions.joined(separator: ", ")))"
            if sqlite3_exec(connection, sql, nil, nil, nil) == SQLITE_OK { declared = true }
        }
        return declared
    }

    private static func isDeclared(_ connection: OpaquePointer, _ name: String) -> Bool {
        var statement: OpaquePointer?
        defer { sqlite3_finalize(statement) }
        guard sqlite3_prepare_v2(connection, "SELECT 1 FROM temp.sqlite_master WHERE type = 'table' AND name = ?1",
                                 -1, &statement, nil) == SQLITE_OK else { return true }
        sqlite3_bind_text(statement, 1, name, -1, unsafeBitCast(-1, to: sqlite3_destructor_type.self))
        return sqlite3_step(statement) == SQLITE_ROW
    }
}

/// `"name"` with embedded quotes doubled.
func quoteIdentifier(_ name: String) -> String {
    "\"" + name.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
}
