import NIOCore
import XCTest
@testable import OmenServer

final class FrontendDecoderTests: XCTestCase {
    /// A decoder fed as a session feeds it: bytes appended as they arrive, messages
    /// taken off the front.
    private final class Stream {
        private var decoder: FrontendDecoder
        private var buffer = ByteBuffer()
        private var messages: [FrontendMessage] = []

        init(limit: Int) { decoder = FrontendDecoder(maximumMessageSize: limit) }

        func writeInbound(_ bytes: ByteBuffer) throws {
            buffer.writeImmutableBuffer(bytes)
            while let message = try decoder.next(from: &buffer) { messages.append(message) }
        }

        func readInbound(as: FrontendMessage.Type) throws -> FrontendMessage? {
            messages.isEmpty ? nil : messages.removeFirst()
        }
    }

    private func channel(limit: Int = 1 << 20) throws -> Stream {
        Stream(limit: limit)
    }

    private func startup() -> ByteBuffer {
        var body = ByteBuffer()
        body.writeInteger(StartupCode.protocol3)
        body.writeString("user\0u\0\0")
        var packet = ByteBuffer()
        packet.writeInteger(Int32(body.readableBytes + 4))
        packet.writeImmutableBuffer(body)
        return packet
    }

    func testStartupThenTypedMessagesByteByByte() throws {
        let channel = try channel()
        var bytes = startup()
        bytes.writeMessage(FrontendType.query) { $0.writeCString("SELECT 1") }
        bytes.writeMessage(FrontendType.sync) { _ in }
        // One byte at a time: framing must not depend on how TCP splits the stream.
        while let byte = bytes.readSlice(length: 1) { try channel.writeInbound(byte) }
        guard case .startupPacket(let code, _) = try channel.readInbound(as: FrontendMessage.self)! else { return XCTFail() }
        XCTAssertEqual(code, StartupCode.protocol3)
        guard case .typed(let type, var payload) = try channel.readInbound(as: FrontendMessage.self)! else { return XCTFail() }
        XCTAssertEqual(type, FrontendType.query)
        XCTAssertEqual(payload.readNullTerminatedString(), "SELECT 1")
        guard case .typed(FrontendType.sync, let empty) = try channel.readInbound(as: FrontendMessage.self)! else { return XCTFail() }
        XCTAssertEqual(empty.readableBytes, 0)
        XCTAssertNil(try channel.readInbound(as: FrontendMessage.self))
    }

    func testSSLRequestKeepsStartupFraming() throws {
        let channel = try channel()
        var ssl = ByteBuffer()
        ssl.writeInteger(Int32(8))
        ssl.writeInteger(StartupCode.sslRequest)
        try channel.writeInbound(ssl)
        try channel.writeInbound(startup())
        guard case .startupPacket(StartupCode.sslRequest, _) = try channel.readInbound(as: FrontendMessage.self)! else { return XCTFail() }
        guard case .startupPacket(StartupCode.protocol3, _) = try channel.readInbound(as: FrontendMessage.self)! else { return XCTFail() }
    }

    func testOversizedAndInvalidLengthsFailBeforeBuffering() throws {
        let limited = try channel(limit: 1000)
        try limited.writeInbound(startup())
        var huge = ByteBuffer()
        huge.writeInteger(FrontendType.query)
        huge.writeInteger(Int32.max)              // 2 GiB announced; nothing more sent
        XCTAssertThrowsError(try limited.writeInbound(huge)) {
            guard case FrontendDecoder.FramingError.tooLarge(let length, 1000) = $0 else { return XCTFail("\($0)") }
            XCTAssertEqual(length, Int(Int32.max))
        }

        let invalid = try channel()
        try invalid.writeInbound(startup())
        var short = ByteBuffer()
        short.writeInteger(FrontendType.query)
        short.writeInteger(Int32(3))
        XCTAssertThrowsError(try invalid.writeInbound(short))

        let badStartup = try channel()
        var negative = ByteBuffer()
        negative.writeInteger(Int32(-5))
        negative.writeInteger(Int32(0))
        XCTAssertThrowsError(try badStartup.writeInbound(negative))
        var tooLong = ByteBuffer()
        tooLong.writeInteger(Int32(FrontendDecoder.maximumStartupPacket + 1))
        XCTAssertThrowsError(try channel().writeInbound(tooLong))
    }

    func testPayloadReaderRejectsMalformedFields() {
        var buffer = ByteBuffer()
        buffer.writeString("no terminator")
        var reader = PayloadReader(buffer, message: "Parse")
        XCTAssertThrowsError(try reader.cString()) { XCTAssertEqual(($0 as? PGError)?.code, SQLState.protocolViolation) }
        var short = PayloadReader(ByteBuffer(bytes: [0, 1]), message: "Bind")
        XCTAssertThrowsError(try short.int32())
        var invalid = PayloadReader(ByteBuffer(bytes: [0xC3, 0x28, 0]), message: "Query")
        XCTAssertThrowsError(try invalid.cString()) { XCTAssertEqual(($0 as? PGError)?.code, SQLState.characterNotInRepertoire) }
        var trailing = PayloadReader(ByteBuffer(bytes: [0, 0, 0, 1, 9]), message: "Execute")
        XCTAssertEqual(try trailing.int32(), 1)
        XCTAssertThrowsError(try trailing.end())
    }
}
