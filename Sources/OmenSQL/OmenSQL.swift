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
        try Catalog(store: try state(of: connection, "schemas").requireStore()).schemas()
    }

    /// A number that changes whenever a table is created, dropped, altered (an added
    /// column) or given a key by any connection of the process: while it stays the same,
    /// `schemas` returns the same tables.
    public static var catalogGeneration: Int { Catalog.changes.load(ordering: .acquiring) }

    /// A check of the values an INSERT or UPDATE stores in a column declared with
    /// `declaredType` (as written): the check of one value, or nil when the column takes
    /// any value. Asked once per column and table declaration; NULLs are not passed to the
    /// value check (NOT NULL is the module's).
    public typealias ValueCheck = (_ declaredType: String) -> ColumnValueCheck?
    public typealias ColumnValueCheck = (_ value: OpaquePointer) -> ValueVerdict

    /// What a value check decides for one value.
    public enum ValueVerdict {
        /// Store the value as it is.
        case store
        /// Store this integer instead: the column's type reads the value as it (PostgreSQL's
        /// boolean 't' is 1). Not for the key column, whose value is the row's key.
        case storeInteger(Int64)
        /// Store this text instead: the value's canonical spelling (a timestamp in UTC), so
        /// that stored values compare and sort as the type does. Not for the key column.
        case storeText(String)
        /// Fail the statement with this SQLite result code and message.
        case refuse(code: Int32, message: String)
    }

    /// Makes every write through `connection`'s omendb tables pass each non-NULL value it
    /// stores (the key included) to `check`'s check for its column, after SQLite's type
    /// affinity, before anything is written; nil removes it. Without one, a column takes
    /// any value, as an SQLite table's does (omendb-server checks PostgreSQL's types with one).
    public static func setValueCheck(_ connection: OpaquePointer, _ check: ValueCheck?) throws(OmenError) {
        let state = try state(of: connection, "setValueCheck")
        state.valueCheck = check
        state.valueCheckGeneration += 1
    }

    /// Declares on `connection` the omendb tables other connections of the process
    /// created or altered since it last looked, and removes the declarations of those
    /// they dropped, so that it sees their DDL as a PostgreSQL session sees other
    /// sessions' (a connection declares the catalog's tables when it opens the database;
    /// without this, a table created later elsewhere is "no such table" here). Call it
    /// before preparing a statement: when no table changed anywhere in the process it
    /// costs one atomic load (inside an SQL transaction, whose ROLLBACK would undo the
    /// declarations, it looks at the catalog again on every call until one outside).
    public static func refresh(_ connection: OpaquePointer) throws(OmenError) {
        try state(of: connection, "refresh").refresh()
    }

    private static func state(of connection: OpaquePointer, _ caller: String) throws(OmenError) -> SQLConnection {
        guard let pointer = SQLConnection.registered.withLock({ $0[UInt(bitPattern: connection)] }) else {
            throw OmenError(.misuse, "OmenSQL.\(caller): the connection was not registered with OmenSQL.register")
        }
        return Unmanaged<SQLConnection>.fromOpaque(UnsafeRawPointer(bitPattern: pointer)!).takeUnretainedValue()
    }
}
