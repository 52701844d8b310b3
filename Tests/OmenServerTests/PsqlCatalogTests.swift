@testable import OmenServer
import XCTest

/// psql's and pgbench's own query texts, verbatim, through the translator (lane pgsql)
/// and the catalog, about a table made by PostgreSQL DDL through the translator too; the
/// answers are PostgreSQL 15.18's for the same table (psql -A; booleans 1/0, the
/// session's user `alice` where PostgreSQL's was `postgres`).
final class PsqlCatalogTests: XCTestCase {
    private func query(_ db: CatalogTestDatabase, _ text: String, oid: String = "") throws -> [[String]] {
        let statement = try Translator.translate(text.replacingOccurrences(of: "'16384'", with: "'\(oid)'"))
        guard case .query(let query) = statement else {
            XCTFail("not a query: \(statement)")
            return []
        }
        return try db.rows(query.sql)
    }

    private func makeTable(_ db: CatalogTestDatabase) throws {
        let create = try Translator.translate(
            "create table t(k int primary key, v text not null default 'x', f float8, n numeric(10,2), vc varchar(20))")
        guard case .query(let query) = create else { return XCTFail("CREATE TABLE: \(create)") }
        try db.execute(query.sql)
    }

    func testListTables() throws {
        let db = try CatalogTestDatabase()
        try makeTable(db)
        XCTAssertEqual(try query(db, PsqlQueries.listTables), [["public", "t", "table", "alice"]])
    }

    func testDescribeTable() throws {
        let db = try CatalogTestDatabase()
        try makeTable(db)
        let lookup = try query(db, PsqlQueries.lookup)
        XCTAssertEqual(lookup.map { Array($0.dropFirst()) }, [["public", "t"]])
        let oid = try XCTUnwrap(lookup.first?.first)
        XCTAssertEqual(try query(db, PsqlQueries.tableDetails, oid: oid),
                       [["0", "r", "1", "0", "0", "0", "0", "0", "0", "", "0", "", "p", "d", "heap"]])
        XCTAssertEqual(try query(db, PsqlQueries.columns, oid: oid), [
            ["k", "integer", "NULL", "1", "NULL", "", ""],
            ["v", "text", "'x'::text", "1", "NULL", "", ""],
            ["f", "double precision", "NULL", "0", "NULL", "", ""],
            ["n", "numeric(10,2)", "NULL", "0", "NULL", "", ""],
            ["vc", "character varying(20)", "NULL", "0", "NULL", "", ""],
        ])
        XCTAssertEqual(try query(db, PsqlQueries.indexes, oid: oid),
                       [["t_pkey", "1", "1", "0", "1", "CREATE UNIQUE INDEX t_pkey ON t USING btree (k)", "PRIMARY KEY (k)", "p",
                         "0", "0", "0", "0"]])
        XCTAssertEqual(try query(db, PsqlQueries.inheritedFrom, oid: oid), [])
        XCTAssertEqual(try query(db, PsqlQueries.partitions, oid: oid), [])
    }

    /// The table Tests/server/test_psql.py describes: \d's column query gives what psql
    /// prints as `id|bigint||not null|`, `name|character varying(20)||not null|`, `score|real|||`.
    func testDescribeAnotherTable() throws {
        let db = try CatalogTestDatabase()
        let create = try Translator.translate("CREATE TABLE psql_d (id bigint PRIMARY KEY, name varchar(20) NOT NULL, score real)")
        guard case .query(let query) = create else { return XCTFail("CREATE TABLE: \(create)") }
        try db.execute(query.sql)
        let lookup = try self.query(db, PsqlQueries.lookup.replacingOccurrences(of: "'^(t)$'", with: "'^(psql_d)$'"))
        let oid = try XCTUnwrap(lookup.first?.first)
        XCTAssertEqual(try self.query(db, PsqlQueries.columns, oid: oid).map { Array($0.prefix(4)) }, [
            ["id", "bigint", "NULL", "1"], ["name", "character varying(20)", "NULL", "1"], ["score", "real", "NULL", "0"],
        ])
    }

    func testDescribeTablePlus() throws {
        let db = try CatalogTestDatabase()
        try makeTable(db)
        let oid = try XCTUnwrap(db.rows("SELECT oid FROM pg_class WHERE relname = 't'").first?.first)
        XCTAssertEqual(try query(db, PsqlQueries.columnsPlus, oid: oid), [
            ["k", "integer", "NULL", "1", "NULL", "", "", "p", "", "NULL", "NULL"],
            ["v", "text", "'x'::text", "1", "NULL", "", "", "x", "", "NULL", "NULL"],
            ["f", "double precision", "NULL", "0", "NULL", "", "", "p", "", "NULL", "NULL"],
            ["n", "numeric(10,2)", "NULL", "0", "NULL", "", "", "m", "", "NULL", "NULL"],
            ["vc", "character varying(20)", "NULL", "0", "NULL", "", "", "x", "", "NULL", "NULL"],
        ])
    }

    /// The rest of \d t: PostgreSQL finds no policies, statistics objects or
    /// publications for the table; \d+ t's table details (reloptions through
    /// array_to_string(... || ARRAY(SELECT ... FROM unnest(...)))) are t's.
    func testDescribeTableRest() throws {
        let db = try CatalogTestDatabase()
        try makeTable(db)
        let oid = try XCTUnwrap(db.rows("SELECT oid FROM pg_class WHERE relname = 't'").first?.first)
        for (name, text) in [("policies", PsqlQueries.policies), ("statistics", PsqlQueries.statistics),
                             ("publications", PsqlQueries.publications)] {
            XCTAssertEqual(try query(db, text, oid: oid), [], name)
        }
        XCTAssertEqual(try query(db, PsqlQueries.tableDetailsPlus, oid: oid),
                       [["0", "r", "1", "0", "0", "0", "0", "0", "0", "", "0", "", "p", "d", "heap"]])
    }

    func testGenerateSeriesAsPostgreSQLNamesIt() throws {
        let db = try CatalogTestDatabase()
        XCTAssertEqual(try query(db, "SELECT s FROM generate_series(1, 3) s"), [["1"], ["2"], ["3"]])
        XCTAssertEqual(try query(db, "SELECT sum(x) FROM pg_catalog.generate_series(1, 10, 2) AS x"), [["25"]])
        XCTAssertEqual(try query(db, "SELECT * FROM generate_series(3, 1, -1)"), [["3"], ["2"], ["1"]])
    }

    func testListDatabasesAndSchemas() throws {
        let db = try CatalogTestDatabase()
        XCTAssertEqual(try query(db, PsqlQueries.listDatabases), [["omen", "alice", "UTF8", "C", "C", "NULL", "libc", "NULL"]])
        XCTAssertEqual(try query(db, PsqlQueries.listSchemas), [["public", "pg_database_owner"]])
    }

    func testListIndexes() throws {
        let db = try CatalogTestDatabase()
        try makeTable(db)
        XCTAssertEqual(try query(db, PsqlQueries.listIndexes), [["public", "t_pkey", "index", "alice", "t"]])
    }

    /// \dt+ translates, but its sizes need pg_table_size and pg_size_pretty, which the catalog lacks.
    func testListTablesPlusNeedsTableSize() throws {
        let db = try CatalogTestDatabase()
        try makeTable(db)
        XCTAssertThrowsError(try query(db, PsqlQueries.listTablesPlus)) { error in
            XCTAssertTrue((error as? PGError)?.message.contains("no such function: pg_table_size") == true, "\(error)")
        }
    }

    func testPgbenchLookup() throws {
        let db = try CatalogTestDatabase()
        let create = try Translator.translate("create table pgbench_accounts(aid    int not null,bid int,abalance int,filler char(84)) with (fillfactor=100)")
        guard case .query(let query) = create else { return XCTFail("CREATE TABLE: \(create)") }
        try db.execute(query.sql)
        // PostgreSQL: n = 2 (public is second in current_schemas(true)), no partitioning, count 0.
        XCTAssertEqual(try self.query(db, PsqlQueries.pgbenchLookup), [["2", "NULL", "0"]])
    }
}
