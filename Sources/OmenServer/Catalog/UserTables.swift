import OmenDB
import OmenSQL

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

    /// The OmenDB tables of the database `connection` uses, as its catalog records them
    /// now (OmenSQL.schemas), in name order; names whose OIDs collide take the next
    /// free slot in that order. No database open: no tables.
    static func read(_ connection: OpaquePointer) throws(PGError) -> [UserTable] {
        let schemas: [TableSchema]
        do throws(OmenError) {
            schemas = try OmenSQL.schemas(connection)
        } catch {
            if error.code == .misuse { return [] }
            throw PGError(SQLState.internalError, "reading the table schemas: \(error)")
        }
        var used = Set<UInt32>()
        return schemas.sorted { $0.name.lowercased() < $1.name.lowercased() }.map { schema in
            var oid = baseOID(schema.name)
            while !used.insert(oid).inserted { oid = oid + 4 > UInt32(Int32.max) - 4 ? firstUserOID : oid + 4 }
            let columns = schema.columns.enumerated().map { index, column in
                UserColumn(name: column.name, number: index + 1, declaredType: column.declaredType,
                           type: PGColumnType(declared: column.declaredType), notNull: column.notNull,
                           isKey: index == schema.keyColumn, defaultExpression: column.defaultExpression)
            }
            return UserTable(name: schema.name, oid: oid, columns: columns)
        }
    }
}
