#!/usr/bin/env bash
# Installs what the storage benchmark needs on a fresh Debian 12 machine:
# build tools, the peers' development packages, Python packages for the report
# and the Python benchmark. Idempotent; run as root (or with sudo available).
#   bench/setup.sh            # everything
#   bench/setup.sh --no-pip   # no pip packages
#   bench/setup.sh --no-release-leveldb   # skip the release LevelDB build
# Flags combine.
set -euo pipefail

APT_PACKAGES=(build-essential g++ make cmake pkg-config binutils dpkg-dev python3 python3-pip
              liblmdb-dev libsqlite3-dev librocksdb-dev libleveldb-dev libsnappy-dev)
# For bench/report.py (required) and bench/python_bench.py (optional peers).
PIP_REQUIRED=(matplotlib numpy)
PIP_OPTIONAL=(lmdb plyvel rocksdict)

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    sudo_if_needed apt-get update -qq
    sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
else
    echo "setup: Debian packages already installed"
fi

want() { case " $* " in *" --no-$1 "*) return 1 ;; *) return 0 ;; esac; }
ARGS="$*"

if want pip $ARGS; then
    python3 -m pip install -q "${PIP_REQUIRED[@]}"
    for p in "${PIP_OPTIONAL[@]}"; do
        python3 -m pip install -q "$p" || echo "setup: pip package $p failed to install; python_bench.py will skip it"
    done
fi

# A release build of Debian's LevelDB source (Debian's own build keeps assertions on).
if want release-leveldb $ARGS; then
    bash "$(dirname "$0")/build-leveldb-release.sh" ||
        echo "setup: release LevelDB build failed; the suite will report leveldb-debian only"
fi

make -s -C "$(dirname "$0")" && echo "setup: harness built (bench/build/omendb-bench)"
