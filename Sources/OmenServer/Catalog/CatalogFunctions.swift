import CSQLite

/// The PostgreSQL functions clients call (psql's, pgbench's and the drivers' start-up
/// and introspection queries), registered on the session's connection.
enum CatalogFunctions {
    typealias Body = (CatalogState, FunctionArguments) throws(PGError) -> CatalogValue

    /// (name, argument count, deterministic, body).
    static let definitions: [(String, Int32, Bool, Body)] = general + RegTypeFunctions.definitions + PrivilegeFunctions.definitions

    private static let general: [(String, Int32, Bool, Body)] = [
        ("version", 0, false, { _, _ in .text(versionText) }),
        ("current_setting", 1, false, { state, arguments throws(PGError) in try currentSetting(state, arguments, missingOK: false) }),
        ("current_setting", 2, false, { state, arguments throws(PGError) in
            try currentSetting(state, arguments, missingOK: try arguments.bool(1, function: "current_setting") ?? false)
        }),
        ("set_config", 3, false, setConfig),
        ("current_database", 0, false, { state, _ in .text(state.context.database) }),
        ("current_catalog", 0, false, { state, _ in .text(state.context.database) }),
        ("current_schema", 0, false, { _, _ in "public" }),
        ("current_schemas", 1, false, { _, arguments throws(PGError) in
            guard let implicit = try arguments.bool(0, function: "current_schemas") else { return nil }
            return implicit ? "{pg_catalog,public}" : "{public}"
        }),
        ("current_user", 0, false, { state, _ in .text(state.context.user) }),
        ("session_user", 0, false, { state, _ in .text(state.context.user) }),
        ("pg_backend_pid", 0, false, { state, _ in .integer(Int64(state.context.backendPID)) }),
        ("pg_advisory_unlock_all", 0, false, { _, _ in nil }),
        ("pg_is_in_recovery", 0, false, { _, _ in CatalogValue(false) }),
        ("format_type", 2, true, { state, arguments throws(PGError) in
            guard let oid = try arguments.integer(0, function: "format_type") else { return nil }
            let typmod = try arguments.integer(1, function: "format_type") ?? -1
            if oid == 0 { return "-" }
            if let table = try state.tables().first(where: { Int64($0.rowTypeOID) == oid }) { return .text(table.name) }
            return .text(PGColumnType.format(oid: UInt32(truncatingIfNeeded: oid), typmod: Int32(truncatingIfNeeded: typmod)))
        }),
        ("pg_table_is_visible", 1, false, { state, arguments throws(PGError) in
            guard let oid = try arguments.integer(0, function: "pg_table_is_visible") else { return nil }
            let known = try state.tables().contains { Int64($0.oid) == oid || (Int64($0.indexOID) == oid && $0.key != nil) }
            return known ? CatalogValue(true) : nil
        }),
        ("pg_get_userbyid", 1, false, { state, arguments throws(PGError) in
            guard let oid = try arguments.integer(0, function: "pg_get_userbyid") else { return nil }
            switch UInt32(truncatingIfNeeded: oid) {
            case CatalogState.userOID: return .text(state.context.user)
            case CatalogState.databaseOwnerOID: return "pg_database_owner"
            default: return .text("unknown (OID=\(oid))")
            }
        }),
        ("obj_description", 1, false, { _, _ in nil }),
        ("obj_description", 2, false, { _, _ in nil }),
        ("col_description", 2, false, { _, _ in nil }),
        ("shobj_description", 2, false, { _, _ in nil }),
        ("pg_get_expr", 2, true, { _, arguments in CatalogValue(arguments.text(0)) }),
        ("pg_get_expr", 3, true, { _, arguments in CatalogValue(arguments.text(0)) }),
        ("pg_encoding_to_char", 1, true, { _, arguments throws(PGError) in
            guard let encoding = try arguments.integer(0, function: "pg_encoding_to_char") else { return nil }
            return encoding == 6 ? "UTF8" : encoding == 0 ? "SQL_ASCII" : ""
        }),
        ("pg_get_indexdef", 1, false, { state, arguments throws(PGError) in try indexDefinition(state, arguments) }),
        ("pg_get_indexdef", 3, false, { state, arguments throws(PGError) in try indexDefinition(state, arguments) }),
        ("pg_get_constraintdef", 1, false, { state, arguments throws(PGError) in try constraintDefinition(state, arguments) }),
        ("pg_get_constraintdef", 2, false, { state, arguments throws(PGError) in try constraintDefinition(state, arguments) }),
        ("pg_relation_is_publishable", 1, false, { _, arguments in arguments.isNull(0) ? nil : CatalogValue(false) }),
        ("pg_get_statisticsobjdef_columns", 1, false, { _, _ in nil }),
        ("array_to_string", 2, true, { _, arguments in
            guard let array = arguments.text(0), let separator = arguments.text(1) else { return nil }
            return .text(PGArray.elements(array).compactMap { $0 }.joined(separator: separator))
        }),
        ("array_upper", 2, true, { _, arguments throws(PGError) in try arrayBound(arguments, "array_upper") { $0 } }),
        ("array_length", 2, true, { _, arguments throws(PGError) in try arrayBound(arguments, "array_length") { $0 } }),
        ("array_lower", 2, true, { _, arguments throws(PGError) in try arrayBound(arguments, "array_lower") { _ in 1 } }),
        ("array_position", 2, true, { _, arguments in
            guard let array = arguments.text(0), let element = arguments.text(1) else { return nil }
            return PGArray.elements(array).firstIndex(of: element).map { CatalogValue($0 + 1) } ?? nil
        }),
    ]

    /// Every function name, for pg_proc.
    static var names: [String] {
        var seen = Set<String>()
        return (definitions.map(\.0) + [RegexpFunction.name, GenerateSeries.name]).filter { seen.insert($0).inserted }
    }

    static let versionText: String = {
        #if arch(x86_64)
        let machine = "x86_64-pc-linux-gnu"
        #elseif arch(arm64)
        let machine = "aarch64-unknown-linux-gnu"
        #else
        let machine = "unknown"
        #endif
        return "PostgreSQL \(SessionSettings.serverVersion) on \(machine), compiled by Swift, 64-bit"
    }()

    private final class Function {
        let state: CatalogState
        let body: Body
        init(state: CatalogState, body: @escaping Body) {
            self.state = state
            self.body = body
        }
    }

    static func register(_ connection: OpaquePointer, _ state: CatalogState) -> Int32 {
        var status = SQLITE_OK
        for (name, arity, deterministic, body) in definitions where status == SQLITE_OK {
            let function = Unmanaged.passRetained(Function(state: state, body: body)).toOpaque()
            status = sqlite3_create_function_v2(connection, name, arity,
                                                SQLITE_UTF8 | (deterministic ? SQLITE_DETERMINISTIC : 0), function,
                                                { context, argc, argv in
                let function = Unmanaged<Function>.fromOpaque(sqlite3_user_data(context)).takeUnretainedValue()
                let arguments = FunctionArguments(values: (0..<Int(argc)).map { argv![$0] })
                do throws(PGError) {
                    try function.body(function.state, arguments).result(context)
                } catch {
                    function.state.lastError = error
                    sqlite3_result_error(context, error.message, -1)
                }
            }, nil, nil, { function in Unmanaged<Function>.fromOpaque(function!).release() })
        }
        return status
    }

    /// array_upper/array_length/array_lower(array, 1) of a one-dimensional array: NULL
    /// for an empty or NULL array and for other dimensions, as in PostgreSQL.
    private static func arrayBound(_ arguments: FunctionArguments, _ function: String,
                                   _ bound: (Int) -> Int) throws(PGError) -> CatalogValue {
        guard let array = arguments.text(0), let dimension = try arguments.integer(1, function: function), dimension == 1 else {
            return nil
        }
        let count = PGArray.elements(array).count
        return count == 0 ? nil : CatalogValue(bound(count))
    }

    private static func currentSetting(_ state: CatalogState, _ arguments: FunctionArguments,
                                       missingOK: Bool) throws(PGError) -> CatalogValue {
        guard let name = arguments.text(0) else { return nil }
        if let value = state.settings.value(name) { return .text(value) }
        if missingOK { return nil }
        throw PGError(SQLState.undefinedObject, "unrecognized configuration parameter \"\(name)\"")
    }

    private static func setConfig(_ state: CatalogState, _ arguments: FunctionArguments) throws(PGError) -> CatalogValue {
        guard let name = arguments.text(0) else {
            throw PGError("22004", "SET requires parameter name")
        }
        if try arguments.bool(2, function: "set_config") == true {
            throw PGError.unsupported("set_config(name, value, is_local => true)")
        }
        if let value = arguments.text(1) {
            try state.settings.set(name, value)
        } else {
            try state.settings.reset(name)
        }
        return CatalogValue(state.settings.value(name))
    }

    /// Unqualified, as PostgreSQL shows a table in the search path (public).
    private static func indexDefinition(_ state: CatalogState, _ arguments: FunctionArguments) throws(PGError) -> CatalogValue {
        guard let oid = try arguments.integer(0, function: "pg_get_indexdef"),
              let table = try state.tables().first(where: { Int64($0.indexOID) == oid }), let key = table.key else { return nil }
        let column = arguments.count > 1 ? try arguments.integer(1, function: "pg_get_indexdef") ?? 0 : 0
        if column == 1 { return .text(quoteIdentifier(key.name)) }
        if column != 0 { return "" }
        return .text("CREATE UNIQUE INDEX \(quoteIdentifier(table.indexName)) ON \(quoteIdentifier(table.name)) "
            + "USING btree (\(quoteIdentifier(key.name)))")
    }

    private static func constraintDefinition(_ state: CatalogState, _ arguments: FunctionArguments) throws(PGError) -> CatalogValue {
        guard let oid = try arguments.integer(0, function: "pg_get_constraintdef"),
              let table = try state.tables().first(where: { Int64($0.constraintOID) == oid }), let key = table.key else { return nil }
        return .text("PRIMARY KEY (\(quoteIdentifier(key.name)))")
    }

    /// PostgreSQL's quote_ident for names that need it (not all lower-case letters, digits, _).
    static func quoteIdentifier(_ name: String) -> String {
        let plain = name.first.map { $0 == "_" || ("a"..."z").contains($0) } == true
            && name.allSatisfy { $0 == "_" || $0 == "$" || ("a"..."z").contains($0) || ("0"..."9").contains($0) }
        return plain ? name : "\"" + name.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }
}

/// PostgreSQL's text form of a one-dimensional array (`{a,"b c",NULL}`), as the
/// catalog stores arrays.
enum PGArray {
    static func elements(_ text: String) -> [String?] {
        var characters = Substring(text)
        guard characters.first == "{", characters.last == "}" else { return [text] }
        characters = characters.dropFirst().dropLast()
        guard !characters.isEmpty else { return [] }
        var elements: [String?] = []
        var current = ""
        var quoted = false, wasQuoted = false, escaped = false
        for character in characters {
            if escaped { current.append(character); escaped = false; continue }
            switch character {
            case "\\" where quoted: escaped = true
            case "\"": quoted.toggle(); wasQuoted = true
            case "," where !quoted:
                elements.append(!wasQuoted && current == "NULL" ? nil : current)
                current = ""
                wasQuoted = false
            default: current.append(character)
            }
        }
        elements.append(!wasQuoted && current == "NULL" ? nil : current)
        return elements
    }
}
