import OmenServer
import XCTest

/// pgbench's own statements (PostgreSQL 15's log with log_statement=all for `pgbench -i`,
/// `pgbench -S`, `-M prepared` and the TPC-B-like script; the accounts scaled from 100,000
/// rows to 1,000), translated and run on a session
/// connection with OmenSQL and the catalog: the initialisation builds the tables, the
/// start-up probe answers as PostgreSQL 15 does ("2||0": public is second in
/// current_schemas(true), no partitioning), and the transactions change what they should.
/// The session's commands are carried out with the functions the session uses for them
/// (omendb_truncate, omendb_set_primary_key).
final class PgbenchTranslationTests: XCTestCase {
    private func run(_ db: CatalogTestDatabase, _ statement: String, _ parameters: [String] = [],
                     file: StaticString = #filePath, line: UInt = #line) throws -> [[String]] {
        var sql = ""
        switch try Translator.translate(statement) {
        case .query(let query):
            XCTAssertEqual(query.parameterCount, parameters.count, statement, file: file, line: line)
            sql = query.sql
            for (n, value) in parameters.enumerated().reversed() {
                sql = sql.replacingOccurrences(of: "?\(n + 1)", with: "'\(value)'")
            }
        case .script(let statements, let tag):
            XCTAssertEqual(tag, "DROP TABLE", file: file, line: line)
            for statement in statements { try db.execute(statement) }
            return []
        case .command(.truncate(let tables)):
            for table in tables { try db.execute("SELECT omendb_truncate('\(table)')") }
            return []
        case .command(.addPrimaryKey(let table, let column)):
            try db.execute("SELECT omendb_set_primary_key('\(table)', '\(column)')")
            return []
        case .command(let command):
            XCTAssertTrue([.begin(TransactionMode(), tag: "BEGIN"), .commit, .noop(tag: "VACUUM")].contains(command),
                          "\(statement): \(command)", file: file, line: line)
            return []
        case .empty:
            XCTFail("empty: \(statement)", file: file, line: line)
        }
        return try db.rows(sql)
    }

    func testInitialiseProbeAndRunTheBuiltinScripts() throws {
        let db = try CatalogTestDatabase()
        let initialisation = [
            "drop table if exists pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers",
            "create table pgbench_history(tid int,bid int,aid    int,delta int,mtime timestamp,filler char(22))",
            "create table pgbench_tellers(tid int not null,bid int,tbalance int,filler char(84)) with (fillfactor=100)",
            "create table pgbench_accounts(aid    int not null,bid int,abalance int,filler char(84)) with (fillfactor=100)",
            "create table pgbench_branches(bid int not null,bbalance int,filler char(88)) with (fillfactor=100)",
            "begin",
            "truncate table pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers",
            "insert into pgbench_branches(bid,bbalance) select bid, 0 from generate_series(1, 1) as bid",
            "insert into pgbench_tellers(tid,bid,tbalance) select tid, (tid - 1) / 10 + 1, 0 from generate_series(1, 10) as tid",
            "insert into pgbench_accounts(aid,bid,abalance,filler) select aid, (aid - 1) / 100000 + 1, 0, '' "
                + "from generate_series(1, 1000) as aid",
            "commit",
            "vacuum analyze pgbench_branches", "vacuum analyze pgbench_tellers",
            "vacuum analyze pgbench_accounts", "vacuum analyze pgbench_history",
            "alter table pgbench_branches add primary key (bid)",
            "alter table pgbench_tellers add primary key (tid)",
            "alter table pgbench_accounts add primary key (aid)",
        ]
        for statement in initialisation {
            XCTAssertEqual(try run(db, statement), [], statement)
        }
        XCTAssertEqual(try run(db, "select count(*) from pgbench_branches"), [["1"]])
        XCTAssertEqual(try run(db, "select count(*), sum(bid) from pgbench_tellers"), [["10", "10"]])
        XCTAssertEqual(try run(db, "select count(*), min(aid), max(aid) from pgbench_accounts"), [["1000", "1", "1000"]])
        XCTAssertEqual(try run(db, """
            select o.n, p.partstrat, pg_catalog.count(i.inhparent) from pg_catalog.pg_class as c join pg_catalog.pg_namespace \
            as n on (n.oid = c.relnamespace) cross join lateral (select pg_catalog.array_position(pg_catalog.current_schemas(true), \
            n.nspname)) as o(n) left join pg_catalog.pg_partitioned_table as p on (p.partrelid = c.oid) left join \
            pg_catalog.pg_inherits as i on (c.oid = i.inhparent) where c.relname = 'pgbench_accounts' and o.n is not null \
            group by 1, 2 order by 1 asc limit 1
            """), [["2", "NULL", "0"]])
        // TPC-B-like, then select-only (simple and prepared).
        for statement in [
            "BEGIN;",
            "UPDATE pgbench_accounts SET abalance = abalance + -3626 WHERE aid = 649;",
            "SELECT abalance FROM pgbench_accounts WHERE aid = 649;",
            "UPDATE pgbench_tellers SET tbalance = tbalance + -3626 WHERE tid = 4;",
            "UPDATE pgbench_branches SET bbalance = bbalance + -3626 WHERE bid = 1;",
            "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (4, 1, 649, -3626, CURRENT_TIMESTAMP);",
            "END;",
        ] {
            let rows = try run(db, statement)
            XCTAssertEqual(rows, statement.hasPrefix("SELECT") ? [["-3626"]] : [], statement)
        }
        XCTAssertEqual(try run(db, "SELECT abalance FROM pgbench_accounts WHERE aid = 649;"), [["-3626"]])
        XCTAssertEqual(try run(db, "SELECT abalance FROM pgbench_accounts WHERE aid = $1;", ["650"]), [["0"]])
        XCTAssertEqual(try run(db, "select tbalance, (select bbalance from pgbench_branches) from pgbench_tellers where tid = 4"),
                       [["-3626", "-3626"]])
        XCTAssertEqual(try run(db, "select tid, bid, aid, delta, length(mtime) from pgbench_history"),
                       [["4", "1", "649", "-3626", "26"]])
        XCTAssertEqual(try run(db, "truncate pgbench_history"), [])
        XCTAssertEqual(try run(db, "select count(*) from pgbench_history"), [["0"]])
    }
}
