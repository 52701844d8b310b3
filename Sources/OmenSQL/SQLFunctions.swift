import CSQLite
import OmenDB

/// The SQL functions OmenSQL adds to a connection (docs/sql.md, "SQL functions"):
/// omendb_open(path), omendb_close(), omendb_add_column(table, definition),
/// omendb_set_primary_key(table, column), omendb_truncate(table, ...), omendb_next_key(table),
/// omendb_isolation([level]).
enum SQLFunctions {
    static func register(_ handle: OpaquePointer, _ state: UnsafeMutableRawPointer) -> Int32 {
        let flags = SQLITE_UTF8 | SQLITE_DIRECTONLY
        var status = sqlite3_create_function_v2(handle, "omendb_open", 1, flags, state, { context, _, argv in
            SQLFunctions.run(context) { connection throws(OmenError) in
                guard sqlite3_value_type(argv![0]) == SQLITE_TEXT, let text = sqlite3_value_text(argv![0]) else {
                    throw OmenError(.invalidArgument, "omendb_open(path): path must be text")
                }
                let path = String(cString: text)
                let store = try DatabaseRegistry.shared.acquire(path)
                do throws(OmenError) {
                    try connection.attach(store) { DatabaseRegistry.shared.release($0) }
                } catch {
                    if connection.store !== store { DatabaseRegistry.shared.release(store) }
                    throw error
                }
                sqlite3_result_null(context)
            }
        }, nil, nil, nil)
        if status == SQLITE_OK {
            status = sqlite3_create_function_v2(handle, "omendb_close", 0, flags, state, { context, _, _ in
                SQLFunctions.run(context) { connection throws(OmenError) in
                    try connection.detach()
                    sqlite3_result_null(context)
                }
            }, nil, nil, nil)
        }
        if status == SQLITE_OK {
            status = sqlite3_create_function_v2(handle, "omendb_add_column", 2, flags, state, { context, _, argv in
                SQLFunctions.run(context) { connection throws(SQLFailure) in
                    guard sqlite3_value_type(argv![0]) == SQLITE_TEXT, sqlite3_value_type(argv![1]) == SQLITE_TEXT else {
                        throw SQLFailure(OmenError(.invalidArgument, "omendb_add_column(table, definition): both must be text"))
                    }
                    let version = try AddColumn.run(connection, table: String(cString: sqlite3_value_text(argv![0])),
                                                    definition: String(cString: sqlite3_value_text(argv![1])))
                    sqlite3_result_int64(context, Int64(version))
                }
            }, nil, nil, nil)
        }
        if status == SQLITE_OK {
            status = sqlite3_create_function_v2(handle, "omendb_set_primary_key", 2, flags, state, { context, _, argv in
                SQLFunctions.run(context) { connection throws(SQLFailure) in
                    guard sqlite3_value_type(argv![0]) == SQLITE_TEXT, sqlite3_value_type(argv![1]) == SQLITE_TEXT else {
                        throw SQLFailure(SQLITE_MISMATCH, "omendb_set_primary_key(table, column): both must be text")
                    }
                    try SetPrimaryKey.run(connection, table: String(cString: sqlite3_value_text(argv![0])),
                                          column: String(cString: sqlite3_value_text(argv![1])))
                    sqlite3_result_null(context)
                }
            }, nil, nil, nil)
        }
        if status == SQLITE_OK {
            status = sqlite3_create_function_v2(handle, "omendb_truncate", -1, flags, state, { context, argc, argv in
                SQLFunctions.run(context) { connection throws(OmenError) in
                    let tables = (0..<Int(argc)).compactMap { index in
                        sqlite3_value_type(argv![index]) == SQLITE_TEXT ? String(cString: sqlite3_value_text(argv![index])) : nil
                    }
                    guard argc > 0, tables.count == Int(argc) else {
                        throw OmenError(.invalidArgument, "omendb_truncate(table, ...): one or more table names (text)")
                    }
                    try Truncate.run(connection, tables: tables)
                    sqlite3_result_null(context)
                }
            }, nil, nil, nil)
        }
        if status == SQLITE_OK {
            status = sqlite3_create_function_v2(handle, "omendb_next_key", 1, flags, state, { context, _, argv in
                SQLFunctions.run(context) { connection throws(OmenError) in
                    guard sqlite3_value_type(argv![0]) == SQLITE_TEXT else {
                        throw OmenError(.invalidArgument, "omendb_next_key(table): table must be text")
                    }
                    let name = String(cString: sqlite3_value_text(argv![0]))
                    let store = try connection.requireStore()
                    guard let schema = try Catalog(store: store).schema(named: name) else {
                        throw OmenError(.notFound, "no such table: \(name)")
                    }
                    sqlite3_result_int64(context, try store.allocateKey(try store.table(schema.name, create: false)))
                }
            }, nil, nil, nil)
        }
        for arity: Int32 in [0, 1] where status == SQLITE_OK {
            status = sqlite3_create_function_v2(handle, "omendb_isolation", arity, flags, state, { context, argc, argv in
                SQLFunctions.run(context) { connection throws(OmenError) in
                    if argc == 1 {
                        guard sqlite3_value_type(argv![0]) == SQLITE_TEXT,
                              let level = SQLFunctions.isolation(named: String(cString: sqlite3_value_text(argv![0]))) else {
                            throw OmenError(.invalidArgument, "omendb_isolation(level): level must be one of "
                                + "'read committed', 'repeatable read' (or 'snapshot'), 'serializable'")
                        }
                        connection.isolation = level
                    }
                    sqlite3_result_text(context, SQLFunctions.name(of: connection.isolation), -1, omendb_sql_transient())
                }
            }, nil, nil, nil)
        }
        return status
    }

    static func isolation(named name: String) -> IsolationLevel? {
        switch name.lowercased().replacingUnderscores() {
        case "read uncommitted": return .readUncommitted
        case "read committed": return .readCommitted
        case "repeatable read", "snapshot": return .repeatableRead
        case "serializable": return .serializable
        default: return nil
        }
    }

    static func name(of level: IsolationLevel) -> String {
        switch level {
        case .readUncommitted: return "read uncommitted"
        case .readCommitted: return "read committed"
        case .repeatableRead: return "repeatable read"
        case .serializable: return "serializable"
        }
    }

    private static func run(_ context: OpaquePointer?, _ body: (SQLConnection) throws(OmenError) -> Void) {
        run(context) { (connection) throws(SQLFailure) in try SQLFailure.wrap { () throws(OmenError) in try body(connection) } }
    }

    private static func run(_ context: OpaquePointer?, _ body: (SQLConnection) throws(SQLFailure) -> Void) {
        let connection = Unmanaged<SQLConnection>.fromOpaque(sqlite3_user_data(context)!).takeUnretainedValue()
        do throws(SQLFailure) {
            try body(connection)
        } catch {
            sqlite3_result_error(context, error.message, -1)
            sqlite3_result_error_code(context, error.code)
        }
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String {
        String(map { $0 == "_" ? " " : $0 })
    }
}
