#!/usr/bin/env bash
# demo.sh — sets up the machine, builds OmenDB, installs it into ./prefix and runs
# the demos against the installed library:
#   - examples/c/index_demo.c and examples/c/db_demo.c, built with pkg-config
#     against ./prefix; db_demo uses the database directory ./omendb-demo-c.db;
#   - examples/python/demo.py (or index_demo.py), when it exists, through the
#     Python bindings installed into the virtual environment; demo.py uses the
#     database directory ./omendb-demo.db (both directories are git-ignored and
#     reset by the demos).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export OMENDB_VENV=${OMENDB_VENV:-$ROOT/.venv}
BUILD=$ROOT/build-demo   # its own tree: build/ may hold a tree of another generator
PREFIX=$ROOT/prefix
# cmake_configure ARGS...: configures with Ninja when setup has installed it.
cmake_configure() {
    if command -v ninja >/dev/null; then cmake -G Ninja "$@"; else cmake "$@"; fi
}
section() { printf '\n== %s\n' "$*"; }

section "setup"
bash "$ROOT/scripts/setup.sh"

section "build (CMake over swift build -c release) and install into ./prefix"
cmake_configure -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release \
    -DOMENDB_BUILD_TESTS=OFF -DOMENDB_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$BUILD"
cmake --install "$BUILD" --prefix "$PREFIX"

section "C demo: examples/c/index_demo.c (pkg-config --cflags --libs omendb)"
mkdir -p "$BUILD/demo"
PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig make -s -C "$ROOT/examples/c/consumer-pkgconfig" BUILD_DIR="$BUILD/demo" -B
"$BUILD/demo/index_demo"

section "C database demo: examples/c/db_demo.c, database directory ./omendb-demo-c.db"
"$BUILD/demo/db_demo" "$ROOT/omendb-demo-c.db"

# The Python demo: examples/python/demo.py (or index_demo.py), when present.
python_demo=""
for candidate in demo.py index_demo.py; do
    if [[ -f $ROOT/examples/python/$candidate ]]; then python_demo=$ROOT/examples/python/$candidate; break; fi
done
if [[ -n $python_demo ]]; then
    section "Python demo: ${python_demo#"$ROOT"/}"
    if [[ -d $ROOT/bindings/python ]]; then
        "$OMENDB_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$ROOT/bindings/python"
    fi
    # The bindings load the library named by OMENDB_LIBRARY: the one just installed.
    export OMENDB_LIBRARY=$PREFIX/lib/libomendb.so.0
    (cd "$ROOT" && PATH="$OMENDB_VENV/bin:$PATH" python3 "$python_demo")
fi

section "done: library, header, CMake package and omendb.pc are in $PREFIX"
