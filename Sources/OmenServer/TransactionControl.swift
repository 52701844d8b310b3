import CSQLite

/// The transaction-control statements a session runs around its transactions (BEGIN,
/// COMMIT, ROLLBACK, `SELECT omendb_isolation(...)`), prepared once per SQL connection:
/// a transaction then costs steps of prepared statements instead of three parses.
struct TransactionControl {
    private var prepared: [String: OpaquePointer] = [:]

    /// Runs `sql`, a statement without rows, on `connection`: SQLITE_OK, or SQLite's
    /// error status with the message left on the connection.
    mutating func run(_ sql: String, on connection: OpaquePointer) -> Int32 {
        let statement: OpaquePointer
        if let cached = prepared[sql] {
            statement = cached
        } else {
            var fresh: OpaquePointer?
            let status = sqlite3_prepare_v3(connection, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &fresh, nil)
            guard status == SQLITE_OK, let fresh else {
                sqlite3_finalize(fresh)
                return status
            }
            prepared[sql] = fresh
            statement = fresh
        }
        let status = sqlite3_step(statement)
        // reset leaves the step's error message on the connection.
        sqlite3_reset(statement)
        return status == SQLITE_DONE || status == SQLITE_ROW ? SQLITE_OK : status
    }

    /// Finalizes the statements (before the connection closes).
    mutating func finalize() {
        for statement in prepared.values { sqlite3_finalize(statement) }
        prepared = [:]
    }
}
