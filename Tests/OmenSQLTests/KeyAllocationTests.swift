import CSQLite
import Foundation
import OmenDB
import OmenSQL
import Synchronization
import XCTest

/// Keys of rows inserted without one (docs/sql.md, "Keys"): a per-table counter shared
/// by the connections of the process, so concurrent inserting transactions do not
/// conflict; never below a written key; not reused after a rollback.
final class KeyAllocationTests: XCTestCase {
    /// pgbench's history table: 16 connections on 16 threads each commit transactions
    /// inserting rows without a key (SERIALIZABLE, the default). No conflict, every row
    /// kept under its own key.
    func testConcurrentInsertsWithoutKeysDoNotConflict() throws {
        let directory = temporaryDatabaseDirectory("alloc")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try Database(directory: directory)
        defer { try? database.close() }
        let setup = try TestConnection(database)
        XCTAssertEqual(setup.run("CREATE VIRTUAL TABLE pgbench_history USING omendb(tid int, bid int, aid int, delta int, "
                                 + "mtime timestamp, filler char(22))"), .rows([]))
        XCTAssertEqual(setup.run("INSERT INTO pgbench_history VALUES (0, 0, 0, 0, NULL, NULL)"), .rows([]))
        let clients = 16, transactions = 40
        let failures = Mutex<[String]>([])
        let connections = try (0..<clients).map { _ in try TestConnection(database) }
        DispatchQueue.concurrentPerform(iterations: clients) { client in
            let connection = connections[client]
            for transaction in 0..<transactions {
                for sql in ["BEGIN",
                            "INSERT INTO pgbench_history(tid, bid, aid, delta, mtime) VALUES (\(client), 1, \(transaction), 5, '2026-01-01')",
                            "INSERT INTO pgbench_history(tid, bid, aid, delta, mtime) VALUES (\(client), 2, \(transaction), 5, '2026-01-01')",
                            "COMMIT"] {
                    if case .error(let code, let message) = connection.run(sql) {
                        failures.withLock { $0.append("client \(client): \(sql): \(code) \(message)") }
                        _ = connection.run("ROLLBACK")
                        break
                    }
                }
            }
        }
        XCTAssertEqual(failures.withLock { $0 }, [])
        XCTAssertEqual(setup.rows("SELECT count(*), count(DISTINCT rowid), min(rowid) FROM pgbench_history"),
                       ["\(clients * transactions * 2 + 1)|\(clients * transactions * 2 + 1)|1"])
        XCTAssertEqual(setup.rows("SELECT count(*) FROM pgbench_history WHERE bid = 1"), ["\(clients * transactions)"])
    }

    /// Connections that first touch a table at the same moment (a server's clients
    /// connecting together after every earlier connection closed) share one key
    /// allocator: each once opened its own handle with its own counter, and two counters
    /// handed out the same keys (pgbench's insert script failed with a duplicate key).
    func testConnectionsOpeningATableTogetherShareItsAllocator() throws {
        let directory = temporaryDatabaseDirectory("alloc-open")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try Database(directory: directory)
        defer { try? database.close() }
        do {
            let setup = try TestConnection(database)
            XCTAssertEqual(setup.run("CREATE VIRTUAL TABLE h USING omendb(id bigserial PRIMARY KEY, client int)"), .rows([]))
        }   // the last connection closed: the next ones open the table afresh
        for round in 0..<5 {
            let clients = 8, rows = 20
            let connections = try (0..<clients).map { _ in try TestConnection(database) }
            let failures = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: clients) { client in
                for _ in 0..<rows {
                    if case .error(let code, let message) = connections[client].run("INSERT INTO h(client) VALUES (\(client))") {
                        failures.withLock { $0.append("round \(round) client \(client): \(code) \(message)") }
                    }
                }
            }
            XCTAssertEqual(failures.withLock { $0 }, [])
            XCTAssertEqual(connections[0].rows("SELECT count(*), count(DISTINCT id) FROM h"),
                           ["\((round + 1) * clients * rows)|\((round + 1) * clients * rows)"])
        }
    }

    /// Allocation against explicit keys, rollbacks and reopening: keys stay above every
    /// written key (SQLite's own max + 1 where nothing was deleted or rolled back), are
    /// not reused after a rollback, and start above the largest stored key after reopening.
    func testAllocatedKeysStayAboveWrittenKeys() throws {
        let directory = temporaryDatabaseDirectory("alloc2")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var database = try Database(directory: directory)
        do {
            let a = try TestConnection(database)
            XCTAssertEqual(a.run("CREATE VIRTUAL TABLE s USING omendb(id serial PRIMARY KEY, v text)"), .rows([]))
            let b = try TestConnection(database)
            XCTAssertEqual(a.run("INSERT INTO s(v) VALUES ('one')"), .rows([]))
            XCTAssertEqual(a.rows("SELECT last_insert_rowid()"), ["1"])
            XCTAssertEqual(a.run("INSERT INTO s VALUES (NULL, 'two'), (10, 'ten')"), .rows([]))
            XCTAssertEqual(b.run("INSERT INTO s(v) VALUES ('eleven')"), .rows([]), "another connection continues the counter")
            XCTAssertEqual(a.run("BEGIN"), .rows([]))
            XCTAssertEqual(a.run("INSERT INTO s VALUES (20, 'twenty, rolled back')"), .rows([]))
            XCTAssertEqual(b.run("INSERT INTO s(v) VALUES ('above the uncommitted 20')"), .rows([]))
            XCTAssertEqual(a.run("ROLLBACK"), .rows([]))
            XCTAssertEqual(a.run("INSERT INTO s(v) VALUES ('not reusing 22')"), .rows([]))
            XCTAssertEqual(a.run("DELETE FROM s WHERE id >= 21"), .rows([]))
            XCTAssertEqual(a.rows("SELECT id, v FROM s ORDER BY id"), ["1|one", "2|two", "10|ten", "11|eleven"])
            // RETURNING reads the values given to a virtual table: NULL for a key the module
            // allocates; omendb_next_key (nextval) takes the key first.
            XCTAssertEqual(a.run("INSERT INTO s(v) VALUES ('twenty-three') RETURNING id"), .rows(["NULL"]))
            XCTAssertEqual(a.run("INSERT INTO s VALUES (omendb_next_key('s'), 'twenty-four') RETURNING id"), .rows(["24"]))
            XCTAssertEqual(a.rows("SELECT omendb_next_key('S'), omendb_next_key('s')"), ["25|26"])
            XCTAssertEqual(a.run("SELECT omendb_next_key('missing')"), .error(SQLITE_ERROR, "omendb: not found: no such table: missing"))
            XCTAssertEqual(a.run("DELETE FROM s WHERE id > 11"), .rows([]))
            // An int PRIMARY KEY (not INTEGER, not serial) is NOT NULL, as in PostgreSQL.
            XCTAssertEqual(a.run("CREATE VIRTUAL TABLE n USING omendb(id int PRIMARY KEY, v text)"), .rows([]))
            XCTAssertEqual(a.run("INSERT INTO n(v) VALUES ('x')"),
                           .error(SQLITE_CONSTRAINT | (5 << 8), "NOT NULL constraint failed: n.id"))
        }
        try database.close()
        database = try Database(directory: directory)
        do {
            let reopened = try TestConnection(database)
            XCTAssertEqual(reopened.run("INSERT INTO s(v) VALUES ('after reopen')"), .rows([]))
            XCTAssertEqual(reopened.rows("SELECT max(id) FROM s"), ["12"], "the largest stored key (11) + 1")
            XCTAssertEqual(reopened.rows("SELECT omendb_next_key('s')"), ["13"])
        }
        try database.close()
    }
}
