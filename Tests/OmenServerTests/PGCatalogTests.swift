import CSQLite
import OmenDB
import OmenSQL
@testable import OmenServer
import XCTest

/// The catalog answers psql's, pgbench's and information_schema queries about OmenDB
/// tables as PostgreSQL 15 answers them about the same table. The expected rows below
/// are PostgreSQL 15.18's answers (psql -A) for
/// `CREATE TABLE t(k integer PRIMARY KEY, v text DEFAULT 'x', f double precision,
/// n numeric(10,2), vc varchar(20), c char(4), b bigint, s smallint)`; the queries are
/// psql 15's (`psql -E`), in the SQLite form the translator gives them
/// (OPERATOR(pg_catalog.~) → REGEXP, pg_catalog. dropped before functions, COLLATE
/// pg_catalog.default dropped, ::regtype::text → CAST(... AS TEXT), true → 1).
final class PGCatalogTests: XCTestCase {
    private func makeTable(_ db: CatalogTestDatabase) throws {
        try db.execute("""
            CREATE VIRTUAL TABLE t USING omendb(k integer PRIMARY KEY, v text DEFAULT 'x', f double precision,
                n numeric(10,2), vc varchar(20), c char(4), b bigint, s smallint)
            """)
    }

    func testPsqlListTables() throws {
        let db = try CatalogTestDatabase()
        try makeTable(db)
        try db.execute("CREATE VIRTUAL TABLE accounts USING omendb(id INTEGER PRIMARY KEY, name TEXT)")
        let dt = """
            SELECT n.nspname as "Schema",
              c.relname as "Name",
              CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 't' THEN 'TOAST table' WHEN 'f' THEN 'foreign table' WHEN 'p' THEN 'partitioned table' WHEN 'I' THEN 'partitioned index' END as "Type",
              pg_get_userbyid(c.relowner) as "Owner"
            FROM pg_catalog.pg_class c
                 LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                 LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam
            WHERE c.relkind IN ('r','p','')
                  AND n.nspname <> 'pg_catalog'
                  AND n.nspname NOT REGEXP '^pg_toast'
                  AND n.nspname <> 'information_schema'
              AND pg_table_is_visible(c.oid)
            ORDER BY 1,2;
            """
        XCTAssertEqual(try db.rows(dt), [["public", "accounts", "table", "alice"], ["public", "t", "table", "alice"]])
    }

    func testPsqlDescribeTable() throws {
        let db = try CatalogTestDatabase()
        try makeTable(db)
        let lookup = try db.rows("""
            SELECT c.oid,
              n.nspname,
              c.relname
            FROM pg_catalog.pg_class c
                 LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relname REGEXP '^(t)$'
              AND pg_table_is_visible(c.oid)
            ORDER BY 2, 3;
            """)
        XCTAssertEqual(lookup.count, 1)
        XCTAssertEqual(lookup.first?.dropFirst(), ["public", "t"])
        let oid = try XCTUnwrap(lookup.first?.first)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(UInt32(oid)), 16384)
        // Stable: a second session over the same database gives the table the same OID.
        let again = try db.rows("SELECT oid FROM pg_catalog.pg_class WHERE relname = 't'")
        XCTAssertEqual(again, [[oid]])
        XCTAssertEqual(UserTable.baseOID("t"), UInt32(oid))

        XCTAssertEqual(try db.rows("""
            SELECT c.relchecks, c.relkind, c.relhasindex, c.relhasrules, c.relhastriggers, c.relrowsecurity, c.relforcerowsecurity, 0 AS relhasoids, c.relispartition, '', c.reltablespace, CASE WHEN c.reloftype = 0 THEN '' ELSE CAST(c.reloftype AS TEXT) END, c.relpersistence, c.relreplident, am.amname
            FROM pg_catalog.pg_class c
             LEFT JOIN pg_catalog.pg_class tc ON (c.reltoastrelid = tc.oid)
            LEFT JOIN pg_catalog.pg_am am ON (c.relam = am.oid)
            WHERE c.oid = '\(oid)';
            """), [["0", "r", "1", "0", "0", "0", "0", "0", "0", "", "0", "", "p", "d", "heap"]])

        // \d+ t's column query; PostgreSQL's answer with booleans as 1/0.
        XCTAssertEqual(try db.rows("""
            SELECT a.attname,
              format_type(a.atttypid, a.atttypmod),
              (SELECT pg_get_expr(d.adbin, d.adrelid, 1)
               FROM pg_catalog.pg_attrdef d
               WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum AND a.atthasdef),
              a.attnotnull,
              (SELECT c.collname FROM pg_catalog.pg_collation c, pg_catalog.pg_type t
               WHERE c.oid = a.attcollation AND t.oid = a.atttypid AND a.attcollation <> t.typcollation) AS attcollation,
              a.attidentity,
              a.attgenerated,
              a.attstorage,
              a.attcompression AS attcompression,
              CASE WHEN a.attstattarget=-1 THEN NULL ELSE a.attstattarget END AS attstattarget,
              col_description(a.attrelid, a.attnum)
            FROM pg_catalog.pg_attribute a
            WHERE a.attrelid = '\(oid)' AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum;
            """), [
                ["k", "integer", "NULL", "1", "NULL", "", "", "p", "", "NULL", "NULL"],
                ["v", "text", "'x'::text", "0", "NULL", "", "", "x", "", "NULL", "NULL"],
                ["f", "double precision", "NULL", "0", "NULL", "", "", "p", "", "NULL", "NULL"],
                ["n", "numeric(10,2)", "NULL", "0", "NULL", "", "", "m", "", "NULL", "NULL"],
                ["vc", "character varying(20)", "NULL", "0", "NULL", "", "", "x", "", "NULL", "NULL"],
                ["c", "character(4)", "NULL", "0", "NULL", "", "", "x", "", "NULL", "NULL"],
                ["b", "bigint", "NULL", "0", "NULL", "", "", "p", "", "NULL", "NULL"],
                ["s", "smallint", "NULL", "0", "NULL", "", "", "p", "", "NULL", "NULL"],
            ])

        XCTAssertEqual(try db.rows("""
            SELECT c2.relname, i.indisprimary, i.indisunique, i.indisclustered, i.indisvalid, pg_get_indexdef(i.indexrelid, 0, 1),
              pg_get_constraintdef(con.oid, 1), contype, condeferrable, condeferred, i.indisreplident, c2.reltablespace
            FROM pg_catalog.pg_class c, pg_catalog.pg_class c2, pg_catalog.pg_index i
              LEFT JOIN pg_catalog.pg_constraint con ON (conrelid = i.indrelid AND conindid = i.indexrelid AND contype IN ('p','u','x'))
            WHERE c.oid = '\(oid)' AND c.oid = i.indrelid AND i.indexrelid = c2.oid
            ORDER BY i.indisprimary DESC, c2.relname;
            """), [["t_pkey", "1", "1", "0", "1", "CREATE UNIQUE INDEX t_pkey ON t USING btree (k)", "PRIMARY KEY (k)", "p", "0", "0",
                    "0", "0"]])

        // The remaining \d queries find nothing, as in PostgreSQL for this table.
        XCTAssertEqual(try db.rows("SELECT polname FROM pg_catalog.pg_policy pol WHERE pol.polrelid = '\(oid)'"), [])
        XCTAssertEqual(try db.rows("SELECT oid FROM pg_catalog.pg_statistic_ext WHERE stxrelid = '\(oid)'"), [])
        XCTAssertEqual(try db.rows("""
            SELECT c.oid, c.relkind, inhdetachpending FROM pg_catalog.pg_class c, pg_catalog.pg_inherits i
            WHERE c.oid = i.inhrelid AND i.inhparent = '\(oid)'
            """), [])
        XCTAssertEqual(try db.rows("""
            SELECT pubname FROM pg_catalog.pg_publication p
                 JOIN pg_catalog.pg_publication_namespace pn ON p.oid = pn.pnpubid
                 JOIN pg_catalog.pg_class pc ON pc.relnamespace = pn.pnnspid
            WHERE pc.oid ='\(oid)' and pg_relation_is_publishable('\(oid)')
            """), [])
    }

    func testListDatabasesAndSchemas() throws {
        let db = try CatalogTestDatabase()
        XCTAssertEqual(try db.rows("""
            SELECT d.datname as "Name",
                   pg_get_userbyid(d.datdba) as "Owner",
                   pg_encoding_to_char(d.encoding) as "Encoding",
                   d.datcollate as "Collate",
                   d.datctype as "Ctype",
                   d.daticulocale as "ICU Locale",
                   CASE d.datlocprovider WHEN 'c' THEN 'libc' WHEN 'i' THEN 'icu' END AS "Locale Provider",
                   array_to_string(d.datacl, E'\\n') AS "Access privileges"
            FROM pg_catalog.pg_database d
            ORDER BY 1;
            """.replacingOccurrences(of: "E'\\n'", with: "char(10)")), [["omen", "alice", "UTF8", "C", "C", "NULL", "libc", "NULL"]])
        XCTAssertEqual(try db.rows("""
            SELECT n.nspname AS "Name",
              pg_get_userbyid(n.nspowner) AS "Owner"
            FROM pg_catalog.pg_namespace n
            WHERE n.nspname NOT REGEXP '^pg_' AND n.nspname <> 'information_schema'
            ORDER BY 1;
            """), [["public", "pg_database_owner"]])
    }

    func testInformationSchema() throws {
        let db = try CatalogTestDatabase()
        try makeTable(db)
        XCTAssertEqual(try db.rows("""
            select table_catalog, table_schema, table_name, table_type, is_insertable_into, is_typed
            from information_schema.tables where table_name='t'
            """), [["omen", "public", "t", "BASE TABLE", "YES", "NO"]])
        XCTAssertEqual(try db.rows("""
            select column_name, ordinal_position, column_default, is_nullable, data_type, character_maximum_length,
                   character_octet_length, numeric_precision, numeric_precision_radix, numeric_scale, datetime_precision,
                   udt_name, dtd_identifier, is_updatable
            from information_schema.columns where table_name='t' order by ordinal_position
            """), [
                ["k", "1", "NULL", "NO", "integer", "NULL", "NULL", "32", "2", "0", "NULL", "int4", "1", "YES"],
                ["v", "2", "'x'::text", "YES", "text", "NULL", "1073741824", "NULL", "NULL", "NULL", "NULL", "text", "2", "YES"],
                ["f", "3", "NULL", "YES", "double precision", "NULL", "NULL", "53", "2", "NULL", "NULL", "float8", "3", "YES"],
                ["n", "4", "NULL", "YES", "numeric", "NULL", "NULL", "10", "10", "2", "NULL", "numeric", "4", "YES"],
                ["vc", "5", "NULL", "YES", "character varying", "20", "80", "NULL", "NULL", "NULL", "NULL", "varchar", "5", "YES"],
                ["c", "6", "NULL", "YES", "character", "4", "16", "NULL", "NULL", "NULL", "NULL", "bpchar", "6", "YES"],
                ["b", "7", "NULL", "YES", "bigint", "NULL", "NULL", "64", "2", "0", "NULL", "int8", "7", "YES"],
                ["s", "8", "NULL", "YES", "smallint", "NULL", "NULL", "16", "2", "0", "NULL", "int2", "8", "YES"],
            ])
    }

    /// The catalog is computed when read: a table created or dropped after registration
    /// shows at once; other relations and their row types follow.
    func testCatalogIsCurrent() throws {
        let db = try CatalogTestDatabase()
        XCTAssertEqual(try db.rows("SELECT relname FROM pg_catalog.pg_class"), [])
        try db.execute("CREATE VIRTUAL TABLE later USING omendb(a INTEGER PRIMARY KEY, b TEXT)")
        XCTAssertEqual(try db.rows("SELECT relname, relkind, relnatts FROM pg_class ORDER BY relname"),
                       [["later", "r", "2"], ["later_pkey", "i", "1"]])
        XCTAssertEqual(try db.rows("SELECT tablename, hasindexes FROM pg_tables"), [["later", "1"]])
        XCTAssertEqual(try db.rows("""
            SELECT t.typname, t.typtype FROM pg_type t JOIN pg_class c ON t.typrelid = c.oid WHERE c.relname = 'later'
            """), [["later", "c"]])
        try db.execute("DROP TABLE later")
        XCTAssertEqual(try db.rows("SELECT count(*) FROM pg_catalog.pg_class"), [["0"]])
        XCTAssertEqual(try db.rows("SELECT count(*) FROM information_schema.columns"), [["0"]])
        // A table without a key column has no index and no constraint; NOT NULL shows.
        try db.execute("CREATE VIRTUAL TABLE h USING omendb(tid int NOT NULL, delta int)")
        XCTAssertEqual(try db.rows("SELECT relname, relhasindex FROM pg_class"), [["h", "0"]])
        XCTAssertEqual(try db.rows("SELECT count(*) FROM pg_index"), [["0"]])
        XCTAssertEqual(try db.rows("SELECT count(*) FROM pg_constraint"), [["0"]])
        XCTAssertEqual(try db.rows("SELECT attname, attnotnull FROM pg_attribute ORDER BY attnum"), [["tid", "1"], ["delta", "0"]])
        XCTAssertEqual(try db.rows("SELECT column_name, is_nullable FROM information_schema.columns ORDER BY ordinal_position"),
                       [["tid", "NO"], ["delta", "YES"]])
    }

    /// The catalog lists the database's tables, including those another session created
    /// (pgbench's table-level PRIMARY KEY (bid) form too).
    func testTablesOfOtherConnections() throws {
        let db = try CatalogTestDatabase()
        var other: OpaquePointer?
        XCTAssertEqual(sqlite3_open(":memory:", &other), SQLITE_OK)
        defer { sqlite3_close(other) }
        try OmenSQL.register(other!, database: db.database)
        XCTAssertEqual(sqlite3_exec(other, "CREATE VIRTUAL TABLE pgbench_branches USING omendb(bid int not null, bbalance int, "
                                        + "filler char(88), PRIMARY KEY (bid))", nil, nil, nil), SQLITE_OK,
                       String(cString: sqlite3_errmsg(other)))
        XCTAssertEqual(try db.rows("""
            SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull
            FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid ORDER BY c.relname, a.attnum
            """), [["pgbench_branches", "bid", "integer", "1"], ["pgbench_branches", "bbalance", "integer", "0"],
                   ["pgbench_branches", "filler", "character(88)", "0"], ["pgbench_branches_pkey", "bid", "integer", "0"]])
        XCTAssertEqual(try db.rows("SELECT pg_get_constraintdef(oid) FROM pg_constraint"), [["PRIMARY KEY (bid)"]])
    }

    /// One prepared statement run again after a table was created (by this connection
    /// or another) sees it: the tables are read once per run, not once per preparation.
    func testRerunSeesNewTables() throws {
        let db = try CatalogTestDatabase()
        try db.execute("CREATE VIRTUAL TABLE a USING omendb(k INTEGER PRIMARY KEY)")
        var statement: OpaquePointer?
        XCTAssertEqual(sqlite3_prepare_v2(db.connection, "SELECT count(*) FROM pg_class WHERE pg_table_is_visible(oid)", -1,
                                          &statement, nil), SQLITE_OK)
        defer { sqlite3_finalize(statement) }
        func run() -> Int64 {
            defer { sqlite3_reset(statement) }
            return sqlite3_step(statement) == SQLITE_ROW ? sqlite3_column_int64(statement, 0) : -1
        }
        XCTAssertEqual(run(), 2)
        var other: OpaquePointer?
        XCTAssertEqual(sqlite3_open(":memory:", &other), SQLITE_OK)
        defer { sqlite3_close(other) }
        try OmenSQL.register(other!, database: db.database)
        XCTAssertEqual(sqlite3_exec(other, "CREATE VIRTUAL TABLE b USING omendb(k INTEGER PRIMARY KEY)", nil, nil, nil), SQLITE_OK)
        XCTAssertEqual(run(), 4, "b and its index, created by another connection")
        try db.execute("DROP TABLE a")
        XCTAssertEqual(run(), 2)
    }

    /// pgbench's start-up lookup of pgbench_accounts (without its LATERAL, which the
    /// translator handles): one row in the search path, no partitions.
    func testPgbenchTableLookup() throws {
        let db = try CatalogTestDatabase()
        try db.execute("CREATE VIRTUAL TABLE pgbench_accounts USING omendb(aid int, bid int, abalance int, filler char(84))")
        XCTAssertEqual(try db.rows("""
            select array_position(current_schemas(1), n.nspname), p.partstrat, count(i.inhparent)
            from pg_catalog.pg_class as c join pg_catalog.pg_namespace as n on (n.oid = c.relnamespace)
            left join pg_catalog.pg_partitioned_table as p on (p.partrelid = c.oid)
            left join pg_catalog.pg_inherits as i on (c.oid = i.inhparent)
            where c.relname = 'pgbench_accounts' group by 1, 2 order by 1 asc limit 1
            """), [["2", "NULL", "0"]])
    }

    /// Every relation: its rows have one value per declared column, and its result
    /// columns carry PostgreSQL's type names as their declared types.
    func testRelationShapes() throws {
        let db = try CatalogTestDatabase()
        try makeTable(db)
        let state = CatalogState(connection: db.connection, settings: db.settings, context: db.context)
        XCTAssertEqual(CatalogRelations.all.count, 25)
        for relation in CatalogRelations.all {
            let rows = try relation.rows(state)
            for row in rows { XCTAssertEqual(row.count, relation.columns.count, "\(relation.schema).\(relation.name)") }
            XCTAssertEqual(try db.rows("SELECT * FROM \(relation.schema).\(relation.name)").count, rows.count, relation.name)
            // SQLite spells the type `text` in capitals.
            XCTAssertEqual(try db.declaredTypes("SELECT * FROM \(relation.schema).\(relation.name)").map { $0.lowercased() },
                           relation.columns.map(\.type), relation.name)
        }
        // PostgreSQL's "char" columns are text: as char they would be sent as character(1), '' padded to ' '.
        XCTAssertEqual(try db.declaredTypes("SELECT oid, relname, relkind, relhasindex FROM pg_catalog.pg_class"),
                       ["oid", "name", "TEXT", "bool"])
        // Unqualified names resolve too; the relations are read-only.
        XCTAssertEqual(try db.rows("SELECT count(*) FROM pg_attribute WHERE attrelid = (SELECT oid FROM pg_class WHERE relname = 't')"),
                       [["8"]])
        XCTAssertThrowsError(try db.execute("DELETE FROM pg_catalog.pg_class")) { error in
            XCTAssertEqual((error as? PGError)?.message, "table pg_class may not be modified")
        }
        XCTAssertThrowsError(try db.execute("INSERT INTO pg_catalog.pg_namespace VALUES (1, 'x', 10, NULL)"))
        XCTAssertEqual(try db.rows("SELECT typname FROM pg_type WHERE oid IN (16, 17, 20, 21, 23, 25, 700, 701, 1042, 1043, 1184, 1700) ORDER BY oid"),
                       [["bool"], ["bytea"], ["int8"], ["int2"], ["int4"], ["text"], ["float4"], ["float8"], ["bpchar"],
                        ["varchar"], ["timestamptz"], ["numeric"]])
    }

    func testColumnTypes() {
        let cases: [(String, UInt32, Int32, String)] = [
            ("int", 23, -1, "integer"), ("INTEGER", 23, -1, "integer"), ("int4", 23, -1, "integer"),
            ("serial", 23, -1, "integer"), ("bigint", 20, -1, "bigint"), ("bigserial", 20, -1, "bigint"),
            ("smallint", 21, -1, "smallint"), ("int2", 21, -1, "smallint"), ("text", 25, -1, "text"),
            ("", 25, -1, "text"), ("boolean", 16, -1, "boolean"), ("bytea", 17, -1, "bytea"), ("BLOB", 17, -1, "bytea"),
            ("pg_catalog.int4", 23, -1, "integer"), ("character(4)", 1042, 8, "character(4)"),
            ("real", 700, -1, "real"), ("float4", 700, -1, "real"), ("double precision", 701, -1, "double precision"),
            ("DOUBLE  PRECISION", 701, -1, "double precision"), ("float8", 701, -1, "double precision"),
            ("float(10)", 700, -1, "real"), ("float", 701, -1, "double precision"),
            ("varchar(20)", 1043, 24, "character varying(20)"), ("character varying(20)", 1043, 24, "character varying(20)"),
            ("varchar", 1043, -1, "character varying"), ("char(84)", 1042, 88, "character(84)"), ("char", 1042, 5, "character(1)"),
            ("bpchar", 1042, -1, "bpchar"), ("numeric(10,2)", 1700, 655366, "numeric(10,2)"), ("decimal(5)", 1700, 327684, "numeric(5,0)"),
            ("numeric", 1700, -1, "numeric"), ("timestamptz", 1184, -1, "timestamp with time zone"),
            ("timestamp with time zone", 1184, -1, "timestamp with time zone"),
            ("timestamp", 1114, -1, "timestamp without time zone"), ("timestamp(3)", 1114, 3, "timestamp(3) without time zone"),
            ("date", 1082, -1, "date"), ("UNSIGNED BIG INT", 20, -1, "bigint"), ("NVARCHAR(10)", 25, -1, "text"),
            ("DOUBLE", 701, -1, "double precision"), ("DECIMAL", 1700, -1, "numeric"), ("interval", 20, -1, "bigint"),  // SQLite's rule: it contains INT
        ]
        for (declared, oid, typmod, formatted) in cases {
            let type = PGColumnType(declared: declared)
            XCTAssertEqual(type, PGColumnType(oid: oid, typmod: typmod), declared)
            XCTAssertEqual(PGColumnType.format(oid: type.oid, typmod: type.typmod), formatted, declared)
        }
    }

    func testFunctions() throws {
        let db = try CatalogTestDatabase()
        let version = try XCTUnwrap(db.rows("SELECT version()").first?.first)
        XCTAssertTrue(version.hasPrefix("PostgreSQL 15.0 (OmenDB"), version)
        XCTAssertTrue(version.contains("64-bit"), version)
        // PostgreSQL 15.18's answers for the same calls.
        XCTAssertEqual(try db.rows("""
            select format_type(1043, 24), format_type(1042,-1), format_type(1700,-1), format_type(1184, 3),
                   format_type(1114,-1), format_type(16,-1), format_type(0,-1), format_type(99999,-1), format_type(1042, 8),
                   pg_encoding_to_char(6), pg_get_userbyid(10), pg_get_userbyid(6171), pg_get_userbyid(4444),
                   array_position(current_schemas(1), 'public'), array_to_string('{a,NULL,"b c"}', ',')
            """), [["character varying(20)", "bpchar", "numeric", "timestamp(3) with time zone", "timestamp without time zone",
                    "boolean", "-", "???", "character(4)", "UTF8", "alice", "pg_database_owner", "unknown (OID=4444)", "2", "a,b c"]])
        XCTAssertEqual(try db.rows("""
            SELECT current_database(), current_schema(), current_user(), session_user(), pg_backend_pid(),
                   pg_is_in_recovery(), pg_advisory_unlock_all(), current_schemas(0), format_type(NULL, 1)
            """), [["omen", "public", "alice", "alice", "4242", "0", "NULL", "{public}", "NULL"]])
        // PostgreSQL 15.18: array_upper('{a,b,c}'::text[], 1), array_length(…, 1), array_lower(…, 1), array_upper('{}', 1),
        // array_upper('{a}', 2) give 3, 3, 1, NULL, NULL.
        XCTAssertEqual(try db.rows("""
            SELECT array_upper('{a,b,c}', 1), array_length('{a,b,c}', 1), array_lower('{a,b,c}', 1), array_upper('{}', 1),
                   array_upper('{a}', 2), array_upper(NULL, 1)
            """), [["3", "3", "1", "NULL", "NULL", "NULL"]])
    }

    func testSettingsFunctions() throws {
        let db = try CatalogTestDatabase()
        XCTAssertEqual(try db.rows("SELECT current_setting('server_version'), current_setting('DateStyle'), current_setting('datestyle')"),
                       [["15.0 (OmenDB)", "ISO, MDY", "ISO, MDY"]])
        _ = db.settings.drainReported()
        XCTAssertEqual(try db.rows("SELECT set_config('application_name', 'bench', 0)"), [["bench"]])
        XCTAssertEqual(db.settings.value("application_name"), "bench", "set_config writes the session's settings")
        XCTAssertEqual(db.settings.drainReported().map { $0.0 + "=" + $0.1 }, ["application_name=bench"], "and reports it")
        XCTAssertEqual(try db.rows("SELECT current_setting('application_name')"), [["bench"]])
        db.settings.resetAll()
        XCTAssertEqual(try db.rows("SELECT current_setting('application_name')"), [[""]], "current_setting reads the live settings")
        XCTAssertEqual(try db.rows("SELECT set_config('myapp.tenant', '7', false), current_setting('myapp.tenant')"), [["7", "7"]])

        XCTAssertEqual(try db.rows("SELECT current_setting('no_such_thing', 1)"), [["NULL"]])
        XCTAssertThrowsError(try db.rows("SELECT current_setting('no_such_thing')")) { error in
            XCTAssertEqual((error as? PGError)?.code, SQLState.undefinedObject)
            XCTAssertEqual((error as? PGError)?.message, "unrecognized configuration parameter \"no_such_thing\"")
        }
        XCTAssertNil(PGCatalog.takeError(db.connection), "taken once")
        // A catalog error left untaken is not reported for a later, unrelated failure.
        XCTAssertEqual(sqlite3_exec(db.connection, "SELECT current_setting('no_such_thing')", nil, nil, nil), SQLITE_ERROR)
        XCTAssertNotEqual(sqlite3_exec(db.connection, "SELECT * FROM no_such_table", nil, nil, nil), SQLITE_OK)
        XCTAssertNil(PGCatalog.takeError(db.connection))
        XCTAssertThrowsError(try db.rows("SELECT set_config('server_version', '9', false)")) { error in
            XCTAssertEqual((error as? PGError)?.code, SQLState.cantChangeRuntimeParameter)
        }
        XCTAssertThrowsError(try db.rows("SELECT set_config('work_mem', '1MB', true)")) { error in
            XCTAssertEqual((error as? PGError)?.code, SQLState.featureNotSupported)
        }
        XCTAssertEqual(db.settings.value("server_version"), "15.0 (OmenDB)")
    }

    func testRegexp() throws {
        let db = try CatalogTestDatabase()
        XCTAssertEqual(try db.rows("""
            SELECT 't' REGEXP '^(t)$', 'tt' REGEXP '^(t)$', 'pg_toast_1' REGEXP '^pg_toast', 'T' REGEXP '^t$',
                   'pgbench_accounts' REGEXP '^(pgbench_.*)$', NULL REGEXP 'a', 'a' REGEXP NULL, 'ab' NOT REGEXP 'b$'
            """), [["1", "0", "1", "0", "1", "NULL", "NULL", "0"]])
        // A pattern from each row (not constant) is compiled per row.
        try db.execute("CREATE VIRTUAL TABLE p USING omendb(id INTEGER PRIMARY KEY, pattern TEXT, subject TEXT)")
        try db.execute("INSERT INTO p VALUES (1, '^a+$', 'aaa'), (2, '^a+$', 'aab'), (3, 'b|c', 'xc'), (4, '[0-9]{2}', 'x1')")
        XCTAssertEqual(try db.rows("SELECT id, subject REGEXP pattern FROM p ORDER BY id"), [["1", "1"], ["2", "0"], ["3", "1"], ["4", "0"]])
        XCTAssertThrowsError(try db.rows("SELECT 'a' REGEXP '(unclosed'")) { error in
            XCTAssertEqual((error as? PGError)?.code, "2201B")
        }
    }

    func testGenerateSeries() throws {
        let db = try CatalogTestDatabase()
        func series(_ arguments: String) throws -> [String] {
            try db.rows("SELECT * FROM generate_series(\(arguments))").map { $0[0] }
        }
        XCTAssertEqual(try series("1, 5"), ["1", "2", "3", "4", "5"])
        XCTAssertEqual(try series("1, 10, 3"), ["1", "4", "7", "10"])
        XCTAssertEqual(try series("5, 1, -2"), ["5", "3", "1"])
        XCTAssertEqual(try series("5, 1"), [], "a range running against the step is empty")
        XCTAssertEqual(try series("1, 5, -1"), [])
        XCTAssertEqual(try series("3, 3"), ["3"])
        XCTAssertEqual(try series("NULL, 3"), [], "NULL gives no rows")
        XCTAssertEqual(try series("1, 3, NULL"), [])
        XCTAssertEqual(try series("'2', '4'"), ["2", "3", "4"], "integers given as text")
        XCTAssertEqual(try series("9223372036854775805, 9223372036854775807, 2"), ["9223372036854775805", "9223372036854775807"])
        XCTAssertEqual(try series("-9223372036854775807, -9223372036854775808, -5"), ["-9223372036854775807"],
                       "stops before overflowing")
        XCTAssertEqual(try db.declaredTypes("SELECT * FROM generate_series(1, 2)"), ["bigint"])
        XCTAssertEqual(try db.rows("SELECT sum(generate_series), count(*) FROM generate_series(1, 100000)"), [["5000050000", "100000"]])
        XCTAssertEqual(try db.rows("""
            SELECT a.generate_series, b.generate_series FROM generate_series(1, 3) a, generate_series(a.generate_series, 3) b
            ORDER BY 1, 2
            """), [["1", "1"], ["1", "2"], ["1", "3"], ["2", "2"], ["2", "3"], ["3", "3"]], "correlated arguments")
        XCTAssertEqual(try db.rows("""
            SELECT a.generate_series, b.generate_series FROM generate_series(1, 9, b.generate_series) a, generate_series(3, 4) b ORDER BY 2, 1
            """), [["1", "3"], ["4", "3"], ["7", "3"], ["1", "4"], ["5", "4"], ["9", "4"]], "a correlated step")
        XCTAssertThrowsError(try series("1, 5, 0")) { error in
            XCTAssertEqual((error as? PGError)?.code, SQLState.invalidParameterValue)
            XCTAssertEqual((error as? PGError)?.message, "step size cannot equal zero")
        }
        XCTAssertThrowsError(try series("1")) { error in
            XCTAssertEqual((error as? PGError)?.code, SQLState.undefinedFunction)
        }
        XCTAssertEqual(try series("1.0, 2"), ["1", "2"], "integral reals are integers")
        XCTAssertThrowsError(try series("1.5, 3")) { error in
            XCTAssertEqual((error as? PGError)?.code, SQLState.featureNotSupported)
        }
        XCTAssertThrowsError(try series("'x', 3")) { error in
            XCTAssertEqual((error as? PGError)?.code, SQLState.invalidTextRepresentation)
        }
    }

    /// What the translator makes of `::regclass` and friends: pg_<type>(oid) prints the
    /// object's name (the number for an unknown OID), pg_<type>_oid('name') finds it;
    /// PostgreSQL's errors when there is no such object.
    func testRegTypes() throws {
        let db = try CatalogTestDatabase()
        try makeTable(db)
        let oid = try XCTUnwrap(db.rows("SELECT oid FROM pg_class WHERE relname = 't'").first?.first)
        XCTAssertEqual(try db.rows("""
            SELECT pg_regclass_oid('t'), pg_regclass_oid('public.t'), pg_regclass_oid('"t"'), pg_regclass_oid('T'),
                   pg_regclass(pg_regclass_oid('t_pkey')), pg_regclass(\(oid)), pg_regclass(12345), pg_regclass(NULL),
                   pg_regclass_oid('\(oid)')
            """), [[oid, oid, oid, oid, "t_pkey", "t", "12345", "NULL", oid]])
        XCTAssertEqual(try db.rows("""
            SELECT pg_regtype(23), pg_regtype(1043), pg_regtype(1042), pg_regtype(pg_regtype_oid('t')), pg_regtype_oid('integer'),
                   pg_regtype_oid('pg_catalog.int8'), pg_regtype_oid('character varying'), pg_regtype(0),
                   pg_regnamespace(2200), pg_regnamespace_oid('pg_catalog'), pg_regrole(10), pg_regrole_oid('alice'),
                   pg_regproc(pg_regproc_oid('version'))
            """), [["integer", "character varying", "character", "t", "23", "20", "1043", "-", "public", "11", "alice", "10",
                    "version"]])
        XCTAssertEqual(try db.rows("SELECT count(*) FROM pg_attribute WHERE attrelid = pg_regclass_oid('t')"), [["8"]])
        let missing: [(String, String)] = [
            ("pg_regclass_oid('nope')", SQLState.undefinedTable), ("pg_regclass_oid('other.t')", SQLState.undefinedObject),
            ("pg_regtype_oid('nope')", SQLState.undefinedObject), ("pg_regnamespace_oid('nope')", SQLState.undefinedObject),
            ("pg_regrole_oid('bob')", SQLState.undefinedObject), ("pg_regproc_oid('nope')", SQLState.undefinedFunction),
            ("pg_regclass_oid('a.b.c')", SQLState.invalidTextRepresentation), ("pg_regoper(1)", SQLState.featureNotSupported),
        ]
        for (call, code) in missing {
            XCTAssertThrowsError(try db.rows("SELECT \(call)"), call) { error in XCTAssertEqual((error as? PGError)?.code, code, call) }
        }
    }

    func testDisplayedDefaults() {
        let text = PGColumnType(declared: "text"), integer = PGColumnType(declared: "int")
        XCTAssertEqual(TableRelations.displayedDefault("('x')", text), "'x'::text")
        XCTAssertEqual(TableRelations.displayedDefault("(('a)(b'))", PGColumnType(declared: "varchar(5)")), "'a)(b'::character varying")
        XCTAssertEqual(TableRelations.displayedDefault("(1) + (2)", integer), "(1) + (2)")
        XCTAssertEqual(TableRelations.displayedDefault("(42)", integer), "42")
        XCTAssertEqual(TableRelations.displayedDefault("'x'", PGColumnType(declared: "char(3)")), "'x'::bpchar")
    }

    /// The session's user is a superuser: PostgreSQL 15.18 answers t for each of these on
    /// an existing table t, and the errors below for what does not exist.
    func testPrivileges() throws {
        let db = try CatalogTestDatabase()
        try makeTable(db)
        XCTAssertEqual(try db.rows("""
            SELECT has_table_privilege('t', 'SELECT'), has_table_privilege('alice', 't', 'select,insert'),
                   has_table_privilege('t', 'UPDATE WITH GRANT OPTION'), has_schema_privilege('public', 'USAGE'),
                   has_database_privilege('omen', 'CONNECT'), has_table_privilege(99999, 'SELECT'),
                   has_table_privilege(pg_regclass_oid('t'), 'DELETE'), has_schema_privilege(10, 2200, 'CREATE')
            """), [["1", "1", "1", "1", "1", "NULL", "1", "1"]])
        let failures: [(String, String, String)] = [
            ("has_table_privilege('nope', 'SELECT')", SQLState.undefinedTable, "relation \"nope\" does not exist"),
            ("has_table_privilege('t', 'FLY')", SQLState.invalidParameterValue, "unrecognized privilege type: \"FLY\""),
            ("has_schema_privilege('nope', 'USAGE')", "3F000", "schema \"nope\" does not exist"),
            ("has_database_privilege('nope', 'CONNECT')", SQLState.invalidCatalogName, "database \"nope\" does not exist"),
            ("has_table_privilege('bob', 't', 'SELECT')", SQLState.undefinedObject, "role \"bob\" does not exist"),
        ]
        for (call, code, message) in failures {
            XCTAssertThrowsError(try db.rows("SELECT \(call)"), call) { error in
                XCTAssertEqual((error as? PGError)?.code, code, call)
                XCTAssertEqual((error as? PGError)?.message, message, call)
            }
        }
    }

    func testArrayText() {
        XCTAssertEqual(PGArray.elements("{}"), [])
        XCTAssertEqual(PGArray.elements("{a,b}"), ["a", "b"])
        XCTAssertEqual(PGArray.elements("{\"a,b\",NULL,\"NULL\",\"q\\\"x\"}"), ["a,b", nil, "NULL", "q\"x"])
    }
}
