import CSQLite
import Synchronization

/// What the catalog relations and functions of one session read: its sqlite3
/// connection (for the OmenDB tables), its settings and its identity. Owned by the
/// connection's registered functions and modules; the last error a catalog function
/// raised is kept for the session (`PGCatalog.takeError`).
final class CatalogState {
    let connection: OpaquePointer
    let settings: SessionSettings
    let context: CatalogContext
    var lastError: PGError?

    init(connection: OpaquePointer, settings: SessionSettings, context: CatalogContext) {
        self.connection = connection
        self.settings = settings
        self.context = context
        Self.registry.withLock { $0[UInt(bitPattern: connection)] = Weak(self) }
    }

    deinit {
        let key = UInt(bitPattern: connection)
        Self.registry.withLock { states in
            if states[key]?.state == nil || states[key]?.state === self { states[key] = nil }
        }
    }

    /// The tables as the running statement sees them. While a catalog relation is being
    /// scanned they are read once (a query calls pg_table_is_visible and scans pg_attrdef
    /// once per row of another relation) and kept until a scan ends (its statement was
    /// reset or finalized) or another statement runs; without a scan, read at each call.
    func tables() throws(PGError) -> [UserTable] {
        guard openScans > 0 else { return try UserTable.read(connection) }
        let key = runningStatements()
        if key == cachedKey, let cachedTables { return cachedTables }
        let tables = try UserTable.read(connection)
        (cachedKey, cachedTables) = (key, tables)
        return tables
    }

    /// RelationModule's cursors: xOpen and xClose.
    func scanOpened() { openScans += 1 }

    func scanClosed() {
        openScans -= 1
        cachedTables = nil
    }

    private var openScans = 0
    private var cachedKey: [Int] = []
    private var cachedTables: [UserTable]?

    /// The statement executions under way on the connection: each busy statement and its
    /// run count (SQLITE_STMTSTATUS_RUN), so a statement that starts while another one's
    /// scan stays open (a suspended portal) reads the tables again.
    private func runningStatements() -> [Int] {
        var key: [Int] = []
        var statement = sqlite3_next_stmt(connection, nil)
        while let current = statement {
            if sqlite3_stmt_busy(current) != 0 {
                key += [Int(bitPattern: UnsafeRawPointer(current)), Int(sqlite3_stmt_status(current, SQLITE_STMTSTATUS_RUN, 0))]
            }
            statement = sqlite3_next_stmt(connection, current)
        }
        return key
    }

    /// Fixed OIDs, PostgreSQL 15's where it has them.
    static let userOID: UInt32 = 10
    static let databaseOwnerOID: UInt32 = 6171
    static let databaseOID: UInt32 = 5
    static let catalogNamespace: UInt32 = 11
    static let toastNamespace: UInt32 = 99
    static let publicNamespace: UInt32 = 2200
    static let informationSchemaNamespace: UInt32 = 13183
    static let heapAM: UInt32 = 2
    static let btreeAM: UInt32 = 403

    private struct Weak { weak var state: CatalogState?; init(_ state: CatalogState) { self.state = state } }
    private static let registry = Mutex<[UInt: Weak]>([:])

    static func state(of connection: OpaquePointer) -> CatalogState? {
        registry.withLock { $0[UInt(bitPattern: connection)]?.state }
    }
}
