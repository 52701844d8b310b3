import NIOCore

/// Writers for the backend messages (protocol v3). Each appends one complete message
/// (type byte, length, payload) to a ByteBuffer; the session batches them and writes
/// the buffer when it flushes.
extension ByteBuffer {
    /// Appends a message of `type` whose payload `body` writes; fills in the length.
    @inlinable
    public mutating func writeMessage(_ type: UInt8, _ body: (inout ByteBuffer) -> Void) {
        writeInteger(type)
        let lengthIndex = writerIndex
        writeInteger(Int32(0))
        body(&self)
        setInteger(Int32(writerIndex - lengthIndex), at: lengthIndex)
    }

    @inlinable
    public mutating func writeCString(_ text: String) {
        writeString(text)
        writeInteger(UInt8(0))
    }

    public mutating func writeAuthentication(_ code: Int32, _ data: [UInt8] = []) {
        writeMessage(UInt8(ascii: "R")) {
            $0.writeInteger(code)
            $0.writeBytes(data)
        }
    }

    public mutating func writeAuthenticationOk() { writeAuthentication(0) }
    public mutating func writeAuthenticationCleartextPassword() { writeAuthentication(3) }

    /// AuthenticationSASL with the one mechanism offered.
    public mutating func writeAuthenticationSASL(mechanisms: [String]) {
        writeMessage(UInt8(ascii: "R")) {
            $0.writeInteger(Int32(10))
            for mechanism in mechanisms { $0.writeCString(mechanism) }
            $0.writeInteger(UInt8(0))
        }
    }

    public mutating func writeAuthenticationSASLContinue(_ data: [UInt8]) { writeAuthentication(11, data) }
    public mutating func writeAuthenticationSASLFinal(_ data: [UInt8]) { writeAuthentication(12, data) }

    public mutating func writeParameterStatus(_ name: String, _ value: String) {
        writeMessage(UInt8(ascii: "S")) {
            $0.writeCString(name)
            $0.writeCString(value)
        }
    }

    public mutating func writeBackendKeyData(processID: Int32, secret: Int32) {
        writeMessage(UInt8(ascii: "K")) {
            $0.writeInteger(processID)
            $0.writeInteger(secret)
        }
    }

    /// ReadyForQuery with the transaction status: `I` idle, `T` in a transaction block,
    /// `E` in a failed transaction block.
    public mutating func writeReadyForQuery(_ status: UInt8) {
        writeMessage(UInt8(ascii: "Z")) { $0.writeInteger(status) }
    }

    /// ErrorResponse (`E`) or, for notices, NoticeResponse (`N`).
    public mutating func writeError(_ error: PGError, notice: Bool = false) {
        writeMessage(UInt8(ascii: notice ? "N" : "E")) {
            $0.writeInteger(UInt8(ascii: "S")); $0.writeCString(error.severity.rawValue)
            $0.writeInteger(UInt8(ascii: "V")); $0.writeCString(error.severity.rawValue)
            $0.writeInteger(UInt8(ascii: "C")); $0.writeCString(error.code)
            $0.writeInteger(UInt8(ascii: "M")); $0.writeCString(error.message)
            if let detail = error.detail { $0.writeInteger(UInt8(ascii: "D")); $0.writeCString(detail) }
            if let hint = error.hint { $0.writeInteger(UInt8(ascii: "H")); $0.writeCString(hint) }
            if let position = error.position { $0.writeInteger(UInt8(ascii: "P")); $0.writeCString(String(position)) }
            $0.writeInteger(UInt8(0))
        }
    }

    public mutating func writeCommandComplete(_ tag: String) {
        writeMessage(UInt8(ascii: "C")) { $0.writeCString(tag) }
    }

    public mutating func writeEmptyQueryResponse() { writeMessage(UInt8(ascii: "I")) { _ in } }
    public mutating func writeParseComplete() { writeMessage(UInt8(ascii: "1")) { _ in } }
    public mutating func writeBindComplete() { writeMessage(UInt8(ascii: "2")) { _ in } }
    public mutating func writeCloseComplete() { writeMessage(UInt8(ascii: "3")) { _ in } }
    public mutating func writeNoData() { writeMessage(UInt8(ascii: "n")) { _ in } }
    public mutating func writePortalSuspended() { writeMessage(UInt8(ascii: "s")) { _ in } }

    public mutating func writeParameterDescription(_ oids: [UInt32]) {
        writeMessage(UInt8(ascii: "t")) {
            $0.writeInteger(Int16(oids.count))
            for oid in oids { $0.writeInteger(oid) }
        }
    }

    /// RowDescription: one field per column.
    public mutating func writeRowDescription(_ columns: [ResultColumn]) {
        writeMessage(UInt8(ascii: "T")) {
            $0.writeInteger(Int16(columns.count))
            for column in columns {
                $0.writeCString(column.name)
                $0.writeInteger(column.tableOID)
                $0.writeInteger(column.attributeNumber)
                $0.writeInteger(column.type.oid)
                $0.writeInteger(column.type.size)
                $0.writeInteger(column.type.modifier)
                $0.writeInteger(Int16(column.binary ? 1 : 0))
            }
        }
    }

    /// CopyInResponse (`G`) or CopyOutResponse (`H`): the overall format (0 text/CSV, 1
    /// binary) and every column's.
    public mutating func writeCopyResponse(in: Bool, columns: Int, binary: Bool = false) {
        writeMessage(UInt8(ascii: `in` ? "G" : "H")) {
            $0.writeInteger(Int8(binary ? 1 : 0))
            $0.writeInteger(Int16(columns))
            for _ in 0..<columns { $0.writeInteger(Int16(binary ? 1 : 0)) }
        }
    }

    public mutating func writeCopyDone() { writeMessage(UInt8(ascii: "c")) { _ in } }
}

/// A column of a result as RowDescription describes it.
public struct ResultColumn {
    public var name: String
    public var type: PGType
    /// Sent in binary (format code 1) rather than text.
    public var binary: Bool
    /// The table the column comes from (its pg_class OID) and its attribute number;
    /// 0 and 0 for an expression.
    public var tableOID: UInt32 = 0
    public var attributeNumber: Int16 = 0
}
