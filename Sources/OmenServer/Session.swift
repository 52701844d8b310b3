import CSQLite
import Logging
import NIOCore
import OmenDB
import OmenSQL
import Synchronization

/// Why a running statement was interrupted.
enum CancelReason: UInt8 {
    case userRequest = 1, statementTimeout, clientGone, shutdown

    var error: PGError {
        switch self {
        case .userRequest: return PGError(SQLState.queryCanceled, "canceling statement due to user request")
        case .statementTimeout: return PGError(SQLState.queryCanceled, "canceling statement due to statement timeout")
        case .clientGone: return PGError(SQLState.connectionException, "the client closed the connection")
        case .shutdown:
            return PGError(SQLState.adminShutdown, "terminating connection due to administrator command", severity: .fatal)
        }
    }
}

/// Ends the session: the connection closes after the error (if any) is sent.
struct SessionEnd: Error {
    var error: PGError?
}

/// One client connection: the protocol state machine and the SQLite connection (with
/// the omendb module and the catalog) it runs statements on, like a PostgreSQL backend.
/// Runs on its own thread (`run`); only `cancel` and `requestShutdown` are called from
/// other threads.
final class Session {
    let server: PGServer
    let connection: SessionConnection
    let secret: Int32 = Int32.random(in: Int32.min...Int32.max)
    private(set) var processID: Int32 = 0
    var logger: Logger

    /// The backend messages not yet sent.
    var out: ByteBuffer
    var sqlite: OpaquePointer?
    var settings: SessionSettings!
    var user = ""

    /// The running statement: the state `cancel` reads from other threads.
    private struct Execution {
        var running = false
        var reason: CancelReason?
        var sqlite: OpaquePointer?
    }
    private let execution = Mutex(Execution())

    // Protocol state (session thread only).
    var statements: [String: PreparedStatement] = [:]
    var portals: [String: Portal] = [:]
    /// After an error in the extended protocol: messages up to the next Sync are skipped.
    var skippingToSync = false
    /// An error ended the current transaction block: commands fail until ROLLBACK.
    var transactionFailed = false
    /// The open transaction block is the extended protocol's implicit one (Sync ends it).
    var implicitTransaction = false
    /// The transaction block was started READ ONLY.
    var transactionReadOnly = false
    /// Column numbers of tables (RowDescription), by table name, and the omendb tables'
    /// schemas (InsertDefaults): cached while OmenSQL.catalogGeneration stays
    /// `cachedGeneration` (no table created, altered or dropped by any session).
    var columnNumbers: [String: [String: Int]] = [:]
    var cachedSchemas: [String: TableSchema]?
    /// What `prepare` looks up about those tables (date/time columns, keys).
    var cachedTableFacts: TableFacts?
    var cachedGeneration = -1
    /// OmenSQL.catalogGeneration when OmenSQL.refresh last brought the SQL connection's
    /// table declarations up to date outside a transaction block (refreshTables).
    var declaredGeneration = -1
    /// BEGIN, COMMIT, ROLLBACK and omendb_isolation, prepared on `sqlite`.
    var transactionControl = TransactionControl()
    /// The idle-in-transaction timeout of the wait for the next command, set by
    /// `readyForQuery` inside a transaction block.
    private var idleTimeoutMilliseconds: Int?
    /// When the running statement's statement_timeout expires (SessionConnection.now()
    /// milliseconds), and when the progress handler next looks whether the client is
    /// still there; both read by the progress handler on this thread.
    private var statementDeadline = Int.max
    private var nextClientCheck = Int.max

    init(server: PGServer, connection: SessionConnection) {
        self.server = server
        self.connection = connection
        logger = server.logger
        out = ByteBuffer()
        out.reserveCapacity(8192)
    }

    // MARK: Thread-safe entry points

    /// Interrupts the running statement, if any (CancelRequest, timeouts, a vanished
    /// client, shutdown). Any thread.
    func cancel(_ reason: CancelReason) {
        execution.withLock { state in
            guard state.running, let sqlite = state.sqlite else { return }
            if state.reason == nil { state.reason = reason }
            sqlite3_interrupt(sqlite)
        }
    }

    /// Any thread: ends the session as soon as its current statement stops.
    func requestShutdown() {
        connection.requestShutdown()
        cancel(.shutdown)
    }

    // MARK: The session's thread

    func run() {
        var endError: PGError?
        do throws(SessionEnd) {
            try startup()
            try serve()
        } catch {
            endError = error.error
        }
        if let endError {
            out.writeError(endError)
        }
        finish()
    }

    private func finish() {
        if let sqlite {
            rollbackSQL()
            // Statements finalize when the last reference goes (sqlite3_close_v2 waits for it).
            portals.values.forEach { $0.close() }
            portals = [:]
            statements = [:]
            transactionControl.finalize()
            execution.withLock { $0.sqlite = nil }
            sqlite3_close_v2(sqlite)
            self.sqlite = nil
        }
        flush()
        connection.close()
        if processID != 0 { server.unregister(processID: processID) }
    }

    /// Sends what is buffered; blocks while the client does not read (backpressure).
    /// A client that is gone interrupts the running statement.
    func flush() {
        guard out.readableBytes > 0 else { return }
        connection.send(out)
        if out.capacity > 1 << 20 {
            // After a large row: give its memory back rather than keep it for the session's life.
            out = ByteBuffer()
            out.reserveCapacity(8192)
        } else {
            out.clear()
        }
        if connection.closed { cancel(.clientGone) }
    }

    /// Sends what is buffered once it is large (inside long results).
    @inline(__always)
    func flushIfLarge() {
        if out.readableBytes >= 64 << 10 { flush() }
    }

    /// The next event from the client or the server.
    func nextEvent() -> SessionEvent {
        connection.receive()
    }

    // MARK: Start-up and authentication

    private func startup() throws(SessionEnd) {
        var parameters: [(String, String)] = []
        while true {
            switch nextEvent() {
            case .message(.startupPacket(let code, let payload)):
                switch code {
                case StartupCode.sslRequest, StartupCode.gssEncRequest:
                    // No TLS or GSSAPI encryption (docs/server.md): the client goes on in
                    // plain text or gives up, as it is configured.
                    out.writeInteger(UInt8(ascii: "N"))
                    flush()
                    continue
                case StartupCode.cancelRequest:
                    var reader = PayloadReader(payload, message: "CancelRequest")
                    if let pid = try? reader.int32(), let secret = try? reader.int32() {
                        server.cancel(processID: pid, secret: secret)
                    }
                    throw SessionEnd()
                case let code where code >> 16 == 3:
                    parameters = try startupParameters(payload)
                    if code & 0xFFFF != 0 {
                        // A newer 3.x minor: answer with the one we speak.
                        out.writeMessage(UInt8(ascii: "v")) {
                            $0.writeInteger(Int32(0))
                            let unknown = parameters.map(\.0).filter { $0.hasPrefix("_pq_.") }
                            $0.writeInteger(Int32(unknown.count))
                            for name in unknown { $0.writeCString(name) }
                        }
                    }
                default:
                    throw SessionEnd(error: PGError(SQLState.featureNotSupported,
                        "unsupported frontend protocol \(code >> 16).\(code & 0xFFFF): server supports 3.0",
                        severity: .fatal))
                }
            case .framingError(let what):
                throw SessionEnd(error: PGError(SQLState.protocolViolation, "invalid startup packet: \(what)", severity: .fatal))
            case .disconnected, .shutdown:
                throw SessionEnd()
            case .idleTimeout, .message(.typed):
                throw SessionEnd(error: PGError(SQLState.protocolViolation, "expected a startup packet", severity: .fatal))
            }
            break
        }
        let values = Dictionary(parameters, uniquingKeysWith: { _, last in last })
        guard let user = values["user"], !user.isEmpty else {
            throw SessionEnd(error: PGError(SQLState.invalidAuthorizationSpecification,
                                            "no PostgreSQL user name specified in startup packet", severity: .fatal))
        }
        self.user = user
        let database = values["database"].flatMap { $0.isEmpty ? nil : $0 } ?? user
        guard database == server.options.databaseName else {
            throw SessionEnd(error: PGError(SQLState.invalidCatalogName,
                                            "database \"\(database)\" does not exist", severity: .fatal,
                                            hint: "This server serves the database \"\(server.options.databaseName)\"."))
        }
        logger[metadataKey: "user"] = "\(user)"
        try authenticate(user: user)

        guard let pid = server.register(self) else {
            throw SessionEnd(error: server.isShuttingDown
                ? PGError(SQLState.adminShutdown, "the database system is shutting down", severity: .fatal)
                : PGError(SQLState.tooManyConnections, "sorry, too many clients already", severity: .fatal))
        }
        processID = pid
        logger[metadataKey: "pid"] = "\(pid)"

        // Session defaults from the start-up packet (and its `options`, -c name=value).
        var startupSettings = parameters.filter { !["user", "database", "options", "replication"].contains($0.0) && !$0.0.hasPrefix("_pq_.") }
        if let options = values["options"] {
            startupSettings += parseCommandLineOptions(options)
        }
        do throws(PGError) {
            // Unknown names and bad values fail the start-up, as in PostgreSQL.
            let probe = SessionSettings(user: user)
            for (name, value) in startupSettings { try probe.set(name, value) }
            settings = SessionSettings(user: user, startup: probe.changed)
            if server.options.statementTimeoutMilliseconds > 0 {
                try settings.set("statement_timeout", "\(server.options.statementTimeoutMilliseconds)")
            }
            if server.options.idleInTransactionTimeoutMilliseconds > 0 {
                try settings.set("idle_in_transaction_session_timeout", "\(server.options.idleInTransactionTimeoutMilliseconds)")
            }
            _ = settings.drainReported()
            try openSQL(database: database)
        } catch {
            throw SessionEnd(error: PGError(error.code, error.message, severity: .fatal, detail: error.detail))
        }
        out.writeAuthenticationOk()
        for (name, value) in settings.reportAll() { out.writeParameterStatus(name, value) }
        out.writeBackendKeyData(processID: pid, secret: secret)
        readyForQuery()
        logger.debug("session started")
    }

    private func startupParameters(_ payload: ByteBuffer) throws(SessionEnd) -> [(String, String)] {
        var reader = PayloadReader(payload, message: "startup")
        var parameters: [(String, String)] = []
        do throws(PGError) {
            while true {
                let name = try reader.cString()
                if name.isEmpty { break }
                parameters.append((name, try reader.cString()))
            }
        } catch {
            throw SessionEnd(error: PGError(SQLState.protocolViolation, "invalid startup packet layout", severity: .fatal))
        }
        return parameters
    }

    /// `-c name=value` and `--name=value` words of the start-up `options` parameter
    /// (backslash escapes a space, as libpq's PGOPTIONS).
    private func parseCommandLineOptions(_ text: String) -> [(String, String)] {
        var words: [String] = []
        var word = ""
        var escaped = false
        for character in text {
            if escaped { word.append(character); escaped = false }
            else if character == "\\" { escaped = true }
            else if character == " " { if !word.isEmpty { words.append(word); word = "" } }
            else { word.append(character) }
        }
        if !word.isEmpty { words.append(word) }
        var result: [(String, String)] = []
        var index = 0
        while index < words.count {
            var setting = words[index]
            if setting == "-c", index + 1 < words.count { index += 1; setting = words[index] }
            else if setting.hasPrefix("-c") { setting.removeFirst(2) }
            else if setting.hasPrefix("--") { setting.removeFirst(2) }
            if let equals = setting.firstIndex(of: "=") {
                let name = String(setting[..<equals].map { $0 == "-" ? "_" : $0 })
                result.append((name, String(setting[setting.index(after: equals)...])))
            }
            index += 1
        }
        return result
    }

    private func authenticate(user: String) throws(SessionEnd) {
        let failed = PGError(SQLState.invalidPassword, "password authentication failed for user \"\(user)\"", severity: .fatal)
        switch server.options.authentication {
        case .trust:
            return
        case .password:
            out.writeAuthenticationCleartextPassword()
            flush()
            var reader = try passwordMessage()
            let password: String
            do throws(PGError) { password = try reader.cString() } catch { throw SessionEnd(error: failed) }
            guard let verifier = server.options.passwords?.verifier(for: user), verifier.verify(password: password) else {
                logger.info("password authentication failed for user \"\(user)\"")
                throw SessionEnd(error: failed)
            }
        case .scramSHA256:
            out.writeAuthenticationSASL(mechanisms: ["SCRAM-SHA-256"])
            flush()
            let exchange = SCRAMServerExchange(user: user, verifier: server.options.passwords?.verifier(for: user))
            var initial = try passwordMessage()
            do throws(PGError) {
                let mechanism = try initial.cString()
                guard mechanism == "SCRAM-SHA-256" else {
                    throw PGError(SQLState.protocolViolation, "client selected an invalid SASL authentication mechanism")
                }
                let length = try initial.int32()
                let first = length < 0 ? [] : Array(try initial.bytes(Int(length)).readableBytesView)
                out.writeAuthenticationSASLContinue(try exchange.clientFirst(first))
            } catch {
                throw SessionEnd(error: PGError(error.code, error.message, severity: .fatal))
            }
            flush()
            var response = try passwordMessage()
            do throws(PGError) {
                out.writeAuthenticationSASLFinal(try exchange.clientFinal(Array(response.rest().readableBytesView)))
            } catch {
                if error.code == SQLState.invalidPassword { logger.info("password authentication failed for user \"\(user)\"") }
                throw SessionEnd(error: PGError(error.code, error.message, severity: .fatal))
            }
        }
    }

    /// The next message, which must be a PasswordMessage / SASL response ('p').
    private func passwordMessage() throws(SessionEnd) -> PayloadReader {
        switch nextEvent() {
        case .message(.typed(FrontendType.password, let payload)):
            return PayloadReader(payload, message: "password")
        case .disconnected, .shutdown:
            throw SessionEnd()
        default:
            throw SessionEnd(error: PGError(SQLState.protocolViolation,
                                            "expected password response", severity: .fatal))
        }
    }

    /// The session's SQLite connection: an in-memory main database (nothing of the
    /// session is stored outside OmenDB), the omendb module on the server's database,
    /// and the PostgreSQL catalog.
    private func openSQL(database: String) throws(PGError) {
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        guard sqlite3_open_v2(":memory:", &handle, flags, nil) == SQLITE_OK, let handle else {
            if let handle { sqlite3_close_v2(handle) }
            throw PGError(SQLState.internalError, "could not open an SQLite connection")
        }
        sqlite = handle
        execution.withLock { $0.sqlite = handle }
        sqlite3_progress_handler(handle, Self.progressSteps, { context in
            Unmanaged<Session>.fromOpaque(context!).takeUnretainedValue().progress()
        }, Unmanaged.passUnretained(self).toOpaque())
        do throws(OmenError) {
            try OmenSQL.register(handle, database: server.database)
            // Writes take only values of the columns' PostgreSQL types.
            try OmenSQL.setValueCheck(handle, PGValueCheck.forColumn)
        } catch {
            throw PGError(SQLState.internalError, "could not register the omendb module: \(error)")
        }
        // PostgreSQL's LIKE is case-sensitive (the translator writes ILIKE as lower() LIKE lower()).
        guard sqlite3_exec(handle, "PRAGMA case_sensitive_like = ON", nil, nil, nil) == SQLITE_OK,
              ExactSum.register(handle) == SQLITE_OK, IntegerCast.register(handle) == SQLITE_OK else {
            throw PGError(SQLState.internalError, "could not configure the SQLite connection")
        }
        try PGCatalog.register(handle, settings: settings,
                               context: CatalogContext(database: database, user: user, backendPID: processID))
    }

    // MARK: The main loop

    private func serve() throws(SessionEnd) {
        while true {
            let event = connection.receive(idleTimeoutMilliseconds: idleTimeoutMilliseconds)
            idleTimeoutMilliseconds = nil
            switch event {
            case .message(.typed(let type, let payload)):
                try handle(type: type, payload: payload)
            case .message(.startupPacket):
                throw SessionEnd(error: PGError(SQLState.protocolViolation, "unexpected startup packet", severity: .fatal))
            case .framingError(let what):
                throw SessionEnd(error: PGError(SQLState.protocolViolation, what, severity: .fatal))
            case .disconnected:
                throw SessionEnd()
            case .shutdown:
                throw SessionEnd(error: CancelReason.shutdown.error)
            case .idleTimeout:
                throw SessionEnd(error: PGError(SQLState.idleInTransactionSessionTimeout,
                    "terminating connection due to idle-in-transaction timeout", severity: .fatal))
            }
        }
    }

    private func handle(type: UInt8, payload: ByteBuffer) throws(SessionEnd) {
        switch type {
        case FrontendType.query:
            skippingToSync = false
            var reader = PayloadReader(payload, message: "Query")
            do throws(PGError) {
                let text = try reader.cString()
                try reader.end()
                try simpleQuery(text)
            } catch {
                try reportError(error)
            }
            readyForQuery()
        case FrontendType.sync:
            skippingToSync = false
            try endImplicitTransaction()
            readyForQuery()
        case FrontendType.flush:
            flush()
        case FrontendType.terminate:
            throw SessionEnd()
        case FrontendType.parse, FrontendType.bind, FrontendType.describe, FrontendType.execute, FrontendType.close:
            guard !skippingToSync else { return }
            do throws(PGError) {
                try extended(type: type, payload: payload)
            } catch {
                try reportError(error)
                skippingToSync = true
            }
        case FrontendType.copyData, FrontendType.copyDone, FrontendType.copyFail:
            // Outside COPY (after a COPY failed): ignored, as PostgreSQL ignores them.
            return
        case FrontendType.functionCall:
            guard !skippingToSync else { return }
            try reportError(PGError.unsupported("the function-call protocol message"))
            readyForQuery()
        default:
            throw SessionEnd(error: PGError(SQLState.protocolViolation,
                "invalid frontend message type \(type)", severity: .fatal))
        }
    }

    /// Sends an ErrorResponse; a FATAL one ends the session. Inside a transaction block
    /// the block is failed (PostgreSQL's semantics: commands fail until ROLLBACK).
    func reportError(_ error: PGError) throws(SessionEnd) {
        if error.severity == .fatal || error.severity == .panic { throw SessionEnd(error: error) }
        if error.code == SQLState.protocolViolation && !skippingToSync {
            logger.info("protocol violation: \(error.message)")
        }
        out.writeError(error)
        if inTransactionBlock { transactionFailed = true }
    }

    func notice(_ error: PGError) {
        out.writeError(error, notice: true)
    }

    /// Whether an explicit transaction block is open (SQLite outside autocommit).
    var inTransactionBlock: Bool {
        guard let sqlite else { return false }
        return sqlite3_get_autocommit(sqlite) == 0
    }

    /// ReadyForQuery with the transaction status, after any ParameterStatus changes;
    /// then sends everything. Inside a transaction block, arms the idle-in-transaction
    /// timeout when one is set.
    func readyForQuery() {
        for (name, value) in settings?.drainReported() ?? [] { out.writeParameterStatus(name, value) }
        let status: UInt8
        if !inTransactionBlock {
            status = UInt8(ascii: "I")
            transactionFailed = false
        } else {
            status = transactionFailed ? UInt8(ascii: "E") : UInt8(ascii: "T")
        }
        out.writeReadyForQuery(status)
        flush()
        if status != UInt8(ascii: "I"), let settings, settings.idleInTransactionTimeoutMilliseconds > 0 {
            idleTimeoutMilliseconds = settings.idleInTransactionTimeoutMilliseconds
        }
    }

    // MARK: Running statements

    /// Runs `body` as the running statement: cancellable, under statement_timeout.
    func executing<T>(_ body: () throws(PGError) -> T) throws(PGError) -> T {
        execution.withLock { $0.running = true; $0.reason = nil }
        let now = SessionConnection.now()
        if settings.statementTimeoutMilliseconds > 0 {
            statementDeadline = now + settings.statementTimeoutMilliseconds
        }
        nextClientCheck = now + Self.clientCheckInterval
        defer {
            statementDeadline = .max
            nextClientCheck = .max
            execution.withLock { $0.running = false }
        }
        return try body()
    }

    /// How often (milliseconds) a long statement looks whether its client is still there.
    static let clientCheckInterval = 1000
    /// SQLite calls the progress handler after this many virtual-machine steps.
    static let progressSteps: Int32 = 1000

    /// SQLite's progress handler: stops the running statement at its statement_timeout,
    /// or when its client has gone (a statement that sends nothing would not notice).
    private func progress() -> Int32 {
        let now = SessionConnection.now()
        if now >= statementDeadline {
            cancel(.statementTimeout)
        } else if now >= nextClientCheck {
            nextClientCheck = now + Self.clientCheckInterval
            if connection.peerHasGone() { cancel(.clientGone) }
        }
        return 0
    }

    /// The reason the running statement was interrupted, if it was.
    var cancelReason: CancelReason? { execution.withLock { $0.reason } }

    /// The PGError for SQLite's error `code` on this connection.
    func sqliteError(_ code: Int32, sql: String? = nil) -> PGError {
        if code & 0xFF == SQLITE_INTERRUPT, let reason = cancelReason { return reason.error }
        // A catalog function's own error keeps its SQLSTATE.
        if let sqlite, let error = PGCatalog.takeError(sqlite) { return error }
        return SQLiteErrors.map(code: code, message: sqlite.map { String(cString: sqlite3_errmsg($0)) } ?? "unknown error",
                                offset: sqlite.map { sqlite3_error_offset($0) } ?? -1)
    }

    /// Runs SQL that returns no rows (transaction control, settings).
    func execSQL(_ sql: String) throws(PGError) {
        let status = sqlite3_exec(sqlite, sql, nil, nil, nil)
        guard status == SQLITE_OK else { throw sqliteError(status) }
    }

    /// Runs a transaction-control statement (BEGIN, COMMIT, ROLLBACK, omendb_isolation)
    /// from the session's prepared ones.
    func control(_ sql: String) throws(PGError) {
        guard let sqlite else { throw PGError(SQLState.internalError, "the session has no SQL connection") }
        let status = transactionControl.run(sql, on: sqlite)
        guard status == SQLITE_OK else { throw sqliteError(status) }
    }

    /// Rolls back the SQL transaction, if one is open; an error here leaves nothing to undo.
    func rollbackSQL() {
        guard let sqlite, sqlite3_get_autocommit(sqlite) == 0 else { return }
        _ = transactionControl.run("ROLLBACK", on: sqlite)
    }
}
