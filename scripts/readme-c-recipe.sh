#!/usr/bin/env bash
# readme-c-recipe.sh WORK — follows README.md's "Using it from C" as printed: runs
# each fenced block that follows a `<!-- readme-c-recipe: NAME -->` marker, with HOME
# set to WORK/home (a fresh, empty home):
#   install         in the repository's root (builds ./build, installs to ~/.local)
#   app.c           written to WORK/app/app.c
#   pkg-config      run in WORK/app; its output must show the program's answer
#   CMakeLists.txt  written to WORK/app/CMakeLists.txt
#   cmake           run in WORK/app; the same answer
# A README edit changes what this runs; a block that goes missing fails it.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=${1:?usage: readme-c-recipe.sh WORK}
readme=$ROOT/README.md

# block NAME: the body of the fenced block after the marker NAME.
block() {
    local text
    text=$(awk -v marker="<!-- readme-c-recipe: $1 -->" '
        $0 == marker { armed = 1; next }
        armed && /^```/ { if (inside) exit; inside = 1; next }
        inside { print }' "$readme")
    [[ -n $text ]] || { echo "README.md has no block after <!-- readme-c-recipe: $1 -->" >&2; return 1; }
    printf '%s\n' "$text"
}
# expect OUTPUT: the minimal program's answer.
expect() {
    grep -qx '7 is at 1' <<<"$1" || { echo "expected '7 is at 1', got: $1" >&2; return 1; }
}

export HOME=$work/home
mkdir -p "$HOME" "$work/app"
install=$(block install)
echo "== README install block, in $ROOT with HOME=$HOME:"; echo "$install"
(cd "$ROOT" && bash -euo pipefail -c "$install")

cd "$work/app"
block app.c > app.c
script=$(block pkg-config)
echo "== README pkg-config block:"; echo "$script"
output=$(bash -euo pipefail -c "$script")
echo "$output"
expect "$output"

block CMakeLists.txt > CMakeLists.txt
rm -f app
script=$(block cmake)
echo "== README cmake block:"; echo "$script"
output=$(bash -euo pipefail -c "$script")
echo "$output"
expect "$(tail -n 1 <<<"$output")"
echo "README C recipe: ok"
