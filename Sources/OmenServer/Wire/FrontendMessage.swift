import NIOCore

/// One message from a client, framed but not yet parsed (protocol v3,
/// https://www.postgresql.org/docs/15/protocol-message-formats.html).
///
/// Before the StartupMessage, packets carry no type byte: a length and a request code
/// (`startupPacket`); afterwards every message is a type byte, a length and a payload
/// (`typed`). The session parses payloads with `PayloadReader`, so a malformed payload
/// becomes a protocol-violation error of that session, not of the decoder.
public enum FrontendMessage {
    case startupPacket(code: UInt32, payload: ByteBuffer)
    case typed(type: UInt8, payload: ByteBuffer)
}

/// The request codes of untyped start-up packets.
public enum StartupCode {
    /// Protocol 3.0.
    public static let protocol3: UInt32 = 196_608
    public static let sslRequest: UInt32 = 80_877_103
    public static let gssEncRequest: UInt32 = 80_877_104
    public static let cancelRequest: UInt32 = 80_877_102
}

/// The frontend message types (the first byte of a typed message).
public enum FrontendType {
    public static let query = UInt8(ascii: "Q")
    public static let parse = UInt8(ascii: "P")
    public static let bind = UInt8(ascii: "B")
    public static let describe = UInt8(ascii: "D")
    public static let execute = UInt8(ascii: "E")
    public static let close = UInt8(ascii: "C")
    public static let sync = UInt8(ascii: "S")
    public static let flush = UInt8(ascii: "H")
    public static let terminate = UInt8(ascii: "X")
    public static let copyData = UInt8(ascii: "d")
    public static let copyDone = UInt8(ascii: "c")
    public static let copyFail = UInt8(ascii: "f")
    /// PasswordMessage, SASLInitialResponse and SASLResponse share this type.
    public static let password = UInt8(ascii: "p")
    public static let functionCall = UInt8(ascii: "F")
}

/// Reads the fields of one message's payload; every read past the end or malformed
/// string is a protocol violation (08P01) naming the message.
public struct PayloadReader {
    private var buffer: ByteBuffer
    private let message: String

    public init(_ buffer: ByteBuffer, message: String) {
        self.buffer = buffer
        self.message = message
    }

    public var remaining: Int { buffer.readableBytes }

    private func violation(_ what: String) -> PGError {
        PGError(SQLState.protocolViolation, "invalid \(message) message: \(what)")
    }

    public mutating func int32() throws(PGError) -> Int32 {
        guard let value = buffer.readInteger(as: Int32.self) else { throw violation("truncated") }
        return value
    }

    public mutating func int16() throws(PGError) -> Int16 {
        guard let value = buffer.readInteger(as: Int16.self) else { throw violation("truncated") }
        return value
    }

    public mutating func byte() throws(PGError) -> UInt8 {
        guard let value = buffer.readInteger(as: UInt8.self) else { throw violation("truncated") }
        return value
    }

    /// A NUL-terminated string, which must be valid UTF-8 without the NUL.
    public mutating func cString() throws(PGError) -> String {
        guard let end = buffer.readableBytesView.firstIndex(of: 0) else { throw violation("unterminated string") }
        let length = end - buffer.readerIndex
        defer { buffer.moveReaderIndex(forwardBy: length + 1) }
        if length == 0 { return "" }
        let text = buffer.withUnsafeReadableBytes { bytes in
            String(validating: bytes.prefix(length).assumingMemoryBound(to: UInt8.self), as: UTF8.self)
        }
        guard let text else {
            throw PGError(SQLState.characterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\" in \(message) message")
        }
        return text
    }

    /// `count` raw bytes.
    public mutating func bytes(_ count: Int) throws(PGError) -> ByteBuffer {
        guard count >= 0, let slice = buffer.readSlice(length: count) else { throw violation("truncated") }
        return slice
    }

    /// The rest of the payload.
    public mutating func rest() -> ByteBuffer {
        buffer.readSlice(length: buffer.readableBytes)!
    }

    /// Fails unless the whole payload was read.
    public func end() throws(PGError) {
        guard buffer.readableBytes == 0 else { throw violation("\(buffer.readableBytes) unexpected trailing bytes") }
    }
}
