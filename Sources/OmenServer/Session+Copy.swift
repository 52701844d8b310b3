import CSQLite
import NIOCore

/// COPY ... FROM STDIN and COPY ... TO STDOUT (text and CSV). A COPY FROM outside a
/// transaction block is one transaction: all rows or none.
extension Session {
    func copyFrom(table: String, columns: [String]?, options: CopyOptions) throws(PGError) {
        var names: [String] = columns ?? []
        if columns == nil { names = try tableColumns(table) }
        let placeholders = (1...max(names.count, 1)).map { "?\($0)" }.joined(separator: ", ")
        let sql = try withColumnDefaults("INSERT INTO \(quoteIdentifier(table)) (\(names.map(quoteIdentifier).joined(separator: ", "))) VALUES (\(placeholders))")
        let insert = try prepare(sql)!
        defer { sqlite3_finalize(insert) }
        let types = declaredTypes(table, names)
        let booleans = types.map { $0 == PGTypes.bool.oid }
        let binary = options.format == .binary
        let implicit = !inTransactionBlock
        if implicit { try beginTransaction(TransactionMode()) }
        var parser = CopyParser(options: options)
        var binaryParser = BinaryCopyParser()
        var count = 0
        out.writeCopyResponse(in: true, columns: names.count, binary: binary)
        flush()
        do throws(PGError) {
            /// Inserts the row bound to `insert`; `line` names it in an error.
            func insertBound(line: Int) throws(PGError) {
                let status = sqlite3_step(insert)
                sqlite3_reset(insert)
                guard status == SQLITE_DONE else {
                    var error = sqliteError(status)
                    error.detail = "COPY \(table), line \(line)"
                    throw error
                }
                count += 1
            }
            func insertRows(_ rows: [[String?]]) throws(PGError) {
                for row in rows {
                    guard row.count == names.count else {
                        throw PGError(SQLState.badCopyFileFormat, row.count < names.count
                            ? "missing data for column \"\(names[row.count])\"" : "extra data after last expected column",
                            detail: "COPY \(table), line \(count + 1 + (options.header ? 1 : 0))")
                    }
                    for (index, value) in row.enumerated() {
                        guard let value else { sqlite3_bind_null(insert, Int32(index + 1)); continue }
                        if booleans[index], let flag = booleanValue(value) {
                            sqlite3_bind_int64(insert, Int32(index + 1), flag ? 1 : 0)
                        } else {
                            sqlite3_bind_text(insert, Int32(index + 1), value, -1, sqliteTransient)
                        }
                    }
                    try insertBound(line: count + 1 + (options.header ? 1 : 0))
                }
            }
            /// Binary rows: each field bound in its type's binary form.
            func insertBinaryRows(_ rows: [[[UInt8]?]]) throws(PGError) {
                for row in rows {
                    guard row.count == names.count else {
                        throw PGError(SQLState.badCopyFileFormat, "row field count is \(row.count), expected \(names.count)",
                                      detail: "COPY \(table), line \(count + 1)")
                    }
                    for (index, field) in row.enumerated() {
                        try PGValueCodec.bind(statement: insert, index: Int32(index + 1), value: field.map { ByteBuffer(bytes: $0) },
                                              type: types[index], binary: true)
                    }
                    try insertBound(line: count + 1)
                }
            }
            try executing { () throws(PGError) in
                copying: while true {
                    switch nextEvent() {
                    case .message(.typed(FrontendType.copyData, let payload)):
                        if binary {
                            try insertBinaryRows(try binaryParser.feed(payload.readableBytesView))
                        } else {
                            try insertRows(try parser.feed(payload.readableBytesView))
                        }
                        if let reason = cancelReason { throw reason.error }
                    case .message(.typed(FrontendType.copyDone, _)):
                        if binary { try binaryParser.finish() } else { try insertRows(try parser.finish()) }
                        break copying
                    case .message(.typed(FrontendType.copyFail, let payload)):
                        var reader = PayloadReader(payload, message: "CopyFail")
                        let message = (try? reader.cString()) ?? ""
                        throw PGError(SQLState.queryCanceled, "COPY from stdin failed: \(message)")
                    case .message(.typed(FrontendType.flush, _)), .message(.typed(FrontendType.sync, _)):
                        continue
                    case .message(.typed(let type, _)):
                        throw PGError(SQLState.protocolViolation,
                                      "unexpected message type 0x\(String(type, radix: 16)) during COPY from stdin")
                    case .message(.startupPacket), .framingError:
                        throw PGError(SQLState.protocolViolation, "invalid message during COPY from stdin", severity: .fatal)
                    case .disconnected:
                        throw PGError(SQLState.connectionException, "unexpected EOF on client connection with an open transaction", severity: .fatal)
                    case .shutdown:
                        throw CancelReason.shutdown.error
                    case .idleTimeout:
                        continue
                    }
                }
            }
            if implicit { try commitTransaction() }
        } catch {
            if implicit { rollbackSQL() }
            throw error
        }
        out.writeCommandComplete("COPY \(count)")
    }

    func copyTo(_ source: CopySource, options: CopyOptions) throws(PGError) {
        let sql: String
        switch source {
        case .table(let table, let columns):
            var names: [String] = columns ?? []
        if columns == nil { names = try tableColumns(table) }
            sql = "SELECT \(names.map(quoteIdentifier).joined(separator: ", ")) FROM \(quoteIdentifier(table))"
        case .query(let query):
            sql = query.sql
        }
        let statement = try prepare(sql)!
        defer { sqlite3_finalize(statement) }
        let columnCount = Int(sqlite3_column_count(statement))
        let types = (0..<columnCount).map { columnType(statement, Int32($0), rowAvailable: false) }
        let writer = CopyWriter(options: options)
        var scratch = ByteBuffer()
        var count = 0
        out.writeCopyResponse(in: false, columns: columnCount)
        if options.header {
            let header = (0..<columnCount).map { Optional(Array(String(cString: sqlite3_column_name(statement, Int32($0))).utf8)) }
            out.writeMessage(UInt8(ascii: "d")) { $0.writeBytes(writer.row(header)) }
        }
        try executing { () throws(PGError) in
            while true {
                let status = sqlite3_step(statement)
                if status == SQLITE_DONE { break }
                guard status == SQLITE_ROW else { throw sqliteError(status) }
                var fields: [[UInt8]?] = []
                for index in 0..<columnCount {
                    scratch.clear()
                    let type = sqlite3_column_decltype(statement, Int32(index)) == nil
                        ? PGTypes.forSQLiteValue(sqlite3_column_type(statement, Int32(index))) : types[index]
                    try PGValueCodec.encode(statement: statement, column: Int32(index), type: type, binary: false, into: &scratch)
                    let length = scratch.readInteger(as: Int32.self)!
                    fields.append(length < 0 ? nil : scratch.readBytes(length: Int(length)))
                }
                let line = writer.row(fields)
                out.writeMessage(UInt8(ascii: "d")) { $0.writeBytes(line) }
                count += 1
                flushIfLarge()
            }
        }
        out.writeCopyDone()
        out.writeCommandComplete("COPY \(count)")
    }

    /// The columns of `table` in order.
    func tableColumns(_ table: String) throws(PGError) -> [String] {
        let statement = try prepare("SELECT * FROM \(quoteIdentifier(table)) LIMIT 0")!
        defer { sqlite3_finalize(statement) }
        return (0..<sqlite3_column_count(statement)).map { String(cString: sqlite3_column_name(statement, $0)) }
    }

    /// The type OIDs of `columns` as declared (text when the declaration names no
    /// PostgreSQL type): how COPY reads their values.
    private func declaredTypes(_ table: String, _ columns: [String]) -> [UInt32] {
        columns.map { column in
            var declared: UnsafePointer<CChar>?
            guard sqlite3_table_column_metadata(sqlite, nil, table, column, &declared, nil, nil, nil, nil) == SQLITE_OK,
                  let declared, let type = PGTypes.forDeclared(String(cString: declared)) else { return PGTypes.text.oid }
            return type.oid
        }
    }
}

/// PostgreSQL's boolean input spellings (t, true, yes, on, 1 and their opposites, any
/// case, unique prefixes of the words), nil for anything else.
func booleanValue(_ text: String) -> Bool? {
    let word = String(text.lowercased().drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    guard !word.isEmpty else { return nil }
    if ["1", "on"].contains(word) || "true".hasPrefix(word) || "yes".hasPrefix(word) { return true }
    if ["0", "of", "off"].contains(word) || "false".hasPrefix(word) || "no".hasPrefix(word) { return false }
    return nil
}

/// SQLite's SQLITE_TRANSIENT: SQLite copies the bytes before the call returns.
let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
