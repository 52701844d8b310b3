#!/usr/bin/env bash
# setup.sh — installs what OmenDB's build, tests and demo need. Idempotent: a
# second run changes nothing and touches no network.
#
#   Debian packages: cmake ninja-build pkg-config make gcc g++ binutils
#                    python3-dev libffi-dev, libsqlite3-dev (libomendb_sql.so links
#                    it), sqlite3 (the shell, for the loadable-extension tests) and
#                    python3-numpy (Debian's python3, which has sqlite3's
#                    load_extension, imports omendb in tests/test_sql.py),
#                    postgresql-15 and postgresql-client-15 (the real PostgreSQL 15,
#                    psql and pgbench that Tests/server and bench/server run
#                    omendb-server against; the package creates the unprivileged
#                    `postgres` user the tests run PostgreSQL as)
#   Python:          a virtual environment at $OMENDB_VENV (default: .venv) with
#                    numpy, pytest, matplotlib (omendb.plot_index's tests), tqdm
#                    (progress bars of long calls),
#                    atheris (the Python fuzzer of Tests/fuzz, from its binary wheel
#                    only), mypy (pinned: the binding's type check) and auditwheel
#                    (the wheel test's manylinux check), psycopg[binary], asyncpg
#                    and pg8000 (the PostgreSQL drivers of Tests/server), made with the first
#                    python3 on PATH.
#   Swift:           must already be installed (swift build, swift test); the
#                    script checks for it and says so if it is missing.
#
# Works as root (CI) or as a user with sudo. Non-interactive.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${OMENDB_VENV:-$ROOT/.venv}
# gcc brings its sanitizer runtimes (libasan, libubsan, libtsan) as dependencies.
APT_PACKAGES=(cmake ninja-build pkg-config make gcc g++ binutils python3-dev libffi-dev libsqlite3-dev sqlite3 libedit-dev python3-numpy
              postgresql-15 postgresql-client-15)
PYTHON_PACKAGES=(numpy pytest matplotlib tqdm atheris "mypy==2.4.1" auditwheel
                 "psycopg[binary]" asyncpg pg8000)

say() { printf 'setup: %s\n' "$*"; }

as_root() {
    if [[ $(id -u) -eq 0 ]]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else say "need root to run: $*"; return 1; fi
}

package_installed() {
    [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]
}

install_debian_packages() {
    if ! command -v dpkg-query >/dev/null; then
        say "not a Debian system: make sure these are installed: ${APT_PACKAGES[*]}"
        return 0
    fi
    local missing=()
    for package in "${APT_PACKAGES[@]}"; do
        package_installed "$package" || missing+=("$package")
    done
    if [[ ${#missing[@]} -eq 0 ]]; then
        say "Debian packages present: ${APT_PACKAGES[*]}"
        return 0
    fi
    say "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # Refresh the package lists only when an install needs them.
    if ! as_root apt-get install -y --no-install-recommends "${missing[@]}"; then
        as_root apt-get update
        as_root apt-get install -y --no-install-recommends "${missing[@]}"
    fi
}

check_swift() {
    if ! command -v swift >/dev/null; then
        say "swift is not on PATH: install a Swift 6 toolchain (swift.org) first"
        return 1
    fi
    say "$(swift --version 2>&1 | head -n 1)"
}

python_has_packages() {
    "$VENV/bin/python" -c 'import numpy, pytest, matplotlib, tqdm, atheris, mypy, auditwheel, psycopg, asyncpg, pg8000' >/dev/null 2>&1 &&
        [[ $("$VENV/bin/python" -m mypy --version 2>/dev/null) == "mypy 2.4.1"* ]]
}

setup_python() {
    if [[ -e $VENV ]] && ! "$VENV/bin/python" -c 'pass' >/dev/null 2>&1; then
        say "$VENV does not run (its base Python moved?): recreating it"
        rm -rf "$VENV"
    fi
    if [[ ! -x $VENV/bin/python ]]; then
        say "creating a virtual environment at $VENV with $(command -v python3) ($(python3 --version 2>&1))"
        if ! python3 -m venv "$VENV"; then
            # Debian's own python3 needs python3-venv for this.
            rm -rf "$VENV"
            as_root apt-get install -y --no-install-recommends python3-venv || {
                as_root apt-get update && as_root apt-get install -y --no-install-recommends python3-venv; }
            python3 -m venv "$VENV"
        fi
    fi
    if python_has_packages; then
        say "Python packages present in $VENV: ${PYTHON_PACKAGES[*]}"
    else
        say "installing Python packages into $VENV: ${PYTHON_PACKAGES[*]}"
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --only-binary=atheris "${PYTHON_PACKAGES[@]}"
    fi
}

install_debian_packages
check_swift
setup_python
say "ready"
