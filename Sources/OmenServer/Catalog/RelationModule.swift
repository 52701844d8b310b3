import CSQLite

/// A read-only catalog relation: its PostgreSQL 15 columns (name and type as declared
/// to SQLite, so sqlite3_column_decltype gives the PostgreSQL type name) and its rows,
/// computed from the session's current state each time a scan starts.
struct CatalogRelation {
    let schema: String
    let name: String
    let columns: [(name: String, type: String)]
    let rows: (CatalogState) throws(PGError) -> [[CatalogValue]]

    init(_ schema: String, _ name: String, _ columns: String,
         rows: @escaping (CatalogState) throws(PGError) -> [[CatalogValue]] = { _ in [] }) {
        self.schema = schema
        self.name = name
        self.columns = columns.split(separator: ",").map { column in
            let parts = column.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            return (String(parts[0]).trimmingCharacters(in: "\n"), parts.count > 1 ? String(parts[1]) : "")
        }
        self.rows = rows
    }

    var declaration: String {
        "CREATE TABLE x(" + columns.map { "\"\($0.name)\" \($0.type)" }.joined(separator: ", ") + ")"
    }
}

/// The SQLite module `omendb_pg_catalog`: `CREATE VIRTUAL TABLE schema.name USING
/// omendb_pg_catalog(name)` serves the catalog relation of that name. Scans are full
/// (catalog relations are small); writes are refused (SQLite: read-only without xUpdate).
enum RelationModule {
    static let name = "omendb_pg_catalog"

    private final class Table {
        let relation: CatalogRelation
        let state: CatalogState
        init(relation: CatalogRelation, state: CatalogState) {
            self.relation = relation
            self.state = state
        }
    }

    private final class Scan {
        let table: Table
        var rows: [[CatalogValue]] = []
        var index = 0
        init(table: Table) { self.table = table }
    }

    static let methods: UnsafeMutablePointer<sqlite3_module> = {
        let module = UnsafeMutablePointer<sqlite3_module>.allocate(capacity: 1)
        module.initialize(to: sqlite3_module())
        module.pointee.xCreate = { db, aux, argc, argv, vtab, error in RelationModule.connect(db, aux, argc, argv, vtab, error) }
        module.pointee.xConnect = { db, aux, argc, argv, vtab, error in RelationModule.connect(db, aux, argc, argv, vtab, error) }
        module.pointee.xBestIndex = { _, info in
            info!.pointee.estimatedCost = 1000
            info!.pointee.estimatedRows = 100
            return SQLITE_OK
        }
        module.pointee.xDisconnect = { vtab in RelationModule.free(vtab) }
        module.pointee.xDestroy = { vtab in RelationModule.free(vtab) }
        module.pointee.xOpen = { vtab, cursorOut in
            guard let memory = sqlite3_malloc(Int32(MemoryLayout<omendb_sql_cursor>.size)) else { return SQLITE_NOMEM }
            let cursor = memory.bindMemory(to: omendb_sql_cursor.self, capacity: 1)
            cursor.initialize(to: omendb_sql_cursor())
            let table = RelationModule.table(vtab)
            table.state.scanOpened()
            cursor.pointee.owner = Unmanaged.passRetained(Scan(table: table)).toOpaque()
            cursorOut!.pointee = UnsafeMutableRawPointer(cursor).assumingMemoryBound(to: sqlite3_vtab_cursor.self)
            return SQLITE_OK
        }
        module.pointee.xClose = { cursor in
            let raw = UnsafeMutableRawPointer(cursor!).assumingMemoryBound(to: omendb_sql_cursor.self)
            let scan = Unmanaged<Scan>.fromOpaque(raw.pointee.owner!)
            scan.takeUnretainedValue().table.state.scanClosed()
            scan.release()
            sqlite3_free(raw)
            return SQLITE_OK
        }
        module.pointee.xFilter = { cursor, _, _, _, _ in
            let scan = RelationModule.scan(cursor)
            do throws(PGError) {
                scan.rows = try scan.table.relation.rows(scan.table.state)
                scan.index = 0
                return SQLITE_OK
            } catch {
                scan.table.state.lastError = error
                let vtab = cursor!.pointee.pVtab!
                sqlite3_free(vtab.pointee.zErrMsg)
                vtab.pointee.zErrMsg = sqliteString(error.message)
                return SQLITE_ERROR
            }
        }
        module.pointee.xNext = { cursor in
            RelationModule.scan(cursor).index += 1
            return SQLITE_OK
        }
        module.pointee.xEof = { cursor in
            let scan = RelationModule.scan(cursor)
            return scan.index >= scan.rows.count ? 1 : 0
        }
        module.pointee.xColumn = { cursor, context, column in
            let scan = RelationModule.scan(cursor)
            scan.rows[scan.index][Int(column)].result(context)
            return SQLITE_OK
        }
        module.pointee.xRowid = { cursor, rowid in
            rowid!.pointee = Int64(RelationModule.scan(cursor).index)
            return SQLITE_OK
        }
        return module
    }()

    private static func connect(_ db: OpaquePointer?, _ aux: UnsafeMutableRawPointer?, _ argc: Int32,
                                _ argv: UnsafePointer<UnsafePointer<CChar>?>?,
                                _ vtabOut: UnsafeMutablePointer<UnsafeMutablePointer<sqlite3_vtab>?>?,
                                _ errorOut: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
        let state = Unmanaged<CatalogState>.fromOpaque(aux!).takeUnretainedValue()
        let name = argc > 3 ? String(cString: argv![3]!) : ""
        guard let relation = CatalogRelations.all.first(where: { $0.name == name }) else {
            errorOut?.pointee = sqliteString("\(Self.name): no catalog relation '\(name)'")
            return SQLITE_ERROR
        }
        let status = sqlite3_declare_vtab(db, relation.declaration)
        guard status == SQLITE_OK else { return status }
        guard let memory = sqlite3_malloc(Int32(MemoryLayout<omendb_sql_vtab>.size)) else { return SQLITE_NOMEM }
        let vtab = memory.bindMemory(to: omendb_sql_vtab.self, capacity: 1)
        vtab.initialize(to: omendb_sql_vtab())
        vtab.pointee.owner = Unmanaged.passRetained(Table(relation: relation, state: state)).toOpaque()
        vtabOut!.pointee = UnsafeMutableRawPointer(vtab).assumingMemoryBound(to: sqlite3_vtab.self)
        return SQLITE_OK
    }

    private static func table(_ vtab: UnsafeMutablePointer<sqlite3_vtab>?) -> Table {
        let raw = UnsafeMutableRawPointer(vtab!).assumingMemoryBound(to: omendb_sql_vtab.self)
        return Unmanaged<Table>.fromOpaque(raw.pointee.owner!).takeUnretainedValue()
    }

    private static func scan(_ cursor: UnsafeMutablePointer<sqlite3_vtab_cursor>?) -> Scan {
        let raw = UnsafeMutableRawPointer(cursor!).assumingMemoryBound(to: omendb_sql_cursor.self)
        return Unmanaged<Scan>.fromOpaque(raw.pointee.owner!).takeUnretainedValue()
    }

    private static func free(_ vtab: UnsafeMutablePointer<sqlite3_vtab>?) -> Int32 {
        let raw = UnsafeMutableRawPointer(vtab!).assumingMemoryBound(to: omendb_sql_vtab.self)
        Unmanaged<Table>.fromOpaque(raw.pointee.owner!).release()
        sqlite3_free(vtab!.pointee.zErrMsg)
        sqlite3_free(raw)
        return SQLITE_OK
    }
}

/// `text` in memory from sqlite3_malloc, for SQLite to free (error messages).
func sqliteString(_ text: String) -> UnsafeMutablePointer<CChar>? {
    let bytes = Array(text.utf8)
    guard let memory = sqlite3_malloc(Int32(bytes.count + 1)) else { return nil }
    let result = memory.assumingMemoryBound(to: CChar.self)
    for (index, byte) in bytes.enumerated() { result[index] = CChar(bitPattern: byte) }
    result[bytes.count] = 0
    return result
}
