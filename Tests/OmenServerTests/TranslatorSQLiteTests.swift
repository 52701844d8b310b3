import CSQLite
import Foundation
import OmenDB
@testable import OmenServer
import OmenSQL
import OmenTestSupport
import XCTest

/// The translated SQL really runs on a sqlite3 connection with OmenSQL registered and gives
/// PostgreSQL's answers: pgbench's statements, postgres_fdw's remote SQL, LIKE's
/// case-sensitivity and default escape, casts, quantified comparisons. (The catalog
/// lane's pg_catalog tables are not used here.)
final class TranslatorSQLiteTests: XCTestCase {
    private var directory = ""
    private var database: Database?
    private var connection: OpaquePointer?

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("omenpgsql-\(UUID().uuidString)").path
        database = try Database(directory: directory)
        XCTAssertEqual(sqlite3_open(":memory:", &connection), SQLITE_OK)
        try OmenSQL.register(connection!, database: database)
        XCTAssertEqual(IntegerCast.register(connection!), SQLITE_OK)
        // PostgreSQL's LIKE is case-sensitive; the session sets the same pragma.
        XCTAssertEqual(run("PRAGMA case_sensitive_like = ON"), [])
    }

    override func tearDownWithError() throws {
        sqlite3_close(connection)
        try database?.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Translates `statement`, prepares the SQLite text, binds `parameters` (text, as a
    /// client's text-format parameters arrive) and returns the rows as "a|b" strings.
    private func run(_ statement: String, _ parameters: [String?] = [], file: StaticString = #filePath,
                     line: UInt = #line) -> [String] {
        let sql: String
        if statement.hasPrefix("PRAGMA") {
            sql = statement
        } else {
            do {
                let translated = try Translator.translate(statement)
                guard case .query(let query) = translated else {
                    XCTFail("\(statement): \(translated) is not a query", file: file, line: line)
                    return []
                }
                XCTAssertEqual(query.parameterCount, parameters.count, statement, file: file, line: line)
                sql = query.sql
            } catch {
                XCTFail("\(statement): \(error)", file: file, line: line)
                return []
            }
        }
        var prepared: OpaquePointer?
        guard sqlite3_prepare_v2(connection, sql, -1, &prepared, nil) == SQLITE_OK else {
            XCTFail("\(sql): \(String(cString: sqlite3_errmsg(connection)))", file: file, line: line)
            return []
        }
        defer { sqlite3_finalize(prepared) }
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        for (index, value) in parameters.enumerated() {
            if let value {
                sqlite3_bind_text(prepared, Int32(index + 1), value, -1, transient)
            } else {
                sqlite3_bind_null(prepared, Int32(index + 1))
            }
        }
        var rows: [String] = []
        while true {
            let status = sqlite3_step(prepared)
            if status == SQLITE_DONE { break }
            guard status == SQLITE_ROW else {
                XCTFail("\(sql): \(String(cString: sqlite3_errmsg(connection)))", file: file, line: line)
                break
            }
            rows.append((0..<sqlite3_column_count(prepared)).map { column in
                sqlite3_column_text(prepared, column).map { String(cString: $0) } ?? "NULL"
            }.joined(separator: "|"))
        }
        return rows
    }

    /// SQLite's error for the translation of `statement` (nil when it runs).
    private func failure(_ statement: String) throws -> String? {
        guard case .query(let query) = try Translator.translate(statement) else { return "not a query" }
        var prepared: OpaquePointer?
        defer { sqlite3_finalize(prepared) }
        guard sqlite3_prepare_v2(connection, query.sql, -1, &prepared, nil) == SQLITE_OK else {
            return String(cString: sqlite3_errmsg(connection))
        }
        while true {
            let status = sqlite3_step(prepared)
            if status == SQLITE_DONE { return nil }
            if status != SQLITE_ROW { return String(cString: sqlite3_errmsg(connection)) }
        }
    }

    /// The SQLite text of `statement` (a query).
    private func sql(_ statement: String) throws -> String {
        guard case .query(let query) = try Translator.translate(statement) else { throw PGError.unsupported("not a query") }
        return query.sql
    }

    /// ORDER BY sorts NULL as PostgreSQL does (above every value): checked against a
    /// sorted array over seeded random rows, ascending and descending, in window
    /// definitions too.
    func testNullsSortAsInPostgreSQL() throws {
        let seed = UInt64(ProcessInfo.processInfo.environment["OMENDB_TEST_SEED"] ?? "") ?? UInt64.random(in: 1...UInt64(1) << 40)
        print("seed \(seed) (OMENDB_TEST_SEED)")
        var generator = SeededGenerator(seed: seed)
        XCTAssertEqual(run("create table nulls_t (id integer primary key, n int, s text)"), [])
        var rows: [(id: Int, n: Int?)] = []
        for id in 1...60 {
            let n: Int? = generator.next() % 3 == 0 ? nil : Int(generator.next() % 10)
            rows.append((id, n))
            XCTAssertEqual(run("insert into nulls_t values ($1, $2, 'x')", [String(id), n.map(String.init)]), [])
        }
        // PostgreSQL: NULL is larger than every value.
        let ascending = rows.sorted { ($0.n ?? Int.max, $0.id) < ($1.n ?? Int.max, $1.id) }.map { String($0.id) }
        let descending = rows.sorted { ($0.n ?? Int.max, $0.id) > ($1.n ?? Int.max, $1.id) }.map { String($0.id) }
        XCTAssertEqual(run("select id from nulls_t order by n, id"), ascending, "seed \(seed)")
        XCTAssertEqual(run("select id from nulls_t order by n asc, id limit 100"), ascending, "seed \(seed)")
        XCTAssertEqual(run("select id from nulls_t order by n desc, id desc"), descending, "seed \(seed)")
        XCTAssertEqual(run("select id from nulls_t order by 1 desc"), rows.map { String($0.id) }.reversed(), "seed \(seed)")
        XCTAssertEqual(run("select id from nulls_t order by n nulls first, id").prefix(rows.filter { $0.n == nil }.count),
                       ascending.suffix(rows.filter { $0.n == nil }.count)[...], "seed \(seed)")
        XCTAssertEqual(run("select id from nulls_t order by row_number() over (order by n, id)"), ascending, "seed \(seed)")
        // What the translation says, clause by clause.
        XCTAssertEqual(try sql("select a from t order by a desc, b collate \"C\", c nulls first limit 1"),
                       "select a from t order by a desc nulls first, b collate binary nulls last, c nulls first limit 1")
        XCTAssertEqual(try sql("select sum(a) over (partition by b order by c rows between 1 preceding and current row) from t"),
                       "select sum(a) over (partition by b order by c nulls last rows between 1 preceding and current row) from t")
        XCTAssertEqual(try sql("select range from t order by range"), "select range from t order by range nulls last")
    }

    /// The session drops the NULLS clause after a key (never NULL), so that the table
    /// still delivers its key order instead of SQLite sorting; nowhere the name might
    /// mean something that can be NULL.
    func testKeyOrderIsKeptWhereTheKeyCannotBeNull() throws {
        XCTAssertEqual(run("create table keyed (id integer primary key, n int)"), [])
        XCTAssertEqual(run("create table other (id int, k integer primary key)"), [])
        let keys = ["keyed": "id", "other": "k"]
        let columns: [String: Set<String>] = ["keyed": ["id", "n"], "other": ["id", "k"]]
        func dropped(_ statement: String) throws -> String {
            NullOrdering.droppingKeyClauses(try sql(statement), keys: keys) { columns[$0]?.contains($1) == true }
        }
        func sorts(_ text: String) -> Bool {
            var prepared: OpaquePointer?
            defer { sqlite3_finalize(prepared) }
            XCTAssertEqual(sqlite3_prepare_v2(connection, "explain query plan " + text, -1, &prepared, nil), SQLITE_OK, text)
            var plan = ""
            while sqlite3_step(prepared) == SQLITE_ROW { plan += String(cString: sqlite3_column_text(prepared, 3)) + "\n" }
            return plan.contains("TEMP B-TREE")
        }
        for statement in ["select id, n from keyed order by id limit 3", "select * from keyed where n > 1 order by id desc",
                          "select n from keyed order by keyed.id asc"] {
            XCTAssertTrue(sorts(try sql(statement)), statement)
            XCTAssertFalse(try dropped(statement).contains("nulls"), statement)
            XCTAssertFalse(sorts(try dropped(statement)), statement)
        }
        // Where the name may be NULL (an outer join, a set operation, a subquery, an alias,
        // a same-named non-key column of another table, a non-key column) the clause stays.
        for statement in ["select keyed.id from other left join keyed on keyed.n = other.k order by keyed.id",
                          "select id from keyed union all select null order by id",
                          "select id from (select n as id from keyed) order by id",
                          "select n as id from keyed order by id", "select n id from keyed order by id",
                          "select keyed.id from keyed, other order by id", "select id from keyed order by n",
                          "with w as (select n as id from keyed) select id from w order by id"] {
            XCTAssertTrue(try dropped(statement).contains("nulls"), statement)
        }
    }

    func testPostgresFDWRemoteSQL() {
        XCTAssertEqual(run("create table t (id integer primary key, name text, v double precision)"), [])
        XCTAssertEqual(run("INSERT INTO public.t(id, name, v) VALUES ($1, $2, $3)", ["1", "abc", "1.5"]), [])
        XCTAssertEqual(run("INSERT INTO public.t(id, name, v) VALUES ($1, $2, $3)", ["2", "Abd", "2.5"]), [])
        XCTAssertEqual(run("INSERT INTO public.t(id, name, v) VALUES ($1, $2, $3)", ["3", "x'y", "3.5"]), [])
        XCTAssertEqual(run("SELECT id, name, v FROM public.t WHERE ((id >= 1)) AND ((id <= 2))"), ["1|abc|1.5", "2|Abd|2.5"])
        XCTAssertEqual(run("SELECT name FROM public.t WHERE ((name ~~ 'a%')) AND ((v > 1::double precision))"), ["abc"])
        XCTAssertEqual(run("UPDATE public.t SET v = (v + 1::double precision) WHERE ((id = 2))"), [])
        XCTAssertEqual(run("SELECT id, v FROM public.t WHERE ((id = ANY ('{1,2}'::integer[])))"), ["1|1.5", "2|3.5"])
        XCTAssertEqual(run("SELECT id FROM public.t WHERE ((name = 'x''y')) AND ((v = 3.5::double precision))"), ["3"])
        XCTAssertEqual(run("SELECT r1.\"id\" FROM public.t r1 WHERE ((r1.\"id\" = $1::integer))", ["3"]), ["3"])
        XCTAssertEqual(run("UPDATE public.t SET v = $1::double precision WHERE ((id = $2::integer))", ["9.5", "1"]), [])
        XCTAssertEqual(run("INSERT INTO public.t(id, name, v) VALUES ($1, $2, $3) RETURNING id, v", ["4", "d", "4.5"]), ["4|4.5"])
        XCTAssertEqual(run("DELETE FROM public.t WHERE ((id = 4))"), [])
        XCTAssertEqual(run("SELECT id, v FROM public.t WHERE ((id < 3)) ORDER BY id ASC NULLS LAST"), ["1|9.5", "2|3.5"])
        XCTAssertEqual(run("SELECT \"id\" FROM \"public\".\"t\" WHERE \"id\" = 3"), ["3"])
        XCTAssertEqual(run("DELETE FROM public.t WHERE ((id = 3))"), [])
        XCTAssertEqual(run("SELECT count(*) FROM public.t"), ["2"])
    }

    func testPgbenchStatements() {
        XCTAssertEqual(run("create table pgbench_accounts(aid integer primary key,bid int,abalance int,filler char(84)) "
                           + "with (fillfactor=100)"), [])
        XCTAssertEqual(run("insert into pgbench_accounts(aid,bid,abalance,filler) values ($1, 1, 0, '')", ["7"]), [])
        XCTAssertEqual(run("UPDATE pgbench_accounts SET abalance = abalance + -3626 WHERE aid = 7;"), [])
        XCTAssertEqual(run("SELECT abalance FROM pgbench_accounts WHERE aid = $1;", ["7"]), ["-3626"])
        XCTAssertEqual(run("select count(*) from pgbench_accounts"), ["1"])
        XCTAssertEqual(run("create table h(id integer primary key, mtime timestamp)"), [])
        XCTAssertEqual(run("INSERT INTO h (id, mtime) VALUES (1, CURRENT_TIMESTAMP);"), [])
        let stamp = run("select mtime from h").first ?? ""
        // 2026-12-06 23:25:45.123+00: PostgreSQL's timestamptz text in UTC (milliseconds).
        let shape = stamp.map { $0.isNumber ? "9" : String($0) }.joined()
        XCTAssertEqual(shape, "9999-99-99 99:99:99.999+99", stamp)
    }

    func testExpressionsKeepPostgreSQLsMeaning() throws {
        XCTAssertEqual(run("create table t (id integer primary key, name text)"), [])
        XCTAssertEqual(run("insert into t values (1, 'a_c'), (2, 'abc'), (3, 'ABC'), (4, NULL)"), [])
        // LIKE: case-sensitive, backslash escapes by default.
        XCTAssertEqual(run("select id from t where name like $1 order by id", ["a\\_c"]), ["1"])
        XCTAssertEqual(run("select id from t where name like 'a_c' order by id"), ["1", "2"])
        XCTAssertEqual(run("select id from t where name ilike 'abc' order by id"), ["2", "3"])
        XCTAssertEqual(run("select id from t where name !~~* 'abc' order by id"), ["1"])
        XCTAssertEqual(run("select id from t where name is distinct from 'abc' order by id"), ["1", "3", "4"])
        XCTAssertEqual(run("select id from t where name is not distinct from null"), ["4"])
        // Quantified comparisons.
        XCTAssertEqual(run("select id from t where id = any('{2,3}'::int[]) order by id"), ["2", "3"])
        XCTAssertEqual(run("select id from t where id <> all(array[1, 2, 4]) order by id"), ["3"])
        XCTAssertEqual(run("select id from t where id = any($1::int[]) order by id", ["{1,4}"]), ["1", "4"])
        XCTAssertEqual(run("select id from t where id = any(select id from t where id > 3)"), ["4"])
        XCTAssertEqual(run("select pg_catalog.array_to_string(array(select name from t where id < 3 order by 1), ', ')"),
                       ["a_c, abc"])
        XCTAssertEqual(run("select array_to_string(array(select name from t where id > 9), ',')"), [""])
        // Casts and constants.
        XCTAssertEqual(run("select $1::int + 1, '2.5'::float8 * 2, 2.5::int, 'yes'::boolean, E'a\\tb'", ["41"]),
                       ["42|5.0|3|1|a\tb"])
        XCTAssertEqual(run("select string_agg(name, '-') from t where id <= 2"), ["a_c-abc"])
        // A cast of a non-constant to an integer type rounds as PostgreSQL (SQLite's CAST truncates).
        XCTAssertEqual(run("select (10.5 + 0)::int, (-2.5 + 0)::int, cast($1 as smallint), $2::bigint",
                           ["7", "9007199254740993"]), ["11|-3|7|9007199254740993"])
        XCTAssertEqual(run("select (id * 1.5)::int from t where id <= 3 order by id"), ["2", "3", "5"])
        XCTAssertEqual(try failure("select ('ab' || 'c')::int"), SQLiteErrors.carrying(PGError(SQLState.invalidTextRepresentation,
                                                                                              "invalid input syntax for type integer: \"abc\"")))
        XCTAssertEqual(try failure("select (40000 + 0)::smallint"),
                       SQLiteErrors.carrying(PGError(SQLState.numericValueOutOfRange, "smallint out of range")))
        XCTAssertEqual(try failure("select (1e300 * 1)::bigint"),
                       SQLiteErrors.carrying(PGError(SQLState.numericValueOutOfRange, "bigint out of range")))
        // Date/time values compare and concatenate as PostgreSQL's do (arithmetic on them is refused).
        XCTAssertEqual(run("select date '2024-01-31' > '2024-01-01'::date, 'on ' || date '2024-01-02', "
                           + "current_date between date '2000-01-01' and date '2999-12-31', length(now()) > 19"),
                       ["1|on 2024-01-02|1|1"])
        // Arrays in their text form: subscripts, array_upper; text that is not a numeric or
        // quoted array is refused by SQLite's JSON functions, never read differently.
        XCTAssertEqual(run("select ('{10,20,30}'::int[])[2], ('{\"a b\",\"c d\"}'::text[])[1], ('{1}'::int[])[5], "
                           + "array_upper('{4,5}'::int[], 1), array_upper('{}'::int[], 1)"), ["20|a b|NULL|2|NULL"])
        XCTAssertEqual(run("select id from t where id = any($1)", ["{1,3}"]), ["1", "3"])
        // Unquoted text elements ({a,b}, also PostgreSQL's form of {"a","b"}) are not JSON.
        XCTAssertEqual(try failure("select ('{a,b}'::text[])[1]"), "malformed JSON")
        XCTAssertEqual(try failure("select id from t where 1 = any(name)"), "malformed JSON")
    }
}
