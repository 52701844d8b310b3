#!/usr/bin/env bash
# Builds libomendb (if needed), pip-installs the omendb Python package into a
# fresh virtual environment, type-checks it (mypy --strict) and runs its tests
# against the installed package.
#
#   bash bindings/python/ci.sh            # from anywhere in the repository
#
# Needs python3 (>= 3.9) with venv, and PyPI for numpy/pytest/setuptools/mypy.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"

if [ ! -f .build/release/libomendb.so ]; then
    swift build -c release --product omendb
fi
ln -sf libomendb.so .build/release/libomendb.so.0
export OMENDB_LIBRARY="$repo/.build/release/libomendb.so"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --upgrade pip
# The package with that library bundled inside (setup.py would otherwise run swift build).
OMENDB_BUNDLE_LIBRARY="$OMENDB_LIBRARY" \
    "$work/venv/bin/python" -m pip install --quiet "./bindings/python[test,typecheck,plot,progress]" auditwheel

# The package's type hints, strictly (the version is pinned: newer checkers add
# rules), and what a user's code sees of them.
"$work/venv/bin/python" -m mypy --strict bindings/python/omendb bindings/python/tests/typing_usage.py

# Run from the repository root so that the installed package, not the source
# tree, is the one imported.
"$work/venv/bin/python" -m pytest bindings/python/tests -q -p no:cacheprovider
"$work/venv/bin/python" examples/python/index_demo.py > /dev/null
"$work/venv/bin/python" examples/python/demo.py "$work/demo.db" > /dev/null
echo "python bindings: OK"
