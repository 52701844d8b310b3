import CSQLite

/// has_table_privilege, has_schema_privilege and has_database_privilege, with and
/// without the role argument. The session's user is a superuser (as `is_superuser`
/// reports), so every privilege of an existing object is granted; PostgreSQL's errors
/// for an unknown privilege (22023), object (42P01, 3F000, 3D000) or role (42704), and
/// NULL for an OID that names no object.
enum PrivilegeFunctions {
    typealias Body = CatalogFunctions.Body

    private enum Kind {
        case table, schema, database

        var privileges: Set<String> {
            switch self {
            case .table: ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"]
            case .schema: ["CREATE", "USAGE"]
            case .database: ["CREATE", "CONNECT", "TEMPORARY", "TEMP"]
            }
        }
    }

    static let definitions: [(String, Int32, Bool, Body)] = [
        ("has_table_privilege", Kind.table), ("has_schema_privilege", Kind.schema), ("has_database_privilege", Kind.database),
    ].flatMap { name, kind -> [(String, Int32, Bool, Body)] in
        [(name, 2, false, { state, arguments throws(PGError) in try check(state, arguments, kind, role: nil) }),
         (name, 3, false, { state, arguments throws(PGError) in try check(state, arguments, kind, role: 0) })]
    }

    private static func check(_ state: CatalogState, _ arguments: FunctionArguments, _ kind: Kind,
                              role: Int?) throws(PGError) -> CatalogValue {
        let object = role == nil ? 0 : 1
        guard !arguments.isNull(object), let privileges = arguments.text(object + 1) else { return nil }
        if role != nil {
            guard !arguments.isNull(0) else { return nil }
            if sqlite3_value_type(arguments.values[0]) == SQLITE_INTEGER {
                guard try arguments.integer(0, function: "has_privilege") == Int64(CatalogState.userOID) else { return nil }
            } else if let name = arguments.text(0), name != state.context.user {
                throw PGError(SQLState.undefinedObject, "role \"\(name)\" does not exist")
            }
        }
        for privilege in privileges.split(separator: ",") {
            var word = privilege.uppercased().trimmingCharacters(in: " ")
            if word.hasSuffix(" WITH GRANT OPTION") { word = String(word.dropLast(" WITH GRANT OPTION".count)).trimmingCharacters(in: " ") }
            guard kind.privileges.contains(word) else {
                throw PGError(SQLState.invalidParameterValue, "unrecognized privilege type: \"\(String(privilege).trimmingCharacters(in: " "))\"")
            }
        }
        if sqlite3_value_type(arguments.values[object]) == SQLITE_INTEGER {
            let oid = try arguments.integer(object, function: "has_privilege")
            let exists: Bool
            switch kind {
            case .table: exists = try state.tables().contains { Int64($0.oid) == oid || ($0.key != nil && Int64($0.indexOID) == oid) }
            case .schema: exists = RegTypeFunctions.namespaces.contains { Int64($0.1) == oid }
            case .database: exists = oid == Int64(CatalogState.databaseOID)
            }
            return exists ? CatalogValue(true) : nil
        }
        let name = arguments.text(object) ?? ""
        switch kind {
        case .table:
            _ = try RegTypeFunctions.relationOID(state, name)
        case .schema:
            guard RegTypeFunctions.namespaces.contains(where: { $0.0 == name }) else {
                throw PGError("3F000", "schema \"\(name)\" does not exist")
            }
        case .database:
            guard name == state.context.database else { throw PGError(SQLState.invalidCatalogName, "database \"\(name)\" does not exist") }
        }
        return CatalogValue(true)
    }
}
