import OmenDB
import OmenServer
import XCTest

/// PostgreSQL statements → what the session runs. The inputs are the exact texts real
/// clients send (captured from a PostgreSQL 15 log with log_statement=all): psql -E,
/// pgbench -i / -S / TPC-B-like, postgres_fdw, asyncpg and psycopg 3.
final class TranslatorTests: XCTestCase {
    private func select(_ sql: String, parameters: Int = 0) -> PGStatement {
        .query(SQLiteQuery(sql: sql, kind: .select, parameterCount: parameters, returnsRows: true))
    }

    private func query(_ sql: String, _ kind: QueryKind, parameters: Int = 0, rows: Bool = false) -> PGStatement {
        .query(SQLiteQuery(sql: sql, kind: kind, parameterCount: parameters, returnsRows: rows))
    }

    private func check(_ cases: [(String, PGStatement)], file: StaticString = #filePath, line: UInt = #line) {
        for (input, expected) in cases {
            do {
                let actual = try Translator.translate(input)
                XCTAssertEqual(actual, expected, input, file: file, line: line)
            } catch {
                XCTFail("\(input): \(error)", file: file, line: line)
            }
        }
    }

    func testQueries() {
        check([
            ("", .empty),
            (" ; ", .empty),
            ("select 1;", select("select 1")),
            ("SELECT abalance FROM pgbench_accounts WHERE aid = $1;",
             select("select abalance from pgbench_accounts where aid = ?1", parameters: 1)),
            ("UPDATE pgbench_accounts SET abalance = abalance + -3626 WHERE aid = 64974;",
             query("update pgbench_accounts set abalance = abalance + -3626 where aid = 64974", .update)),
            ("INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (4, 1, 64974, -3626, CURRENT_TIMESTAMP);",
             query("insert into pgbench_history (tid, bid, aid, delta, mtime) values (4, 1, 64974, -3626, "
                   + "strftime('%Y-%m-%d %H:%M:%f+00', 'now'))", .insert)),
            ("insert into t values ($1, $2, $3) returning id", query("insert into t values (?1, ?2, ?3) returning id",
                                                                     .insert, parameters: 3, rows: true)),
            ("delete from t where id = $2", query("delete from t where id = ?2", .delete, parameters: 2)),
            ("with x as (select 1 as a) select a from x", select("with x as (select 1 as a) select a from x")),
            ("with x as (select 1 as a) delete from t where id in (select a from x)",
             query("with x as (select 1 as a) delete from t where id in (select a from x)", .delete)),
            ("values (1, 'a')", select("values (1, 'a')")),
            ("TABLE t", select("select * from t")),
            ("select count(*) from pgbench_branches", select("select count(*) from pgbench_branches")),
            ("select row_number() over (order by id) from t", select("select row_number() over (order by id nulls last) from t")),
            // asyncpg: its pool's release statements (split from one message), its type lookups.
            ("SELECT pg_advisory_unlock_all()", select("select pg_advisory_unlock_all()")),
            ("CLOSE ALL", .command(.close(nil))), ("UNLISTEN *", .command(.noop(tag: "UNLISTEN"))),
            ("RESET ALL", .command(.resetAll)),
            ("\n    SELECT\n        current_setting('jit') AS cur,\n        set_config('jit', 'off', false) AS new\n",
             select("select current_setting('jit') as cur, set_config('jit', 'off', false) as new")),
            ("select 't'::regclass::oid > 0", select("select cast(pg_regclass_oid('t') as integer) > 0")),
            // psycopg's quoted identifiers become backtick-quoted (never read as strings by SQLite).
            ("select \"Name\", \"a\"\"b\" from \"T\"", select("select `Name`, `a\"b` from `T`")),
            ("select 'it''s', E'a\\nb\\x41\\u00e9\\'', $$x'y$$, $q$a$q$",
             select("select 'it''s', 'a\nbAé''', 'x''y', 'a'")),
            ("select 'a'\n 'b'", select("select 'ab'")),
            // Casts: constants converted and checked here, expressions cast with the right affinity.
            ("select $1::int, $2::bigint, $3::float8, $4::double precision, $5::text, $6::varchar(3), $7::numeric",
             select("select pg_integer(?1, 32), pg_integer(?2, 64), cast(?3 as real), cast(?4 as real), "
                    + "cast(?5 as text), substr(cast(?6 as text), 1, 3), cast(?7 as numeric)", parameters: 7)),
            ("select '{ 1, +2 ,NULL}'::int[], '{a,\"b c\",\"\",\"x\\\"y\"}'::text[], $1::int[], '{1.0,2.5}'::float8[] limit all",
             select("select '{1,2,NULL}', '{a,\"b c\",\"\",\"x\\\"y\"}', cast(?1 as text), '{1,2.5}' limit -1", parameters: 1)),
            ("select '42'::int4, 2.5::int, '1e3'::float8, 'abc'::text, '1.50'::numeric, '{1,2}'::int[]",
             select("select 42, 3, 1000.0, 'abc', cast('1.50' as numeric), '{1,2}'")),
            ("select CAST(x AS integer), cast('t' as boolean), 'off'::bool, true::boolean from t",
             select("select pg_integer((x), 32), 1, 0, true from t")),
            ("select (a + b)::bigint, f(x)::text, t.c::real, case when a then 1 else 2 end::text from t",
             select("select pg_integer((a + b), 64), cast(f(x) as text), cast(t.c as real), "
                    + "cast(case when a then 1 else 2 end as text) from t")),
            ("select date '2020-01-02', timestamp with time zone '2020-01-02 03:04:05+00', '\\x00ff'::bytea",
             select("select '2020-01-02', '2020-01-02 03:04:05+00', x'00ff'")),
            ("select 1::numeric(10,2)", select("select round(cast(1 as real), 2)")),
            // regclass and friends: the catalog's name and OID functions.
            ("select c.oid::pg_catalog.regclass, 't'::regclass::oid, x::regtype::text from c",
             select("select pg_regclass(c.oid), cast(pg_regclass_oid('t') as integer), cast(pg_regtype(x) as text) from c")),
            // Operators and functions.
            ("select * from t where a ~ '^x' and b !~ 'y' and c OPERATOR(pg_catalog.~) '^(t)$' COLLATE pg_catalog.default",
             select("select * from t where a regexp '^x' and b not regexp 'y' and c regexp '^(t)$'")),
            ("select ~5, a is distinct from b, a is not distinct from b from t",
             select("select ~5, a is not b, a is b from t")),
            ("select * from t where name like 'a%' and n like $1 and m not like 'a\\_%' and k like 'x' escape '!'",
             select("select * from t where name like 'a%' and n like ?1 escape '\\' and m not like 'a\\_%' escape '\\' "
                    + "and k like 'x' escape '!'", parameters: 1)),
            ("select * from t where name ilike 'A%' || x and n ~~ 'b%' and m !~~* $1",
             select("select * from t where lower(name) like lower('A%' || x) escape '\\' and n like 'b%' "
                    + "and lower(m) not like lower(?1) escape '\\'", parameters: 1)),
            ("select now(), pg_catalog.now(), current_user, session_user, current_schema, current_schema(), "
             + "string_agg(a, ',') from t",
             select("select strftime('%Y-%m-%d %H:%M:%f+00', 'now'), strftime('%Y-%m-%d %H:%M:%f+00', 'now'), "
                    + "current_user(), session_user(), current_schema(), current_schema(), group_concat(a, ',') from t")),
            ("select pg_catalog.pg_get_userbyid(d.datdba), pg_catalog.pg_database.x from pg_catalog.pg_database d",
             select("select pg_get_userbyid(d.datdba), pg_catalog.pg_database.x from pg_catalog.pg_database d")),
            ("select * from t where id = any('{1,2,NULL}'::integer[]) and n <> all('{\"a b\",c}') and m = any(array[1, $1])",
             select("select * from t where id in (1, 2, null) and n not in ('a b', 'c') and m in (1, ?1)", parameters: 1)),
            ("select * from t where id = any(select id from u) and k = any($1::oid[])",
             select("select * from t where id in (select id from u) and k in (select value from json_each((case when "
                    + "substr(cast(?1 as text), 1, 1) = '{' then '[' || substr(cast(?1 as text), 2, length(cast(?1 as text)) - 2) "
                    + "|| ']' else cast(?1 as text) end)))", parameters: 1)),
            ("insert into pgbench_branches(bid,bbalance) select bid, 0 from generate_series(1, 1) as bid",
             query("insert into pgbench_branches(bid,bbalance) select bid, 0 from (select generate_series as bid from "
                   + "generate_series(1, 1)) as bid", .insert)),
            ("select a[1], f(x)[i + 1] from t", select("select json_extract((case when substr(a, 1, 1) = '{' then '[' || substr(a, 2, length(a) - 2) || ']' else a end), "
                    + "'$[' || (cast(1 as integer) - 1) || ']'), json_extract((case when substr(f(x), 1, 1) = '{' then '[' || "
                    + "substr(f(x), 2, length(f(x)) - 2) || ']' else f(x) end), '$[' || (cast(i + 1 as integer) - 1) || ']') from t")),
            ("select * from pg_catalog.generate_series(1, 3)",
             select("select * from generate_series(1, 3)")),
            ("select array_upper('{1,2,3}'::int[], 1)",
             select("select nullif(json_array_length((case when substr('{1,2,3}', 1, 1) = '{' then '[' || "
                    + "substr('{1,2,3}', 2, length('{1,2,3}') - 2) || ']' else '{1,2,3}' end)), 0)")),
        ])
    }

    /// pgbench's start-up queries (its partitioning probe has a FROM-less LATERAL).
    func testPgbenchStartup() {
        check([
            ("select o.n, p.partstrat, pg_catalog.count(i.inhparent) from pg_catalog.pg_class as c join "
             + "pg_catalog.pg_namespace as n on (n.oid = c.relnamespace) cross join lateral (select "
             + "pg_catalog.array_position(pg_catalog.current_schemas(true), n.nspname)) as o(n) left join "
             + "pg_catalog.pg_partitioned_table as p on (p.partrelid = c.oid) left join pg_catalog.pg_inherits as i on "
             + "(c.oid = i.inhparent) where c.relname = 'pgbench_accounts' and o.n is not null group by 1, 2 order by 1 asc limit 1",
             select("select (array_position(current_schemas(true), n.nspname)), p.partstrat, count(i.inhparent) from "
                    + "pg_catalog.pg_class as c join pg_catalog.pg_namespace as n on (n.oid = c.relnamespace) left join "
                    + "pg_catalog.pg_partitioned_table as p on (p.partrelid = c.oid) left join pg_catalog.pg_inherits as i on "
                    + "(c.oid = i.inhparent) where c.relname = 'pgbench_accounts' and (array_position(current_schemas(true), "
                    + "n.nspname)) is not null group by 1, 2 order by 1 asc nulls last limit 1")),
            ("select count(*) from pgbench_branches", select("select count(*) from pgbench_branches")),
        ])
    }

    func testTransactionsSettingsAndCursors() {
        let rr = TransactionMode(isolation: .repeatableRead)
        check([
            ("begin", .command(.begin(TransactionMode(), tag: "BEGIN"))),
            ("BEGIN ISOLATION LEVEL SERIALIZABLE;", .command(.begin(TransactionMode(isolation: .serializable), tag: "BEGIN"))),
            ("START TRANSACTION ISOLATION LEVEL REPEATABLE READ", .command(.begin(rr, tag: "START TRANSACTION"))),
            ("begin transaction read only, not deferrable isolation level read committed",
             .command(.begin(TransactionMode(isolation: .readCommitted, readOnly: true, deferrable: false), tag: "BEGIN"))),
            ("COMMIT TRANSACTION", .command(.commit)), ("END;", .command(.commit)), ("commit and no chain", .command(.commit)),
            ("ROLLBACK", .command(.rollback)), ("abort work", .command(.rollback)),
            ("savepoint s1", .command(.savepoint("s1"))), ("RELEASE SAVEPOINT s1", .command(.release("s1"))),
            ("rollback to savepoint \"S1\"", .command(.rollbackTo("S1"))), ("ROLLBACK TO s1", .command(.rollbackTo("s1"))),
            ("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE READ WRITE",
             .command(.setTransaction(TransactionMode(isolation: .serializable, readOnly: false), session: false))),
            ("set session characteristics as transaction read only",
             .command(.setTransaction(TransactionMode(readOnly: true), session: true))),
            // postgres_fdw's session set-up.
            ("SET search_path = pg_catalog", .command(.set(name: "search_path", value: "pg_catalog", local: false))),
            ("SET timezone = 'GMT'", .command(.set(name: "timezone", value: "GMT", local: false))),
            ("SET datestyle = ISO", .command(.set(name: "datestyle", value: "iso", local: false))),
            ("SET intervalstyle = postgres", .command(.set(name: "intervalstyle", value: "postgres", local: false))),
            ("SET extra_float_digits = 3", .command(.set(name: "extra_float_digits", value: "3", local: false))),
            ("set local statement_timeout to -1", .command(.set(name: "statement_timeout", value: "-1", local: true))),
            ("SET search_path TO \"$user\", public", .command(.set(name: "search_path", value: "\"$user\", public", local: false))),
            ("SET TIME ZONE 'UTC'", .command(.set(name: "TimeZone", value: "UTC", local: false))),
            ("set time zone local", .command(.set(name: "TimeZone", value: nil, local: false))),
            ("SET NAMES 'UTF8'", .command(.set(name: "client_encoding", value: "UTF8", local: false))),
            ("set application_name to default", .command(.set(name: "application_name", value: nil, local: false))),
            ("set myapp.flag = on", .command(.set(name: "myapp.flag", value: "on", local: false))),
            ("RESET ALL", .command(.resetAll)), ("reset time zone", .command(.reset("TimeZone"))),
            ("SHOW server_version", .command(.show("server_version"))), ("show all", .command(.showAll)),
            ("SHOW TRANSACTION ISOLATION LEVEL", .command(.show("transaction_isolation"))),
            ("DISCARD ALL", .command(.discardAll)), ("discard plans", .command(.noop(tag: "DISCARD PLANS"))),
            ("UNLISTEN *", .command(.noop(tag: "UNLISTEN"))), ("listen chan", .command(.noop(tag: "LISTEN"))),
            ("vacuum analyze pgbench_branches", .command(.noop(tag: "VACUUM"))),
            ("vacuum pgbench_tellers", .command(.noop(tag: "VACUUM"))), ("ANALYZE t", .command(.noop(tag: "ANALYZE"))),
            ("checkpoint", .command(.noop(tag: "CHECKPOINT"))),
            // Cursors: postgres_fdw's and psycopg's server-side cursors.
            ("DECLARE c1 CURSOR FOR\nSELECT id, name, v FROM public.t WHERE ((id = 1))",
             .command(.declare(name: "c1", query: SQLiteQuery(sql: "select id, name, v from t where ((id = 1))",
                                                               kind: .select, parameterCount: 0, returnsRows: true),
                               hold: false, binary: false))),
            ("DECLARE \"srv\" BINARY NO SCROLL CURSOR WITH HOLD FOR select * from t where id > $1",
             .command(.declare(name: "srv", query: SQLiteQuery(sql: "select * from t where id > ?1", kind: .select,
                                                                parameterCount: 1, returnsRows: true),
                               hold: true, binary: true))),
            ("FETCH 100 FROM c1", .command(.fetch(name: "c1", count: 100, move: false))),
            ("FETCH FORWARD 2 FROM \"srv\"", .command(.fetch(name: "srv", count: 2, move: false))),
            ("fetch all in c", .command(.fetch(name: "c", count: nil, move: false))),
            ("fetch forward all from c", .command(.fetch(name: "c", count: nil, move: false))),
            ("fetch c", .command(.fetch(name: "c", count: 1, move: false))),
            ("fetch next from c", .command(.fetch(name: "c", count: 1, move: false))),
            ("move 5 in c", .command(.fetch(name: "c", count: 5, move: true))),
            ("CLOSE c1", .command(.close("c1"))), ("CLOSE ALL", .command(.close(nil))),
            // Prepared statements (postgres_fdw's DEALLOCATE, psql's PREPARE/EXECUTE).
            ("prepare p(int) as select * from t where id = $1",
             .command(.prepare(name: "p", query: SQLiteQuery(sql: "select * from t where id = ?1", kind: .select,
                                                             parameterCount: 1, returnsRows: true)))),
            ("execute p(2, 'x', null, -3, true)", .command(.execute(name: "p", parameters: ["2", "x", nil, "-3", "t"]))),
            ("DEALLOCATE pgsql_fdw_prep_1", .command(.deallocate("pgsql_fdw_prep_1"))),
            ("deallocate prepare all", .command(.deallocate(nil))),
        ])
    }

    func testTablesAndCopy() {
        var csv = CopyOptions(format: .csv)
        csv.header = true
        var pipes = CopyOptions()
        pipes.delimiter = "|"
        pipes.null = ""
        var forced = CopyOptions(format: .csv)
        forced.forceQuoteAll = true
        forced.quote = "'"
        forced.escape = "'"
        check([
            // pgbench -i.
            ("drop table if exists pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers",
             .script(["DROP TABLE IF EXISTS \"pgbench_accounts\"", "DROP TABLE IF EXISTS \"pgbench_branches\"",
                      "DROP TABLE IF EXISTS \"pgbench_history\"", "DROP TABLE IF EXISTS \"pgbench_tellers\""], tag: "DROP TABLE")),
            ("drop table t cascade", query("DROP TABLE \"t\"", .other(tag: "DROP TABLE"))),
            ("create table pgbench_history(tid int,bid int,aid    int,delta int,mtime timestamp,filler char(22))",
             query("CREATE VIRTUAL TABLE \"pgbench_history\" USING omendb(tid int, bid int, aid int, delta int, "
                   + "mtime timestamp, filler char(22))", .other(tag: "CREATE TABLE"))),
            ("create table pgbench_tellers(tid int not null,bid int,tbalance int,filler char(84)) with (fillfactor=100)",
             query("CREATE VIRTUAL TABLE \"pgbench_tellers\" USING omendb(tid int not null, bid int, tbalance int, "
                   + "filler char(84))", .other(tag: "CREATE TABLE"))),
            ("CREATE UNLOGGED TABLE IF NOT EXISTS public.\"T\" (id bigint PRIMARY KEY, \"Name\" text DEFAULT 'x'::text NOT NULL, "
             + "v numeric(10,2) default 0, at timestamptz default now(), primary key (id)) tablespace pg_default",
             query("CREATE VIRTUAL TABLE IF NOT EXISTS \"T\" USING omendb(id bigint primary key, \"Name\" text "
                   + "DEFAULT 'x' not null, v numeric(10,2) DEFAULT 0, at timestamptz DEFAULT "
                   + "(strftime('%Y-%m-%d %H:%M:%f+00', 'now')), primary key (id))", .other(tag: "CREATE TABLE"))),
            ("truncate table pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers",
             .command(.truncate(["pgbench_accounts", "pgbench_branches", "pgbench_history", "pgbench_tellers"]))),
            ("truncate pgbench_history", .command(.truncate(["pgbench_history"]))),
            ("alter table pgbench_branches add primary key (bid)", .command(.addPrimaryKey(table: "pgbench_branches", column: "bid"))),
            ("ALTER TABLE ONLY t ADD CONSTRAINT t_pkey PRIMARY KEY (id)", .command(.addPrimaryKey(table: "t", column: "id"))),
            ("alter table t add column n int default 5",
             query("SELECT omendb_add_column('t', 'n int DEFAULT 5')", .other(tag: "ALTER TABLE"))),
            ("copy pgbench_accounts from stdin with (freeze on)",
             .command(.copyFrom(table: "pgbench_accounts", columns: nil, options: CopyOptions()))),
            // psql's \copy.
            ("COPY  t FROM STDIN ", .command(.copyFrom(table: "t", columns: nil, options: CopyOptions()))),
            ("COPY  t ( id,name,v ) FROM STDIN with (format csv, header true)",
             .command(.copyFrom(table: "t", columns: ["id", "name", "v"], options: csv))),
            ("COPY  t FROM STDIN csv header", .command(.copyFrom(table: "t", columns: nil, options: csv))),
            ("COPY  t TO STDOUT csv", .command(.copyTo(.table("t", columns: nil), options: CopyOptions(format: .csv)))),
            ("COPY  ( select * from t where id > 1 ) TO STDOUT ",
             .command(.copyTo(.query(SQLiteQuery(sql: "select * from t where id > 1", kind: .select, parameterCount: 0,
                                                 returnsRows: true)), options: CopyOptions()))),
            ("copy t (id, name, v) from stdin", .command(.copyFrom(table: "t", columns: ["id", "name", "v"], options: CopyOptions()))),
            ("copy t to stdout", .command(.copyTo(.table("t", columns: nil), options: CopyOptions()))),
            ("copy t from stdin (delimiter '|', null '')", .command(.copyFrom(table: "t", columns: nil, options: pipes))),
            ("copy t to stdout with (format csv, quote '''', force_quote *)",
             .command(.copyTo(.table("t", columns: nil), options: forced))),
        ])
    }

    func testUnsupportedIsFeatureNotSupportedNamingIt() {
        let cases: [(String, String)] = [
            ("COPY \"t\" TO STDOUT (FORMAT binary)", "FORMAT binary"),
            ("copy t from '/etc/passwd'", "COPY FROM a server file"),
            ("select * from t for update", "FOR UPDATE"),
            ("select a[1:2] from t", "array slices"),
            ("select array[1,2]", "ARRAY"),
            ("select array_upper(a, 2) from t", "dimension"),
            ("select x ~* 'a' from t", "~*"),
            ("select 1 @> 2", "operator @>"),
            ("select now() - interval '1 day'", "interval"),
            // SQLite would read the date text '2024-01-01' as the number 2024.
            ("select '2024-01-01'::date + 1", "arithmetic on date values (+)"),
            ("select date '2024-01-31' - date '2024-01-01'", "arithmetic on date values (-)"),
            ("select 1 + cast('2024-01-01' as date)", "arithmetic on date values (+)"),
            ("select -'2024-01-01'::date", "arithmetic on date values (-)"),
            ("select '2024-01-01'::date * 2", "arithmetic on date values (*)"),
            ("select timestamptz '2024-01-01 10:00+00' + 1", "arithmetic on timestamptz values (+)"),
            ("select '12:00'::time + 1", "arithmetic on time values (+)"),
            ("select now() + 1", "arithmetic on timestamptz values (+)"),
            ("select 2 * clock_timestamp()", "arithmetic on timestamptz values (*)"),
            ("select * from t where d > current_date - 7", "arithmetic on date values (-)"),
            ("select current_timestamp + 1", "arithmetic on timestamptz values (+)"),
            ("select localtime / 2", "arithmetic on time values (/)"),
            ("select x::bool from t", "boolean"),
            ("select x::tsvector from t", "tsvector"),
            ("select x::char(3) from t", "cast to char(3)"),
            ("select '{1}'::int[] || '{2}'::int[]", "array concatenation"),
            ("select x || '{2}'::int[] from t", "array concatenation"),
            ("select * from t, lateral (select * from u where u.a = t.a) x", "LATERAL"),
            ("select n from t cross join lateral (select 1) as o(n)", "LATERAL"),
            ("create temp table x (a int)", "TEMPORARY"),
            ("create index i on t (a)", "CREATE INDEX"),
            ("alter table pgbench_tellers add constraint pgbench_tellers_bid_fkey foreign key (bid) references pgbench_branches",
             "FOREIGN"),
            ("create table t (a int references u)", "REFERENCES"),
            ("insert into t values (1) on conflict do nothing", "ON CONFLICT"),
            ("select 1 into x", "INTO"),
            ("delete from t where id = 1 returning *", "DELETE … RETURNING"),
            ("update t set v = 1 returning v", "UPDATE … RETURNING"),
            ("declare c scroll cursor for select 1", "SCROLL"),
            ("fetch backward 1 from c", "BACKWARD"),
            ("fetch prior from c", "PRIOR"),
            ("notify chan", "NOTIFY"),
            ("explain select 1", "EXPLAIN"),
            ("truncate t restart identity", "RESTART IDENTITY"),
            ("commit and chain", "AND CHAIN"),
            ("select B'101'", "bit-string"),
            ("select 'NaN'::float8", "NaN"),
            ("select x from t where y similar to 'a'", "SIMILAR"),
            ("select array_agg(ia.attname::text ORDER BY ia.attnum) from pg_attribute ia", "ORDER BY inside a function call"),
            ("select percentile_cont(0.5) within group (order by x) from t", "WITHIN GROUP"),
        ]
        for (input, fragment) in cases {
            XCTAssertThrowsError(try Translator.translate(input), input) { error in
                guard let error = error as? PGError else { return XCTFail("\(input): \(error)") }
                XCTAssertEqual(error.code, "0A000", "\(input): \(error)")
                XCTAssertTrue(error.message.contains(fragment), "\(input): \(error.message)")
            }
        }
    }

    func testBadInputGetsPostgreSQLsErrors() {
        let cases: [(String, String)] = [
            ("select 'abc'::int", "22P02"), ("select '99999999999'::int4", "22003"), ("select 70000::int2", "22003"),
            ("select 'maybe'::bool", "22P02"), ("select '{1,2'::int[]", "22P02"), ("select 'x'::float8", "22P02"),
            ("select 1; select 2", "42601"), ("begin isolation level sometimes", "42601"), ("fetch", "42601"),
            ("select 'unterminated", "42601"), ("select cast(1 integer)", "42601"), ("select E'\\000'", "22021"),
            (")", "42601"),
        ]
        for (input, code) in cases {
            XCTAssertThrowsError(try Translator.translate(input), input) { error in
                XCTAssertEqual((error as? PGError)?.code, code, "\(input): \(error)")
            }
        }
    }
}
