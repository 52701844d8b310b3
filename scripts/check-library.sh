#!/usr/bin/env bash
# check-library.sh LIBRARY HEADER — checks a built or installed libomendb.so:
#   - it exports exactly the functions declared in HEADER (nm -D), all omendb_*;
#   - its SONAME is libomendb.so.<OMENDB_VERSION_MAJOR> (readelf -d);
#   - it needs no Swift runtime library (ldd / NEEDED);
#   - next to it, libomendb.so and libomendb.so.<major> link to it (if LIBRARY is
#     the versioned file).
# Prints one line per check and closes with "N passed, M failed".
set -uo pipefail

library=${1:?usage: check-library.sh LIBRARY HEADER}
header=${2:?usage: check-library.sh LIBRARY HEADER}
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok   - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1"; }

[[ -f $library ]] || { echo "no such library: $library"; echo "0 passed, 1 failed"; exit 1; }
[[ -f $header ]] || { echo "no such header: $header"; echo "0 passed, 1 failed"; exit 1; }

major=$(sed -n 's/^#define OMENDB_VERSION_MAJOR  *\([0-9][0-9]*\).*/\1/p' "$header")
minor=$(sed -n 's/^#define OMENDB_VERSION_MINOR  *\([0-9][0-9]*\).*/\1/p' "$header")
patch=$(sed -n 's/^#define OMENDB_VERSION_PATCH  *\([0-9][0-9]*\).*/\1/p' "$header")

# Exported (defined, dynamic) symbols, without their version suffix.
exported=$(nm -D --defined-only "$library" | awk '{print $3}' | sed 's/@.*//' | sort -u)
# Functions declared by the header: identifiers omendb_* followed by "(".
declared=$(grep -o 'omendb_[a-z0-9_]*(' "$header" | tr -d '(' | sort -u)

others=$(grep -v '^omendb_' <<<"$exported" || true)
if [[ -z $others ]]; then pass "nm -D: only omendb_* symbols are exported ($(wc -l <<<"$exported") symbols)"
else fail "nm -D: symbols outside omendb_* are exported: $(tr '\n' ' ' <<<"$others")"; fi

missing=$(comm -13 <(echo "$exported") <(echo "$declared"))
if [[ -z $missing ]]; then pass "every function declared in omendb.h is exported"
else fail "declared in omendb.h but not exported: $(tr '\n' ' ' <<<"$missing")"; fi

extra=$(comm -23 <(echo "$exported") <(echo "$declared"))
if [[ -z $extra ]]; then pass "every exported symbol is declared in omendb.h"
else fail "exported but not declared in omendb.h: $(tr '\n' ' ' <<<"$extra")"; fi

soname=$(readelf -d "$library" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
if [[ $soname == "libomendb.so.$major" ]]; then pass "readelf -d: SONAME is $soname"
else fail "readelf -d: SONAME is '$soname', expected libomendb.so.$major"; fi

needed=$(readelf -d "$library" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
if grep -q 'swift' <<<"$needed"; then fail "NEEDED names a Swift library: $needed"
else pass "NEEDED has no Swift library: $needed"; fi

runpath=$(readelf -d "$library" | grep -E '\((RUNPATH|RPATH)\)' || true)
if [[ -z $runpath ]]; then pass "readelf -d: no RUNPATH/RPATH"
else fail "readelf -d: the library carries a search path: $runpath"; fi

if ldd "$library" | grep -qi 'libswift\|not found'; then fail "ldd shows libswift* or a missing library: $(ldd "$library" | tr '\n' ' ')"
else pass "ldd shows no libswift* and nothing missing"; fi

if [[ $(basename "$library") == "libomendb.so.$major.$minor.$patch" ]]; then
    dir=$(dirname "$library")
    for link in "libomendb.so.$major" libomendb.so; do
        if [[ -L $dir/$link && $(readlink -f "$dir/$link") == $(readlink -f "$library") ]]; then
            pass "$link -> $(readlink "$dir/$link") resolves to $(basename "$library")"
        else
            fail "$dir/$link is not a symbolic link resolving to $(basename "$library")"
        fi
    done
fi

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
