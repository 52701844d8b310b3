import CSQLite

/// Who the session is, as the catalog reports it.
public struct CatalogContext: Equatable {
    public var database: String
    public var user: String
    public var backendPID: Int32

    public init(database: String, user: String, backendPID: Int32) {
        self.database = database
        self.user = user
        self.backendPID = backendPID
    }
}

/// PostgreSQL's catalog on a session's sqlite3 connection (docs/server-catalog.md):
/// the schemas `pg_catalog` and `information_schema` (attached in-memory databases
/// holding read-only virtual tables computed from the connection's OmenDB tables, so
/// they are always current), the functions clients call, `regexp` for `~`, and
/// `generate_series` as a table-valued function.
public enum PGCatalog {
    /// The attached schemas' names, as queries qualify them (`pg_catalog.pg_class`,
    /// `information_schema.tables`). Unqualified names (`pg_class`) resolve too: SQLite
    /// looks in main and temp first, then the attached schemas.
    public static let schemas = ["pg_catalog", "information_schema"]

    /// Registers the catalog on `connection` (after OmenSQL.register). `settings` is
    /// read and written by current_setting and set_config as the session's own.
    public static func register(_ connection: OpaquePointer, settings: SessionSettings,
                                context: CatalogContext) throws(PGError) {
        let state = CatalogState(connection: connection, settings: settings, context: context)
        var status = sqlite3_create_module_v2(connection, RelationModule.name, RelationModule.methods,
                                              Unmanaged.passRetained(state).toOpaque()) { pointer in
            Unmanaged<CatalogState>.fromOpaque(pointer!).release()
        }
        if status == SQLITE_OK {
            status = sqlite3_create_module_v2(connection, GenerateSeries.name, GenerateSeries.methods,
                                              Unmanaged.passRetained(state).toOpaque()) { pointer in
                Unmanaged<CatalogState>.fromOpaque(pointer!).release()
            }
        }
        if status == SQLITE_OK { status = CatalogFunctions.register(connection, state) }
        if status == SQLITE_OK { status = RegexpFunction.register(connection, state) }
        guard status == SQLITE_OK else {
            throw PGError(SQLState.internalError, "registering the catalog failed: \(String(cString: sqlite3_errmsg(connection)))")
        }
        var script = schemas.map { "ATTACH DATABASE ':memory:' AS \($0);" }
        for relation in CatalogRelations.all {
            script.append("CREATE VIRTUAL TABLE \(relation.schema).\"\(relation.name)\" USING \(RelationModule.name)(\(relation.name));")
        }
        var message: UnsafeMutablePointer<CChar>?
        guard sqlite3_exec(connection, script.joined(separator: "\n"), nil, nil, &message) == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(connection))
            sqlite3_free(message)
            throw PGError(SQLState.internalError, "creating the catalog relations failed: \(text)")
        }
    }

    /// The error a catalog function or relation raised in the statement that just
    /// failed on `connection`, with its SQLSTATE (SQLite reports only the message): the
    /// session maps a failure with it before SQLite's own codes. Nil when the failure came
    /// from elsewhere (the connection's error message is not the catalog's); cleared by
    /// the call.
    public static func takeError(_ connection: OpaquePointer) -> PGError? {
        guard let state = CatalogState.state(of: connection), let error = state.lastError else { return nil }
        state.lastError = nil
        return String(cString: sqlite3_errmsg(connection)) == error.message ? error : nil
    }
}

/// All relations, by schema.
enum CatalogRelations {
    static let all: [CatalogRelation] = TableRelations.all + ServerRelations.all + InformationSchema.all
}
