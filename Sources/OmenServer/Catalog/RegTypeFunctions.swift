/// The object-identifier types' conversions, as the translator emits them for
/// `x::regclass` and friends: `pg_<type>(oid)` is the object's name as PostgreSQL prints
/// the value (the number when no object has that OID), `pg_<type>_oid('name')` is the
/// OID of the named object (PostgreSQL's error when there is none). regclass, regtype,
/// regnamespace, regrole and regproc are answered; the other reg types are 0A000.
enum RegTypeFunctions {
    typealias Body = CatalogFunctions.Body

    static let definitions: [(String, Int32, Bool, Body)] = [
        ("pg_regclass", 1, false, { state, arguments throws(PGError) in
            try name(arguments, "pg_regclass") { oid throws(PGError) in
                try state.tables().lazy.compactMap { table -> String? in
                    table.oid == oid ? table.name : table.key != nil && table.indexOID == oid ? table.indexName : nil
                }.first.map(CatalogFunctions.quoteIdentifier)
            }
        }),
        ("pg_regclass_oid", 1, false, { state, arguments throws(PGError) in
            try oid(arguments) { text throws(PGError) in try relationOID(state, text) }
        }),
        ("pg_regtype", 1, false, { state, arguments throws(PGError) in
            try name(arguments, "pg_regtype") { oid throws(PGError) in
                if let table = try state.tables().first(where: { $0.rowTypeOID == oid }) { return table.name }
                if oid == 1042 { return "character" }
                return BuiltinType.byOID[oid] != nil ? PGColumnType.format(oid: oid, typmod: -1) : nil
            }
        }),
        ("pg_regtype_oid", 1, false, { state, arguments throws(PGError) in
            try oid(arguments) { text throws(PGError) in
                if let type = PGTypes.forDeclared(text) { return type.oid }
                let name = try identifier(text, schemas: ["public", "pg_catalog"])
                if let builtin = BuiltinType.all.first(where: { $0.name == name }) { return builtin.oid }
                if let table = try state.tables().first(where: { $0.name.lowercased() == name.lowercased() }) { return table.rowTypeOID }
                throw PGError(SQLState.undefinedObject, "type \"\(text)\" does not exist")
            }
        }),
        ("pg_regnamespace", 1, false, { _, arguments throws(PGError) in
            try name(arguments, "pg_regnamespace") { oid in namespaces.first { $0.1 == oid }?.0 }
        }),
        ("pg_regnamespace_oid", 1, false, { _, arguments throws(PGError) in
            try oid(arguments) { text throws(PGError) in
                let name = try identifier(text, schemas: [])
                guard let namespace = namespaces.first(where: { $0.0 == name }) else {
                    throw PGError(SQLState.undefinedObject, "schema \"\(text)\" does not exist")
                }
                return namespace.1
            }
        }),
        ("pg_regrole", 1, false, { state, arguments throws(PGError) in
            try name(arguments, "pg_regrole") { oid in
                oid == CatalogState.userOID ? CatalogFunctions.quoteIdentifier(state.context.user)
                    : oid == CatalogState.databaseOwnerOID ? "pg_database_owner" : nil
            }
        }),
        ("pg_regrole_oid", 1, false, { state, arguments throws(PGError) in
            try oid(arguments) { text throws(PGError) in
                let name = try identifier(text, schemas: [])
                if name == state.context.user { return CatalogState.userOID }
                if name == "pg_database_owner" { return CatalogState.databaseOwnerOID }
                throw PGError(SQLState.undefinedObject, "role \"\(text)\" does not exist")
            }
        }),
        ("pg_regproc", 1, false, { _, arguments throws(PGError) in
            try name(arguments, "pg_regproc") { oid in
                let index = Int(oid) - Int(ServerRelations.firstProcOID)
                return CatalogFunctions.names.indices.contains(index) ? CatalogFunctions.names[index] : nil
            }
        }),
        ("pg_regproc_oid", 1, false, { _, arguments throws(PGError) in
            try oid(arguments) { text throws(PGError) in
                let name = try identifier(text, schemas: ["pg_catalog"])
                guard let index = CatalogFunctions.names.firstIndex(of: name) else {
                    throw PGError(SQLState.undefinedFunction, "function \"\(text)\" does not exist")
                }
                return ServerRelations.firstProcOID + UInt32(index)
            }
        }),
    ] + ["regprocedure", "regoper", "regoperator", "regconfig", "regdictionary", "regcollation"].flatMap { type in
        [("pg_\(type)", Int32(1), false, { _, _ throws(PGError) in throw PGError.unsupported("the type \(type)") } as Body),
         ("pg_\(type)_oid", Int32(1), false, { _, _ throws(PGError) in throw PGError.unsupported("the type \(type)") } as Body)]
    }

    /// The OID of the table or index named `text` (`public.` allowed); 42P01 when none.
    static func relationOID(_ state: CatalogState, _ text: String) throws(PGError) -> UInt32 {
        let name = try identifier(text, schemas: ["public"])
        for table in try state.tables() {
            // OmenDB's table names are case-insensitive, as SQLite's are.
            if table.name.lowercased() == name.lowercased() { return table.oid }
            if table.key != nil && table.indexName.lowercased() == name.lowercased() { return table.indexOID }
        }
        throw PGError(SQLState.undefinedTable, "relation \"\(text)\" does not exist")
    }

    static let namespaces: [(String, UInt32)] = [
        ("pg_catalog", CatalogState.catalogNamespace), ("public", CatalogState.publicNamespace),
        ("information_schema", CatalogState.informationSchemaNamespace), ("pg_toast", CatalogState.toastNamespace),
    ]

    /// The output form: the name, or the OID's number when `lookup` finds nothing.
    private static func name(_ arguments: FunctionArguments, _ function: String,
                             _ lookup: (UInt32) throws(PGError) -> String?) throws(PGError) -> CatalogValue {
        guard let oid = try arguments.integer(0, function: function) else { return nil }
        guard let value = UInt32(exactly: oid) else { return .text(String(oid)) }
        if value == 0 { return "-" }
        return .text(try lookup(value) ?? String(oid))
    }

    /// The input form: a number is the OID itself; a name is looked up.
    private static func oid(_ arguments: FunctionArguments,
                            _ lookup: (String) throws(PGError) -> UInt32) throws(PGError) -> CatalogValue {
        guard let text = arguments.text(0) else { return nil }
        if let number = UInt32(text.trimmingCharacters(in: " ")) { return CatalogValue(number) }
        if text.trimmingCharacters(in: " ") == "-" { return 0 }
        return CatalogValue(try lookup(text.trimmingCharacters(in: " ")))
    }

    /// `text` as one identifier: a known schema qualifier dropped, double quotes
    /// keeping case, other names folded to lower case.
    private static func identifier(_ text: String, schemas: [String]) throws(PGError) -> String {
        var parts: [String] = []
        var current = ""
        var quoted = false
        var wasQuoted = false
        var characters = Array(text)[...]
        while let character = characters.first {
            characters = characters.dropFirst()
            if quoted {
                if character == "\"" {
                    if characters.first == "\"" { current.append("\""); characters = characters.dropFirst() } else { quoted = false }
                } else {
                    current.append(character)
                }
            } else if character == "\"" {
                quoted = true
                wasQuoted = true
            } else if character == "." {
                parts.append(current)
                current = ""
            } else {
                current += wasQuoted ? String(character) : character.lowercased()
            }
        }
        parts.append(current)
        guard !quoted, parts.count <= 2, !parts.contains(where: \.isEmpty) else {
            throw PGError(SQLState.invalidTextRepresentation, "invalid name syntax: \"\(text)\"")
        }
        if parts.count == 2 {
            guard schemas.contains(parts[0]) else {
                throw PGError(SQLState.undefinedObject, "\"\(text)\" does not exist: schema \"\(parts[0])\" has no such object")
            }
        }
        return parts.last!
    }
}
