import Glibc
import Logging
import NIOConcurrencyHelpers
import OmenDB
import Synchronization

/// The PostgreSQL wire-protocol server (docs/server.md): one listening socket with its
/// accept thread, one session per connection on its own thread reading and writing its
/// own socket, all sessions on one OmenDB database.
///
/// Lock order: `registry` is the server's only lock; a session's own `execution` lock
/// (Session.swift) may be taken while holding it (cancel), never the other way round.
public final class PGServer: @unchecked Sendable {
    public let database: Database
    public let options: ServerOptions
    public let logger: Logger

    private var listener: Listener?

    private struct Registry {
        var sessions: [Int32: Session] = [:]
        var nextProcessID: Int32 = 1000
        var shuttingDown = false
    }
    private let registry = Mutex(Registry())
    /// 1 once every session has ended after shutdown began.
    private let drained = ConditionLock(value: 0)

    public init(database: Database, options: ServerOptions, logger: Logger) throws(PGError) {
        if !options.listensOnLoopbackOnly && options.authentication != .scramSHA256 {
            // No TLS: trust would admit anyone, a cleartext password would cross the network.
            throw PGError(SQLState.invalidAuthorizationSpecification,
                          "refusing to listen on \(options.host) with \(options.authentication.rawValue) authentication: "
                            + "a non-loopback address needs scram-sha-256 (docs/server.md)")
        }
        if options.authentication != .trust && options.passwords == nil {
            throw PGError(SQLState.invalidAuthorizationSpecification,
                          "\(options.authentication.rawValue) authentication needs a password file")
        }
        self.database = database
        self.options = options
        self.logger = logger
    }

    /// Binds and starts accepting; returns the bound port (useful with port 0).
    @discardableResult
    public func start() throws(PGError) -> Int {
        let listener = try Listener(host: options.host, port: options.port, backlog: 256)
        try listener.start { [self] socket in
            do throws(PGError) {
                try startSession(SessionConnection(socket: socket, maximumMessageSize: options.maxMessageSize))
            } catch {
                logger.error("could not start a session: \(error.message)")
            }
        }
        self.listener = listener
        logger.info("listening on \(options.host):\(listener.port)")
        return listener.port
    }

    /// Stops accepting, ends every session (each rolls back its open transaction and
    /// tells its client, SQLSTATE 57P01), and waits for them.
    /// The caller closes the database afterwards.
    public func shutdown() {
        listener?.stop()
        let sessions = registry.withLock { state -> [Session] in
            state.shuttingDown = true
            return Array(state.sessions.values)
        }
        logger.info("shutting down: \(sessions.count) session(s) open")
        for session in sessions { session.requestShutdown() }
        if !sessions.isEmpty {
            drained.lock(whenValue: 1)
            drained.unlock()
        }
    }

    // MARK: Sessions

    private func startSession(_ connection: SessionConnection) throws(PGError) {
        let session = Session(server: self, connection: connection)
        try startThread { session.run() }
    }

    /// Registers a session that finished its start-up; nil when the connection limit
    /// is reached or the server is shutting down. Returns its process ID.
    func register(_ session: Session) -> Int32? {
        registry.withLock { state in
            guard !state.shuttingDown, state.sessions.count < options.maxConnections else { return nil }
            state.nextProcessID += 1
            state.sessions[state.nextProcessID] = session
            return state.nextProcessID
        }
    }

    func unregister(processID: Int32) {
        let done = registry.withLock { state -> Bool in
            state.sessions[processID] = nil
            return state.shuttingDown && state.sessions.isEmpty
        }
        if done {
            drained.lock()
            drained.unlock(withValue: 1)
        }
    }

    var isShuttingDown: Bool { registry.withLock { $0.shuttingDown } }

    /// A CancelRequest: cancels the statement running in the session with this process
    /// ID and secret; silently nothing otherwise (as PostgreSQL, which never answers).
    func cancel(processID: Int32, secret: Int32) {
        registry.withLock { state in
            guard let session = state.sessions[processID], session.secret == secret else { return }
            session.cancel(.userRequest)
        }
    }
}
