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

    func tables() throws(PGError) -> [UserTable] { try UserTable.read(connection) }

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
