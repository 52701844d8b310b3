import CSQLite

/// A column of an OmenDB table as the catalog shows it.
struct UserColumn: Equatable {
    let name: String
    /// 1-based (pg_attribute.attnum).
    let number: Int
    let declaredType: String
    let type: PGColumnType
    let notNull: Bool
    let isKey: Bool
    /// The DEFAULT expression's text, nil without one.
    let defaultExpression: String?
}

/// An OmenDB table of the session's connection, with the OIDs the catalog gives it.
///
/// OIDs are stable per table name: derived from the lower-cased name (FNV-1a) into
/// PostgreSQL's user range (16384 and up), a multiple of 4, so the table's own objects
/// take the next three: its primary-key index, its row type and its constraint.
struct UserTable: Equatable {
    let name: String
    let oid: UInt32
    let columns: [UserColumn]

    var key: UserColumn? { columns.first { $0.isKey } }
    var indexOID: UInt32 { oid + 1 }
    var rowTypeOID: UInt32 { oid + 2 }
    var constraintOID: UInt32 { oid + 3 }
    var indexName: String { name + "_pkey" }

    static let firstUserOID: UInt32 = 16384

    static func baseOID(_ name: String) -> UInt32 {
        var hash: UInt32 = 2166136261
        for byte in name.lowercased().utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 16777619
        }
        let span = (UInt32(Int32.max) - firstUserOID) / 4
        return firstUserOID + (hash % span) * 4
    }

    /// The OmenDB tables declared on `connection` (its main and temp schemas), in name
    /// order; names whose OIDs collide take the next free slot in that order.
    static func read(_ connection: OpaquePointer) throws(PGError) -> [UserTable] {
        var names: [(schema: String, name: String)] = []
        try query(connection, """
            SELECT 'temp', name FROM sqlite_temp_schema WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE % USING omendb(%'
            UNION ALL
            SELECT 'main', name FROM main.sqlite_schema WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE % USING omendb(%'
            """, bind: []) { statement in
            names.append((column(statement, 0)!, column(statement, 1)!))
        }
        names.sort { $0.name.lowercased() < $1.name.lowercased() }
        var used = Set<UInt32>()
        var tables: [UserTable] = []
        for (schema, name) in names where !tables.contains(where: { $0.name.lowercased() == name.lowercased() }) {
            var oid = baseOID(name)
            while !used.insert(oid).inserted { oid = oid &+ 4 < firstUserOID ? firstUserOID : oid + 4 }
            var columns: [UserColumn] = []
            try query(connection, "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_xinfo(?1, ?2) ORDER BY cid",
                      bind: [name, schema]) { statement in
                let declared = column(statement, 1) ?? ""
                columns.append(UserColumn(name: column(statement, 0)!, number: columns.count + 1, declaredType: declared,
                                          type: PGColumnType(declared: declared),
                                          notNull: sqlite3_column_int(statement, 2) != 0 || sqlite3_column_int(statement, 4) != 0,
                                          isKey: sqlite3_column_int(statement, 4) != 0,
                                          defaultExpression: column(statement, 3)))
            }
            tables.append(UserTable(name: name, oid: oid, columns: columns))
        }
        return tables
    }

    private static func column(_ statement: OpaquePointer?, _ index: Int32) -> String? {
        sqlite3_column_text(statement, index).map { String(cString: $0) }
    }

    private static func query(_ connection: OpaquePointer, _ sql: String, bind: [String],
                              row: (OpaquePointer?) -> Void) throws(PGError) {
        var statement: OpaquePointer?
        defer { sqlite3_finalize(statement) }
        var status = sqlite3_prepare_v2(connection, sql, -1, &statement, nil)
        for (index, value) in bind.enumerated() where status == SQLITE_OK {
            status = sqlite3_bind_text(statement, Int32(index + 1), value, -1, omendb_sql_transient())
        }
        while status == SQLITE_OK || status == SQLITE_ROW {
            status = sqlite3_step(statement)
            if status == SQLITE_ROW { row(statement) }
        }
        guard status == SQLITE_DONE else {
            throw PGError(SQLState.internalError, "reading the table schemas: \(String(cString: sqlite3_errmsg(connection)))")
        }
    }
}
