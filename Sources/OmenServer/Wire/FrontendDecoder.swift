import NIOCore

/// Frames the bytes a client sends into `FrontendMessage`s. It accepts untyped
/// start-up packets until a StartupMessage or CancelRequest, typed messages after. A
/// length below the minimum or above `maximumMessageSize` is an error before any payload
/// is buffered: a client cannot make the server allocate more than the limit.
public struct FrontendDecoder {
    /// PostgreSQL's limit for start-up packets (MAX_STARTUP_PACKET_LENGTH).
    public static let maximumStartupPacket = 10_000

    private let maximumMessageSize: Int
    private var startupDone = false

    public init(maximumMessageSize: Int) {
        self.maximumMessageSize = maximumMessageSize
    }

    public enum FramingError: Error, CustomStringConvertible {
        case invalidLength(Int)
        case unknownType(UInt8)
        case tooLarge(length: Int, limit: Int)
        public var description: String {
            switch self {
            case .invalidLength(let length): return "invalid message length \(length)"
            case .unknownType(let type): return "invalid frontend message type \(type)"
            case .tooLarge(let length, let limit): return "message of \(length) bytes exceeds the limit of \(limit) bytes"
            }
        }
    }

    /// Takes the first complete message off `buffer`; nil when `buffer` holds only part
    /// of one (the caller reads more bytes and asks again).
    public mutating func next(from buffer: inout ByteBuffer) throws(FramingError) -> FrontendMessage? {
        if !startupDone {
            guard let length = buffer.getInteger(at: buffer.readerIndex, as: Int32.self) else { return nil }
            guard length >= 8 else { throw FramingError.invalidLength(Int(length)) }
            guard Int(length) <= Self.maximumStartupPacket else {
                throw FramingError.tooLarge(length: Int(length), limit: Self.maximumStartupPacket)
            }
            guard buffer.readableBytes >= Int(length) else { return nil }
            buffer.moveReaderIndex(forwardBy: 4)
            let code = UInt32(bitPattern: buffer.readInteger(as: Int32.self)!)
            let payload = buffer.readSlice(length: Int(length) - 8)!
            if code == StartupCode.protocol3 || code == StartupCode.cancelRequest { startupDone = true }
            return .startupPacket(code: code, payload: payload)
        }
        guard buffer.readableBytes >= 5 else { return nil }
        let type = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self)!
        // An unknown type fails at once, before its "length" could make us wait for data
        // (a second StartupMessage begins with a zero byte).
        guard Self.knownTypes.contains(type) else { throw FramingError.unknownType(type) }
        let length = Int(buffer.getInteger(at: buffer.readerIndex + 1, as: Int32.self)!)
        guard length >= 4 else { throw FramingError.invalidLength(length) }
        guard length <= maximumMessageSize else {
            throw FramingError.tooLarge(length: length, limit: maximumMessageSize)
        }
        guard buffer.readableBytes >= 1 + length else { return nil }
        buffer.moveReaderIndex(forwardBy: 5)
        return .typed(type: type, payload: buffer.readSlice(length: length - 4)!)
    }

    private static let knownTypes: Set<UInt8> = [
        FrontendType.query, FrontendType.parse, FrontendType.bind, FrontendType.describe, FrontendType.execute,
        FrontendType.close, FrontendType.sync, FrontendType.flush, FrontendType.terminate, FrontendType.copyData,
        FrontendType.copyDone, FrontendType.copyFail, FrontendType.password, FrontendType.functionCall,
    ]
}
