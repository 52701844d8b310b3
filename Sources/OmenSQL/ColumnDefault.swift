import CSQLite
import OmenDB

/// The value of an added column in rows stored without it, computed by SQLite itself:
/// on a private in-memory connection, a one-row table gets `ALTER TABLE ... ADD COLUMN
/// definition`, and that row's value of the new column is the answer. So the rules
/// are SQLite's own for ADD COLUMN on an ordinary table: the DEFAULT with the column's
/// affinity applied, NULL without one, and SQLite's errors for what it refuses (a
/// non-constant default, PRIMARY KEY, UNIQUE, NOT NULL without a default, anything
/// that is not one column definition).
enum ColumnDefault {
    /// The default as a value owned by the caller (sqlite3_value_free), nil for NULL.
    static func evaluate(_ definition: String) throws(OmenError) -> OpaquePointer? {
        var handle: OpaquePointer?
        let status = sqlite3_open_v2(":memory:", &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil)
        defer { sqlite3_close(handle) }
        guard status == SQLITE_OK, let handle else {
            throw OmenError(.noMemory, "ADD COLUMN \(definition): cannot open an in-memory SQLite database")
        }
        var statement: OpaquePointer?
        defer { sqlite3_finalize(statement) }
        // The row's first column has a name longer than the definition: never the new column's.
        let first = quoted("k" + String(repeating: "_", count: definition.utf8.count))
        for sql in ["CREATE TABLE d(\(first))", "INSERT INTO d VALUES (1)", "ALTER TABLE d ADD COLUMN " + definition, "SELECT * FROM d"] {
            sqlite3_finalize(statement)
            statement = nil
            var tail: UnsafePointer<CChar>?
            var status = sqlite3_prepare_v2(handle, sql, -1, &statement, &tail)
            if status == SQLITE_OK, let tail, tail.pointee != 0 {
                throw OmenError(.invalidArgument, "ADD COLUMN \(definition): one column definition expected, "
                    + "found more after it: '\(String(cString: tail))'")
            }
            if status == SQLITE_OK { status = sqlite3_step(statement) }
            guard status == SQLITE_DONE || status == SQLITE_ROW else {
                throw OmenError(.invalidArgument, "ADD COLUMN \(definition): \(String(cString: sqlite3_errmsg(handle)))")
            }
        }
        let value = sqlite3_column_value(statement, 1)
        guard sqlite3_value_type(value) != SQLITE_NULL else { return nil }
        guard let copy = sqlite3_value_dup(value) else {
            throw OmenError(.noMemory, "ADD COLUMN \(definition): out of memory copying the default")
        }
        return copy
    }
}
