import CSQLite
import OmenSQL
@testable import OmenServer
import XCTest

/// InsertDefaults: a translated INSERT that leaves out columns with a DEFAULT, rewritten,
/// runs on a real OmenSQL connection and stores (and RETURNING shows) what PostgreSQL
/// would; an INSERT with nothing to fill is left alone.
final class InsertDefaultsTests: XCTestCase {
    private var db: CatalogTestDatabase!

    override func setUpWithError() throws {
        db = try CatalogTestDatabase()
        try db.execute(try translated("CREATE TABLE t (id serial PRIMARY KEY, name text, qty int DEFAULT 7, tag text DEFAULT 'x' || 'y')"))
        try db.execute(try translated("CREATE TABLE \"Q t\" (a bigserial PRIMARY KEY, b int, c text DEFAULT 'd')"))
        try db.execute(try translated("CREATE TABLE plain (k int PRIMARY KEY, v text)"))
    }

    override func tearDown() {
        db = nil
    }

    private func translated(_ statement: String) throws -> String {
        guard case .query(let query) = try Translator.translate(statement) else {
            throw PGError(SQLState.internalError, "\(statement) is not a query")
        }
        return query.sql
    }

    /// `statement` translated and rewritten; nil when InsertDefaults leaves it alone.
    private func rewritten(_ statement: String) throws -> String? {
        let schemas = try OmenSQL.schemas(db.connection)
        let connection = db.connection
        return InsertDefaults.rewrite(try translated(statement), schema: { name in
            schemas.first { $0.name.lowercased() == name.lowercased() }
        }, sourceColumns: { query in
            var statement: OpaquePointer?
            defer { sqlite3_finalize(statement) }
            guard sqlite3_prepare_v2(connection, "SELECT * FROM (\(query))", -1, &statement, nil) == SQLITE_OK else { return nil }
            return Int(sqlite3_column_count(statement))
        })
    }

    /// Runs `statement` as the session does: rewritten when InsertDefaults rewrites it.
    private func run(_ statement: String) throws -> [[String]] {
        try db.rows(try rewritten(statement) ?? translated(statement))
    }

    func testOmittedColumnsTakeTheirDefaultsAndReturningShowsTheKey() throws {
        XCTAssertEqual(try run("INSERT INTO t (name) VALUES ('a'), ('b') RETURNING id, name, qty, tag"),
                       [["1", "a", "7", "xy"], ["2", "b", "7", "xy"]])
        XCTAssertEqual(try run("INSERT INTO t (name, qty) VALUES ('c', NULL)"), [])
        XCTAssertEqual(try db.rows("SELECT * FROM t ORDER BY id"),
                       [["1", "a", "7", "xy"], ["2", "b", "7", "xy"], ["3", "c", "NULL", "xy"]])
    }

    func testDefaultAsAValueAndDefaultValues() throws {
        XCTAssertEqual(try run("INSERT INTO t VALUES (DEFAULT, 'c', DEFAULT, 'z'), (5, DEFAULT, 1, DEFAULT) RETURNING *"),
                       [["1", "c", "7", "z"], ["5", "NULL", "1", "xy"]])
        XCTAssertEqual(try run("INSERT INTO t DEFAULT VALUES RETURNING *"), [["6", "NULL", "7", "xy"]])
        // Without RETURNING the module allocates the key itself (DEFAULT is NULL to it).
        XCTAssertEqual(try rewritten("INSERT INTO \"Q t\" (a, b) VALUES (DEFAULT, 1)"),
                       "insert into `Q t` (`a`, `b`, `c`) VALUES (NULL, 1, ('d'))")
    }

    func testInsertSelectWithAndWithoutAColumnList() throws {
        XCTAssertEqual(try run("INSERT INTO t (name) SELECT 'p' UNION ALL SELECT 'q' RETURNING id, name, qty, tag"),
                       [["1", "p", "7", "xy"], ["2", "q", "7", "xy"]])
        XCTAssertEqual(try run("INSERT INTO t SELECT 10, 's' RETURNING *"), [["10", "s", "7", "xy"]])
        XCTAssertEqual(try run("WITH w AS (SELECT 'cte' AS n) INSERT INTO public.t AS x (name) SELECT n FROM w RETURNING id, qty"),
                       [["11", "7"]])
        // Names qualified by a schema SQLite knows still reach the omendb table.
        XCTAssertEqual(try run("INSERT INTO main.t (name) VALUES ('tmp') RETURNING id, qty"), [["12", "7"]])
        XCTAssertEqual(try run("INSERT INTO \"main\".\"t\" (name) VALUES ('tmp') RETURNING id, qty"), [["13", "7"]])
    }

    func testParametersKeepTheirNumbersAndInferredTypes() throws {
        let sql = try XCTUnwrap(try rewritten("INSERT INTO \"Q t\" (b) VALUES ($2), ($1) RETURNING *"))
        XCTAssertEqual(sql, "insert into `Q t` (`b`, `a`, `c`) VALUES (?2, omendb_next_key('Q t'), ('d')), "
            + "(?1, omendb_next_key('Q t'), ('d')) returning *")
        var statement: OpaquePointer?
        defer { sqlite3_finalize(statement) }
        XCTAssertEqual(sqlite3_prepare_v2(db.connection, sql, -1, &statement, nil), SQLITE_OK)
        XCTAssertEqual(ParameterTypes.infer(sql, statement: statement!, count: 2, connection: db.connection),
                       [PGTypes.int4.oid, PGTypes.int4.oid])
    }

    func testWhatNeedsNoRewriteIsLeftAlone() throws {
        XCTAssertNil(try rewritten("INSERT INTO t (id, name, qty, tag) VALUES (1, 'a', 2, 'b') RETURNING *"))
        XCTAssertNil(try rewritten("INSERT INTO plain (v) VALUES ('x') RETURNING *"), "an int key is not allocated")
        XCTAssertNil(try rewritten("INSERT INTO \"Q t\" (b, c) VALUES (1, 'c')"), "the module allocates the key")
        XCTAssertNotNil(try rewritten("INSERT INTO \"Q t\" (b, c) VALUES (1, 'c') RETURNING a"))
        XCTAssertNil(try rewritten("INSERT INTO pg_class (relname) VALUES ('x')"), "not an omendb table")
        // Not well formed: SQLite reports the statement's own error.
        XCTAssertNil(try rewritten("INSERT INTO t (name) VALUES ('a'), ('b', 1)"))
        XCTAssertNil(try rewritten("INSERT INTO t (name) VALUES ('a', 1)"))
        XCTAssertNil(try rewritten("INSERT INTO t (nope) VALUES (1)"))
        XCTAssertNil(try rewritten("INSERT INTO t SELECT FROM nowhere"))
    }
}
