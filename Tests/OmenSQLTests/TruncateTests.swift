import CSQLite
import Foundation
import OmenDB
import OmenSQL
import XCTest
import OmenTestSupport

/// omendb_truncate (docs/sql.md, "Truncating"): TRUNCATE inside the connection's
/// transaction semantics, against `DELETE FROM` on an ordinary table.
final class TruncateTests: XCTestCase {
    func testTruncateInAndOutOfTransactions() throws {
        let directory = temporaryDatabaseDirectory("truncate")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var database = try Database(directory: directory)
        do {
            let a = try TestConnection(database)
            XCTAssertEqual(a.run("CREATE VIRTUAL TABLE t USING omendb(id serial PRIMARY KEY, v text)"), .rows([]))
            let b = try TestConnection(database)
            XCTAssertEqual(a.run("INSERT INTO t(v) VALUES ('a'), ('b'), ('c')"), .rows([]))
            // Alone in a transaction (no statement of it writes the table through SQLite).
            XCTAssertEqual(a.run("BEGIN"), .rows([]))
            XCTAssertEqual(a.run("SELECT omendb_truncate('t')"), .rows(["NULL"]))
            XCTAssertEqual(a.rows("SELECT count(*) FROM t"), ["0"])
            XCTAssertEqual(b.rows("SELECT count(*) FROM t"), ["3"], "not visible before COMMIT")
            XCTAssertEqual(a.run("ROLLBACK"), .rows([]))
            XCTAssertEqual(a.rows("SELECT v FROM t ORDER BY id"), ["a", "b", "c"], "undone by ROLLBACK")
            XCTAssertEqual(a.run("BEGIN"), .rows([]))
            XCTAssertEqual(a.run("SELECT omendb_truncate('T')"), .rows(["NULL"]))
            XCTAssertEqual(a.run("COMMIT"), .rows([]))
            XCTAssertEqual(b.rows("SELECT count(*) FROM t"), ["0"], "committed by COMMIT")
            // With writes around it and a savepoint.
            XCTAssertEqual(a.run("INSERT INTO t(v) VALUES ('d'), ('e')"), .rows([]))
            XCTAssertEqual(a.run("BEGIN"), .rows([]))
            XCTAssertEqual(a.run("INSERT INTO t(v) VALUES ('f')"), .rows([]))
            XCTAssertEqual(a.run("SAVEPOINT s"), .rows([]))
            XCTAssertEqual(a.run("SELECT omendb_truncate('t')"), .rows(["NULL"]))
            XCTAssertEqual(a.run("INSERT INTO t(v) VALUES ('g')"), .rows([]))
            XCTAssertEqual(a.rows("SELECT v FROM t"), ["g"])
            XCTAssertEqual(a.run("ROLLBACK TO s"), .rows([]))
            XCTAssertEqual(a.rows("SELECT v FROM t ORDER BY id"), ["d", "e", "f"])
            XCTAssertEqual(a.run("SELECT omendb_truncate('t')"), .rows(["NULL"]))
            XCTAssertEqual(a.run("INSERT INTO t(v) VALUES ('h')"), .rows([]))
            XCTAssertEqual(a.run("COMMIT"), .rows([]))
            XCTAssertEqual(b.rows("SELECT id, v FROM t"), ["8|h"], "keys are not reused after TRUNCATE or ROLLBACK TO (as a sequence: g took 7)")
            // ROLLBACK TO the savepoint that began the transaction (SQLite's xRollbackTo(-1)).
            XCTAssertEqual(a.run("SAVEPOINT outer"), .rows([]))
            XCTAssertEqual(a.run("INSERT INTO t(v) VALUES ('undone')"), .rows([]))
            XCTAssertEqual(a.run("ROLLBACK TO outer"), .rows([]))
            XCTAssertEqual(a.run("INSERT INTO t(v) VALUES ('i')"), .rows([]))
            XCTAssertEqual(a.run("RELEASE outer"), .rows([]))
            XCTAssertEqual(b.rows("SELECT v FROM t"), ["h", "i"])
            // Autocommit.
            XCTAssertEqual(b.run("SELECT omendb_truncate('t')"), .rows(["NULL"]))
            XCTAssertEqual(a.rows("SELECT count(*) FROM t"), ["0"])
            XCTAssertEqual(a.run("INSERT INTO t(v) VALUES ('kept')"), .rows([]))
            guard case .error(_, let message) = a.run("SELECT omendb_truncate('missing')"), message.contains("no such table: missing") else {
                return XCTFail("an unknown table is an error")
            }
            // Several tables at once: all or none.
            XCTAssertEqual(a.run("CREATE VIRTUAL TABLE u USING omendb(x text)"), .rows([]))
            XCTAssertEqual(a.run("INSERT INTO u VALUES ('u1'), ('u2')"), .rows([]))
            guard case .error = a.run("SELECT omendb_truncate('u', 'missing')") else { return XCTFail("an unknown table") }
            XCTAssertEqual(a.rows("SELECT count(*) FROM u"), ["2"], "nothing truncated")
            XCTAssertEqual(a.run("BEGIN"), .rows([]))
            XCTAssertEqual(a.run("SELECT omendb_truncate('u', 't')"), .rows(["NULL"]))
            XCTAssertEqual(a.rows("SELECT (SELECT count(*) FROM u) + (SELECT count(*) FROM t)"), ["0"])
            XCTAssertEqual(a.run("ROLLBACK"), .rows([]))
            XCTAssertEqual(a.run("SELECT omendb_truncate('u', 'U')"), .rows(["NULL"]))
            try OmenSQL.refresh(b.handle)  // b opened before u was created
            XCTAssertEqual(b.rows("SELECT (SELECT count(*) FROM u) || ',' || (SELECT count(*) FROM t)"), ["0,1"])
            guard case .error(_, let refusal) = a.run("SELECT omendb_truncate()"), refusal.contains("one or more") else {
                return XCTFail("no table")
            }
        }
        try database.close()
        database = try Database(directory: directory)
        XCTAssertEqual(try TestConnection(database).rows("SELECT v FROM t"), ["kept"], "durable")
        try database.close()
    }

    /// A seeded random sequence of inserts, truncates (DELETE FROM on the reference),
    /// BEGIN/COMMIT/ROLLBACK and savepoints on an omendb table `v` and an ordinary table
    /// `r` in one connection: the same rows after every statement.
    func testTruncateAgainstDeleteOnAnOrdinaryTable() throws {
        let seed = testSeed("testTruncateAgainstDeleteOnAnOrdinaryTable")
        var rng = SeededGenerator(seed: seed)
        let directory = temporaryDatabaseDirectory("truncate-random")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try Database(directory: directory)
        defer { try? database.close() }
        let connection = try TestConnection(database)
        XCTAssertEqual(connection.run("CREATE VIRTUAL TABLE v USING omendb(id int PRIMARY KEY, x text)"), .rows([]))
        XCTAssertEqual(connection.run("CREATE TABLE r(id int PRIMARY KEY, x text)"), .rows([]))
        var inTransaction = false
        var savepoints = 0
        var truncates = 0
        for step in 0..<400 {
            var both: [String] = []
            var control: String?
            switch Int.random(in: 0..<10, using: &rng) {
            case 0...3:
                let key = Int.random(in: 0..<50, using: &rng)
                both = ["INSERT OR REPLACE INTO {T} VALUES (\(key), 'x\(step)')"]
            case 4:
                both = ["DELETE FROM {T} WHERE id < \(Int.random(in: 0..<50, using: &rng))"]
            case 5:
                truncates += 1
                _ = connection.run("SELECT omendb_truncate('v')")
                both = []
                XCTAssertEqual(connection.run("DELETE FROM r"), .rows([]))
            case 6:
                control = inTransaction ? (Bool.random(using: &rng) ? "COMMIT" : "ROLLBACK") : "BEGIN"
                inTransaction.toggle()
                savepoints = 0
            case 7:
                control = "SAVEPOINT s\(savepoints)"
                savepoints += 1
                inTransaction = true  // a SAVEPOINT outside BEGIN begins a transaction
            case 8 where savepoints > 0:
                let level = Int.random(in: 0..<savepoints, using: &rng)
                control = "ROLLBACK TO s\(level)"
                savepoints = level + 1
            default:
                break
            }
            if let control {
                XCTAssertEqual(connection.run(control), .rows([]), "seed \(seed), step \(step): \(control)")
            }
            for sql in both {
                XCTAssertEqual(connection.run(sql.replacingOccurrences(of: "{T}", with: "v")), .rows([]), "seed \(seed), step \(step)")
                XCTAssertEqual(connection.run(sql.replacingOccurrences(of: "{T}", with: "r")), .rows([]), "seed \(seed), step \(step)")
            }
            XCTAssertEqual(connection.rows("SELECT * FROM v ORDER BY id"), connection.rows("SELECT * FROM r ORDER BY id"),
                           "seed \(seed), step \(step)")
        }
        XCTAssertGreaterThan(truncates, 10)
    }
}
