#!/usr/bin/env bash
# Fetches the reference PGM-index C++ headers (Giorgio Vinciguerra's PGM-index,
# Apache-2.0) from the source distribution of PyPI's `pygm`, which ships
# PGM-index/include/pgm/{pgm_index,piecewise_linear_model}.hpp, into
# bench/.cache/pgm-index/include/pgm (never committed: bench/.cache is ignored).
#
# Prints the include directory on stdout when the headers are there; otherwise says
# why on stderr and exits 1 (bench/index/run.sh then runs without the reference rows).
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cache="$root/bench/.cache"
include="$cache/pgm-index/include"
if [[ -f "$include/pgm/pgm_index.hpp" && -f "$include/pgm/piecewise_linear_model.hpp" ]]; then
    echo "$include"
    exit 0
fi
mkdir -p "$cache/pygm"
pip=(python3 -m pip)
if ! python3 -m pip --version >/dev/null 2>&1; then
    if [[ -n "${OMENDB_VENV:-}" && -x "$OMENDB_VENV/bin/python" ]]; then
        pip=("$OMENDB_VENV/bin/python" -m pip)
    else
        echo "fetch_pgm_reference: no pip (python3 -m pip, or \$OMENDB_VENV/bin/python)" >&2
        exit 1
    fi
fi
if ! timeout 300 "${pip[@]}" download --quiet --disable-pip-version-check --no-deps --no-binary :all: \
        pygm -d "$cache/pygm" >&2; then
    echo "fetch_pgm_reference: pip download of the pygm sdist failed" >&2
    exit 1
fi
sdist="$(ls -t "$cache"/pygm/pygm-*.tar.gz 2>/dev/null | head -1)"
if [[ -z "$sdist" ]]; then
    echo "fetch_pgm_reference: no pygm-*.tar.gz in $cache/pygm" >&2
    exit 1
fi
tmp="$(mktemp -d "$cache/pygm/extract.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$sdist" -C "$tmp" --wildcards '*/PGM-index/include/pgm/*.hpp' '*/LICENSE' || {
    echo "fetch_pgm_reference: $sdist holds no PGM-index/include/pgm headers" >&2
    exit 1
}
top="$(ls "$tmp")"
mkdir -p "$include/pgm"
cp "$tmp/$top"/PGM-index/include/pgm/*.hpp "$include/pgm/"
cp "$tmp/$top/LICENSE" "$cache/pgm-index/LICENSE"
echo "fetch_pgm_reference: PGM-index headers from $(basename "$sdist") (Apache-2.0) in $include" >&2
echo "$include"
