import CSQLite
import OmenDB

/// `omendb_set_primary_key(table, column)` (docs/sql.md, "Adding a primary key"): what
/// `ALTER TABLE table ADD PRIMARY KEY (column)` does in PostgreSQL, for a table keyed by
/// its hidden rowid: the column becomes the key, every row is stored again under its
/// value. Checked first (NULL, non-integer and duplicate values refuse it, changing
/// nothing); then the rows and the catalog entry are rewritten in one OmenDB
/// transaction (atomic and durable as any commit).
enum SetPrimaryKey {
    static func run(_ connection: SQLConnection, table name: String, column columnName: String) throws(SQLFailure) {
        guard sqlite3_get_autocommit(connection.handle) != 0 else {
            throw SQLFailure(SQLITE_ERROR, "omendb_set_primary_key cannot run inside a transaction (it is durable at once "
                + "and re-declares the table): COMMIT or ROLLBACK first")
        }
        let store = try SQLFailure.wrap { () throws(OmenError) in try connection.requireStore() }
        let schema = try store.catalogLock.withLock { _ throws(SQLFailure) -> TableSchema in
            try rekey(store, table: name, column: columnName)
        }
        try SQLFailure.wrap { () throws(OmenError) in
            try AddColumn.redeclare(connection, schema, in: try AddColumn.staleSchemas(connection, schema))
        }
    }

    /// The checks and the rewrite; returns the new schema. The caller holds catalogLock.
    private static func rekey(_ store: TableStore, table name: String, column columnName: String) throws(SQLFailure) -> TableSchema {
        let catalog = Catalog(store: store)
        guard let entry = try SQLFailure.wrap({ () throws(OmenError) in try catalog.entry(named: name) }) else {
            throw SQLFailure(SQLITE_ERROR, "no such table: \(name)")
        }
        let schema = entry.schema
        if let keyColumn = schema.keyColumn {
            throw SQLFailure(SQLITE_ERROR, "multiple primary keys for table \"\(schema.name)\" are not allowed "
                + "(its key is \(schema.columns[keyColumn].name))")
        }
        guard let column = schema.columns.firstIndex(where: { $0.name.lowercased() == columnName.lowercased() }) else {
            throw SQLFailure(SQLITE_ERROR, "no such column: \(columnName)")
        }
        let qualified = "\(schema.name).\(schema.columns[column].name)"
        let rekeyed = try SQLFailure.wrap { () throws(OmenError) in try schema.keyed(by: column) }
        let stored = schema.storedIndex[column]
        let defaultKey = schema.columns[column].defaultExpression == nil ? .null : try columnDefault(schema.columns[column].text)
        let table = try SQLFailure.wrap { () throws(OmenError) in try store.table(schema.name, create: false) }
        let transaction = try SQLFailure.wrap { () throws(OmenError) in
            try store.beginTransaction(isolation: .serializable, readOnly: false)
        }
        defer { transaction.rollback() }

        // Every row under its new key, without the key column (rows stored before the
        // column was added read its default).
        var rows: [(key: Int64, row: [UInt8])] = []
        var refusal: SQLFailure?
        var decoder = RowDecoder(columns: schema.storedColumnCount)
        defer { decoder.deallocate() }
        var encoder = RowEncoder()
        try SQLFailure.wrap { () throws(OmenError) in
            let iterator = try transaction.makeIterator(table: table)
            try iterator.seekFirst()
            while iterator.isValid {
                try decoder.reset(iterator.value, key: iterator.key)
                let key: Int64
                switch stored < decoder.readableColumns ? try decoder.value(at: stored) : defaultKey {
                case .integer(let value):
                    key = value
                case .null:
                    refusal = SQLFailure(SQLFailure.constraintNotNull, "NOT NULL constraint failed: \(qualified)")
                    return
                default:
                    refusal = SQLFailure(SQLITE_MISMATCH, "datatype mismatch: \(qualified) holds a value that is not "
                        + "an integer (in the row of rowid \(iterator.key))")
                    return
                }
                let kept = (0..<decoder.readableColumns).filter { $0 != stored }
                encoder.begin(schemaVersion: rekeyed.version, columnCount: kept.count)
                for index in kept {
                    switch try decoder.value(at: index) {
                    case .null: encoder.appendNull()
                    case .integer(let integer): encoder.appendInteger(integer)
                    case .real(let real): encoder.appendReal(real)
                    case .text(let bytes): try encoder.appendBytes(.text, bytes.baseAddress, bytes.count)
                    case .blob(let bytes): try encoder.appendBytes(.blob, bytes.baseAddress, bytes.count)
                    }
                }
                rows.append((key, encoder.bytes))
                try iterator.next()
            }
        }
        if let refusal { throw refusal }
        rows.sort { $0.key < $1.key }
        for index in rows.indices.dropFirst() where rows[index].key == rows[index - 1].key {
            throw SQLFailure(SQLFailure.constraintPrimaryKey, "UNIQUE constraint failed: \(qualified) "
                + "(the value \(rows[index].key) is in more than one row)")
        }
        try SQLFailure.wrap { () throws(OmenError) in
            try transaction.deleteAll(table: table)
            for (key, row) in rows { try transaction.put(key, row, table: table) }
            try catalog.replace(entry.key, with: rekeyed, in: transaction)
            try transaction.commit()
            Catalog.changes.add(1, ordering: .releasing)
            if let last = rows.last { try store.observeKey(last.key, table) }
        }
        return rekeyed
    }

    /// The value rows stored before the column was added read: its default, as the
    /// stored values are checked (an integer, NULL, or anything else: refused).
    private static func columnDefault(_ definition: String) throws(SQLFailure) -> ColumnValue {
        let value = try SQLFailure.wrap { () throws(OmenError) in try ColumnDefault.evaluate(definition) }
        defer { sqlite3_value_free(value) }
        guard let value else { return .null }
        return sqlite3_value_type(value) == SQLITE_INTEGER ? .integer(sqlite3_value_int64(value)) : .real(.nan)
    }
}
