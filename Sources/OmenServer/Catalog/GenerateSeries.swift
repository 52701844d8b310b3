import CSQLite

/// generate_series(start, stop[, step]) as an eponymous table-valued module over
/// integers, with PostgreSQL's semantics: step defaults to 1, a step of 0 is an error
/// (22023), non-integer numbers are 0A000, a range running the other way than the step is empty, a NULL argument
/// gives no rows, and the series stops before it would overflow. The one column is
/// named `generate_series`, as PostgreSQL names it without an alias; the translator
/// renames it after an alias (`(SELECT generate_series AS x FROM generate_series(...)) AS x`).
enum GenerateSeries {
    static let name = "generate_series"

    private static let startColumn: Int32 = 1, stopColumn: Int32 = 2, stepColumn: Int32 = 3

    private final class Series {
        var current: Int64 = 0
        var stop: Int64 = 0
        var step: Int64 = 1
        var index: Int64 = 0
        var done = true
    }

    static let methods: UnsafeMutablePointer<sqlite3_module> = {
        let module = UnsafeMutablePointer<sqlite3_module>.allocate(capacity: 1)
        module.initialize(to: sqlite3_module())
        // xCreate nil: eponymous only (no CREATE VIRTUAL TABLE ... USING generate_series).
        module.pointee.xConnect = { db, aux, _, _, vtabOut, _ in
            let status = sqlite3_declare_vtab(db, "CREATE TABLE x(generate_series bigint, start HIDDEN, stop HIDDEN, step HIDDEN)")
            guard status == SQLITE_OK else { return status }
            guard let memory = sqlite3_malloc(Int32(MemoryLayout<omendb_sql_vtab>.size)) else { return SQLITE_NOMEM }
            let vtab = memory.bindMemory(to: omendb_sql_vtab.self, capacity: 1)
            vtab.initialize(to: omendb_sql_vtab())
            vtab.pointee.owner = aux   // the CatalogState the module holds (unretained here)
            vtabOut!.pointee = UnsafeMutableRawPointer(vtab).assumingMemoryBound(to: sqlite3_vtab.self)
            return SQLITE_OK
        }
        module.pointee.xDisconnect = { vtab in
            sqlite3_free(vtab!.pointee.zErrMsg)
            sqlite3_free(vtab)
            return SQLITE_OK
        }
        module.pointee.xBestIndex = { _, info in GenerateSeries.bestIndex(info!) }
        module.pointee.xOpen = { _, cursorOut in
            guard let memory = sqlite3_malloc(Int32(MemoryLayout<omendb_sql_cursor>.size)) else { return SQLITE_NOMEM }
            let cursor = memory.bindMemory(to: omendb_sql_cursor.self, capacity: 1)
            cursor.initialize(to: omendb_sql_cursor())
            cursor.pointee.owner = Unmanaged.passRetained(Series()).toOpaque()
            cursorOut!.pointee = UnsafeMutableRawPointer(cursor).assumingMemoryBound(to: sqlite3_vtab_cursor.self)
            return SQLITE_OK
        }
        module.pointee.xClose = { cursor in
            let raw = UnsafeMutableRawPointer(cursor!).assumingMemoryBound(to: omendb_sql_cursor.self)
            Unmanaged<Series>.fromOpaque(raw.pointee.owner!).release()
            sqlite3_free(raw)
            return SQLITE_OK
        }
        module.pointee.xFilter = { cursor, mask, _, argc, argv in
            GenerateSeries.filter(cursor!, mask, (0..<Int(argc)).map { argv![$0] })
        }
        module.pointee.xNext = { cursor in
            let series = GenerateSeries.series(cursor)
            let (next, overflow) = series.current.addingReportingOverflow(series.step)
            if overflow || (series.step > 0 ? next > series.stop : next < series.stop) {
                series.done = true
            } else {
                series.current = next
                series.index += 1
            }
            return SQLITE_OK
        }
        module.pointee.xEof = { cursor in GenerateSeries.series(cursor).done ? 1 : 0 }
        module.pointee.xColumn = { cursor, context, column in
            let series = GenerateSeries.series(cursor)
            switch Int32(column) {
            case 0, GenerateSeries.startColumn: sqlite3_result_int64(context, series.current)
            case GenerateSeries.stopColumn: sqlite3_result_int64(context, series.stop)
            default: sqlite3_result_int64(context, series.step)
            }
            return SQLITE_OK
        }
        module.pointee.xRowid = { cursor, rowid in
            rowid!.pointee = GenerateSeries.series(cursor).index + 1
            return SQLITE_OK
        }
        return module
    }()

    /// Uses the equality constraints on start, stop and step (idxNum: a bit per column,
    /// the arguments in that order). An argument SQLite cannot pass yet (from a join's
    /// later table) makes the plan unusable, so SQLite orders the join the other way.
    private static func bestIndex(_ info: UnsafeMutablePointer<sqlite3_index_info>) -> Int32 {
        var usable: [Int32: Int] = [:]
        for index in 0..<Int(info.pointee.nConstraint) {
            let constraint = info.pointee.aConstraint[index]
            guard constraint.iColumn >= startColumn, constraint.op == UInt8(SQLITE_INDEX_CONSTRAINT_EQ) else { continue }
            if constraint.usable == 0 { return SQLITE_CONSTRAINT }
            usable[constraint.iColumn] = index
        }
        var mask: Int32 = 0
        var argument: Int32 = 1
        for column in [startColumn, stopColumn, stepColumn] {
            guard let index = usable[column] else { continue }
            mask |= 1 << (column - 1)
            info.pointee.aConstraintUsage[index].argvIndex = argument
            info.pointee.aConstraintUsage[index].omit = 1
            argument += 1
        }
        info.pointee.idxNum = mask
        info.pointee.estimatedCost = mask & 3 == 3 ? 10 : 1e12
        info.pointee.estimatedRows = mask & 3 == 3 ? 1000 : 1 << 40
        return SQLITE_OK
    }

    private static func filter(_ cursor: UnsafeMutablePointer<sqlite3_vtab_cursor>, _ mask: Int32,
                               _ values: [OpaquePointer?]) -> Int32 {
        let series = series(cursor)
        series.done = true
        series.index = 0
        let arguments = FunctionArguments(values: values)
        do throws(PGError) {
            guard mask & 3 == 3 else {
                throw PGError(SQLState.undefinedFunction, "generate_series needs a start and a stop: generate_series(start, stop[, step])")
            }
            for value in values where sqlite3_value_type(value) == SQLITE_FLOAT {
                let real = sqlite3_value_double(value)
                if real != real.rounded() { throw PGError.unsupported("generate_series over numeric values (\(real))") }
            }
            guard let start = try arguments.integer(0, function: name), let stop = try arguments.integer(1, function: name) else {
                return SQLITE_OK
            }
            var step: Int64 = 1
            if mask & 4 != 0 {
                guard let given = try arguments.integer(2, function: name) else { return SQLITE_OK }
                step = given
            }
            guard step != 0 else { throw PGError(SQLState.invalidParameterValue, "step size cannot equal zero") }
            series.current = start
            series.stop = stop
            series.step = step
            series.done = step > 0 ? start > stop : start < stop
            return SQLITE_OK
        } catch {
            let vtab = cursor.pointee.pVtab!
            sqlite3_free(vtab.pointee.zErrMsg)
            vtab.pointee.zErrMsg = sqliteString(error.message)
            let raw = UnsafeMutableRawPointer(vtab).assumingMemoryBound(to: omendb_sql_vtab.self)
            Unmanaged<CatalogState>.fromOpaque(raw.pointee.owner!).takeUnretainedValue().lastError = error
            return SQLITE_ERROR
        }
    }

    private static func series(_ cursor: UnsafeMutablePointer<sqlite3_vtab_cursor>?) -> Series {
        let raw = UnsafeMutableRawPointer(cursor!).assumingMemoryBound(to: omendb_sql_cursor.self)
        return Unmanaged<Series>.fromOpaque(raw.pointee.owner!).takeUnretainedValue()
    }
}
