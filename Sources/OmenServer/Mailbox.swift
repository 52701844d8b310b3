import NIOConcurrencyHelpers

/// What a session's thread receives: the client's messages and the server's events,
/// in order. The event loop puts; the session's thread takes (blocking).
enum SessionEvent {
    case message(FrontendMessage)
    /// The client sent bytes that cannot be framed (bad or oversized length).
    case framingError(String)
    /// The connection closed (by the client or the network).
    case disconnected
    /// The idle-in-transaction timer of the idle period numbered `period` fired.
    case idleTimeout(period: UInt64)
    /// The server is shutting down (SIGTERM).
    case shutdown
}

/// A blocking FIFO of `SessionEvent`s with a count of the payload bytes queued, so the
/// connection can stop reading from the socket while the session is behind.
final class Mailbox: @unchecked Sendable {
    private struct State {
        var events: [SessionEvent] = []
        var head = 0
        var queuedBytes = 0
    }

    private let lock = ConditionLock(value: 0)   // 1 while events are queued
    private var state = State()                   // guarded by `lock`

    /// Queues `event`; returns the payload bytes queued after it.
    @discardableResult
    func put(_ event: SessionEvent) -> Int {
        lock.lock()
        state.events.append(event)
        state.queuedBytes += Self.size(event)
        let queued = state.queuedBytes
        lock.unlock(withValue: 1)
        return queued
    }

    /// The next event, waiting for one; and the payload bytes still queued after it.
    func take() -> (SessionEvent, queuedBytes: Int) {
        lock.lock(whenValue: 1)
        let event = state.events[state.head]
        state.head += 1
        state.queuedBytes -= Self.size(event)
        let queued = state.queuedBytes
        if state.head == state.events.count {
            state.events.removeAll(keepingCapacity: state.events.count < 64)
            state.head = 0
        }
        lock.unlock(withValue: state.events.isEmpty ? 0 : 1)
        return (event, queued)
    }

    /// Whether an event is waiting (without taking it).
    var hasEvents: Bool {
        lock.lock()
        defer { lock.unlock() }
        return state.head < state.events.count
    }

    private static func size(_ event: SessionEvent) -> Int {
        if case .message(let message) = event {
            switch message {
            case .startupPacket(_, let payload), .typed(_, let payload): return payload.readableBytes + 5
            }
        }
        return 0
    }
}
