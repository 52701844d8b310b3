#!/usr/bin/env bash
# Fault injection: the workload under an LD_PRELOAD shim that fails (ENOSPC, EIO, short
# write, fsync EIO) or crashes at one I/O step per run; after each, the run and a reopen
# check that nothing acknowledged is lost (docs/reliability.md, "Fault injection").
#
#   Tests/faults/run.sh                 a seeded 30% sample of the cases (1-2 min on 2 cores)
#   Tests/faults/run.sh --full          every step with every fault kind (3-6 min)
#   Tests/faults/run.sh --case main:fsync:12 --keep /tmp/faults   one case, its files kept
#   (other options: Tests/faults/run.py --help)
#
# Needs .build/release/libomendb.so (swift build -c release); builds it if missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
lib="$root/.build/release"
if [[ ! -f "$lib/libomendb.so" ]]; then (cd "$root" && swift build -c release >/dev/null); fi
ln -sf libomendb.so "$lib/libomendb.so.0"
bin="$(mktemp -d "${TMPDIR:-/tmp}/omendb-faults-bin.XXXXXX")"
trap 'rm -rf "$bin"' EXIT
cc -std=c11 -O1 -Wall -Wextra -Werror -fPIC -shared "$root/Tests/faults/fault_shim.c" -ldl -lpthread \
   -o "$bin/fault_shim.so"
cc -std=c11 -O1 -Wall -Wextra -Werror -I"$root/include" "$root/Tests/faults/fault_workload.c" \
   -L"$lib" -lomendb -Wl,-rpath,"$lib" -ldl -o "$bin/fault_workload"
python3 "$root/Tests/faults/run.py" --driver "$bin/fault_workload" --shim "$bin/fault_shim.so" "$@"
