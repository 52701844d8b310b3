#!/usr/bin/env bash
# test.sh — sets up the machine and runs every OmenDB test suite:
#   the docs check, Swift (swift build -c release, swift test, examples/swift as a
#   path and as a versioned dependency), the CMake build and install, the C tests
#   (normal, ASan+UBSan, TSan) through CTest, header/symbol checks, the C tests and
#   consumer projects against the installed prefix, README.md's C recipe as printed,
#   the Python bindings' tests when bindings/python exists, and SQL on OmenDB against
#   SQLite (the differential test, the loadable extension in the sqlite3 shell).
#
#   bash scripts/test.sh            # everything
#   bash scripts/test.sh c python   # only the suites whose names contain a word
#
# Stops at the first failing suite and always ends with one summary line:
#   suites: N passed, M failed, K skipped
#
# Adding a suite: write a function suite_<name> (it runs under set -euo pipefail
# in a subshell; return 77 to mark it skipped) and add <name> to SUITES below.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export OMENDB_VENV=${OMENDB_VENV:-$ROOT/.venv}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/omendb-test.XXXXXX")
BUILD=$WORK/build            # CMake build tree
PREFIX=$WORK/prefix          # install prefix
JOBS=$(nproc 2>/dev/null || echo 2)
# cmake_configure ARGS...: configures with Ninja when setup has installed it.
cmake_configure() {
    if command -v ninja >/dev/null; then cmake -G Ninja "$@"; else cmake "$@"; fi
}
cleanup() { if [[ ${OMENDB_KEEP_WORK:-0} == 1 ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi; }
trap cleanup EXIT

SUITES=(setup docs swift_build swift_test swift_consumer swift_tsan swift_asan c_tsan storage_crash txn_crash faults cmake_build cli ctest installed_checks installed_c_tests consumers readme_c_recipe python sql server bench_smoke fuzz)

# ---- suites ------------------------------------------------------------------

suite_setup() {
    bash "$ROOT/scripts/setup.sh"
}

suite_docs() {
    # The docs against the code: status codes, C functions, results files, format
    # versions, suite and C-test lists, links (< 1 s; the checks are listed in the script).
    python3 "$ROOT/scripts/check-docs.py"
}

suite_swift_build() {
    swift build -c release
}

suite_swift_test() {
    swift test
}

suite_swift_consumer() {
    # examples/swift (a Swift package using the OmenDB product) built and run twice: as
    # written, depending on the repository by path, then with that dependency rewritten
    # to a versioned one on a git copy of this tree, which SwiftPM accepts only when the
    # product carries no unsafeFlags (~2 x 1-2 min of debug builds on 2 cores).
    local example=$ROOT/examples/swift
    swift build --package-path "$example"
    "$(swift build --package-path "$example" --show-bin-path)/omendb-swift-demo" "$WORK/swift-demo.db"
    local version repo=$WORK/versioned/OmenDB consumer=$WORK/versioned/consumer
    version=$(sed -n 's/^#define OMENDB_VERSION_STRING "\(.*\)"$/\1/p' "$ROOT/include/omendb.h")
    mkdir -p "$repo" "$consumer"
    git ls-files -z --cached --others --exclude-standard | tar -c --null -T - | tar -x -C "$repo"
    git -C "$repo" init -q
    git -C "$repo" add -A
    git -C "$repo" -c user.name=test -c user.email=test@localhost commit -q -m "OmenDB $version"
    git -C "$repo" tag "$version"
    cp -r "$example/Package.swift" "$example/Sources" "$consumer/"
    sed -i "s|\.package(name: \"OmenDB\", path: \"../..\")|.package(url: \"file://$repo\", from: \"$version\")|" \
        "$consumer/Package.swift"
    grep -q "from: \"$version\"" "$consumer/Package.swift"   # the rewrite happened
    swift build --package-path "$consumer"
    "$(swift build --package-path "$consumer" --show-bin-path)/omendb-swift-demo" "$WORK/swift-versioned.db"
}

# sanitized_suite thread|address: the engine, its tests and libomendb.so built with
# -sanitize=<kind> (own scratch path); the storage tests, the stress test among them
# (10 s), then the C API tests for threads, the database, misuse and checkpoints (and, with ASan,
# transactions: test_transactions, test_bank), compiled by the
# Swift toolchain's clang with the same sanitizer runtime, against the instrumented
# library. Any report fails the suite (halt_on_error). LeakSanitizer is off for the
# XCTest run only: XCTest keeps its test-case objects alive to the end (every report
# there is in XCTest's frames); the C tests run with it on.
sanitized_suite() {
    local kind=$1 scratch=$ROOT/.build-${1:0:1}san
    # Tests/tsan.supp: the hot tier's optimistic (seqlock-validated) reads, by design.
    export TSAN_OPTIONS=halt_on_error=1:suppressions=$ROOT/Tests/tsan.supp ASAN_OPTIONS=halt_on_error=1:detect_leaks=0
    swift build --build-tests --sanitize="$kind" --scratch-path "$scratch"
    swift test --skip-build --sanitize="$kind" --scratch-path "$scratch" --filter "Storage|Transaction|ALEXConcurrentRead"
    export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1
    local tests=(test_threads test_database test_api test_checkpoint)
    # Under TSan the transaction tests run in suite c_tsan.
    [[ $kind == address ]] && tests+=(test_transactions test_bank)
    sanitized_c_tests "$kind" "$scratch/debug" "${tests[@]}"
}

# sanitized_c_tests thread|address LIB TEST...: each Tests/c/TEST.c compiled by the Swift
# toolchain's clang with -fsanitize=<kind> against the instrumented libomendb.so in LIB,
# then run.
sanitized_c_tests() {
    local kind=$1 lib=$2
    shift 2
    local toolchain
    toolchain=$(dirname "$(readlink -f "$(command -v swift)")")   # .../usr/bin
    local clang=$toolchain/clang runtime=$toolchain/../lib/swift/linux
    ln -sf libomendb.so "$lib/libomendb.so.0"
    # The static TSan runtime carries libdispatch interceptors: link the toolchain's
    # libdispatch and blocks runtime for them.
    local extra=()
    [[ $kind == thread ]] && extra=(-L"$runtime" -ldispatch -lBlocksRuntime -Wl,-rpath,"$runtime")
    for test in "$@"; do
        "$clang" -std=c99 -D_POSIX_C_SOURCE=200809L -O1 -g -fsanitize="$kind" -fno-omit-frame-pointer \
            -fuse-ld=lld -I"$ROOT/include" -I"$ROOT/Tests/c" "$ROOT/Tests/c/$test.c" \
            -L"$lib" -lomendb -Wl,-rpath,"$lib" "${extra[@]}" -lpthread -lm -o "$WORK/$test-$kind"
        (cd "$WORK" && "./$test-$kind")
    done
}

suite_swift_tsan() {
    # ~5 min on 2 cores: build 1-2 min, storage tests ~2.5 min, C tests ~30 s.
    sanitized_suite thread
}

suite_swift_asan() {
    # ~4 min on 2 cores: build ~2 min, storage tests ~1.5 min, C tests ~25 s.
    sanitized_suite address
}

suite_c_tsan() {
    # The transaction tests (test_transactions; test_bank: bank transfers and write skew on
    # threads) against libomendb.so built with -sanitize=thread (the scratch path swift_tsan
    # shares): 1-2 min to build on 2 cores (seconds after swift_tsan), ~30 s to run.
    # Tests/tsan.supp: the hot tier's optimistic (seqlock-validated) reads, by design.
    export TSAN_OPTIONS=halt_on_error=1:suppressions=$ROOT/Tests/tsan.supp
    swift build --sanitize=thread --scratch-path "$ROOT/.build-tsan" --product omendb
    sanitized_c_tests thread "$ROOT/.build-tsan/debug" test_transactions test_bank
}

suite_storage_crash() {
    # SIGKILL a SYNC_FULL writer (batches spanning two tables, bulk loads, flushes,
    # compactions) and some reopens mid-recovery, then check (~30 s; --long: 5 min;
    # --kills N: until N kills).
    bash "$ROOT/Tests/crash/run.sh"
}

suite_txn_crash() {
    # SIGKILL three threads committing multi-key SYNC_FULL transactions, and some reopens
    # mid-recovery, then check that every transaction is whole or absent and every
    # acknowledged one present (~20 s; --long: 5 min).
    bash "$ROOT/Tests/crash/run.sh" --transactions
}

suite_faults() {
    # ENOSPC, EIO, short writes, fsync failures and crashes injected at every I/O step of
    # the workload (2,481 cases), each followed by a reopen check (2-6 min on 2 cores).
    bash "$ROOT/Tests/faults/run.sh" --full
}

suite_bench_smoke() {
    # The peer benchmark harness still builds and every store answers correctly
    # (~10k keys; the peers' Debian packages are installed by bench/setup.sh).
    bash "$ROOT/bench/setup.sh" --no-pip --no-release-leveldb
    "$ROOT/bench/run" --smoke
    # The concurrency and transaction workloads, every store, 1-8 threads
    # (~10 s once the harness is built: 10k keys, 0.2 s per thread count).
    "$ROOT/bench/run" --concurrency --smoke
    # Get vs index lookup side by side, answers checked (~5 s: 20k keys, 2 rounds).
    "$ROOT/bench/getpath/run.sh" --sizes 20000 --datasets uniform,clustered --rounds 2 --queries 20000 \
        --out "$WORK/getpath.jsonl"
}

suite_cmake_build() {
    cmake_configure -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release
    cmake --build "$BUILD" --parallel "$JOBS"
    cmake --install "$BUILD" --prefix "$PREFIX"
    echo "installed files:"
    (cd "$PREFIX" && find . -type f -o -type l | sort | sed 's/^/  /')
    ls -l "$PREFIX/lib/"libomendb.so*
}

suite_cli() {
    # The omendb tool as installed by cmake_build (else as SwiftPM builds it): it needs
    # no Swift runtime, then Tests/cli/test_cli.py (round trips in both dump formats and
    # per table, damaged dumps refused, verify on a flipped byte, stat --json, the sql
    # shell against the sqlite3 shell, exit codes; ~15 s).
    local tool=$PREFIX/bin/omendb
    if [[ ! -x $tool ]]; then
        swift build -c release --product omendb-cli
        tool=$(swift build -c release --show-bin-path)/omendb-cli
    fi
    if ldd "$tool" | grep -i swift; then echo "$tool needs the Swift runtime" >&2; return 1; fi
    python3 "$ROOT/Tests/cli/test_cli.py" "$tool"
}

suite_ctest() {
    # The C tests in the build tree: normal, ASan+UBSan, TSan, header, exports.
    ctest --test-dir "$BUILD" --output-on-failure --parallel "$JOBS"
}

suite_installed_checks() {
    # The installed header compiles alone as strict C99 and C++11.
    cc -std=c99 -Wall -Wextra -pedantic -Werror -fsyntax-only -x c "$PREFIX/include/omendb.h"
    echo "cc  -std=c99   -Wall -Wextra -pedantic -Werror omendb.h: ok"
    c++ -std=c++11 -Wall -Wextra -pedantic -Werror -fsyntax-only -x c++ "$PREFIX/include/omendb.h"
    echo "c++ -std=c++11 -Wall -Wextra -pedantic -Werror omendb.h: ok"
    if command -v clang >/dev/null; then   # the Swift toolchain's clang, a second opinion
        clang -std=c99 -Wall -Wextra -pedantic -Werror -fsyntax-only -x c "$PREFIX/include/omendb.h"
        clang -std=c++11 -Wall -Wextra -pedantic -Werror -fsyntax-only -x c++ "$PREFIX/include/omendb.h"
        echo "clang -std=c99 / -std=c++11 -Wall -Wextra -pedantic -Werror omendb.h: ok"
    fi
    # nm -D / readelf -d / ldd and the SONAME links of the installed library.
    local version
    version=$(PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig pkg-config --modversion omendb)
    bash "$ROOT/scripts/check-library.sh" "$PREFIX/lib/libomendb.so.$version" "$PREFIX/include/omendb.h"
    # libomendb.a: its global definitions are exactly the header's functions (the Swift
    # runtime inside is local), like the shared library's exports.
    diff <(nm -g --defined-only "$PREFIX/lib/libomendb.a" | awk 'NF == 3 {print $3}' | sort -u) \
         <(grep -o 'omendb_[a-z0-9_]*(' "$PREFIX/include/omendb.h" | tr -d '(' | sort -u)
    echo "libomendb.a: global definitions = the functions of omendb.h: ok"
    # libomendb_sql.so and omendb_sql.h (docs/sql.md), when installed.
    if [[ -f $PREFIX/include/omendb_sql.h ]]; then
        cc -std=c99 -Wall -Wextra -pedantic -Werror -fsyntax-only -x c "$PREFIX/include/omendb_sql.h"
        c++ -std=c++11 -Wall -Wextra -pedantic -Werror -fsyntax-only -x c++ "$PREFIX/include/omendb_sql.h"
        echo "cc -std=c99 / c++ -std=c++11 omendb_sql.h: ok"
        bash "$ROOT/scripts/check-sql-library.sh" "$PREFIX/lib/libomendb_sql.so.$version" "$PREFIX/include/omendb.h"
        PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig pkg-config --libs omendb_sql
    fi
}

suite_installed_c_tests() {
    # The same C tests as a separate project, against the installed package only.
    cmake_configure -S "$ROOT/Tests/c" -B "$WORK/installed-tests" \
        -DCMAKE_PREFIX_PATH="$PREFIX" -DOMENDB_SANITIZER_TESTS=OFF
    cmake --build "$WORK/installed-tests" --parallel "$JOBS"
    ctest --test-dir "$WORK/installed-tests" --output-on-failure --parallel "$JOBS"
}

suite_consumers() {
    echo "== consumer-cmake: find_package(OmenDB CONFIG REQUIRED) + OmenDB::omendb"
    cmake_configure -S "$ROOT/examples/c/consumer-cmake" -B "$WORK/consumer-cmake" \
        -DCMAKE_PREFIX_PATH="$PREFIX"
    cmake --build "$WORK/consumer-cmake"
    "$WORK/consumer-cmake/index_demo"
    "$WORK/consumer-cmake/db_demo" "$WORK/consumer-cmake/demo.db"
    echo "== consumer-cmake: OmenDB::omendb_static (libomendb.a), no libomendb.so needed"
    if readelf -d "$WORK/consumer-cmake/db_demo_static" | grep -q 'NEEDED.*libomendb'; then
        echo "db_demo_static needs libomendb.so"; return 1
    fi
    "$WORK/consumer-cmake/db_demo_static" "$WORK/consumer-cmake/demo-static.db"
    echo "== consumer-pkgconfig: pkg-config --cflags --libs omendb"
    mkdir -p "$WORK/consumer-pkgconfig"
    PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig make -C "$ROOT/examples/c/consumer-pkgconfig" \
        BUILD_DIR="$WORK/consumer-pkgconfig"
    "$WORK/consumer-pkgconfig/index_demo"
    "$WORK/consumer-pkgconfig/db_demo" "$WORK/consumer-pkgconfig/demo.db"
}

suite_readme_c_recipe() {
    # README.md's C recipe as printed (scripts/readme-c-recipe.sh): install into
    # $HOME/.local of a fresh temporary HOME, then build and run app.c with pkg-config
    # and with CMake (~1-3 min: CMake configures and builds ./build, C tests included).
    bash "$ROOT/scripts/readme-c-recipe.sh" "$WORK/readme"
}

suite_python() {
    if [[ ! -d $ROOT/bindings/python ]]; then
        echo "bindings/python does not exist yet"
        return 77
    fi
    local python=$OMENDB_VENV/bin/python
    # The package with the installed library bundled inside (no swift build here).
    OMENDB_BUNDLE_LIBRARY=$PREFIX/lib/libomendb.so.0 \
        "$python" -m pip install --quiet --disable-pip-version-check "$ROOT/bindings/python"
    # Its types, strictly, and what a user's code sees of them (tests/typing_usage.py).
    "$python" -m mypy --strict --cache-dir "$WORK/mypy-cache" "$ROOT/bindings/python/omendb" \
        "$ROOT/bindings/python/tests/typing_usage.py"
    # The bindings load the library named by OMENDB_LIBRARY: the installed one; omendb.sql
    # (tests/test_sql.py) the SQL module named by OMENDB_SQL_LIBRARY, built here.
    export OMENDB_LIBRARY=$PREFIX/lib/libomendb.so.0
    swift build -c release --product omendb_sql
    export OMENDB_SQL_LIBRARY=$ROOT/.build/release/libomendb_sql.so
    if [[ ! -d $ROOT/bindings/python/tests ]]; then
        echo "bindings/python/tests does not exist: no Python tests to run"
        return 1
    fi
    # Run from outside the source tree so that the installed package is imported.
    (cd "$WORK" && "$python" -m pytest -q "$ROOT/bindings/python/tests")
}

suite_sql() {
    # SQL on OmenDB against SQLite itself (~1-2 min): libomendb_sql (release) under the
    # seeded differential test (Tests/sql/differential.py: random statements on an omendb
    # virtual table and a native table, six key distributions, plan checks; the seed is
    # printed, OMENDB_SQL_SEED reruns one), the harness alone against WITHOUT ROWID, and
    # the loadable extension in Debian's sqlite3 shell (Tests/sql/shell_test.sh).
    swift build -c release --product omendb_sql
    local library=$ROOT/.build/release/libomendb_sql.so python=$OMENDB_VENV/bin/python
    local seed=(); [[ -n ${OMENDB_SQL_SEED:-} ]] && seed=(--seed "$OMENDB_SQL_SEED")
    export OMENDB_SQL_LIBRARY=$library OMENDB_LIBRARY=$PREFIX/lib/libomendb.so.0 PYTHONPATH=$ROOT/bindings/python
    "$python" "$ROOT/Tests/sql/differential.py" --statements 2500 "${seed[@]}"
    "$python" "$ROOT/Tests/sql/differential.py" --native --statements 1000 "${seed[@]}"
    bash "$ROOT/Tests/sql/shell_test.sh" "$library"
}

suite_server() {
    # omendb-server with real PostgreSQL clients, each check also run against a real
    # PostgreSQL 15 that the suite starts (~3-5 min after the build): the pgtest protocol
    # conformance files (Tests/server/pgtest.py), then psql, psycopg, asyncpg, pg8000,
    # pgbench, SERIALIZABLE bank transfers and protocol fuzzing (pytest Tests/server; the
    # seed is printed, OMENDB_TEST_SEED=N reruns it). Both parts run; either failing fails.
    nice -n 19 swift build -c release --product omendb-server
    local python=$OMENDB_VENV/bin/python status=0
    "$python" "$ROOT/Tests/server/pgtest.py" --server both || status=1
    (cd "$WORK" && OMENDB_TEST_SERVERS=postgres,omendb timeout 1200 \
        "$python" -m pytest -q -p no:cacheprovider "$ROOT/Tests/server") || status=1
    return $status
}

suite_fuzz() {
    # libFuzzer (ASan) over the WAL, manifest, run-file, index, map and whole-directory
    # parsers, and atheris over the Python binding's arguments (against the installed
    # library): 7 targets x 40 s from the committed corpora (~5 min) plus building the
    # instrumented targets (1-3 min on 2 cores). Long run: Tests/fuzz/run.sh --long.
    OMENDB_LIBRARY=$PREFIX/lib/libomendb.so.0 bash "$ROOT/Tests/fuzz/run.sh" --seconds 40
}

# ---- runner ------------------------------------------------------------------

passed=0
failed=0
skipped=0
summary() { echo "suites: $passed passed, $failed failed, $skipped skipped"; }

# With words on the command line, the suites whose names contain one of them run,
# plus setup and cmake_build, which the others build on.
selected() {
    local suite=$1; shift
    [[ $# -eq 0 ]] && return 0
    [[ $suite == setup || $suite == cmake_build ]] && return 0
    for word in "$@"; do [[ $suite == *"$word"* ]] && return 0; done
    return 1
}

for suite in "${SUITES[@]}"; do
    if ! selected "$suite" "$@"; then continue; fi
    echo
    echo "================================================================"
    echo "== $suite"
    echo "================================================================"
    start=$SECONDS
    set +e
    ( set -euo pipefail; "suite_$suite" )
    status=$?
    set -e
    elapsed=$((SECONDS - start))
    if [[ $status -eq 0 ]]; then
        passed=$((passed + 1)); echo "== $suite: passed (${elapsed}s)"
    elif [[ $status -eq 77 ]]; then
        skipped=$((skipped + 1)); echo "== $suite: skipped (${elapsed}s)"
    else
        failed=$((failed + 1)); echo "== $suite: FAILED with status $status (${elapsed}s)"
        summary
        exit 1
    fi
done
summary
