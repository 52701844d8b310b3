/// What the running server needs from its configuration (docs/server.md). The
/// executable builds it from the config file and the command line (`ServerConfig`).
public struct ServerOptions: Sendable {
    public var host = "127.0.0.1"
    public var port = 5433
    /// How clients authenticate; `trust` is allowed only on loopback addresses.
    public var authentication: AuthMethod = .trust
    /// Users and their SCRAM verifiers (password and scram-sha-256 authentication).
    public var passwords: PasswordFile? = nil
    public var maxConnections = 100
    /// The largest message a client may send, in bytes (PostgreSQL: 1 GiB).
    public var maxMessageSize = 1 << 30
    /// 0: none. Per session, `SET statement_timeout` overrides it.
    public var statementTimeoutMilliseconds = 0
    /// 0: none. Per session, `SET idle_in_transaction_session_timeout` overrides it.
    public var idleInTransactionTimeoutMilliseconds = 0
    /// The database name clients see (current_database(), pg_database).
    public var databaseName = "omendb"

    public init() {}

    /// Whether `host` is a loopback address (127.0.0.0/8, ::1, localhost).
    public var listensOnLoopbackOnly: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
