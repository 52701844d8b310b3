/// What the running server needs: its configuration (`ServerConfig`, checked) with the
/// password file read.
public struct ServerOptions: Sendable {
    public var host = "127.0.0.1"
    public var port = 5433
    /// How clients authenticate.
    public var authentication: AuthMethod = .trust
    /// Users and their SCRAM verifiers (password and scram-sha-256 authentication).
    public var passwords: PasswordFile? = nil
    public var maxConnections = 100
    /// The largest message a client may send, in bytes (PostgreSQL: 1 GiB).
    public var maxMessageSize = 1 << 30
    /// Session defaults of statement_timeout and idle_in_transaction_session_timeout, in
    /// milliseconds (0: none).
    public var statementTimeoutMilliseconds = 0
    public var idleInTransactionTimeoutMilliseconds = 0
    /// The database name clients connect to (current_database()).
    public var databaseName = "omendb"

    public init() {}

    /// The options of a checked configuration; `passwords` is its password file's contents.
    public init(config: ServerConfig, passwords: PasswordFile?) throws(PGError) {
        try config.validate()
        host = config.host
        port = config.port
        authentication = config.auth
        self.passwords = passwords
        maxConnections = config.maxConnections
        maxMessageSize = config.maxMessageSize
        statementTimeoutMilliseconds = config.statementTimeout
        idleInTransactionTimeoutMilliseconds = config.idleInTransactionSessionTimeout
        databaseName = config.databaseName
    }

    public var listensOnLoopbackOnly: Bool { ServerConfig.isLoopback(host) }
}
