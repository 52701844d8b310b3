import CSQLite
import OmenDB

/// OmenDB tables in SQLite (docs/sql.md): the entry points for Swift programs.
public enum OmenSQL {
    /// Installs the virtual-table module `omendb` and the SQL functions omendb_open,
    /// omendb_close and omendb_isolation on `connection` (a `sqlite3 *`). With
    /// `database`, the connection uses it and declares its tables at once (in the
    /// temp schema); without, `SELECT omendb_open('/dir')` opens one later.
    /// Register a connection once. The caller keeps `database` open while the
    /// connection uses it.
    public static func register(_ connection: OpaquePointer, database: Database? = nil) throws(OmenError) {
        let state = SQLConnection(handle: connection)
        let pointer = Unmanaged.passRetained(state).toOpaque()
        // The module owns the one reference: released when the connection closes.
        var status = sqlite3_create_module_v2(connection, "omendb", Module.methods, pointer) { pointer in
            Unmanaged<SQLConnection>.fromOpaque(pointer!).release()
        }
        if status == SQLITE_OK { status = SQLFunctions.register(connection, pointer) }
        guard status == SQLITE_OK else {
            throw OmenError(.internal, "registering the omendb module failed: \(String(cString: sqlite3_errmsg(connection)))")
        }
        if let database { try state.attach(TableStore(database: database), release: nil) }
    }
}
