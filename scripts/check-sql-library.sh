#!/usr/bin/env bash
# check-sql-library.sh LIBRARY OMENDB_H — checks a built or installed libomendb_sql.so:
#   - it exports exactly omendb_sql_register and sqlite3_omendbsql_init (nm -D), the
#     functions of omendb_sql.h (next to OMENDB_H);
#   - its SONAME is libomendb_sql.so.<OMENDB_VERSION_MAJOR of OMENDB_H>;
#   - it needs libsqlite3 and neither a Swift runtime library nor libomendb.so;
#   - no RUNPATH.
# Prints one line per check and closes with "N passed, M failed".
set -uo pipefail

library=${1:?usage: check-sql-library.sh LIBRARY OMENDB_H}
omendb_h=${2:?usage: check-sql-library.sh LIBRARY OMENDB_H}
header=$(dirname "$omendb_h")/omendb_sql.h
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok   - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1"; }

major=$(sed -n 's/^#define OMENDB_VERSION_MAJOR  *\([0-9][0-9]*\).*/\1/p' "$omendb_h")
exported=$(nm -D --defined-only "$library" | awk '{print $3}' | sed 's/@.*//' | sort -u)
declared=$(grep -oE '(omendb_sql_[a-z0-9_]*|sqlite3_omendbsql_init)\(' "$header" | tr -d '(' | sort -u)
if [[ $exported == "$declared" ]]; then pass "nm -D: exports exactly the functions of omendb_sql.h: $(tr '\n' ' ' <<<"$exported")"
else fail "nm -D: exports '$(tr '\n' ' ' <<<"$exported")', omendb_sql.h declares '$(tr '\n' ' ' <<<"$declared")'"; fi

soname=$(readelf -d "$library" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
if [[ $soname == "libomendb_sql.so.$major" ]]; then pass "readelf -d: SONAME is $soname"
else fail "readelf -d: SONAME is '$soname', expected libomendb_sql.so.$major"; fi

needed=$(readelf -d "$library" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
if grep -q 'libsqlite3' <<<"$needed" && ! grep -q 'swift\|libomendb' <<<"$needed"; then pass "NEEDED: $needed"
else fail "NEEDED should name libsqlite3 and no Swift library or libomendb: $needed"; fi

if readelf -d "$library" | grep -qE '\((RUNPATH|RPATH)\)'; then fail "readelf -d: the library carries a search path"
else pass "readelf -d: no RUNPATH/RPATH"; fi

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
