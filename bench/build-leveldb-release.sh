#!/usr/bin/env bash
# Builds a release copy (-O3 -DNDEBUG, CMake Release) of LevelDB from Debian's own
# source package -- same version and Debian patches as libleveldb-dev, whose
# build leaves assertions on -- into bench/.cache/leveldb-release. The benchmark
# then reports it as the "leveldb" row next to "leveldb-debian".
# Uses a private apt state under bench/.cache/apt (a deb-src entry for the
# machine's Debian suite), so the system's apt configuration is not touched.
# Takes ~10 s to fetch and ~1.5 min to build on 2 cores. Idempotent.
set -euo pipefail
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="$BENCH/.cache"
PREFIX="$CACHE/leveldb-release"
VERSION="$(dpkg-query -W -f='${Version}' libleveldb-dev)"     # e.g. 1.23-4
UPSTREAM="${VERSION%-*}"
if [ -e "$PREFIX/lib/libleveldb.so" ] && [ "$(cat "$PREFIX/.version" 2>/dev/null)" = "$VERSION" ]; then
    echo "leveldb-release: $VERSION already built in $PREFIX"
    exit 0
fi
command -v dpkg-source >/dev/null || { echo "leveldb-release: needs dpkg-dev" >&2; exit 1; }

SUITE="$(. /etc/os-release && echo "$VERSION_CODENAME")"
APT="$CACHE/apt"
mkdir -p "$APT/parts" "$APT/lists/partial" "$CACHE/src"
cat > "$APT/parts/deb-src.sources" <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $SUITE
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
APT_OPTS=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$APT/parts"
          -o "Dir::State::Lists=$APT/lists" -o "APT::Sandbox::User=root")
apt-get "${APT_OPTS[@]}" -qq update
cd "$CACHE/src"
rm -rf "leveldb-$UPSTREAM"
apt-get "${APT_OPTS[@]}" -qq source "leveldb=$VERSION" >/dev/null
cd "leveldb-$UPSTREAM"
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON \
      -DLEVELDB_BUILD_TESTS=OFF -DLEVELDB_BUILD_BENCHMARKS=OFF -DLEVELDB_INSTALL=ON \
      -DCMAKE_INSTALL_PREFIX="$PREFIX" >/dev/null
cmake --build build-release -j "$(nproc)" >/dev/null
cmake --install build-release >/dev/null
if nm -D "$PREFIX/lib/libleveldb.so" | grep -q __assert_fail; then
    echo "leveldb-release: the build still has assertions" >&2; exit 1
fi
echo "$VERSION" > "$PREFIX/.version"
echo "leveldb-release: built LevelDB $VERSION (release) in $PREFIX"
