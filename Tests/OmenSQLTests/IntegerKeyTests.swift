import CSQLite
import Foundation
import OmenDB
import OmenSQL
import XCTest
import OmenTestSupport

/// PostgreSQL DDL passed through (docs/sql.md, "Tables"): a PRIMARY KEY of any integer
/// type name, as a column constraint or as a table constraint, keeps its declared type;
/// NOT NULL is enforced with SQLite's own error, compared with an ordinary table.
final class IntegerKeyTests: XCTestCase {
    func testIntegerKeyTypesKeepTheirDeclaredType() throws {
        let directory = temporaryDatabaseDirectory("keys")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try Database(directory: directory)
        defer { try? database.close() }
        let connection = try TestConnection(database)
        // SQLite spells its own type names (INT, INTEGER, TEXT...) in capitals, for an
        // ordinary table too; other names come back as written.
        for type in ["int", "integer", "int4", "int8", "bigint", "smallint", "int2", "serial", "bigserial", "smallserial"] {
            let name = "t_\(type)"
            XCTAssertEqual(connection.run("CREATE VIRTUAL TABLE \(name) USING omendb(id \(type) PRIMARY KEY, v text)"), .rows([]))
            XCTAssertEqual(connection.run("INSERT INTO \(name) VALUES (7, 'seven'), ('8', 'eight')"), .rows([]))
            XCTAssertEqual(connection.rows("SELECT id, typeof(id), v FROM \(name) WHERE id >= 8"), ["8|integer|eight"], type)
            // The key is pushed down (a lookup, not a scan).
            XCTAssertEqual(connection.rows("EXPLAIN QUERY PLAN SELECT * FROM \(name) WHERE id = 7").first?.contains("INDEX 1:id = ?"),
                           true, type)
            XCTAssertEqual(connection.run("CREATE TABLE native_\(name)(id \(type) PRIMARY KEY, v text)"), .rows([]))
            XCTAssertEqual(declaredTypes(connection, "SELECT id, v FROM \(name)"),
                           declaredTypes(connection, "SELECT id, v FROM native_\(name)"), type)
            XCTAssertEqual(declaredTypes(connection, "SELECT id FROM \(name)")[0].lowercased(), type.lowercased())
        }
        // A table-level PRIMARY KEY (column), named or not, is the same key.
        XCTAssertEqual(connection.run("CREATE VIRTUAL TABLE b USING omendb(bid int not null, bbalance int, filler char(88), "
                                      + "PRIMARY KEY (bid))"), .rows([]))
        XCTAssertEqual(connection.run("CREATE VIRTUAL TABLE c USING omendb(x text, \"Id\" bigint, CONSTRAINT c_pkey PRIMARY KEY (\"Id\"))"),
                       .rows([]))
        XCTAssertEqual(connection.run("INSERT INTO b VALUES (2, 10, 'x'), (1, 20, NULL)"), .rows([]))
        XCTAssertEqual(connection.rows("SELECT * FROM b WHERE bid BETWEEN 1 AND 1"), ["1|20|NULL"])
        XCTAssertEqual(connection.run("INSERT INTO b VALUES (2, 0, '')"),
                       .error(SQLITE_CONSTRAINT, "UNIQUE constraint failed: b.bid (key 2 exists)"))
        XCTAssertEqual(connection.rows("EXPLAIN QUERY PLAN SELECT * FROM c WHERE \"Id\" = 1").first?.contains("INDEX 1:"), true)
        XCTAssertEqual(try OmenSQL.schemas(connection.handle).first { $0.name == "c" }?.keyColumn, 1)

        let refusals: [(String, String)] = [
            ("k text PRIMARY KEY", "must be one column of an integer type"),
            ("k real, PRIMARY KEY (k)", "must be one column of an integer type"),
            ("a int, b int, PRIMARY KEY (a, b)", "must be one column"),
            ("a int PRIMARY KEY, b int, PRIMARY KEY (b)", "more than one PRIMARY KEY"),
            ("a int, PRIMARY KEY (z)", "PRIMARY KEY (z) names no column"),
            ("a int, PRIMARY KEY (a), b int", "after the table constraint"),
            ("a int, UNIQUE (a)", "table constraints"),
            ("a int UNIQUE", "UNIQUE is not supported"),
        ]
        for (definitions, expected) in refusals {
            guard case .error(SQLITE_ERROR, let message) = connection.run("CREATE VIRTUAL TABLE r USING omendb(\(definitions))"),
                  message.contains(expected) else {
                XCTFail("omendb(\(definitions)) should be refused mentioning '\(expected)'")
                continue
            }
        }
    }

    /// NOT NULL on INSERT and UPDATE, and a NULL key: the omendb table `v` against an
    /// ordinary table `r` (WITHOUT ROWID, so that its int PRIMARY KEY is NOT NULL as in
    /// PostgreSQL), statement by statement on a seeded random workload: same outcome
    /// (rows or error code and message, the table name aside), same rows after.
    func testNotNullAgainstAnOrdinaryTable() throws {
        let seed = testSeed("testNotNullAgainstAnOrdinaryTable")
        var rng = SeededGenerator(seed: seed)
        let directory = temporaryDatabaseDirectory("notnull")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try Database(directory: directory)
        defer { try? database.close() }
        let connection = try TestConnection(database)
        let columns = "id int PRIMARY KEY, a int NOT NULL, b text NOT NULL, c real"
        XCTAssertEqual(connection.run("CREATE VIRTUAL TABLE v USING omendb(\(columns))"), .rows([]))
        XCTAssertEqual(connection.run("CREATE TABLE r(\(columns)) WITHOUT ROWID"), .rows([]))
        func value(_ rng: inout SeededGenerator) -> Any? {
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: return nil
            case 1: return Int.random(in: -3...3, using: &rng)
            case 2: return "s\(Int.random(in: 0...9, using: &rng))"
            default: return Double(Int.random(in: 0...9, using: &rng)) / 2
            }
        }
        var statements = 0
        for step in 0..<600 {
            let key = Int.random(in: 0...20, using: &rng)
            let (sql, parameters): (String, [Any?])
            switch Int.random(in: 0..<6, using: &rng) {
            case 0, 1: (sql, parameters) = ("INSERT INTO {T} VALUES (?, ?, ?, ?)", [key, value(&rng), value(&rng), value(&rng)])
            case 2: (sql, parameters) = ("INSERT INTO {T}(id, a) VALUES (?, ?)", [Bool.random(using: &rng) ? nil : key, value(&rng)])
            case 3: (sql, parameters) = ("UPDATE {T} SET a = ?, c = ? WHERE id = ?", [value(&rng), value(&rng), key])
            case 4: (sql, parameters) = ("UPDATE {T} SET b = ? WHERE id BETWEEN ? AND ?", [value(&rng), key, key + 3])
            default: (sql, parameters) = ("INSERT OR IGNORE INTO {T}(id, a, b) VALUES (?, ?, ?)", [key, value(&rng), value(&rng)])
            }
            let omen = connection.run(sql.replacingOccurrences(of: "{T}", with: "v"), parameters)
            let reference = connection.run(sql.replacingOccurrences(of: "{T}", with: "r"), parameters)
            var expected = reference
            if case .error(let code, let message) = reference {
                // The module adds the existing key to SQLite's duplicate-key message.
                expected = .error(code == SQLITE_CONSTRAINT_PRIMARYKEY_CODE ? SQLITE_CONSTRAINT : code,
                                  message.replacingOccurrences(of: "r.", with: "v."))
                if case .error(SQLITE_CONSTRAINT, let omenMessage) = omen, code == SQLITE_CONSTRAINT_PRIMARYKEY_CODE,
                   omenMessage == "UNIQUE constraint failed: v.id (key \(parameters[0].map { "\($0)" } ?? "") exists)" {
                    expected = omen
                }
            }
            XCTAssertEqual(omen, expected, "seed \(seed), step \(step): \(sql) \(parameters)")
            statements += 1
        }
        XCTAssertEqual(connection.rows("SELECT * FROM v ORDER BY id"), connection.rows("SELECT * FROM r ORDER BY id"), "seed \(seed)")
        XCTAssertGreaterThan(connection.rows("SELECT count(*) FROM v").first.flatMap { Int($0) } ?? 0, 5, "the workload stored rows")
        XCTAssertEqual(statements, 600)
    }
}

/// sqlite3_column_decltype of each column of `sql`.
private func declaredTypes(_ connection: TestConnection, _ sql: String) -> [String] {
    var statement: OpaquePointer?
    guard sqlite3_prepare_v2(connection.handle, sql, -1, &statement, nil) == SQLITE_OK else { return ["error"] }
    defer { sqlite3_finalize(statement) }
    return (0..<sqlite3_column_count(statement)).map { String(cString: sqlite3_column_decltype(statement, $0)) }
}

/// SQLITE_CONSTRAINT_PRIMARYKEY (a C macro Swift does not import).
let SQLITE_CONSTRAINT_PRIMARYKEY_CODE = SQLITE_CONSTRAINT | (6 << 8)
