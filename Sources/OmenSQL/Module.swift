import CSQLite
import OmenDB

/// The SQLite virtual-table module `omendb` (iVersion 2: savepoints). Each method
/// finds its Swift object through the pointer after SQLite's struct (shim.h).
enum Module {
    /// Allocated once, never freed: SQLite keeps the pointer for every connection.
    static let methods: UnsafeMutablePointer<sqlite3_module> = {
        let module = UnsafeMutablePointer<sqlite3_module>.allocate(capacity: 1)
        module.initialize(to: sqlite3_module())
        module.pointee.iVersion = 2
        module.pointee.xCreate = { db, aux, argc, argv, vtab, error in
            Module.connect(db, aux, argc, argv, vtab, error, create: true)
        }
        module.pointee.xConnect = { db, aux, argc, argv, vtab, error in
            Module.connect(db, aux, argc, argv, vtab, error, create: false)
        }
        module.pointee.xBestIndex = { vtab, info in
            Module.table(vtab).bestIndex(info!)
            return SQLITE_OK
        }
        module.pointee.xDisconnect = { vtab in
            Module.free(vtab)
            return SQLITE_OK
        }
        module.pointee.xDestroy = { vtab in
            let table = Module.table(vtab)
            do throws(OmenError) {
                // omendb_add_column re-declares a table with DROP + CREATE: its rows stay.
                if !table.connection.redeclaring { try Catalog(store: try table.connection.requireStore()).drop(table.schema.name) }
            } catch {
                return Module.fail(vtab, SQLFailure(error))
            }
            Module.free(vtab)
            return SQLITE_OK
        }
        module.pointee.xOpen = { vtab, cursorOut in
            let table = Module.table(vtab)
            let owner = table.spareCursor ?? Cursor(table: table)
            table.spareCursor = nil
            // SQLite's part lives in the Cursor (no allocation per statement).
            let cursor = owner.handle
            cursor.initialize(to: omendb_sql_cursor())
            cursor.pointee.owner = Unmanaged.passRetained(owner).toOpaque()
            cursorOut!.pointee = UnsafeMutableRawPointer(cursor).assumingMemoryBound(to: sqlite3_vtab_cursor.self)
            return SQLITE_OK
        }
        module.pointee.xClose = { cursor in
            let raw = UnsafeMutableRawPointer(cursor!).assumingMemoryBound(to: omendb_sql_cursor.self)
            let owner = Unmanaged<Cursor>.fromOpaque(raw.pointee.owner!)
            let closed = owner.takeUnretainedValue()
            closed.close()
            raw.pointee.owner = nil
            if closed.table.spareCursor == nil { closed.table.spareCursor = closed }
            owner.release()
            return SQLITE_OK
        }
        module.pointee.xFilter = { cursor, number, _, argc, argv in
            do throws(OmenError) {
                try Module.cursor(cursor).filter(IndexPlan(number: number), argv, count: Int(argc))
                return SQLITE_OK
            } catch {
                return Module.fail(cursor!.pointee.pVtab, SQLFailure(error))
            }
        }
        module.pointee.xNext = { cursor in
            do throws(OmenError) {
                try Module.cursor(cursor).next()
                return SQLITE_OK
            } catch {
                return Module.fail(cursor!.pointee.pVtab, SQLFailure(error))
            }
        }
        module.pointee.xEof = { cursor in Module.cursor(cursor).atEnd ? 1 : 0 }
        module.pointee.xColumn = { cursor, context, index in
            do throws(OmenError) {
                try Module.cursor(cursor).column(Int(index), context)
                return SQLITE_OK
            } catch {
                let failure = SQLFailure(error)
                sqlite3_result_error(context, failure.message, -1)
                sqlite3_result_error_code(context, failure.code)
                return failure.code
            }
        }
        module.pointee.xRowid = { cursor, rowid in
            rowid!.pointee = Module.cursor(cursor).key
            return SQLITE_OK
        }
        module.pointee.xUpdate = { vtab, argc, argv, rowid in
            do throws(SQLFailure) {
                let key = try Module.table(vtab).update(Int(argc), argv!)
                rowid?.pointee = key
                return SQLITE_OK
            } catch {
                return Module.fail(vtab, error)
            }
        }
        module.pointee.xBegin = { vtab in
            Module.run(vtab) { table throws(OmenError) in _ = try table.connection.beginWrite() }
        }
        module.pointee.xSync = { vtab in
            Module.run(vtab) { table throws(OmenError) in try table.connection.sync() }
        }
        module.pointee.xCommit = { vtab in
            Module.table(vtab).connection.finish(commit: true)
            return SQLITE_OK
        }
        module.pointee.xRollback = { vtab in
            Module.table(vtab).connection.finish(commit: false)
            return SQLITE_OK
        }
        module.pointee.xRename = { vtab, _ in
            Module.fail(vtab, SQLFailure(SQLITE_ERROR, "omendb tables cannot be renamed (docs/sql.md, \"Limits\")"))
        }
        module.pointee.xSavepoint = { vtab, level in
            Module.table(vtab).connection.savepoint(Int(level))
            return SQLITE_OK
        }
        module.pointee.xRelease = { vtab, level in
            Module.table(vtab).connection.release(Int(level))
            return SQLITE_OK
        }
        module.pointee.xRollbackTo = { vtab, level in
            Module.run(vtab) { table throws(OmenError) in try table.connection.rollback(to: Int(level)) }
        }
        return module
    }()

    private static func connect(_ db: OpaquePointer?, _ aux: UnsafeMutableRawPointer?, _ argc: Int32,
                                _ argv: UnsafePointer<UnsafePointer<CChar>?>?,
                                _ vtabOut: UnsafeMutablePointer<UnsafeMutablePointer<sqlite3_vtab>?>?,
                                _ errorOut: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, create: Bool) -> Int32 {
        let connection = Unmanaged<SQLConnection>.fromOpaque(aux!).takeUnretainedValue()
        let name = String(cString: argv![2]!)
        let definitions = (3..<Int(argc)).map { String(cString: argv![$0]!) }
        let schema: TableSchema
        do throws(OmenError) {
            let declared = try TableSchema(name: name, definitions: definitions)
            let catalog = Catalog(store: try connection.requireStore())
            if create {
                schema = try catalog.create(declared)
            } else if connection.redeclaring, try catalog.schema(named: name)?.definitions.starts(with: declared.definitions) != true {
                // Connected only to be dropped (declared again, or dropped elsewhere).
                schema = declared
            } else {
                guard let recorded = try catalog.schema(named: name), recorded.definitions.starts(with: declared.definitions) else {
                    throw OmenError(.notFound, "table \(name) (\(definitions.joined(separator: ", "))) is not in OmenDB "
                        + "database '\(connection.store!.database.directory)'")
                }
                // A declaration older than the catalog (columns added since, by a connection
                // that declared the table elsewhere): it reads, and its writes are refused.
                let added = recorded.columns.count - declared.columns.count
                schema = added == 0 ? recorded
                    : try TableSchema(name: recorded.name, version: recorded.version - UInt16(min(added, Int(recorded.version) - 1)),
                                      definitions: declared.definitions)
            }
        } catch {
            errorOut?.pointee = copyMessage("omendb: " + error.description)
            return SQLITE_ERROR
        }
        var status = sqlite3_declare_vtab(db, schema.declaration)
        if status == SQLITE_OK { status = omendb_sql_enable_constraint_support(db) }
        guard status == SQLITE_OK else {
            errorOut?.pointee = copyMessage(String(cString: sqlite3_errmsg(db)))
            return status
        }
        guard let memory = sqlite3_malloc(Int32(MemoryLayout<omendb_sql_vtab>.size)) else { return SQLITE_NOMEM }
        let vtab = memory.bindMemory(to: omendb_sql_vtab.self, capacity: 1)
        vtab.initialize(to: omendb_sql_vtab())
        vtab.pointee.owner = Unmanaged.passRetained(VirtualTable(connection: connection, schema: schema)).toOpaque()
        vtabOut!.pointee = UnsafeMutableRawPointer(vtab).assumingMemoryBound(to: sqlite3_vtab.self)
        return SQLITE_OK
    }

    @inline(__always)
    static func table(_ vtab: UnsafeMutablePointer<sqlite3_vtab>?) -> VirtualTable {
        let raw = UnsafeMutableRawPointer(vtab!).assumingMemoryBound(to: omendb_sql_vtab.self)
        return Unmanaged<VirtualTable>.fromOpaque(raw.pointee.owner!).takeUnretainedValue()
    }

    @inline(__always)
    static func cursor(_ cursor: UnsafeMutablePointer<sqlite3_vtab_cursor>?) -> Cursor {
        let raw = UnsafeMutableRawPointer(cursor!).assumingMemoryBound(to: omendb_sql_cursor.self)
        return Unmanaged<Cursor>.fromOpaque(raw.pointee.owner!).takeUnretainedValue()
    }

    private static func free(_ vtab: UnsafeMutablePointer<sqlite3_vtab>?) {
        let raw = UnsafeMutableRawPointer(vtab!).assumingMemoryBound(to: omendb_sql_vtab.self)
        let owner = Unmanaged<VirtualTable>.fromOpaque(raw.pointee.owner!)
        owner.takeUnretainedValue().spareCursor = nil
        owner.release()
        sqlite3_free(vtab!.pointee.zErrMsg)
        sqlite3_free(raw)
    }

    private static func run(_ vtab: UnsafeMutablePointer<sqlite3_vtab>?,
                            _ body: (VirtualTable) throws(OmenError) -> Void) -> Int32 {
        do throws(OmenError) {
            try body(table(vtab))
            return SQLITE_OK
        } catch {
            return fail(vtab, SQLFailure(error))
        }
    }

    /// Sets the table's error message (SQLite reports it) and returns the code.
    static func fail(_ vtab: UnsafeMutablePointer<sqlite3_vtab>?, _ failure: SQLFailure) -> Int32 {
        if let vtab {
            sqlite3_free(vtab.pointee.zErrMsg)
            vtab.pointee.zErrMsg = copyMessage(failure.message)
        }
        return failure.code
    }
}

/// `message` in memory from sqlite3_malloc (SQLite frees it).
func copyMessage(_ message: String) -> UnsafeMutablePointer<CChar>? {
    let bytes = Array(message.utf8)
    guard let memory = sqlite3_malloc(Int32(bytes.count + 1)) else { return nil }
    let text = memory.assumingMemoryBound(to: CChar.self)
    for (index, byte) in bytes.enumerated() { text[index] = CChar(bitPattern: byte) }
    text[bytes.count] = 0
    return text
}
