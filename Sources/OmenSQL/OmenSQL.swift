import CSQLite
import OmenDB

/// OmenDB tables in SQLite (docs/sql.md): the entry points for Swift programs.
public enum OmenSQL {
    /// Installs the virtual-table module `omendb` and its SQL functions (omendb_open,
    /// omendb_close, omendb_add_column, omendb_set_primary_key, omendb_truncate,
    /// omendb_isolation) on `connection` (a `sqlite3 *`). With
    /// `database`, the connection uses it and declares its tables at once (in the
    /// temp schema); without, `SELECT omendb_open('/dir')` opens one later.
    /// Register a connection once. The caller keeps `database` open while the
    /// connection uses it.
    public static func register(_ connection: OpaquePointer, database: Database? = nil) throws(OmenError) {
        let state = SQLConnection(handle: connection)
        let pointer = Unmanaged.passRetained(state).toOpaque()
        // The module owns the one reference: released when the connection closes.
        var status = sqlite3_create_module_v2(connection, "omendb", Module.methods, pointer) { pointer in
            let state = Unmanaged<SQLConnection>.fromOpaque(pointer!)
            SQLConnection.registered.withLock { _ = $0.removeValue(forKey: UInt(bitPattern: state.takeUnretainedValue().handle)) }
            state.release()
        }
        if status == SQLITE_OK {
            SQLConnection.registered.withLock { $0[UInt(bitPattern: connection)] = UInt(bitPattern: pointer) }
        }
        if status == SQLITE_OK { status = SQLFunctions.register(connection, pointer) }
        guard status == SQLITE_OK else {
            throw OmenError(.internal, "registering the omendb module failed: \(String(cString: sqlite3_errmsg(connection)))")
        }
        if let database { try state.attach(TableStore.shared(database), release: nil) }
    }

    /// The omendb tables of the database `connection` (registered with `register`) uses,
    /// in creation order, as its catalog records them now: each table's name, its
    /// columns (name, declared type as written, NOT NULL, DEFAULT expression) and its
    /// key column (nil: keyed by the hidden rowid). `.misuse` for a connection that was
    /// not registered or has no database open.
    public static func schemas(_ connection: OpaquePointer) throws(OmenError) -> [TableSchema] {
        guard let pointer = SQLConnection.registered.withLock({ $0[UInt(bitPattern: connection)] }) else {
            throw OmenError(.misuse, "OmenSQL.schemas: the connection was not registered with OmenSQL.register")
        }
        let state = Unmanaged<SQLConnection>.fromOpaque(UnsafeRawPointer(bitPattern: pointer)!).takeUnretainedValue()
        return try Catalog(store: try state.requireStore()).schemas()
    }
}
