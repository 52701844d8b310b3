import Logging
import OmenDB

/// The server's settings, from a postgresql.conf-style file (`ConfigFile`) and command-line
/// overrides (`set`), each value checked the same way. Durations take PostgreSQL's units
/// (`us`, `ms`, `s`, `min`, `h`, `d`; none = milliseconds; 0 disables), sizes theirs (`B`,
/// `kB`, `MB`, `GB`, `TB`, powers of 1024; none = bytes), booleans PostgreSQL's spellings.
public struct ServerConfig: Equatable, Sendable {
    /// `data`: the OmenDB database directory (no default: the server requires one).
    public var data: String?
    /// `listen = host:port` (`[v6]:port` for IPv6; the port defaults to 5433).
    public var host = "127.0.0.1"
    public var port = 5433
    /// `auth`: trust, password or scram-sha-256.
    public var auth = AuthMethod.trust
    /// `password_file`: users and their verifiers (`PasswordFile`); required unless trust.
    public var passwordFile: String?
    /// `max_connections`: more clients get 53300, as from PostgreSQL.
    public var maxConnections = 100
    /// `max_message_size`: the largest protocol message accepted, in bytes (PostgreSQL's
    /// limit, 1 GiB, by default).
    public var maxMessageSize = 1 << 30
    /// `statement_timeout`, in milliseconds; 0 = none.
    public var statementTimeout = 0
    /// `idle_in_transaction_session_timeout`, in milliseconds; 0 = none.
    public var idleInTransactionSessionTimeout = 0
    /// `database_name`: the one database clients connect to (FATAL 3D000 for another name).
    public var databaseName = "omendb"
    /// `log_level`: trace, debug, info, notice, warning, error, critical.
    public var logLevel = Logger.Level.info
    /// `allow_remote`: listening on a non-loopback address needs it (and scram-sha-256).
    public var allowRemote = false
    /// `sync`: off, normal or full (OmenDB's SyncMode). Full by default: an acknowledged
    /// COMMIT survives a crash, as with PostgreSQL's default `synchronous_commit = on`.
    public var sync = SyncMode.full

    public init() {}

    /// Reads `contents` (the text of `file`, named in errors); settings not in it keep
    /// their defaults. Unknown keys and bad values are F0000 naming the line.
    public init(contents: String, file: String = "configuration file") throws(PGError) {
        for entry in try ConfigFile(contents: contents, file: file).entries {
            do {
                try set(entry.name, entry.value)
            } catch {
                throw PGError(SQLState.configFileError, "\(error.message) in file \"\(file)\" line \(entry.line)")
            }
        }
    }

    /// Sets one key (a file line or a command-line flag) after checking its value.
    public mutating func set(_ key: String, _ value: String) throws(PGError) {
        func invalid(_ expected: String) -> PGError {
            PGError(SQLState.invalidParameterValue, "invalid value for parameter \"\(key)\": \"\(value)\" (expected \(expected))")
        }
        switch key.lowercased() {
        case "data":
            guard !value.isEmpty else { throw invalid("a directory") }
            data = value
        case "listen":
            guard let (host, port) = Self.parseListen(value) else { throw invalid("host:port") }
            self.host = host
            self.port = port
        case "auth":
            guard let method = AuthMethod(rawValue: value.lowercased()) else { throw invalid("trust, password or scram-sha-256") }
            auth = method
        case "password_file":
            guard !value.isEmpty else { throw invalid("a file") }
            passwordFile = value
        case "max_connections":
            guard let count = Int(value), count >= 1, count <= 262_143 else { throw invalid("an integer from 1 to 262143") }
            maxConnections = count
        case "max_message_size":
            guard let bytes = Self.parseSize(value), bytes >= 1024, bytes <= 1 << 30 else {
                throw invalid("a size from 1kB to 1GB")
            }
            maxMessageSize = bytes
        case "statement_timeout":
            guard let milliseconds = Self.parseDuration(value) else { throw invalid("a duration such as 30s") }
            statementTimeout = milliseconds
        case "idle_in_transaction_session_timeout":
            guard let milliseconds = Self.parseDuration(value) else { throw invalid("a duration such as 5min") }
            idleInTransactionSessionTimeout = milliseconds
        case "database_name":
            guard !value.isEmpty, value.utf8.count <= 63 else { throw invalid("a name of 1 to 63 bytes") }
            databaseName = value
        case "log_level":
            guard let level = Logger.Level(rawValue: value.lowercased()) else {
                throw invalid("trace, debug, info, notice, warning, error or critical")
            }
            logLevel = level
        case "allow_remote":
            guard let flag = PGTextInput.bool(value) else { throw invalid("a boolean") }
            allowRemote = flag
        case "sync":
            switch value.lowercased() {
            case "off": sync = .off
            case "normal": sync = .normal
            case "full": sync = .full
            default: throw invalid("off, normal or full")
            }
        default:
            throw PGError(SQLState.undefinedObject, "unrecognized configuration parameter \"\(key)\"")
        }
    }

    /// Whether `host` is a loopback address (127.0.0.0/8, ::1 or localhost).
    public var listensOnLoopback: Bool { Self.isLoopback(host) }

    /// 127.0.0.0/8, ::1 and localhost.
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// The combination rules: a data directory is given; a non-loopback address needs
    /// `allow_remote` and `auth = scram-sha-256` (the server has no TLS yet: trust would
    /// admit anyone, cleartext passwords would be readable on the network); password
    /// methods need a password file.
    public func validate() throws(PGError) {
        guard data != nil else { throw PGError(SQLState.configFileError, "no data directory: set data or pass --data") }
        if !listensOnLoopback {
            guard allowRemote else {
                throw PGError(SQLState.configFileError, "listening on \(host) (not loopback) requires allow_remote = on")
            }
            // Without TLS, a cleartext password would cross the network readable.
            guard auth == .scramSHA256 else {
                throw PGError(SQLState.configFileError, "listening on \(host) (not loopback) requires auth = scram-sha-256, not \(auth.rawValue)")
            }
        }
        if auth != .trust && passwordFile == nil {
            throw PGError(SQLState.configFileError, "auth = \(auth.rawValue) requires password_file")
        }
    }

    static func parseListen(_ text: String) -> (String, Int)? {
        var host = Substring(text)
        var port = 5433
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return nil }
            let rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let parsed = Int(rest.dropFirst()) else { return nil }
                port = parsed
            }
        } else if let colon = host.lastIndex(of: ":") {
            guard host.firstIndex(of: ":") == colon, let parsed = Int(host[host.index(after: colon)...]) else { return nil }
            port = parsed
            host = host[..<colon]
        }
        guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "\t" }), (1...65535).contains(port) else { return nil }
        return (String(host), port)
    }

    /// Milliseconds, rounded as PostgreSQL rounds (to the nearest); nil if malformed or negative.
    static func parseDuration(_ text: String) -> Int? {
        let units: [(String, Double)] = [("us", 0.001), ("ms", 1), ("s", 1000), ("min", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        guard let (number, unit) = splitNumber(text) else { return nil }
        let scale: Double
        if unit.isEmpty { scale = 1 } else if let match = units.first(where: { $0.0 == unit }) { scale = match.1 } else { return nil }
        let milliseconds = (number * scale).rounded()
        guard milliseconds >= 0, milliseconds <= Double(Int32.max) else { return nil }
        return Int(milliseconds)
    }

    /// Bytes; nil if malformed or negative.
    static func parseSize(_ text: String) -> Int? {
        let units: [(String, Double)] = [("B", 1), ("kB", 1024), ("MB", 1_048_576), ("GB", 1_073_741_824), ("TB", 1_099_511_627_776)]
        guard let (number, unit) = splitNumber(text) else { return nil }
        let scale: Double
        if unit.isEmpty { scale = 1 } else if let match = units.first(where: { $0.0 == unit }) { scale = match.1 } else { return nil }
        let bytes = (number * scale).rounded()
        guard bytes >= 0, bytes <= Double(Int.max / 2) else { return nil }
        return Int(bytes)
    }

    /// A non-negative decimal number, optional spaces, then a unit made of letters.
    private static func splitNumber(_ text: String) -> (Double, String)? {
        let trimmed = text.trimmingPGSpace()
        guard let unitStart = trimmed.firstIndex(where: { $0.isLetter }) ?? Optional(trimmed.endIndex) else { return nil }
        let numberText = trimmed[..<unitStart].trimmingPGSpace()
        let unit = String(trimmed[unitStart...])
        guard !numberText.isEmpty, numberText.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
              let number = Double(numberText), number.isFinite, unit.allSatisfy(\.isLetter) else { return nil }
        return (number, unit)
    }
}
