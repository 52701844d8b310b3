import OmenDB
@testable import OmenServer
import XCTest

final class ServerConfigTests: XCTestCase {
    func testDefaults() throws {
        let config = ServerConfig()
        XCTAssertNil(config.data)
        XCTAssertEqual(config.host, "127.0.0.1")
        XCTAssertEqual(config.port, 5433)
        XCTAssertEqual(config.auth, .trust)
        XCTAssertEqual(config.maxConnections, 100)
        XCTAssertEqual(config.maxMessageSize, 1 << 30)
        XCTAssertEqual(config.statementTimeout, 0)
        XCTAssertEqual(config.idleInTransactionSessionTimeout, 0)
        XCTAssertEqual(config.logLevel, .info)
        XCTAssertFalse(config.allowRemote)
        XCTAssertEqual(config.sync, .full)
        XCTAssertThrowsError(try config.validate())   // no data directory
    }

    func testFileWithEveryKey() throws {
        let config = try ServerConfig(contents: """
            # omendb-server configuration
            data = '/var/lib/omen db'     # quoted: spaces kept
            listen = 0.0.0.0:6543
            auth = SCRAM-SHA-256
            password_file '/etc/omendb/passwd'
              max_connections=7
            max_message_size = 64MB
            statement_timeout = 1.5s
            idle_in_transaction_session_timeout = 5min
            log_level = debug
            allow_remote = on
            sync = normal

            """)
        XCTAssertEqual(config.data, "/var/lib/omen db")
        XCTAssertEqual(config.host, "0.0.0.0")
        XCTAssertEqual(config.port, 6543)
        XCTAssertEqual(config.auth, .scramSHA256)
        XCTAssertEqual(config.passwordFile, "/etc/omendb/passwd")
        XCTAssertEqual(config.maxConnections, 7)
        XCTAssertEqual(config.maxMessageSize, 64 << 20)
        XCTAssertEqual(config.statementTimeout, 1500)
        XCTAssertEqual(config.idleInTransactionSessionTimeout, 300_000)
        XCTAssertEqual(config.logLevel, .debug)
        XCTAssertTrue(config.allowRemote)
        XCTAssertEqual(config.sync, .normal)
        XCTAssertFalse(config.listensOnLoopback)
        XCTAssertNoThrow(try config.validate())
    }

    func testValuesAndUnits() throws {
        XCTAssertEqual(ServerConfig.parseDuration("250"), 250)
        XCTAssertEqual(ServerConfig.parseDuration("250ms"), 250)
        XCTAssertEqual(ServerConfig.parseDuration("1500us"), 2)   // rounded to the nearest ms
        XCTAssertEqual(ServerConfig.parseDuration("2 h"), 7_200_000)
        XCTAssertEqual(ServerConfig.parseDuration("1d"), 86_400_000)
        XCTAssertEqual(ServerConfig.parseDuration("0"), 0)
        for bad in ["", "-1", "1 minute", "1S", "s", "1e3", "ten", "99999999999"] { XCTAssertNil(ServerConfig.parseDuration(bad), bad) }
        XCTAssertEqual(ServerConfig.parseSize("8kB"), 8192)
        XCTAssertEqual(ServerConfig.parseSize("1GB"), 1 << 30)
        XCTAssertEqual(ServerConfig.parseSize("100"), 100)
        XCTAssertEqual(ServerConfig.parseSize("100B"), 100)
        for bad in ["", "1kb", "1 K", "-5MB", "MB"] { XCTAssertNil(ServerConfig.parseSize(bad), bad) }
        XCTAssertTrue(ServerConfig.parseListen("[::1]:7000")! == ("::1", 7000))
        XCTAssertTrue(ServerConfig.parseListen("localhost")! == ("localhost", 5433))
        XCTAssertTrue(ServerConfig.parseListen("10.0.0.1:1")! == ("10.0.0.1", 1))
        for bad in ["", ":5433", "host:0", "host:65536", "host:x", "::1:5433", "[::1", "[::1]x", "a b:1"] {
            XCTAssertNil(ServerConfig.parseListen(bad), bad)
        }
        var config = ServerConfig()
        try config.set("auth", "password")
        XCTAssertEqual(config.auth, .password)
        try config.set("ALLOW_REMOTE", "yes")
        XCTAssertTrue(config.allowRemote)
        XCTAssertThrowsError(try config.set("max_message_size", "100")) { XCTAssertEqual(($0 as? PGError)?.code, SQLState.invalidParameterValue) }
        XCTAssertThrowsError(try config.set("max_connections", "0"))
        XCTAssertThrowsError(try config.set("auth", "md5"))
        XCTAssertThrowsError(try config.set("sync", "always"))
        XCTAssertThrowsError(try config.set("log_level", "verbose"))
        XCTAssertThrowsError(try config.set("allow_remote", "maybe"))
        XCTAssertThrowsError(try config.set("port", "1")) { XCTAssertEqual(($0 as? PGError)?.code, SQLState.undefinedObject) }
    }

    func testErrorsNameTheLine() {
        func fails(_ contents: String, _ expected: String) {
            XCTAssertThrowsError(try ServerConfig(contents: contents, file: "omendb.conf"), contents) { error in
                XCTAssertEqual((error as? PGError)?.code, SQLState.configFileError, contents)
                XCTAssertEqual((error as? PGError)?.message, expected, contents)
            }
        }
        fails("data = x\nfsync = off\n", "unrecognized configuration parameter \"fsync\" in file \"omendb.conf\" line 2")
        fails("\n\nmax_connections = lots", "invalid value for parameter \"max_connections\": \"lots\" (expected an integer from 1 to 262143) in file \"omendb.conf\" line 3")
        fails("data = 'unterminated", "syntax error in file \"omendb.conf\" line 1, near \"\"")
        fails("data = a b", "syntax error in file \"omendb.conf\" line 1, near \"b\"")
        fails("data =", "syntax error in file \"omendb.conf\" line 1, near \"\"")
        fails("= x", "syntax error in file \"omendb.conf\" line 1, near \"= x\"")
    }

    func testQuotingAndComments() throws {
        let config = try ServerConfig(contents: "data = 'it''s # not a comment\\\\x' # a comment\nlog_level = 'warning'\ndata='later wins'\n")
        XCTAssertEqual(config.data, "later wins")
        XCTAssertEqual(try ServerConfig(contents: "data = 'it''s # not a comment\\\\x' # a comment").data, "it's # not a comment\\x")
        XCTAssertEqual(config.logLevel, .warning)
    }

    func testValidationRules() throws {
        var config = ServerConfig()
        config.data = "/tmp/x"
        XCTAssertNoThrow(try config.validate())
        try config.set("listen", "0.0.0.0:5433")
        XCTAssertThrowsError(try config.validate())   // not loopback without allow_remote
        config.allowRemote = true
        XCTAssertThrowsError(try config.validate())   // still trust
        config.auth = .scramSHA256
        XCTAssertThrowsError(try config.validate())   // no password file
        config.passwordFile = "/etc/passwd-file"
        XCTAssertNoThrow(try config.validate())
        config.auth = .password
        XCTAssertThrowsError(try config.validate()) {   // cleartext only over loopback
            XCTAssertEqual(($0 as? PGError)?.message, "listening on 0.0.0.0 (not loopback) requires auth = scram-sha-256, not password")
        }
        config.host = "127.0.0.1"
        XCTAssertNoThrow(try config.validate())
        for loopback in ["127.0.0.1", "127.1.2.3", "::1", "localhost"] {
            config.host = loopback
            XCTAssertTrue(config.listensOnLoopback, loopback)
        }
    }
}

final class PasswordFileTests: XCTestCase {
    func testParsesPostgreSQLVerifiers() throws {
        let file = try PasswordFile(contents: """
            # users of omendb-server
            alice:\(SCRAMTests.postgresAlice)

              bob:\(SCRAMTests.postgresBob)\r
            """)
        XCTAssertEqual(file.users, ["alice", "bob"])
        XCTAssertTrue(try XCTUnwrap(file.verifier(for: "alice")).verify(password: "correct horse"))
        XCTAssertTrue(try XCTUnwrap(file.verifier(for: "bob")).verify(password: "pencil"))
        XCTAssertNil(file.verifier(for: "Alice"))
        XCTAssertNil(file.verifier(for: "carol"))
    }

    func testLineIsWhatThePasswdSubcommandPrints() throws {
        let line = try PasswordFile.line(user: "carol", password: "s3cret pass")
        XCTAssertTrue(line.hasPrefix("carol:SCRAM-SHA-256$4096:"))
        let file = try PasswordFile(contents: line + "\n")
        XCTAssertTrue(try XCTUnwrap(file.verifier(for: "carol")).verify(password: "s3cret pass"))
        XCTAssertFalse(try XCTUnwrap(file.verifier(for: "carol")).verify(password: "s3cret"))
        XCTAssertNotEqual(try PasswordFile.line(user: "carol", password: "s3cret pass"), line)   // fresh salt
        for user in ["", "a:b", "a\nb", " a", "#a"] {
            XCTAssertThrowsError(try PasswordFile.line(user: user, password: "x"), user)
        }
        XCTAssertThrowsError(try PasswordFile.line(user: "a", password: ""))
    }

    func testErrorsNameTheLine() {
        func fails(_ contents: String, _ fragment: String) {
            XCTAssertThrowsError(try PasswordFile(contents: contents), contents) { error in
                XCTAssertEqual((error as? PGError)?.code, SQLState.configFileError)
                XCTAssertTrue((error as? PGError)?.message.contains(fragment) == true, "\(error)")
            }
        }
        fails("alice", "line 1: expected user:SCRAM-SHA-256$")
        fails("alice \(SCRAMTests.postgresAlice)", "line 1: invalid SCRAM-SHA-256 verifier")
        fails("\n:\(SCRAMTests.postgresAlice)", "line 2: expected")
        fails("alice:md5deadbeef", "line 1: invalid SCRAM-SHA-256 verifier")
        fails("alice:\(SCRAMTests.postgresAlice)\nalice:\(SCRAMTests.postgresBob)", "line 2: user \"alice\" appears twice")
    }
}
