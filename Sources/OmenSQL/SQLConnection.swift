import CSQLite
import OmenDB
import Synchronization

/// OmenSQL's state for one sqlite3 connection: the database its omendb tables live in,
/// its isolation level, and the OmenDB transaction of its current SQL transaction.
final class SQLConnection {
    /// The sqlite3 connection (not owned).
    let handle: OpaquePointer
    private(set) var store: TableStore?
    /// Releases `store` (a database omendb_open opened: its registry reference).
    private var releaseStore: ((TableStore) -> Void)?
    /// Bumped whenever `store` changes, so virtual tables look their keyspace up again.
    private(set) var generation = 0
    var isolation: IsolationLevel = .serializable
    private(set) var current: ConnectionTransaction?
    /// Set while omendb_add_column re-declares a table (xDestroy then keeps its rows).
    var redeclaring = false
    /// Reused for every row written.
    var encoder = RowEncoder()
    /// Checks every value a write stores (OmenSQL.setValueCheck); nil: SQLite's rules only.
    var valueCheck: OmenSQL.ValueCheck?
    /// Bumped by every setValueCheck: tables ask `valueCheck` for their columns' checks again.
    var valueCheckGeneration = 0
    private var undo = UndoLog()
    /// The undo-log length at each open savepoint level (SQLite's numbering).
    private var savepoints: [Int] = []
    /// Whether the private schema `omendb_txn` is attached: reading it at the start of
    /// an explicit transaction leaves a read transaction open until COMMIT/ROLLBACK,
    /// which tells when an explicit SQL transaction that only read has ended.
    private var markerAttached = false

    static let markerSchema = "omendb_txn"
    /// `markerSchema` as a C string, made once: passing the String to C converts it
    /// into a new array on every call, and every statement of an explicit transaction asks.
    private static let markerSchemaC: UnsafePointer<CChar> = {
        let bytes = Array(markerSchema.utf8CString)
        let text = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count)
        text.initialize(from: bytes, count: bytes.count)
        return UnsafePointer(text)
    }()

    /// The registered connections of the process: sqlite3 handle → this object
    /// (unretained: the module's reference keeps it), for OmenSQL.schemas.
    static let registered = Mutex<[UInt: UInt]>([:])

    init(handle: OpaquePointer) {
        self.handle = handle
    }

    deinit {
        current?.rollback()
        if let store { releaseStore?(store) }
    }

    // MARK: The database

    /// Uses `store` for this connection's omendb tables; `release` is called when it is
    /// replaced or the connection closes.
    func attach(_ store: TableStore, release: ((TableStore) -> Void)?) throws(OmenError) {
        guard self.store == nil else {
            throw OmenError(.misuse, "an OmenDB database is already open on this connection "
                + "('\(self.store!.database.directory)'): SELECT omendb_close() first")
        }
        if !markerAttached {
            try exec("ATTACH DATABASE ':memory:' AS \(Self.markerSchema)")
            markerAttached = true
        }
        self.store = store
        releaseStore = release
        generation += 1
        try declareCatalog()
    }

    /// Catalog.changes when the temp declarations last matched the catalog.
    private var declaredChanges = -1

    /// Declares the catalog's tables on this connection, in its temp schema (so a file
    /// opened as main keeps no trace of them): the missing ones, and again those
    /// declared with other columns (altered by another connection since); removes the
    /// temp declarations of omendb tables the catalog no longer has (dropped elsewhere).
    private func declareCatalog() throws(OmenError) {
        let changes = Catalog.changes.load(ordering: .acquiring)
        let schemas = try Catalog(store: try requireStore()).schemas()
        for schema in schemas {
            try AddColumn.redeclare(self, schema, in: try AddColumn.staleSchemas(self, schema).filter { $0 == "temp" })
            let columns = schema.definitions.joined(separator: ", ")
            try exec("CREATE VIRTUAL TABLE IF NOT EXISTS temp.\(quoted(schema.name)) USING omendb(\(columns))")
        }
        let names = Set(schemas.map { $0.name.lowercased() })
        for name in try AddColumn.omenTables(self, in: "temp") where !names.contains(name.lowercased()) {
            redeclaring = true  // the catalog and the rows are not this declaration's to drop
            defer { redeclaring = false }
            try exec("DROP TABLE temp.\(quoted(name))")
        }
        // Inside an SQL transaction, a ROLLBACK would undo these declarations: look again next time.
        if sqlite3_get_autocommit(handle) != 0 { declaredChanges = changes }
    }

    /// OmenSQL.refresh: declareCatalog when a table of the process was created, dropped
    /// or altered since this connection last declared them (one atomic load otherwise).
    func refresh() throws(OmenError) {
        guard store != nil, Catalog.changes.load(ordering: .acquiring) != declaredChanges else { return }
        try declareCatalog()
    }

    /// Stops using the database (its transaction rolled back). The tables stay declared
    /// and fail until a database is attached again.
    func detach() throws(OmenError) {
        guard let store else { throw OmenError(.misuse, "no OmenDB database is open on this connection") }
        current?.rollback()
        current = nil
        undo.clear()
        savepoints = []
        self.store = nil
        generation += 1
        releaseStore?(store)
        releaseStore = nil
    }

    func requireStore() throws(OmenError) -> TableStore {
        guard let store else {
            throw OmenError(.misuse, "no OmenDB database is open on this connection: SELECT omendb_open('/path/to/dir') first")
        }
        return store
    }

    // MARK: Transactions

    /// The transaction a read joins (beginning one when there is none). A reading
    /// statement's own transaction in autocommit mode is read-only: no write ever joins
    /// it (a writing statement calls xBegin before it reads), so it records no reads.
    func transactionForRead(writing: Bool = false) throws(OmenError) -> ConnectionTransaction {
        let autocommit = sqlite3_get_autocommit(handle) != 0
        if let transaction = current {
            if transaction.explicit {
                // A transaction that only read is not known to SQLite's commit machinery:
                // it ended when the marker's read transaction did.
                if autocommit || sqlite3_txn_state(handle, Self.markerSchemaC) == SQLITE_TXN_NONE {
                    end(transaction)
                } else {
                    return transaction
                }
            } else if !autocommit {
                // Statement-scoped, left open by an unfinished statement when BEGIN ran:
                // its cursors keep it; the new SQL transaction gets its own.
                current = nil
            } else {
                return transaction
            }
        }
        let store = try requireStore()
        let transaction = ConnectionTransaction(store: try store.beginTransaction(isolation: isolation, readOnly: autocommit && !writing),
                                                explicit: !autocommit)
        if !autocommit { try mark() }
        current = transaction
        return transaction
    }

    /// xBegin: the transaction a writing statement uses.
    func beginWrite() throws(OmenError) -> ConnectionTransaction {
        if let transaction = current, !transaction.explicit, !transaction.writing, transaction.cursors > 0 {
            // An unfinished read statement's transaction: it stays with its cursors.
            current = nil
        }
        let transaction = try transactionForRead(writing: true)
        transaction.writing = true
        return transaction
    }

    /// A cursor stopped using `transaction`: a statement-scoped read transaction ends
    /// with its last cursor.
    func cursorDone(_ transaction: ConnectionTransaction) {
        transaction.cursors -= 1
        if transaction.cursors == 0 && !transaction.explicit && !transaction.writing {
            end(transaction)
        }
    }

    private func end(_ transaction: ConnectionTransaction) {
        transaction.rollback()
        if current === transaction { current = nil }
    }

    /// xSync: commits the current transaction's writes (once for all its tables).
    func sync() throws(OmenError) {
        guard let transaction = current, transaction.writing else { return }
        undo.clear()
        savepoints = []
        do throws(OmenError) {
            try transaction.commit()
        } catch {
            current = nil
            throw error
        }
    }

    /// xCommit (after xSync) and xRollback.
    func finish(commit: Bool) {
        if let transaction = current, transaction.writing || transaction.explicit {
            if !commit { transaction.rollback() }
            current = nil
        }
        undo.clear()
        savepoints = []
    }

    // MARK: Savepoints

    /// Whether writes record undo entries now.
    var recordsUndo: Bool { !savepoints.isEmpty }

    func recordUndo(_ table: StoreTable, _ key: Int64, old: UnsafeRawBufferPointer?) {
        undo.record(table, key, old: old)
    }

    /// xSavepoint(level): every table of the transaction gets the call; the first sets
    /// the level's mark, later ones (tables joining) keep it.
    func savepoint(_ level: Int) {
        while savepoints.count <= level { savepoints.append(undo.count) }
    }

    func release(_ level: Int) {
        if savepoints.count > level { savepoints.removeSubrange(level...) }
        if savepoints.isEmpty { undo.clear() }
    }

    func rollback(to level: Int) throws(OmenError) {
        if level < 0 {
            // ROLLBACK TO the savepoint that began the transaction (a SAVEPOINT outside
            // BEGIN: SQLite numbers it -1 and announces it with no xSavepoint): every
            // write of the transaction is undone, so the OmenDB transaction is rolled
            // back; the next access begins another.
            current?.rollback()
            current = nil
            undo.clear()
            savepoints = []
            return
        }
        guard level < savepoints.count, let transaction = current else { return }
        try undo.undo(to: savepoints[level], in: transaction.store)
        savepoints.removeSubrange((level + 1)...)
    }

    // MARK: Helpers

    /// Opens the marker's read transaction (a statement kept prepared would keep
    /// sqlite3_close from closing the connection, so it is prepared each time: once
    /// per explicit transaction).
    private func mark() throws(OmenError) {
        try exec("SELECT count(*) FROM \(Self.markerSchema).sqlite_schema")
    }

    func exec(_ sql: String) throws(OmenError) {
        var message: UnsafeMutablePointer<CChar>?
        guard sqlite3_exec(handle, sql, nil, nil, &message) == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? errorMessage()
            sqlite3_free(message)
            throw OmenError(.invalidArgument, "\(sql): \(text)")
        }
    }

    func errorMessage() -> String { String(cString: sqlite3_errmsg(handle)) }
}

/// `name` as an SQL identifier in double quotes.
func quoted(_ name: String) -> String {
    "\"" + name.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
}
