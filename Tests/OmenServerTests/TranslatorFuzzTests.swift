import OmenServer
import XCTest
import OmenTestSupport

/// Mutated client statements (characters deleted, duplicated, replaced with SQL's special
/// characters, texts cut short) never crash the splitter or the translator: each either
/// translates or throws a PGError with a five-character SQLSTATE. Seeded; the seed is
/// printed so a failure can be replayed with OMENDB_FUZZ_SEED.
final class TranslatorFuzzTests: XCTestCase {
    private static let corpus: [String] = [
        PsqlQueries.listDatabases, PsqlQueries.listTables, PsqlQueries.lookup, PsqlQueries.tableDetails,
        PsqlQueries.columns, PsqlQueries.indexes, PsqlQueries.policies, PsqlQueries.statistics,
        PsqlQueries.publications, PsqlQueries.inheritedFrom, PsqlQueries.partitions,
        "select o.n, p.partstrat, pg_catalog.count(i.inhparent) from pg_catalog.pg_class as c cross join lateral "
            + "(select pg_catalog.array_position(pg_catalog.current_schemas(true), n.nspname)) as o(n) where o.n is not null",
        "insert into pgbench_branches(bid,bbalance) select bid, 0 from generate_series(1, 1) as bid",
        "create table pgbench_tellers(tid int not null,bid int,tbalance int,filler char(84)) with (fillfactor=100)",
        "DECLARE c1 CURSOR FOR\nSELECT id, name, v FROM public.t WHERE ((id = ANY ('{1,2}'::integer[]))) AND ((name ~~ 'a%'))",
        "COPY  t ( id,name,v ) FROM STDIN with (format csv, header true, force_not_null (a, b))",
        "SELECT pg_advisory_unlock_all();\nCLOSE ALL;\nUNLISTEN *;\nRESET ALL;",
        "select E'a\\n\\x41\\u00e9', $tag$x$tag$, \"Q\"\"x\", 1.5e3, $1::varchar(3), cast(x as numeric(10,2)), a[1], "
            + "x ilike y, date '2020-01-01', b is not distinct from c /* c /* d */ */ -- e",
        "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET LOCAL search_path TO \"$user\", public; FETCH FORWARD 5 FROM c",
        "alter table only t add constraint t_pkey primary key (id); truncate table a, b cascade; drop table if exists a, b",
        "prepare p(int, text) as update t set v = $2 where id = $1 returning *; execute p(1, 'x'); deallocate all",
        "select 1 = any(), array_to_string(array(select 1)), array_upper(), x[] from generate_series() as; fetch forward; "
            + "declare c cursor for; copy t from stdin with (; set x to; create table t (); alter table t add; drop table; "
            + "truncate; execute p(; select cast(; select x::; select (; select ) ; select $; show; reset; begin isolation",
    ]

    func testMutatedStatementsNeverCrash() {
        let seed = ProcessInfo.processInfo.environment["OMENDB_FUZZ_SEED"].flatMap { UInt64($0) }
            ?? UInt64.random(in: 0...UInt64.max)
        print("TranslatorFuzzTests seed \(seed)")
        var random = SeededGenerator(seed: seed)
        let specials = Array("'\"$()[]:;,.-/*+~!=<>\\E ea0{}\n\t")
        for iteration in 0..<6000 {
            var text = Array(Self.corpus[Int(random.next() % UInt64(Self.corpus.count))])
            for _ in 0..<(1 + Int(random.next() % 4)) where !text.isEmpty {
                let at = Int(random.next() % UInt64(text.count))
                switch random.next() % 4 {
                case 0: text.remove(at: at)
                case 1: text.insert(text[at], at: at)
                case 2: text[at] = specials[Int(random.next() % UInt64(specials.count))]
                default: text = Array(text[..<at])
                }
            }
            let input = String(text)
            do {
                for statement in try StatementSplitter.split(input) {
                    _ = try? Translator.translate(statement)
                }
                _ = try Translator.translate(input)
            } catch {
                XCTAssertEqual(error.code.count, 5, "seed \(seed), iteration \(iteration): \(input)")
            }
        }
    }
}
