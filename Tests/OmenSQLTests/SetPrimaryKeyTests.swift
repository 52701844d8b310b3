import CSQLite
import Foundation
import OmenDB
import OmenSQL
import XCTest
import OmenTestSupport

/// omendb_set_primary_key (docs/sql.md, "Adding a primary key"): pgbench's
/// `ALTER TABLE pgbench_accounts ADD PRIMARY KEY (aid)` on its 100,000 rows, durable;
/// every refusal leaves the rows and the catalog as they were.
final class SetPrimaryKeyTests: XCTestCase {
    private static let accounts = "pgbench_accounts USING omendb(aid int not null, bid int, abalance int, filler char(84))"

    func testRekeysPgbenchAccounts() throws {
        let seed = testSeed("testRekeysPgbenchAccounts")
        var rng = SeededGenerator(seed: seed)
        let directory = temporaryDatabaseDirectory("setpk")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var database = try Database(directory: directory)
        let rows = 100_000
        do {
            let connection = try TestConnection(database)
            XCTAssertEqual(connection.run("CREATE VIRTUAL TABLE \(Self.accounts)"), .rows([]))
            let stale = try TestConnection(database)
            XCTAssertEqual(connection.run("BEGIN"), .rows([]))
            for aid in (1...rows).shuffled(using: &rng) {
                let balance = Int.random(in: -5000...5000, using: &rng)
                XCTAssertEqual(connection.run("INSERT INTO pgbench_accounts VALUES (?, ?, ?, ?)",
                                              [aid, (aid - 1) / 100_000 + 1, balance, String(repeating: " ", count: 84)]), .rows([]))
            }
            XCTAssertEqual(connection.run("COMMIT"), .rows([]))
            let summary = "SELECT count(*), sum(aid), sum(abalance), sum(aid * abalance), sum(length(filler)) FROM pgbench_accounts"
            let before = connection.rows(summary)
            XCTAssertEqual(stale.rows("SELECT count(*) FROM pgbench_accounts"), ["\(rows)"])

            let start = Date()
            XCTAssertEqual(connection.run("SELECT omendb_set_primary_key('pgbench_accounts', 'aid')"), .rows(["NULL"]))
            print("omendb_set_primary_key on \(rows) rows: \(Date().timeIntervalSince(start)) s")

            XCTAssertEqual(connection.rows(summary), before, "the same rows")
            XCTAssertEqual(connection.rows("SELECT aid, rowid FROM pgbench_accounts ORDER BY aid LIMIT 2"), ["1|1", "2|2"])
            XCTAssertTrue(connection.rows("EXPLAIN QUERY PLAN UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = 7")
                .contains { $0.contains("INDEX 1:aid = ?") }, "the key lookup is pushed down")
            XCTAssertEqual(connection.run("UPDATE pgbench_accounts SET abalance = 1 WHERE aid = 7"), .rows([]))
            XCTAssertEqual(connection.rows("SELECT abalance FROM pgbench_accounts WHERE aid = 7"), ["1"])
            XCTAssertEqual(connection.run("INSERT INTO pgbench_accounts VALUES (7, 1, 0, '')"),
                           .error(SQLITE_CONSTRAINT, "UNIQUE constraint failed: pgbench_accounts.aid (key 7 exists)"))
            XCTAssertEqual(connection.run("INSERT INTO pgbench_accounts(bid) VALUES (1)"),
                           .error(SQLITE_CONSTRAINT | (5 << 8), "NOT NULL constraint failed: pgbench_accounts.aid"))
            XCTAssertEqual(connection.run("SELECT omendb_set_primary_key('pgbench_accounts', 'bid')"),
                           .error(SQLITE_ERROR, "multiple primary keys for table \"pgbench_accounts\" are not allowed (its key is aid)"))
            let schema = try XCTUnwrap(try OmenSQL.schemas(connection.handle).first { $0.name == "pgbench_accounts" })
            XCTAssertEqual(schema.keyColumn, 0)
            XCTAssertEqual(schema.columns[0].declaredType, "int")
            XCTAssertEqual(schema.version, 2)
            // A connection that declared the table before reads no row through the old layout.
            guard case .error(_, let message) = stale.run("SELECT * FROM pgbench_accounts WHERE rowid = 7"),
                  message.contains("reconnect") else { return XCTFail("the stale declaration must be refused") }
        }
        try database.close()
        database = try Database(directory: directory)
        do {
            let reopened = try TestConnection(database)
            XCTAssertEqual(reopened.rows("SELECT count(*), min(aid), max(aid) FROM pgbench_accounts"), ["\(rows)|1|\(rows)"])
            XCTAssertEqual(reopened.rows("SELECT aid, abalance FROM pgbench_accounts WHERE aid = 7"), ["7|1"])
            var statement: OpaquePointer?
            XCTAssertEqual(sqlite3_prepare_v2(reopened.handle, "SELECT aid FROM pgbench_accounts", -1, &statement, nil), SQLITE_OK)
            XCTAssertEqual(String(cString: sqlite3_column_decltype(statement, 0)), "INT", "SQLite's spelling of int")
            sqlite3_finalize(statement)
        }
        try database.close()
    }

    /// Each refusal: the error (SQLite's message where SQLite has one), then the rows,
    /// their rowids and the catalog entry unchanged.
    func testRefusalsChangeNothing() throws {
        let directory = temporaryDatabaseDirectory("setpk-refusals")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try Database(directory: directory)
        defer { try? database.close() }
        let connection = try TestConnection(database)
        let cases: [(rows: String, column: String, expected: TestConnection.Outcome)] = [
            ("(1, 'a'), (NULL, 'b'), (3, 'c')", "k", .error(SQLITE_CONSTRAINT | (5 << 8), "NOT NULL constraint failed: t.k")),
            ("(1, 'a'), (5, 'b'), (5, 'c')", "k",
             .error(SQLITE_CONSTRAINT | (6 << 8), "UNIQUE constraint failed: t.k (the value 5 is in more than one row)")),
            ("(1, 'a'), ('x1', 'b')", "k", .error(SQLITE_MISMATCH, "datatype mismatch: t.k holds a value that is not an integer "
                                                 + "(in the row of rowid 2)")),
            ("(1, 'a')", "v", .error(SQLITE_ERROR, "omendb: invalid argument: table t: the PRIMARY KEY must be one column of an integer type "
                                     + "(the OmenDB key: INTEGER, INT, BIGINT, SERIAL...); v is declared 'text'")),
            ("(1, 'a')", "nope", .error(SQLITE_ERROR, "no such column: nope")),
        ]
        for (index, testCase) in cases.enumerated() {
            XCTAssertEqual(connection.run("CREATE VIRTUAL TABLE t USING omendb(k bigint, v text)"), .rows([]))
            XCTAssertEqual(connection.run("INSERT INTO t VALUES \(testCase.rows)"), .rows([]))
            let before = connection.rows("SELECT rowid, k, v FROM t ORDER BY rowid")
            XCTAssertEqual(connection.run("SELECT omendb_set_primary_key('t', ?)", [testCase.column]), testCase.expected, "case \(index)")
            XCTAssertEqual(connection.rows("SELECT rowid, k, v FROM t ORDER BY rowid"), before, "case \(index)")
            XCTAssertNil(try OmenSQL.schemas(connection.handle).first { $0.name == "t" }?.keyColumn, "case \(index)")
            XCTAssertEqual(connection.run("DROP TABLE t"), .rows([]))
        }
        XCTAssertEqual(connection.run("SELECT omendb_set_primary_key('missing', 'k')"), .error(SQLITE_ERROR, "no such table: missing"))
        XCTAssertEqual(connection.run("CREATE VIRTUAL TABLE t USING omendb(k bigint, v text)"), .rows([]))
        XCTAssertEqual(connection.run("BEGIN"), .rows([]))
        guard case .error(SQLITE_ERROR, let message) = connection.run("SELECT omendb_set_primary_key('t', 'k')"),
              message.contains("inside a transaction") else { return XCTFail("refused inside a transaction") }
        XCTAssertEqual(connection.run("COMMIT"), .rows([]))
        // Rows stored before the column was added take its default as their key.
        XCTAssertEqual(connection.run("INSERT INTO t VALUES (1, 'a')"), .rows([]))
        XCTAssertEqual(connection.rows("SELECT omendb_add_column('t', 'n int DEFAULT 42')"), ["2"])
        XCTAssertEqual(connection.run("INSERT INTO t VALUES (2, 'b', 7)"), .rows([]))
        XCTAssertEqual(connection.run("SELECT omendb_set_primary_key('t', 'n')"), .rows(["NULL"]))
        XCTAssertEqual(connection.rows("SELECT n, k, v FROM t ORDER BY n"), ["7|2|b", "42|1|a"])
    }
}
