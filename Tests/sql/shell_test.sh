#!/usr/bin/env bash
# libomendb_sql as a loadable extension in Debian's sqlite3 shell: `.load`, omendb_open,
# CREATE VIRTUAL TABLE / INSERT / SELECT / a join with a native table / EXPLAIN QUERY
# PLAN / a constraint error with -bail, then a second shell process that reopens the
# directory and sees the rows. Every shell's output is compared in full, and its
# stderr must be empty (sqlite3_close included) except for the expected error.
#
#   bash Tests/sql/shell_test.sh path/to/libomendb_sql.so
set -euo pipefail

library=${1:?usage: shell_test.sh path/to/libomendb_sql.so}
command -v sqlite3 >/dev/null || { echo "shell_test: no sqlite3 shell (apt-get install sqlite3)"; exit 1; }
# .load takes the path without the suffix, as users type it.
load=${library%.so}
work=$(mktemp -d "${TMPDIR:-/tmp}/omendb-sql-shell.XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0

# check NAME EXPECTED_STATUS EXPECTED_STDOUT EXPECTED_STDERR -- sqlite3 ARGS... (script on stdin)
check() {
    local name=$1 want_status=$2 want_out=$3 want_err=$4
    shift 5
    local status=0
    "$@" >"$work/out" 2>"$work/err" || status=$?
    if [[ $status != "$want_status" || "$(cat "$work/out")" != "$want_out" || "$(cat "$work/err")" != "$want_err" ]]; then
        echo "FAIL $name: exit $status (want $want_status)"
        echo "--- stdout:"; cat "$work/out"; echo "--- wanted:"; printf '%s\n' "$want_out"
        echo "--- stderr:"; cat "$work/err"; echo "--- wanted:"; printf '%s\n' "$want_err"
        failures=$((failures + 1))
    else
        echo "ok   $name"
    fi
}

# omendb_open returns NULL: the empty first line of each shell's output.
check "create, insert, select, join, plan" 0 "$(cat <<'EOF'

-9223372036854775808|min|0.5|00FF
1|one|1.0|
9223372036854775807|max||
one|native one
QUERY PLAN
`--SCAN t VIRTUAL TABLE INDEX 100:id >= ? AND id <= ?
3|min,one,max
EOF
)" "" -- sqlite3 -bail "$work/native.sqlite" <<EOF
.load $load
SELECT omendb_open('$work/db');
CREATE VIRTUAL TABLE t USING omendb(id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB);
BEGIN;
INSERT INTO t VALUES (-9223372036854775808, 'min', 0.5, x'00ff'), (1, 'one', 1.0, NULL), (9223372036854775807, 'max', NULL, x'');
COMMIT;
CREATE TABLE native(k INTEGER PRIMARY KEY, w TEXT);
INSERT INTO native VALUES (1, 'native one');
.headers off
SELECT id, name, score, hex(data) FROM t ORDER BY id;
SELECT t.name, native.w FROM native JOIN t ON t.id = native.k;
EXPLAIN QUERY PLAN SELECT * FROM t WHERE id BETWEEN 0 AND 5;
SELECT count(*), group_concat(name) FROM (SELECT name FROM t ORDER BY id);
EOF
check "a duplicate key is a constraint error naming the key; -bail stops" 1 "" \
    "Runtime error near line 3: UNIQUE constraint failed: t.id (key 1 exists) (19)" \
    -- sqlite3 -bail :memory: <<EOF
.load $load
SELECT omendb_open('$work/db');
INSERT INTO t VALUES (1, 'dup', NULL, NULL);
SELECT 'not reached';
EOF

check "a second process reopens the directory and sees the rows" 0 "$(cat <<'EOF'

temp.t
3|min,one,max
1|one
EOF
)" "" -- sqlite3 :memory: <<EOF
.load $load
SELECT omendb_open('$work/db');
.tables
SELECT count(*), group_concat(name) FROM (SELECT name FROM t ORDER BY id);
SELECT id, name FROM t WHERE id = 1;
EOF

check "omendb_open without a loaded extension is an error" 1 "" "$(cat <<EOF
Parse error near line 1: no such function: omendb_open
  SELECT omendb_open('$work/db');
         ^--- error here
EOF
)" -- sqlite3 -bail :memory: <<EOF
SELECT omendb_open('$work/db');
EOF

if [[ $failures -ne 0 ]]; then
    echo "shell_test: $failures check(s) failed"
    exit 1
fi
echo "shell_test: all checks passed"
