import Crypto
import Foundation
@testable import OmenServer
import XCTest
import OmenTestSupport

final class SCRAMTests: XCTestCase {
    private func hex(_ text: String) -> [UInt8] {
        let compact = text.filter { !$0.isWhitespace }
        return stride(from: 0, to: compact.count, by: 2).map {
            let start = compact.index(compact.startIndex, offsetBy: $0)
            return UInt8(compact[start..<compact.index(start, offsetBy: 2)], radix: 16)!
        }
    }

    /// RFC 7914 §11's PBKDF2-HMAC-SHA256 test vectors.
    func testPBKDF2MatchesRFC7914() {
        XCTAssertEqual(PBKDF2.sha256(password: Array("passwd".utf8), salt: Array("salt".utf8), iterations: 1, length: 64), hex("""
            55 ac 04 6e 56 e3 08 9f ec 16 91 c2 25 44 b6 05 f9 41 85 21 6d de 04 65 e6 8b 9d 57 c2 0d ac bc
            49 ca 9c cc f1 79 b6 45 99 16 64 b3 9d 77 ef 31 7c 71 b8 45 b1 e3 0b d5 09 11 20 41 d3 a1 97 83
            """))
        XCTAssertEqual(PBKDF2.sha256(password: Array("Password".utf8), salt: Array("NaCl".utf8), iterations: 80000, length: 64), hex("""
            4d dc d8 f6 0b 98 be 21 83 0c ee 5e f2 27 01 f9 64 1a 44 18 d0 4c 04 14 ae ff 08 87 6b 34 ab 56
            a1 d4 25 a1 22 58 33 54 9a db 84 1b 51 c9 b3 17 6a 27 2b de bb a1 d0 78 47 8f 62 b3 97 f3 3c 8d
            """))
    }

    func testBase64() {
        for (bytes, text) in [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")] {
            XCTAssertEqual(Base64.encode(Array(bytes.utf8)), text)
            XCTAssertEqual(Base64.decode(text), Array(bytes.utf8))
        }
        for bad in ["Zg=", "Zg", "Z===", "Zm9v=", "Zm 9", "Zg==Zg==", "Zm=v", "Zm9*"] {
            XCTAssertNil(Base64.decode(bad), bad)
        }
    }

    /// Verifiers made by PostgreSQL 15.18 (`SET password_encryption = 'scram-sha-256';
    /// CREATE ROLE alice LOGIN PASSWORD 'correct horse'`, then `SELECT rolpassword FROM pg_authid`).
    static let postgresAlice = "SCRAM-SHA-256$4096:xq/dS58PSYoAz8P/cU58aw==$HbFH0HvMPqiBir8ZmLPZDZyARRfPY5lwyb7fROCCISw=:goY05f1XXft9ZrRlKx/tygopeXbESW1+blLYd+lJQpQ="
    static let postgresBob = "SCRAM-SHA-256$4096:UvF1n2fv9ktSp4iotxrhSw==$7El796gPuhaV4cC/H6t/WMhsmpgOf434lznkxs0G70A=:E0eAXLPhMFwXxlvbj2HWGau7+kYVrdWPd6dnE7l5F3Q="

    func testPostgreSQLVerifiersParseAndCheckPasswords() throws {
        let alice = try SCRAMVerifier(parsing: Self.postgresAlice)
        XCTAssertEqual(alice.iterations, 4096)
        XCTAssertEqual(alice.salt.count, 16)
        XCTAssertEqual(alice.text, Self.postgresAlice)
        XCTAssertTrue(alice.verify(password: "correct horse"))
        XCTAssertFalse(alice.verify(password: "correct horse "))
        XCTAssertFalse(alice.verify(password: "pencil"))
        // The same password and salt give PostgreSQL's keys.
        XCTAssertEqual(SCRAMVerifier.make(password: "correct horse", salt: alice.salt), alice)
        let bob = try SCRAMVerifier(parsing: Self.postgresBob)
        XCTAssertTrue(bob.verify(password: "pencil"))
    }

    func testMadeVerifiersAreFreshlySalted() throws {
        let a = SCRAMVerifier.make(password: "pw")
        let b = SCRAMVerifier.make(password: "pw")
        XCTAssertNotEqual(a.salt, b.salt)
        XCTAssertEqual(a.salt.count, 16)
        XCTAssertTrue(a.verify(password: "pw") && b.verify(password: "pw"))
        XCTAssertEqual(try SCRAMVerifier(parsing: a.text), a)
        XCTAssertEqual(SCRAMVerifier.make(password: "pw", iterations: 10).iterations, 10)
    }

    func testMalformedVerifiersAreRefused() {
        let good = Self.postgresAlice
        let bad = [
            "", "md5abc", "SCRAM-SHA-1$4096:xq/dS58PSYoAz8P/cU58aw==$a:b",
            good.replacingOccurrences(of: "$4096:", with: "$0:"),
            good.replacingOccurrences(of: "$4096:", with: "$x:"),
            good.replacingOccurrences(of: "$4096:", with: "$4096$"),
            good.replacingOccurrences(of: "xq/dS58PSYoAz8P/cU58aw==", with: "xq/dS58P!YoAz8P/cU58aw=="),
            String(good.dropLast(4)),
            good + ":extra",
        ]
        for text in bad {
            XCTAssertThrowsError(try SCRAMVerifier(parsing: text), text) { error in
                XCTAssertEqual((error as? PGError)?.code, SQLState.invalidParameterValue)
            }
        }
    }

    /// RFC 7677 §3's example exchange, with its nonces.
    func testRFC7677Exchange() throws {
        let verifier = SCRAMVerifier.make(password: "pencil", salt: Base64.decode("W22ZaJ0SNY7soEsUEjb6gQ==")!)
        let exchange = SCRAMServerExchange(user: "user", verifier: verifier, serverNonce: "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0")
        let serverFirst = try exchange.clientFirst(Array("n,,n=user,r=rOprNGfwEbeRWgbNEkqO".utf8))
        XCTAssertEqual(String(decoding: serverFirst, as: UTF8.self),
                       "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
        let serverFinal = try exchange.clientFinal(Array(
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=".utf8))
        XCTAssertEqual(String(decoding: serverFinal, as: UTF8.self), "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
    }

    /// The client side of RFC 5802, for the failure cases (the success case is also run by
    /// scramp below).
    private func clientFinal(serverFirst: [UInt8], password: String, clientFirstBare: String, gs2: String = "n,,") -> String {
        let text = String(decoding: serverFirst, as: UTF8.self)
        var fields: [Character: String] = [:]
        for part in text.split(separator: ",") { fields[part.first!] = String(part.dropFirst(2)) }
        let salt = Base64.decode(fields["s"]!)!
        let salted = SymmetricKey(data: PBKDF2.sha256(password: Array(password.utf8), salt: salt, iterations: Int(fields["i"]!)!))
        let clientKey = Array(HMAC<SHA256>.authenticationCode(for: Array("Client Key".utf8), using: salted))
        let storedKey = Array(SHA256.hash(data: clientKey))
        let withoutProof = "c=\(Base64.encode(Array(gs2.utf8))),r=\(fields["r"]!)"
        let authMessage = "\(clientFirstBare),\(text),\(withoutProof)"
        let signature = Array(HMAC<SHA256>.authenticationCode(for: Array(authMessage.utf8), using: SymmetricKey(data: storedKey)))
        return "\(withoutProof),p=\(Base64.encode(zip(clientKey, signature).map { $0 ^ $1 }))"
    }

    private func assertAuthenticationFailed(_ body: @autoclosure () throws -> [UInt8], user: String,
                                            file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            let error = error as? PGError
            XCTAssertEqual(error?.code, SQLState.invalidPassword, file: file, line: line)
            XCTAssertEqual(error?.severity, .fatal, file: file, line: line)
            XCTAssertEqual(error?.message, "password authentication failed for user \"\(user)\"", file: file, line: line)
            XCTAssertNil(error?.detail, file: file, line: line)
        }
    }

    func testPasswordsRightAndWrongAndUnknownUsers() throws {
        let verifier = try SCRAMVerifier(parsing: Self.postgresAlice)
        for gs2 in ["n,,", "y,,"] {
            let bare = "n=,r=abcdefghijklmnop"
            let exchange = SCRAMServerExchange(user: "alice", verifier: verifier)
            let serverFirst = try exchange.clientFirst(Array((gs2 + bare).utf8))
            let final = clientFinal(serverFirst: serverFirst, password: "correct horse", clientFirstBare: bare, gs2: gs2)
            XCTAssertTrue(String(decoding: try exchange.clientFinal(Array(final.utf8)), as: UTF8.self).hasPrefix("v="))
        }

        let bare = "n=alice,r=0123456789"
        let wrong = SCRAMServerExchange(user: "alice", verifier: verifier)
        let wrongFirst = try wrong.clientFirst(Array(("n,," + bare).utf8))
        assertAuthenticationFailed(try wrong.clientFinal(Array(clientFinal(serverFirst: wrongFirst, password: "Correct horse", clientFirstBare: bare).utf8)), user: "alice")

        // An unknown user sees a complete exchange: a salt (the same each time), then the same failure.
        func unknownServerFirst() throws -> (SCRAMServerExchange, [UInt8]) {
            let exchange = SCRAMServerExchange(user: "mallory", verifier: nil)
            return (exchange, try exchange.clientFirst(Array(("n,," + bare).utf8)))
        }
        let (unknown, unknownFirst) = try unknownServerFirst()
        let (_, again) = try unknownServerFirst()
        func salt(_ message: [UInt8]) -> String { String(String(decoding: message, as: UTF8.self).split(separator: ",")[1]) }
        XCTAssertEqual(salt(unknownFirst), salt(again))
        XCTAssertNotEqual(salt(unknownFirst), salt(wrongFirst))
        XCTAssertEqual(Base64.decode(salt(unknownFirst).dropFirst(2))?.count, 16)
        XCTAssertTrue(String(decoding: unknownFirst, as: UTF8.self).hasSuffix(",i=4096"))
        assertAuthenticationFailed(try unknown.clientFinal(Array(clientFinal(serverFirst: unknownFirst, password: "x", clientFirstBare: bare).utf8)), user: "mallory")

        // Server nonces differ between exchanges: 18 random bytes in base64.
        let nonceA = String(decoding: try SCRAMServerExchange(user: "alice", verifier: verifier).clientFirst(Array("n,,n=,r=abc".utf8)), as: UTF8.self)
        let nonceB = String(decoding: try SCRAMServerExchange(user: "alice", verifier: verifier).clientFirst(Array("n,,n=,r=abc".utf8)), as: UTF8.self)
        XCTAssertNotEqual(nonceA, nonceB)
        XCTAssertEqual(nonceA.split(separator: ",")[0].count, "r=abc".count + 24)
    }

    func testMalformedAndOutOfOrderMessages() throws {
        let verifier = try SCRAMVerifier(parsing: Self.postgresAlice)
        func firstFails(_ message: String, _ code: String) {
            XCTAssertThrowsError(try SCRAMServerExchange(user: "alice", verifier: verifier).clientFirst(Array(message.utf8)), message) {
                XCTAssertEqual(($0 as? PGError)?.code, code, message)
                XCTAssertEqual(($0 as? PGError)?.severity, .fatal, message)
            }
        }
        firstFails("p=tls-server-end-point,,n=,r=abc", SQLState.protocolViolation)   // channel binding: not offered
        firstFails("n,a=bob,n=,r=abc", SQLState.featureNotSupported)
        firstFails("n,,m=ext,n=,r=abc", SQLState.featureNotSupported)
        for bad in ["", "n", "n,", "n,,", "x,,n=,r=abc", "n,,r=abc", "n,,n=", "n,,n=,", "n,,n=,r=", "n,,n=,x=abc", "nn,n=,r=abc", "n,,n=,r=a\u{7F}b"] {
            firstFails(bad, SQLState.protocolViolation)
        }

        let bare = "n=,r=client"
        func finalFails(_ mutate: (String) -> String, _ code: String) throws {
            let exchange = SCRAMServerExchange(user: "alice", verifier: verifier)
            let serverFirst = try exchange.clientFirst(Array(("n,," + bare).utf8))
            let message = mutate(clientFinal(serverFirst: serverFirst, password: "correct horse", clientFirstBare: bare))
            XCTAssertThrowsError(try exchange.clientFinal(Array(message.utf8)), message) {
                XCTAssertEqual(($0 as? PGError)?.code, code, message)
            }
        }
        try finalFails({ $0.replacingOccurrences(of: "c=biws", with: "c=eSws") }, SQLState.protocolViolation)   // y,, after n,,
        try finalFails({ $0.replacingOccurrences(of: "r=client", with: "r=clienT") }, SQLState.protocolViolation)
        try finalFails({ $0 + "," }, SQLState.protocolViolation)
        try finalFails({ $0 + "x" }, SQLState.protocolViolation)   // proof no longer base64 of 32 bytes
        try finalFails({ String($0.prefix(while: { $0 != "p" }).dropLast()) }, SQLState.protocolViolation)   // no proof
        try finalFails({ "r=x," + $0 }, SQLState.protocolViolation)
        // An extension before the proof is allowed; it is part of the signed message.
        try finalFails({ $0.replacingOccurrences(of: ",p=", with: ",x=ext,p=") }, SQLState.invalidPassword)

        // Out of order: final first, or a second first.
        XCTAssertThrowsError(try SCRAMServerExchange(user: "alice", verifier: verifier).clientFinal(Array("c=biws".utf8))) {
            XCTAssertEqual(($0 as? PGError)?.code, SQLState.protocolViolation)
        }
        let twice = SCRAMServerExchange(user: "alice", verifier: verifier)
        _ = try twice.clientFirst(Array(("n,," + bare).utf8))
        XCTAssertThrowsError(try twice.clientFirst(Array(("n,," + bare).utf8)))
    }

    /// Random byte strings and random mutations of valid messages: an error, never a crash
    /// or a success.
    func testRandomMessagesNeverSucceed() throws {
        let seed = UInt64(ProcessInfo.processInfo.environment["OMENDB_TEST_SEED"] ?? "") ?? UInt64.random(in: 1...UInt64(1) << 40)
        print("seed \(seed) (OMENDB_TEST_SEED)")
        var generator = SeededGenerator(seed: seed)
        func next() -> UInt64 { generator.next() }
        let verifier = SCRAMVerifier.make(password: "pw", salt: Array(repeating: 7, count: 16), iterations: 2)
        let bare = "n=,r=nonce"
        for _ in 0..<300 {
            let exchange = SCRAMServerExchange(user: "u", verifier: verifier)
            var first = Array(("n,," + bare).utf8)
            let mutateFirst = next() % 3 == 0
            if mutateFirst { first[Int(next() % UInt64(first.count))] = UInt8(truncatingIfNeeded: next()) }
            guard let serverFirst = try? exchange.clientFirst(first) else { continue }
            var final = Array(clientFinal(serverFirst: serverFirst, password: "pw", clientFirstBare: String(decoding: first.dropFirst(3), as: UTF8.self)).utf8)
            let position = Int(next() % UInt64(final.count))
            let replacement = UInt8(truncatingIfNeeded: next())
            let changed = final[position] != replacement
            final[position] = replacement
            if changed {
                XCTAssertThrowsError(try exchange.clientFinal(final), "seed \(seed): \(String(decoding: final, as: UTF8.self))")
            }
        }
    }

    /// A real SCRAM client, scramp (the SCRAM implementation of pg8000), authenticates
    /// against the exchange and checks the server's signature; with the wrong password it
    /// fails with 28P01.
    func testScrampClientAuthenticates() throws {
        let verifier = try SCRAMVerifier(parsing: Self.postgresAlice)
        let (final, failure) = try runScramp(password: "correct horse", verifier: verifier)
        XCTAssertNil(failure)
        XCTAssertEqual(final, "ok")
        let (_, wrong) = try runScramp(password: "wrong horse", verifier: verifier)
        XCTAssertEqual(wrong?.code, SQLState.invalidPassword)
    }

    private func runScramp(password: String, verifier: SCRAMVerifier) throws -> (String?, PGError?) {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let venv = ProcessInfo.processInfo.environment["OMENDB_VENV"] ?? root.appendingPathComponent(".venv").path
        let python = venv + "/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            XCTFail("\(python) is missing: run scripts/setup.sh (it installs pg8000 and scramp) or set OMENDB_VENV")
            return (nil, nil)
        }
        let script = """
            import sys, scramp
            c = scramp.ScramClient(["SCRAM-SHA-256"], "alice", sys.argv[1])
            print(c.get_client_first(), flush=True)
            c.set_server_first(sys.stdin.readline().rstrip("\\n"))
            print(c.get_client_final(), flush=True)
            c.set_server_final(sys.stdin.readline().rstrip("\\n"))
            print("ok", flush=True)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, password]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice   // scramp's traceback when the server refuses
        try process.run()
        defer { process.waitUntilExit() }
        var pending = Data()
        func readLine() -> String? {
            while true {
                if let newline = pending.firstIndex(of: 0x0A) {
                    let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                    pending = Data(pending[(newline + 1)...])
                    return line
                }
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { return nil }
                pending.append(chunk)
            }
        }
        func send(_ bytes: [UInt8]) { input.fileHandleForWriting.write(Data(bytes + [0x0A])) }
        let exchange = SCRAMServerExchange(user: "alice", verifier: verifier)
        let clientFirst = try XCTUnwrap(readLine())
        XCTAssertTrue(clientFirst.hasPrefix("n,,n=alice,r="), clientFirst)
        send(try exchange.clientFirst(Array(clientFirst.utf8)))
        let clientFinal = try XCTUnwrap(readLine())
        do {
            send(try exchange.clientFinal(Array(clientFinal.utf8)))
        } catch {
            try input.fileHandleForWriting.close()
            return (nil, error)
        }
        let result = readLine()
        try input.fileHandleForWriting.close()
        return (result, nil)
    }
}
