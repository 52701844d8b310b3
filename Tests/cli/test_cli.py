#!/usr/bin/env python3
"""The `omendb` tool run as a user runs it: round trips, exit codes, damage detection.

    python3 Tests/cli/test_cli.py PATH/TO/omendb [SEED]

Round trips dump -> load -> dump for both formats over several key distributions
(Int64.min/max, empty database, empty and large values), and per named table
(--table, next to the default table; stat lists the tables); omendb sql (-c, scripts,
the interactive shell on a pty) against the sqlite3 shell's output; a truncated or corrupted binary
dump is refused with exit code 3 and loads nothing; verify exits 0 on a healthy
database and 3 after a byte of a run file is flipped; stat --json parses and agrees
with the data; compact; usage errors exit 1. Seeded (seed printed); ~10 s.
"""
import json
import os
import random
import subprocess
import sys
import tempfile

TOOL = sys.argv[1]
SEED = int(sys.argv[2]) if len(sys.argv) > 2 else random.SystemRandom().randrange(1 << 32)
print(f"cli test seed {SEED} (rerun: python3 {sys.argv[0]} {TOOL} {SEED})", flush=True)
rng = random.Random(SEED)
WORK = tempfile.mkdtemp(prefix="omendb-cli.")
I64_MIN, I64_MAX = -(1 << 63), (1 << 63) - 1
failures = 0


def run(*args, stdin=None, expect=0):
    result = subprocess.run([TOOL, *args], input=stdin, capture_output=True, timeout=120)
    if result.returncode != expect:
        raise AssertionError(f"omendb {' '.join(args)}: exit {result.returncode}, expected {expect}; "
                             f"stderr: {result.stderr.decode(errors='replace')}")
    return result


def text_dump(entries):
    lines = ["VERSION=1", "format=text", "HEADER=END"]
    lines += [f"{k}\t{v.hex()}" for k, v in sorted(entries.items())]
    lines.append(f"DATA=END count={len(entries)}")
    return ("\n".join(lines) + "\n").encode()


def distributions():
    yield "empty", {}
    yield "extremes", {I64_MIN: b"", I64_MAX: b"\xff", 0: b"zero", -1: b"", 1: bytes(range(256))}
    yield "dense", {k: rng.randbytes(rng.randrange(0, 24)) for k in range(-500, 1500)}
    yield "sparse", {rng.randrange(I64_MIN, I64_MAX): rng.randbytes(rng.randrange(0, 64)) for _ in range(3000)}
    yield "large values", {rng.randrange(-10**12, 10**12): rng.randbytes(rng.choice([0, 1, 70_000, 1 << 20]))
                           for _ in range(12)}


def check(name, condition, detail=""):
    global failures
    if not condition:
        failures += 1
        print(f"FAIL {name} {detail}", flush=True)


def db_path(name):
    return os.path.join(WORK, name.replace(" ", "_"))


# Round trips: entries loaded from a text dump read back identical, in both formats.
for name, entries in distributions():
    source = db_path(name)
    load_file = os.path.join(WORK, "in.txt")
    with open(load_file, "wb") as f:
        f.write(text_dump(entries))
    run("load", source, "--input", load_file)
    text1 = run("dump", source).stdout
    check(f"{name}: text dump equals the entries loaded", text1 == text_dump(entries))
    binary1 = run("dump", source, "--format", "binary").stdout
    for fmt, dump in (("text", text1), ("binary", binary1)):
        copy = db_path(f"{name}-{fmt}")
        run("load", copy, stdin=dump)
        check(f"{name}: {fmt} round trip (text)", run("dump", copy).stdout == text1)
        check(f"{name}: {fmt} round trip (binary)", run("dump", copy, "--format", "binary").stdout == binary1)
    # --lo/--hi select an inclusive key range.
    if entries:
        keys = sorted(entries)
        lo, hi = keys[len(keys) // 4], keys[3 * len(keys) // 4]
        part = run("dump", source, "--lo", str(lo), "--hi", str(hi)).stdout
        check(f"{name}: --lo/--hi dump", part == text_dump({k: v for k, v in entries.items() if lo <= k <= hi}))
    # stat --json agrees with the data.
    stat = json.loads(run("stat", source, "--json").stdout)
    check(f"{name}: stat entries", stat["entries"] == len(entries), str(stat["entries"]))
    check(f"{name}: stat runs", sum(r["entries"] for r in stat["runs"]) == len(entries))
    if entries:
        check(f"{name}: stat key range", min(r["min_key"] for r in stat["runs"]) == min(entries)
              and max(r["max_key"] for r in stat["runs"]) == max(entries))
        check(f"{name}: stat model and filter", all(r["model_segments"] >= 1 and r["index_kind"] and r["filter_bytes"] > 0
                                                  for r in stat["runs"]))
    check(f"{name}: verify", run("verify", source).returncode == 0)
    print(f"ok round trips: {name} ({len(entries)} entries)", flush=True)

# Loading into a database that holds data: overwrites and keeps the rest; compact.
target = db_path("merge")
first = {k: b"old" for k in range(0, 200, 2)}
second = {k: b"new" for k in range(100, 300, 3)}
run("load", target, stdin=text_dump(first))
run("load", target, stdin=text_dump(second))
merged = {**first, **second}
check("merge: second load overrides", run("dump", target).stdout == text_dump(merged))
stat = json.loads(run("stat", target, "--json").stdout)
check("merge: two runs before compact", len(stat["runs"]) == 2, str(len(stat["runs"])))
run("compact", target)
stat = json.loads(run("stat", target, "--json").stdout)
check("compact: one run", len(stat["runs"]) == 1 and stat["runs"][0]["entries"] == len(merged), str(stat["runs"]))
check("compact: data unchanged", run("dump", target).stdout == text_dump(merged))
print("ok load into a non-empty database, compact", flush=True)

# --table: each table round-trips on its own, next to the default table and each other;
# stat lists every table with its figures; a missing table is exit 2 (dump, stat).
tabled = db_path("tables")
per_table = {"": {k: b"default" for k in range(0, 50)},
             "alpha": {k: rng.randbytes(rng.randrange(0, 16)) for k in range(-100, 400, 3)},
             "\u03b2eta": {I64_MIN: b"min", I64_MAX: b"max", 7: b""},
             "empty": {}}
for table, entries in per_table.items():
    options = ["--table", table] if table else []
    run("load", tabled, *options, stdin=text_dump(entries))
for number, (table, entries) in enumerate(per_table.items()):
    options = ["--table", table] if table else []
    text1 = run("dump", tabled, *options).stdout
    check(f"table {table!r}: text dump equals the entries loaded", text1 == text_dump(entries))
    binary1 = run("dump", tabled, *options, "--format", "binary").stdout
    copy = db_path(f"tables-copy-{number}")
    run("load", copy, "--table", "t", stdin=binary1)
    check(f"table {table!r}: binary round trip into another table",
          run("dump", copy, "--table", "t").stdout == text1 and run("dump", copy).stdout == text_dump({}))
    if table:
        figures = json.loads(run("stat", tabled, *options, "--json").stdout)
        check(f"table {table!r}: stat --table entries", figures["table"] == table and figures["entries"] == len(entries),
              str(figures))
stat = json.loads(run("stat", tabled, "--json").stdout)
check("tables: stat lists every table", [t["table"] for t in stat["tables"]] == ["", "alpha", "empty", "\u03b2eta"],
      str(stat["tables"]))
check("tables: stat per-table entries",
      all(t["entries"] == len(per_table[t["table"]]) for t in stat["tables"]), str(stat["tables"]))
check("tables: stat text lists them", b"alpha:" in run("stat", tabled).stdout)
result = run("dump", tabled, "--table", "missing", expect=2)
check("missing table named", b"missing" in result.stderr, result.stderr.decode())
run("stat", tabled, "--table", "missing", expect=2)
run("load", tabled, "--table", "", stdin=text_dump({}), expect=2)
run("load", tabled, "--table", "x" * 256, stdin=text_dump({}), expect=2)
check("tables: failed loads changed nothing", json.loads(run("stat", tabled, "--json").stdout)["tables"] == stat["tables"])
print("ok --table round trips", flush=True)

# A damaged binary dump is refused (exit 3) and loads nothing.
before = run("dump", target).stdout
good = run("dump", db_path("dense"), "--format", "binary").stdout
damaged = {"truncated": good[: rng.randrange(16, len(good) - 1)], "header only": good[:16]}
for _ in range(5):
    position = rng.randrange(16, len(good))
    flipped = bytearray(good)
    flipped[position] ^= 1 << rng.randrange(8)
    damaged[f"bit flip at {position}"] = bytes(flipped)
for what, dump in damaged.items():
    result = run("load", target, stdin=dump, expect=3)
    check(f"damaged dump ({what}): message", b"standard input" in result.stderr, result.stderr.decode())
    check(f"damaged dump ({what}): nothing loaded", run("dump", target).stdout == before)
text = run("dump", db_path("dense")).stdout
run("load", target, stdin=text[: len(text) // 2], expect=3)
run("load", target, stdin=text.replace(b"DATA=END count=2000", b"DATA=END count=1999"), expect=3)
check("damaged text dump: nothing loaded", run("dump", target).stdout == before)
run("load", target, stdin=b"not a dump\n", expect=2)
print("ok damaged dumps refused", flush=True)

# verify: 0 when healthy, 3 after one byte of a run file is flipped.
victim = db_path("sparse")
run("verify", victim)
runs = [f for f in os.listdir(victim) if f.endswith(".run")]
path = os.path.join(victim, runs[0])
size = os.path.getsize(path)
with open(path, "r+b") as f:
    position = rng.randrange(size // 4, size // 2)
    f.seek(position)
    byte = f.read(1)[0]
    f.seek(position)
    f.write(bytes([byte ^ 0x40]))
result = run("verify", victim, expect=3)
check("verify damaged: names the run file", runs[0].encode() in result.stderr, result.stderr.decode())
print(f"ok verify (flipped byte {position} of {runs[0]})", flush=True)

# A writer's exclusive lock makes every command busy (exit 5); a reader's shared lock
# lets read-only commands run but not compact or load.
import fcntl
with open(os.path.join(target, "LOCK"), "rb") as lock:
    fcntl.flock(lock, fcntl.LOCK_EX)
    for command in ("stat", "dump", "verify", "compact"):
        result = run(command, target, expect=5)
        check(f"busy {command}: names the lock holder", b"locked" in result.stderr, result.stderr.decode())
    fcntl.flock(lock, fcntl.LOCK_UN)
    fcntl.flock(lock, fcntl.LOCK_SH)
    check("shared lock: dump works", run("dump", target).stdout == before)
    run("verify", target)
    run("compact", target, expect=5)
    run("load", target, stdin=text_dump({1: b""}), expect=5)
check("busy: nothing changed", run("dump", target).stdout == before)
print("ok locks: busy is exit 5", flush=True)

# omendb sql: -c, scripts on stdin and the interactive shell. Results must equal the sqlite3
# shell's list mode for the same statements on an ordinary SQLite table.
sql_db = db_path("sql")
schema = "CREATE VIRTUAL TABLE t USING omendb(id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB);"
native = "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB);"
rows = [(k, rng.choice(["ada", "bob", "it's", None]), rng.choice([None, 1.5, -2.25, 1e300, 3]),
         rng.choice([None, "x'00ff41'", "x''"])) for k in rng.sample(range(-1000, 1000), 60)]
inserts = "".join(f"INSERT INTO t VALUES ({k}, {'NULL' if n is None else repr(n)}, {'NULL' if s is None else s}, "
                  f"{'NULL' if d is None else d});\n" for k, n, s, d in rows)
queries = ("SELECT * FROM t ORDER BY id;\nSELECT id, name FROM t WHERE id BETWEEN -100 AND 100 ORDER BY id DESC;\n"
           "SELECT count(*), sum(score), typeof(data) FROM t GROUP BY typeof(data) ORDER BY 3;\n"
           "SELECT name, count(*) FROM t GROUP BY name ORDER BY name;\n")
run("sql", sql_db, "-c", schema)
loaded = run("sql", sql_db, stdin=inserts.encode())
check("sql: inserts print nothing", loaded.stdout == b"" and loaded.stderr == b"", loaded.stderr.decode())
ours = run("sql", sql_db, stdin=queries.encode()).stdout
reference = subprocess.run(["sqlite3", ":memory:"], input=(native + inserts + queries).encode(), capture_output=True,
                           timeout=60, check=True).stdout
check("sql: list-mode output equals sqlite3's", ours == reference and len(ours.splitlines()) > 60,
      f"\n{ours.decode(errors='replace')[:400]}\nvs\n{reference.decode(errors='replace')[:400]}")
check("sql: -c runs several statements", run("sql", sql_db, "-c", "SELECT 1; SELECT 'a' || 'b'").stdout == b"1\nab\n")
check("sql: .tables", run("sql", sql_db, "-c", ".tables").stdout == b"t\n")
check("sql: .schema", run("sql", sql_db, "-c", ".schema t").stdout == b'CREATE VIRTUAL TABLE "t" USING omendb('
      b"id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB);\n", run("sql", sql_db, "-c", ".schema t").stdout)
result = run("sql", sql_db, stdin=b"SELECT 1;\nINSERT INTO t VALUES (5000, 'x', 1, NULL);\nSELEC 2;\n"
                                  b"INSERT INTO t VALUES (5001, 'y', 1, NULL);\n", expect=2)
check("sql: a script stops at the error", result.stdout == b"1\n" and b"syntax error" in result.stderr,
      result.stderr.decode())
check("sql: statements before the error stand, after it do not",
      run("sql", sql_db, "-c", "SELECT id FROM t WHERE id >= 5000").stdout == b"5000\n")
result = run("sql", sql_db, "-c", "SELECT * FROM missing", expect=2)
check("sql: -c error on stderr", b"no such table: missing" in result.stderr, result.stderr.decode())
result = run("sql", sql_db, "-c", "INSERT INTO t VALUES (5000, 'dup', 1, NULL)", expect=2)
check("sql: constraint error names the key", b"5000" in result.stderr, result.stderr.decode())
run("sql", sql_db, "-c", ".bogus", expect=2)
run("sql", sql_db, stdin=b"SELECT 1", expect=0)  # an unterminated last statement still runs
check("sql: tables are named tables of the database", b"  t: " in run("stat", sql_db).stdout)

# The interactive shell, on a pseudo-terminal: prompts, a statement over two lines,
# the history file.
import pty
import select
history = os.path.join(WORK, "history")
pid, terminal = pty.fork()
if pid == 0:
    os.execve(TOOL, [TOOL, "sql", sql_db], dict(os.environ, OMENDB_HISTORY=history, TERM="dumb"))


def read_until(token):
    seen = b""
    while token not in seen:
        ready, _, _ = select.select([terminal], [], [], 30)
        if not ready:
            raise AssertionError(f"omendb sql: no {token!r} after {seen!r}")
        seen += os.read(terminal, 4096)
    return seen


read_until(b"omendb> ")
os.write(terminal, b"SELECT name FROM t\n")
read_until(b"...> ")
os.write(terminal, b"WHERE id = 5000;\n")
check("sql interactive: the row", b"\r\nx\r\nomendb> " in read_until(b"omendb> "))
os.write(terminal, b"SELEC;\n")
check("sql interactive: errors do not end the shell", b"omendb> " in read_until(b"omendb> "))
os.write(terminal, b".quit\n")
_, status = os.waitpid(pid, 0)
os.close(terminal)
check("sql interactive: exit 0", os.waitstatus_to_exitcode(status) == 0)
with open(history) as f:
    saved = f.read()
check("sql interactive: history saved", "WHERE\\040id\\040=\\0405000;" in saved and ".quit" in saved, saved)
print("ok sql shell", flush=True)

# Usage and lookup errors.
run(expect=1)
run("bogus", expect=1)
run("dump", expect=1)
run("dump", target, "--format", "xml", expect=1)
run("dump", target, "--lo", "5", "--hi", "4", expect=1)
result = run("stat", os.path.join(WORK, "missing"), expect=2)
check("missing database named", b"missing" in result.stderr)
run("load", target, "--input", os.path.join(WORK, "missing.dump"), expect=2)
run("--help")
print("ok usage errors", flush=True)

subprocess.run(["rm", "-rf", WORK], check=True)
print(f"cli test seed {SEED}: {'FAILED ' + str(failures) if failures else 'all passed'}")
sys.exit(1 if failures else 0)
