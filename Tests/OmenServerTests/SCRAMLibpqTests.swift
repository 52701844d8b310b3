import Foundation
#if canImport(Glibc)
import Glibc
#endif
@testable import OmenServer
import XCTest

/// libpq's SCRAM client (psql) authenticates against SCRAMServerExchange: the test answers
/// psql's connection with just enough of the protocol (AuthenticationSASL, SASLContinue,
/// SASLFinal, then AuthenticationOk and a FATAL ending the session), so psql's stderr shows
/// whether libpq accepted the server's signature and how it reports a refusal.
final class SCRAMLibpqTests: XCTestCase {
    private func psql() throws -> String {
        let path = "/usr/bin/psql"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            XCTFail("\(path) is missing: scripts/setup.sh installs postgresql-client-15")
            throw XCTSkip("no psql")
        }
        return path
    }

    func testPsqlAuthenticatesWithTheRightPassword() throws {
        let verifier = try SCRAMVerifier(parsing: SCRAMTests.postgresAlice)
        let stderr = try connect(password: "correct horse", verifier: verifier)
        XCTAssertTrue(stderr.contains("FATAL:  scram test: authenticated"), stderr)
    }

    func testPsqlIsRefusedWithTheWrongPasswordOrAnUnknownUser() throws {
        let verifier = try SCRAMVerifier(parsing: SCRAMTests.postgresAlice)
        let wrong = try connect(password: "correct horse!", verifier: verifier)
        XCTAssertTrue(wrong.contains("FATAL:  password authentication failed for user \"alice\""), wrong)
        let unknown = try connect(password: "correct horse", verifier: nil)
        XCTAssertTrue(unknown.contains("FATAL:  password authentication failed for user \"alice\""), unknown)
    }

    /// Runs psql against a one-connection server on a loopback port; returns psql's stderr.
    private func connect(password: String, verifier: SCRAMVerifier?) throws -> String {
        let psql = try psql()
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(listener, 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                guard bind(listener, $0, length) == 0, listen(listener, 1) == 0, getsockname(listener, $0, &length) == 0 else {
                    throw POSIXError(.EADDRINUSE)
                }
            }
        }
        let port = UInt16(bigEndian: address.sin_port)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: psql)
        process.arguments = ["-X", "-w", "host=127.0.0.1 port=\(port) user=alice dbname=omendb sslmode=disable gssencmode=disable connect_timeout=20",
                             "-c", "SELECT 1"]
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSWORD"] = password
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()

        let connection = accept(listener, nil, nil)
        XCTAssertGreaterThanOrEqual(connection, 0)
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        defer { close(connection) }
        try serve(connection, verifier: verifier)
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 2, stderr)   // psql: the connection failed (our FATAL)
        return stderr
    }

    private func serve(_ connection: Int32, verifier: SCRAMVerifier?) throws {
        func read(_ count: Int) throws -> [UInt8] {
            var bytes = [UInt8](repeating: 0, count: count)
            var done = 0
            while done < count {
                let n = bytes.withUnsafeMutableBytes { recv(connection, $0.baseAddress! + done, count - done, 0) }
                guard n > 0 else { throw POSIXError(.ECONNRESET) }
                done += n
            }
            return bytes
        }
        func int32(_ bytes: ArraySlice<UInt8>) -> Int { Int(bytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }) }
        func be32(_ value: Int) -> [UInt8] { withUnsafeBytes(of: UInt32(value).bigEndian, Array.init) }
        func send(_ type: Character, _ body: [UInt8]) {
            let message = [type.asciiValue!] + be32(body.count + 4) + body
            _ = message.withUnsafeBytes { Glibc.send(connection, $0.baseAddress, $0.count, 0) }
        }
        func fatal(_ code: String, _ message: String) {
            send("E", Array("SFATAL\0VFATAL\0C\(code)\0M\(message)\0\0".utf8))
        }
        func readMessage(_ expected: Character) throws -> [UInt8] {
            let header = try read(5)
            XCTAssertEqual(header[0], expected.asciiValue)
            return try read(int32(header[1...]) - 4)
        }

        let startupLength = int32(try read(4)[...])
        let startup = try read(startupLength - 4)
        XCTAssertEqual(int32(startup[0..<4]), 196_608)   // protocol 3.0
        send("R", be32(10) + Array("SCRAM-SHA-256\0\0".utf8))
        let exchange = SCRAMServerExchange(user: "alice", verifier: verifier)
        let initial = try readMessage("p")
        let mechanismEnd = initial.firstIndex(of: 0)!
        XCTAssertEqual(String(decoding: initial[..<mechanismEnd], as: UTF8.self), "SCRAM-SHA-256")
        let first = Array(initial[(mechanismEnd + 5)...])
        XCTAssertEqual(int32(initial[(mechanismEnd + 1)..<(mechanismEnd + 5)]), first.count)
        do {
            send("R", be32(11) + (try exchange.clientFirst(first)))
            let final = try readMessage("p")
            send("R", be32(12) + (try exchange.clientFinal(final)))
            send("R", be32(0))
            fatal("08006", "scram test: authenticated")
        } catch let error as PGError {
            fatal(error.code, error.message)
        }
    }
}
