import OmenDB
import Synchronization

/// The SQL schema persisted in the database: the named table `__omendb_sql_schema`,
/// one entry per SQL table (docs/sql.md, "Catalog"). The entry's value:
///
///     u8  catalog format version (1)
///     u16 schema version of the table
///     u32 length + UTF-8 bytes of the table name
///     u16 number of column definitions, each u32 length + UTF-8 bytes (as written
///         in CREATE VIRTUAL TABLE)
struct Catalog {
    static let tableName = "__omendb_sql_schema"
    static let formatVersion: UInt8 = 1
    let store: TableStore

    /// Every SQL table of the database, in creation order.
    func schemas() throws(OmenError) -> [TableSchema] {
        let catalog = try store.table(Self.tableName, create: true)
        var result: [TableSchema] = []
        for (key, bytes) in try store.entries(catalog) {
            result.append(try Self.decode(bytes, key: key))
        }
        return result
    }

    func schema(named name: String) throws(OmenError) -> TableSchema? {
        try schemas().first { $0.name.lowercased() == name.lowercased() }
    }

    /// Records `schema` (its rows' table is created too), or returns the recorded
    /// schema of the same name when its columns are the same; `.invalidArgument` when
    /// a table of that name exists with other columns.
    func create(_ schema: TableSchema) throws(OmenError) -> TableSchema {
        try store.catalogLock.withLock { _ throws(OmenError) -> TableSchema in
            let catalog = try store.table(Self.tableName, create: true)
            let entries = try store.entries(catalog)
            for (key, bytes) in entries {
                let existing = try Self.decode(bytes, key: key)
                guard existing.name.lowercased() == schema.name.lowercased() else { continue }
                guard existing.definitions == schema.definitions else {
                    throw OmenError(.invalidArgument, "table \(schema.name) already exists in the OmenDB database with "
                        + "other columns: (\(existing.definitions.joined(separator: ", ")))")
                }
                return existing
            }
            _ = try store.table(schema.name, create: true)
            try store.put((entries.last?.0 ?? 0) + 1, Self.encode(schema), table: catalog)
            Self.changes.add(1, ordering: .releasing)
            return schema
        }
    }

    /// Adds the column `definition` to table `name` (the new schema version is durable
    /// before returning) and returns the new schema. Rows already stored keep their
    /// columns: the decoder reads the added column of a row without it as its default.
    func addColumn(_ name: String, _ definition: String) throws(OmenError) -> TableSchema {
        try store.catalogLock.withLock { _ throws(OmenError) -> TableSchema in
            let catalog = try store.table(Self.tableName, create: true)
            for (key, bytes) in try store.entries(catalog) {
                let existing = try Self.decode(bytes, key: key)
                guard existing.name.lowercased() == name.lowercased() else { continue }
                guard existing.version < UInt16.max else {
                    throw OmenError(.tooLarge, "table \(existing.name): its schema version is already \(UInt16.max)")
                }
                guard try TableSchema(name: existing.name, definitions: [definition]).keyColumn == nil else {
                    throw OmenError(.invalidArgument, "table \(existing.name): cannot add a PRIMARY KEY column")
                }
                let schema = try TableSchema(name: existing.name, version: existing.version + 1,
                                             definitions: existing.definitions + [definition])
                try store.put(key, Self.encode(schema), table: catalog)
                Self.changes.add(1, ordering: .releasing)
                return schema
            }
            throw OmenError(.notFound, "no omendb table \(name) in OmenDB database '\(store.database.directory)'")
        }
    }

    /// The key of table `name`'s catalog entry and its schema (the caller holds
    /// catalogLock to act on it), or nil.
    func entry(named name: String) throws(OmenError) -> (key: Int64, schema: TableSchema)? {
        let catalog = try store.table(Self.tableName, create: true)
        for (key, bytes) in try store.entries(catalog) {
            let schema = try Self.decode(bytes, key: key)
            if schema.name.lowercased() == name.lowercased() { return (key, schema) }
        }
        return nil
    }

    /// Writes `schema` as catalog entry `key` in `transaction` (committed by the caller,
    /// who holds catalogLock and bumps `changes` after the commit).
    func replace(_ key: Int64, with schema: TableSchema, in transaction: StoreTransaction) throws(OmenError) {
        try transaction.put(key, Self.encode(schema), table: try store.table(Self.tableName, create: true))
    }

    /// Bumped by every created, dropped, altered (added column) and re-keyed table in
    /// the process (OmenSQL.refresh declares them on other connections): a declared table re-reads the
    /// catalog before writing when it moved (VirtualTable.checkCurrent), so a
    /// connection holding an older declaration cannot write rows without the new columns.
    static let changes = Atomic<Int>(0)

    /// Removes table `name` and its rows.
    func drop(_ name: String) throws(OmenError) {
        try store.catalogLock.withLock { _ throws(OmenError) in
            let catalog = try store.table(Self.tableName, create: true)
            for (key, bytes) in try store.entries(catalog) where try Self.decode(bytes, key: key).name.lowercased() == name.lowercased() {
                try store.dropTable(try Self.decode(bytes, key: key).name)
                try store.delete(key, table: catalog)
                Self.changes.add(1, ordering: .releasing)
            }
        }
    }

    static func encode(_ schema: TableSchema) -> [UInt8] {
        var bytes: [UInt8] = [formatVersion]
        append(&bytes, UInt64(schema.version), width: 2)
        appendString(&bytes, schema.name)
        append(&bytes, UInt64(schema.columns.count), width: 2)
        for definition in schema.definitions { appendString(&bytes, definition) }
        return bytes
    }

    static func decode(_ bytes: [UInt8], key: Int64) throws(OmenError) -> TableSchema {
        var reader = Reader(bytes: bytes, key: key)
        guard try reader.integer(width: 1) == UInt64(formatVersion) else {
            throw OmenError(.unsupported, "catalog entry \(key) of \(tableName): unknown format version \(bytes[0]) "
                + "(this build reads version \(formatVersion))")
        }
        let version = UInt16(try reader.integer(width: 2))
        let name = try reader.string()
        let count = Int(try reader.integer(width: 2))
        var definitions: [String] = []
        for _ in 0..<count { definitions.append(try reader.string()) }
        guard reader.offset == bytes.count else { throw reader.corrupt("\(bytes.count - reader.offset) bytes after the entry") }
        return try TableSchema(name: name, version: version, definitions: definitions)
    }

    private static func append(_ bytes: inout [UInt8], _ value: UInt64, width: Int) {
        for index in 0..<width { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(8 * index))) }
    }

    private static func appendString(_ bytes: inout [UInt8], _ string: String) {
        append(&bytes, UInt64(string.utf8.count), width: 4)
        bytes.append(contentsOf: string.utf8)
    }

    private struct Reader {
        let bytes: [UInt8]
        let key: Int64
        var offset = 0

        mutating func integer(width: Int) throws(OmenError) -> UInt64 {
            guard offset + width <= bytes.count else { throw corrupt("truncated at byte \(offset)") }
            var value: UInt64 = 0
            for index in 0..<width { value |= UInt64(bytes[offset + index]) << UInt64(8 * index) }
            offset += width
            return value
        }

        mutating func string() throws(OmenError) -> String {
            let length = Int(try integer(width: 4))
            guard length <= bytes.count - offset else { throw corrupt("a string runs past the end") }
            defer { offset += length }
            return String(decoding: bytes[offset..<(offset + length)], as: UTF8.self)
        }

        func corrupt(_ what: String) -> OmenError {
            OmenError(.corruption, "catalog entry \(key) of \(Catalog.tableName): \(what)")
        }
    }
}
