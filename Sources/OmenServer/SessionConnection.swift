import Glibc
import NIOCore
import Synchronization

/// What a session receives from its connection.
enum SessionEvent {
    case message(FrontendMessage)
    /// The client sent bytes that cannot be framed (bad or oversized length).
    case framingError(String)
    /// The connection closed (by the client or the network) or failed.
    case disconnected
    /// The wait for the next message outlasted the idle timeout it was given.
    case idleTimeout
    /// The server is shutting down (SIGTERM).
    case shutdown
}

/// One client's socket, read and written by its session's thread alone, as a
/// PostgreSQL backend owns its socket: the session takes the next message when it wants
/// one and writes its replies itself, so a request costs no hand-off between threads
/// (docs/server.md, "Architecture"). The socket is non-blocking; every wait is a
/// poll(2) on it and on `wakeup`, which other threads signal at shutdown.
///
/// Flow control is TCP's own: the session reads only when it wants a message, so a
/// client that sends faster than the session works waits on its socket (the input
/// buffer holds the message being assembled, at most the maximum message size, plus
/// what one 16 KiB read brought beyond it); a reply to a client that
/// does not read waits in `send` (the session flushes its output every 64 KiB), so a
/// slow reader of a large result holds its session, not an unbounded buffer.
final class SessionConnection: @unchecked Sendable {
    private let socket: Int32
    private let wakeup: WakeupPipe
    private let shutdownRequested = Atomic<Bool>(false)

    // The session's thread only.
    private var input = ByteBuffer()
    private var decoder: FrontendDecoder
    /// The socket failed or the peer closed it: reads report `.disconnected`, writes are dropped.
    private(set) var closed = false

    /// Takes ownership of the connected `socket`.
    init(socket: Int32, maximumMessageSize: Int) throws(PGError) {
        do throws(PGError) {
            wakeup = try WakeupPipe()
        } catch {
            Glibc.close(socket)
            throw error
        }
        self.socket = socket
        decoder = FrontendDecoder(maximumMessageSize: maximumMessageSize)
        input.reserveCapacity(16 << 10)
    }

    deinit {
        if !closed { Glibc.close(socket) }
    }

    /// Any thread: makes the session's current and future waits end (`.shutdown`).
    func requestShutdown() {
        shutdownRequested.store(true, ordering: .releasing)
        wakeup.signal()
    }

    /// The next event: a buffered message first, else a wait on the socket for at most
    /// `idleTimeoutMilliseconds` (nil: no limit).
    func receive(idleTimeoutMilliseconds: Int? = nil) -> SessionEvent {
        let deadline = idleTimeoutMilliseconds.map { Self.now() + $0 }
        while true {
            do throws(FrontendDecoder.FramingError) {
                if let message = try decoder.next(from: &input) { return .message(message) }
            } catch {
                return .framingError(error.description)
            }
            if closed { return .disconnected }
            if shutdownRequested.load(ordering: .acquiring) { return .shutdown }
            switch wait(for: Int16(POLLIN), deadline: deadline) {
            case .timedOut: return .idleTimeout
            case .woken: continue
            case .ready: break
            }
            if input.readableBytes == 0 && input.capacity > Self.keptInputCapacity {
                // After a large message: give its memory back rather than keep it for the session's life.
                input = ByteBuffer()
                input.reserveCapacity(16 << 10)
            } else if input.readableBytes == 0 || input.readerIndex >= 64 << 10 {
                input.discardReadBytes()
            }
            var failure: Int32 = 0
            let received = input.writeWithUnsafeMutableBytes(minimumWritableBytes: 16 << 10) { space in
                let count = recv(socket, space.baseAddress, space.count, 0)
                if count < 0 { failure = errno }
                return max(count, 0)
            }
            if received == 0 && failure != EAGAIN && failure != EINTR { close() }
        }
    }

    /// Writes all of `buffer`, waiting while the client does not read. On a failed
    /// socket (the client went away) the bytes are dropped and `closed` is set; at
    /// shutdown a write that cannot proceed is abandoned the same way.
    func send(_ buffer: ByteBuffer) {
        guard !closed else { return }
        buffer.withUnsafeReadableBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let count = Glibc.send(socket, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
                if count > 0 {
                    offset += count
                } else if count < 0 && (errno == EAGAIN || errno == EINTR) {
                    if case .woken = wait(for: Int16(POLLOUT), deadline: nil),
                       shutdownRequested.load(ordering: .acquiring) {
                        return close()
                    }
                } else {
                    return close()
                }
            }
        }
    }

    /// Whether the client has closed its end or the socket failed, without reading
    /// (asked now and then while a long statement runs).
    func peerHasGone() -> Bool {
        guard !closed else { return true }
        var entry = pollfd(fd: socket, events: Self.pollReadHangUp, revents: 0)
        return poll(&entry, 1, 0) > 0 && entry.revents & (Self.pollReadHangUp | Int16(POLLHUP | POLLERR)) != 0
    }

    /// The input buffer's capacity kept between messages (larger ones are freed once read).
    private static let keptInputCapacity = 1 << 20

    /// Linux's POLLRDHUP (the peer closed its end), which Swift's Glibc module leaves out.
    private static let pollReadHangUp: Int16 = 0x2000

    /// Closes the socket (the session ends); `wakeup` stays open until deinit, since
    /// other threads may still signal it.
    func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(socket)
    }

    private enum Wait { case ready, timedOut, woken }

    private func wait(for events: Int16, deadline: Int?) -> Wait {
        var entries = (pollfd(fd: socket, events: events, revents: 0), pollfd(fd: wakeup.readEnd, events: Int16(POLLIN), revents: 0))
        let timeout = deadline.map { Int32(clamping: max(0, $0 - Self.now())) } ?? -1
        let ready = withUnsafeMutablePointer(to: &entries) {
            $0.withMemoryRebound(to: pollfd.self, capacity: 2) { poll($0, 2, timeout) }
        }
        if ready == 0 { return .timedOut }
        if ready < 0 || entries.1.revents != 0 { return .woken }
        return .ready
    }

    /// Milliseconds on the monotonic clock.
    static func now() -> Int {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return time.tv_sec * 1000 + time.tv_nsec / 1_000_000
    }
}
