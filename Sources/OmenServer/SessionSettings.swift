/// A session's run-time parameters (PostgreSQL's GUCs) as `SET`, `SHOW`, `RESET`,
/// `current_setting` and `set_config` see them. Names are case-insensitive.
///
/// The parameters a PostgreSQL 15 server reports with ParameterStatus after
/// authentication are `reported`; changing one of them (SET, set_config, RESET) queues
/// a ParameterStatus that the session sends before its next ReadyForQuery (`drainReported`).
/// Values are kept as text; the session validates the few it acts on.
///
/// Not thread-safe: one session's thread owns it.
public final class SessionSettings {
    /// The server version clients see: PostgreSQL 15's protocol and catalogs, OmenDB's engine.
    public static let serverVersion = "15.0 (OmenDB)"
    public static let serverVersionNumber = "150000"

    /// The parameters PostgreSQL 15 reports with ParameterStatus (GUC_REPORT).
    public static let reportedNames: [String] = [
        "application_name", "client_encoding", "DateStyle", "default_transaction_read_only",
        "in_hot_standby", "integer_datetimes", "IntervalStyle", "is_superuser",
        "server_encoding", "server_version", "session_authorization",
        "standard_conforming_strings", "TimeZone",
    ]

    /// Defaults: PostgreSQL 15's (initdb with UTF8 and UTC), then the server's own.
    public static func defaults(user: String) -> [(String, String)] {
        [
            ("application_name", ""),
            ("client_encoding", "UTF8"),
            ("DateStyle", "ISO, MDY"),
            ("default_transaction_read_only", "off"),
            ("in_hot_standby", "off"),
            ("integer_datetimes", "on"),
            ("IntervalStyle", "postgres"),
            ("is_superuser", "on"),
            ("server_encoding", "UTF8"),
            ("server_version", serverVersion),
            ("server_version_num", serverVersionNumber),
            ("session_authorization", user),
            ("standard_conforming_strings", "on"),
            ("TimeZone", "UTC"),
            ("search_path", "\"$user\", public"),
            ("extra_float_digits", "1"),
            ("default_transaction_isolation", "serializable"),
            ("transaction_isolation", "serializable"),
            ("default_transaction_deferrable", "off"),
            ("transaction_read_only", "off"),
            ("statement_timeout", "0"),
            ("idle_in_transaction_session_timeout", "0"),
            ("lock_timeout", "0"),
            ("max_identifier_length", "63"),
            ("max_index_keys", "32"),
            ("block_size", "8192"),
            ("lc_collate", "C"),
            ("lc_ctype", "C"),
            ("lc_messages", "C"),
            ("lc_monetary", "C"),
            ("lc_numeric", "C"),
            ("lc_time", "C"),
            ("bytea_output", "hex"),
            ("client_min_messages", "notice"),
            ("synchronous_commit", "on"),
        ]
    }

    private struct Entry {
        var name: String        // as PostgreSQL spells it
        var value: String
        var sessionDefault: String   // what RESET returns to
    }

    private var entries: [String: Entry] = [:]   // keyed by lower-cased name
    private var pendingReports: [String] = []    // lower-cased names
    private var lastReported: [String: String] = [:]   // by lower-cased name

    /// statement_timeout and idle_in_transaction_session_timeout in milliseconds (0: none),
    /// kept parsed because every statement and every idle wait asks.
    public private(set) var statementTimeoutMilliseconds = 0
    public private(set) var idleInTransactionTimeoutMilliseconds = 0

    /// `startup` holds the StartupMessage's parameters (user, database and options
    /// excluded by the caller); they become the session defaults, as in PostgreSQL.
    public init(user: String, startup: [(String, String)] = []) {
        for (name, value) in Self.defaults(user: user) {
            entries[name.lowercased()] = Entry(name: name, value: value, sessionDefault: value)
        }
        for (name, value) in startup {
            let key = name.lowercased()
            let spelled = entries[key]?.name ?? name
            entries[key] = Entry(name: spelled, value: value, sessionDefault: value)
            noteTimeout(key, value)
        }
    }

    private func noteTimeout(_ key: String, _ value: String) {
        switch key {
        case "statement_timeout": statementTimeoutMilliseconds = ServerConfig.parseDuration(value) ?? 0
        case "idle_in_transaction_session_timeout": idleInTransactionTimeoutMilliseconds = ServerConfig.parseDuration(value) ?? 0
        default: break
        }
    }

    /// The value of `name`, or nil for an unknown parameter.
    public func value(_ name: String) -> String? { entries[name.lowercased()]?.value }

    /// Every parameter, sorted by name (SHOW ALL).
    public var all: [(name: String, value: String)] {
        entries.values.map { ($0.name, $0.value) }.sorted { $0.0.lowercased() < $1.0.lowercased() }
    }

    /// SET name = value. Unknown names with a dot (`myapp.x`, custom options) are
    /// accepted as PostgreSQL accepts them; other unknown names are 42704.
    public func set(_ name: String, _ value: String) throws(PGError) {
        let key = name.lowercased()
        let value = try Self.normalise(key, value)
        let previous = entries[key]?.value
        if var entry = entries[key] {
            if Self.readOnly.contains(key) && entry.value != value {
                throw PGError(SQLState.cantChangeRuntimeParameter, "parameter \"\(key)\" cannot be changed")
            }
            entry.value = value
            entries[key] = entry
            noteTimeout(key, value)
        } else if key.contains(".") {
            entries[key] = Entry(name: name, value: value, sessionDefault: "")
        } else {
            throw PGError(SQLState.undefinedObject, "unrecognized configuration parameter \"\(key)\"")
        }
        // Reported only when the value changed, as PostgreSQL 15 reports.
        if previous != value && Self.reportedNames.contains(where: { $0.lowercased() == key }) { pendingReports.append(key) }
    }

    /// The parameter's name as PostgreSQL spells it (SHOW's column), or `name` lower-cased.
    public func spelling(_ name: String) -> String {
        entries[name.lowercased()]?.name ?? name.lowercased()
    }

    /// The parameters whose value differs from the server's default, with their values
    /// normalised by `set` (for a session's start-up settings).
    public var changed: [(String, String)] {
        entries.values.filter { $0.value != $0.sessionDefault || !Self.defaultNames.contains($0.name.lowercased()) }
            .map { ($0.name, $0.value) }
    }

    private static let defaultNames = Set(defaults(user: "").map { $0.0.lowercased() })

    /// Checks and normalises a value of a parameter the server acts on.
    private static func normalise(_ key: String, _ value: String) throws(PGError) -> String {
        switch key {
        case "statement_timeout", "idle_in_transaction_session_timeout", "lock_timeout":
            guard ServerConfig.parseDuration(value) != nil else {
                throw PGError(SQLState.invalidParameterValue, "invalid value for parameter \"\(key)\": \"\(value)\"")
            }
            return value
        case "client_encoding":
            // asyncpg sends the value quoted ('utf-8'), which PostgreSQL accepts.
            switch value.lowercased().filter({ $0 != "-" && $0 != "_" && $0 != "'" && $0 != "\"" }) {
            case "utf8", "unicode", "auto": return "UTF8"
            default:
                throw PGError(SQLState.featureNotSupported,
                              "client encoding \"\(value)\" is not supported: omendb-server speaks UTF8 only")
            }
        case "default_transaction_isolation", "transaction_isolation":
            let level = value.lowercased().split(separator: " ").joined(separator: " ")
            guard ["read uncommitted", "read committed", "repeatable read", "serializable"].contains(level) else {
                throw PGError(SQLState.invalidParameterValue, "invalid value for parameter \"\(key)\": \"\(value)\"")
            }
            return level
        default:
            return value
        }
    }

    /// RESET name: back to the session default.
    public func reset(_ name: String) throws(PGError) {
        let key = name.lowercased()
        guard let entry = entries[key] else {
            throw PGError(SQLState.undefinedObject, "unrecognized configuration parameter \"\(key)\"")
        }
        if Self.readOnly.contains(key) { return }
        try set(entry.name, entry.sessionDefault)
    }

    /// RESET ALL.
    public func resetAll() {
        for (key, entry) in entries where !Self.readOnly.contains(key) && entry.value != entry.sessionDefault {
            try? set(entry.name, entry.sessionDefault)
        }
    }

    /// The reported parameters whose value differs from the one last reported, as
    /// (name, value) pairs to send as ParameterStatus (PostgreSQL sends them before
    /// ReadyForQuery: a SET undone by RESET in the same query reports nothing).
    public func drainReported() -> [(String, String)] {
        guard !pendingReports.isEmpty else { return [] }
        defer { pendingReports.removeAll() }
        var seen = Set<String>()
        return pendingReports.compactMap { key in
            guard seen.insert(key).inserted, let entry = entries[key], lastReported[key] != entry.value else { return nil }
            lastReported[key] = entry.value
            return (entry.name, entry.value)
        }
    }

    /// Every reported parameter (name, value), for the ParameterStatus messages after
    /// authentication.
    public func reportAll() -> [(String, String)] {
        Self.reportedNames.map { name in
            let value = entries[name.lowercased()]!.value
            lastReported[name.lowercased()] = value
            return (name, value)
        }
    }

    private static let readOnly: Set<String> = [
        "server_version", "server_version_num", "server_encoding", "integer_datetimes",
        "in_hot_standby", "is_superuser", "max_identifier_length", "max_index_keys",
        "block_size", "lc_collate", "lc_ctype",
    ]
}
