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

    @Option(name: .long, help: "The database directory (created when missing). Default: the config file's `data`, else ./omendb-data.")
    var data: String?

    @Option(name: .long, help: "host:port to listen on. Default 127.0.0.1:5433.")
    var listen: String?

    @Option(name: .long, help: "A configuration file (postgresql.conf syntax; docs/server.md lists the keys).")
    var config: String?

    @Option(name: .long, help: "trust (loopback only), password or scram-sha-256.")
    var auth: String?

    @Option(name: .customLong("password-file"), help: "Users and their SCRAM verifiers (lines user:SCRAM-SHA-256$...; `omendb-server passwd` makes them).")
    var passwordFile: String?

    @Option(name: .customLong("max-connections"), help: "Sessions at once (default 100).")
    var maxConnections: Int?

    @Option(name: .long, help: "When the log reaches the disk: full (fsync at each commit, PostgreSQL's synchronous_commit=on; the default), normal (every ~100 ms) or off.")
    var sync: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info (default), notice, warning, error, critical.")
    var logLevel: String?

    @Flag(name: .customLong("allow-remote"), help: "Allow listening on a non-loopback address (needs password or scram-sha-256).")
    var allowRemote = false

    func run() throws {
        var configuration = ServerConfig()
        if let config {
            let fd = open(config, O_RDONLY)
            guard fd >= 0 else { throw ValidationError("cannot open config file \(config): \(String(cString: strerror(errno)))") }
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = read(fd, &chunk, chunk.count)
                if count <= 0 { break }
                bytes += chunk[0..<count]
            }
            close(fd)
            do { configuration = try ServerConfig(contents: String(decoding: bytes, as: UTF8.self)) } catch {
                throw ValidationError("\(config): \(error.message)")
            }
        }
        if let data { configuration.data = data }
        if let listen { configuration.listen = listen }
        if let auth { configuration.auth = auth }
        if let passwordFile { configuration.passwordFile = passwordFile }
        if let maxConnections { configuration.maxConnections = maxConnections }
        if let sync { configuration.sync = sync }
        if let logLevel { configuration.logLevel = logLevel }
        if allowRemote { configuration.allowRemote = true }

        guard let level = Logger.Level(rawValue: configuration.logLevel) else {
            throw ValidationError("unknown log level \(configuration.logLevel)")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "omendb-server")
        let options: ServerOptions
        do { options = try configuration.serverOptions() } catch { throw ValidationError(error.message) }
        if !options.listensOnLoopbackOnly && !configuration.allowRemote {
            throw ValidationError("\(options.host) is not a loopback address: pass --allow-remote (and an auth method other than trust)")
        }
        var databaseOptions = DatabaseOptions()
        switch configuration.sync {
        case "full": databaseOptions.sync = .full
        case "normal": databaseOptions.sync = .normal
        case "off": databaseOptions.sync = .off
        default: throw ValidationError("sync must be full, normal or off, not \(configuration.sync)")
        }

        // SIGTERM and SIGINT are taken by sigwait on this thread: block them before any
        // other thread starts, so every thread inherits the mask.
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGTERM)
        sigaddset(&signals, SIGINT)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        signal(SIGPIPE, SIG_IGN)

        let database = try Database(directory: configuration.data, options: databaseOptions)
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

struct Passwd: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a password-file line (user:SCRAM-SHA-256$...) for USER; the password is read from stdin.")

    @Argument(help: "The user name.")
    var user: String

    func run() throws {
        guard let password = readLine(strippingNewline: true), !password.isEmpty else {
            throw ValidationError("no password on standard input")
        }
        print(PasswordFile.line(user: user, password: password))
    }
}

ServerCommand.main()
