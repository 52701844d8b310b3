#!/usr/bin/env bash
# demo.sh — sets up the machine, builds OmenDB, installs it into ./prefix and runs
# the demos against the installed library:
#   - examples/c/index_demo.c, built with pkg-config against ./prefix;
#   - examples/python/demo.py, when it exists, through the Python bindings.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export OMENDB_VENV=${OMENDB_VENV:-$ROOT/.venv}
BUILD=$ROOT/build
PREFIX=$ROOT/prefix
GENERATOR=()
command -v ninja >/dev/null && GENERATOR=(-G Ninja)
section() { printf '\n== %s\n' "$*"; }

section "setup"
bash "$ROOT/scripts/setup.sh"

section "build (CMake over swift build -c release) and install into ./prefix"
cmake -S "$ROOT" -B "$BUILD" "${GENERATOR[@]}" -DCMAKE_BUILD_TYPE=Release \
    -DOMENDB_BUILD_TESTS=OFF -DOMENDB_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$BUILD"
cmake --install "$BUILD" --prefix "$PREFIX"

section "C demo: examples/c/index_demo.c (pkg-config --cflags --libs omendb)"
mkdir -p "$BUILD/demo"
PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig make -s -C "$ROOT/examples/c/consumer-pkgconfig" BUILD_DIR="$BUILD/demo" -B
"$BUILD/demo/index_demo"

if [[ -f $ROOT/examples/python/demo.py ]]; then
    section "Python demo: examples/python/demo.py"
    if [[ -d $ROOT/bindings/python ]]; then
        "$OMENDB_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$ROOT/bindings/python"
    fi
    export OMENDB_LIBRARY=$PREFIX/lib/libomendb.so.0
    PATH="$OMENDB_VENV/bin:$PATH" python3 "$ROOT/examples/python/demo.py"
fi

section "done: library, header, CMake package and omendb.pc are in $PREFIX"
