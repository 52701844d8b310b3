import NIOConcurrencyHelpers
import NIOCore
import Synchronization

/// What a session's thread and the connection's event loop share: the channel, the
/// mailbox of incoming events, and the two flow-control signals. Reads stop while the
/// session has more than `readPauseBytes` of messages queued (the socket's buffer and
/// then TCP push back on the client); the session stops producing while the channel's
/// outbound buffer is above its high-water mark (NIO's writability), so a slow reader of
/// a large result holds the session, not an unbounded buffer.
final class SessionConnection: @unchecked Sendable {
    static let readPauseBytes = 4 << 20
    static let readResumeBytes = 1 << 20

    let channel: Channel
    let mailbox = Mailbox()
    /// Set on the event loop when reading was paused; cleared by the resume it schedules.
    let readPaused = Atomic<Bool>(false)
    /// 1 when the channel became writable or inactive since the session last looked.
    private let writable = ConditionLock(value: 1)

    init(channel: Channel) {
        self.channel = channel
    }

    /// Called by the session after taking an event with `queuedBytes` left.
    func resumeReadingIfNeeded(queuedBytes: Int) {
        guard queuedBytes < Self.readResumeBytes, readPaused.load(ordering: .acquiring) else { return }
        let channel = self.channel
        channel.eventLoop.execute {
            guard self.readPaused.exchange(false, ordering: .acquiringAndReleasing) else { return }
            channel.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in }
            channel.read()
        }
    }

    /// Event loop: the channel's writability changed or it closed.
    func signalWritable() {
        writable.lock()
        writable.unlock(withValue: 1)
    }

    /// Session thread: writes `buffer` and flushes; then waits while the channel is not
    /// writable (its outbound bytes above the high-water mark) and still open.
    func send(_ buffer: ByteBuffer) {
        channel.writeAndFlush(buffer, promise: nil)
        while channel.isActive && !channel.isWritable {
            writable.lock()
            writable.unlock(withValue: 0)
            if channel.isWritable || !channel.isActive { break }
            if writable.lock(whenValue: 1, timeoutSeconds: 1) { writable.unlock() }
        }
    }
}

/// The channel handler of one client connection, on its event loop: forwards the
/// framed messages to the session's mailbox and reports the connection's events.
final class ConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = FrontendMessage

    private let server: PGServer
    private var connection: SessionConnection?
    private var session: Session?

    init(server: PGServer) {
        self.server = server
    }

    func channelActive(context: ChannelHandlerContext) {
        let connection = SessionConnection(channel: context.channel)
        self.connection = connection
        do {
            session = try server.startSession(connection)
        } catch {
            server.logger.error("could not start a session: \(error)")
            context.close(promise: nil)
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let connection else { return }
        let queued = connection.mailbox.put(.message(unwrapInboundIn(data)))
        if queued > SessionConnection.readPauseBytes,
           !connection.readPaused.exchange(true, ordering: .acquiringAndReleasing) {
            context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let connection {
            connection.mailbox.put(.disconnected)
            connection.signalWritable()
        }
        // A statement running for a client that is gone stops at once.
        session?.cancel(.clientGone)
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        connection?.signalWritable()
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let framing = error as? FrontendDecoder.FramingError {
            connection?.mailbox.put(.framingError(framing.description))
        } else {
            server.logger.debug("connection error: \(error)")
            context.close(promise: nil)
        }
    }
}
