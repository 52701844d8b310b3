import ArgumentParser
import Glibc
import Logging
import OmenDB
import OmenServer

/// `omendb-server`: serves an OmenDB database to PostgreSQL clients (docs/server.md).
struct ServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "omendb-server",
        abstract: "Serve an OmenDB database over the PostgreSQL wire protocol (docs/server.md).",
        subcommands: [Serve.self, Passwd.self],
        defaultSubcommand: Serve.self)
}

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the server until SIGTERM or SIGINT (the default subcommand).")

    @Option(name: .long, help: "The database directory (created when missing); or `data` in the config file.")
    var data: String?

    @Option(name: .long, help: "host:port to listen on (default 127.0.0.1:5433).")
    var listen: String?

    @Option(name: .long, help: "A configuration file (postgresql.conf syntax; docs/server.md lists the keys). The command line wins.")
    var config: String?

    @Option(name: .long, help: "trust (the default), password or scram-sha-256.")
    var auth: String?

    @Option(name: .customLong("password-file"), help: "Users and their SCRAM verifiers (user:SCRAM-SHA-256$... lines; `omendb-server passwd USER` makes one).")
    var passwordFile: String?

    @Option(name: .customLong("max-connections"), help: "Sessions at once (default 100).")
    var maxConnections: String?

    @Option(name: .customLong("database-name"), help: "The database name clients connect to (default omendb).")
    var databaseName: String?

    @Option(name: .long, help: "When the log reaches the disk: full (fsync before COMMIT returns, as PostgreSQL's synchronous_commit = on; the default), normal (about every 100 ms) or off.")
    var sync: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info (the default), notice, warning, error or critical.")
    var logLevel: String?

    @Flag(name: .customLong("allow-remote"), help: "Allow a non-loopback listen address (it needs scram-sha-256).")
    var allowRemote = false

    func run() throws {
        var configuration = ServerConfig()
        do throws(PGError) {
            if let config {
                configuration = try ServerConfig(contents: try readFile(config), file: config)
            }
            let overrides: [(String, String?)] = [
                ("data", data), ("listen", listen), ("auth", auth), ("password_file", passwordFile),
                ("max_connections", maxConnections), ("database_name", databaseName), ("sync", sync),
                ("log_level", logLevel), ("allow_remote", allowRemote ? "on" : nil),
            ]
            for case let (key, value?) in overrides { try configuration.set(key, value) }
        } catch {
            throw ValidationError(error.message)
        }
        let options: ServerOptions
        do throws(PGError) {
            let passwords = try configuration.passwordFile.map { file throws(PGError) in try PasswordFile(contents: try readFile(file)) }
            options = try ServerOptions(config: configuration, passwords: passwords)
        } catch {
            throw ValidationError(error.message)
        }
        let level = configuration.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "omendb-server")
        var databaseOptions = DatabaseOptions()
        databaseOptions.sync = configuration.sync

        // SIGTERM and SIGINT are taken by sigwait on this thread: blocked before any other
        // thread starts, so that every thread inherits the mask.
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGTERM)
        sigaddset(&signals, SIGINT)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        signal(SIGPIPE, SIG_IGN)

        let database = try Database(directory: configuration.data!, options: databaseOptions)
        let server = try PGServer(database: database, options: options, logger: logger)
        do {
            try server.start()
        } catch {
            try? database.close()
            throw ValidationError("cannot listen on \(options.host):\(options.port): \(error)")
        }
        var received: Int32 = 0
        sigwait(&signals, &received)
        logger.info("received \(received == SIGTERM ? "SIGTERM" : "SIGINT"): shutting down")
        server.shutdown()
        try database.close()
        logger.info("database closed")
    }
}

/// The contents of `path`, for the config and password files.
func readFile(_ path: String) throws(PGError) -> String {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else {
        throw PGError(SQLState.configFileError, "could not open file \"\(path)\": \(String(cString: strerror(errno)))")
    }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = read(fd, &chunk, chunk.count)
        if count < 0 {
            if errno == EINTR { continue }
            throw PGError(SQLState.configFileError, "could not read file \"\(path)\": \(String(cString: strerror(errno)))")
        }
        if count == 0 { break }
        bytes += chunk[0..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
}

struct Passwd: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a password-file line (user:SCRAM-SHA-256$...) for USER; the password is read from stdin.")

    @Argument(help: "The user name.")
    var user: String

    func run() throws {
        guard let password = readLine(strippingNewline: true), !password.isEmpty else {
            throw ValidationError("no password on standard input")
        }
        do throws(PGError) {
            print(try PasswordFile.line(user: user, password: password))
        } catch {
            throw ValidationError(error.message)
        }
    }
}

ServerCommand.main()
