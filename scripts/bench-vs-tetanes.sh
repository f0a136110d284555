#!/usr/bin/env bash
# Phosphor's frame rate against tetanes-core 0.17's on the same ROMs, same
# machine, same run: builds both in release, alternates them ROUNDS times
# per ROM, prints each median and the ratio.
#
#   scripts/bench-vs-tetanes.sh [ROUNDS] [ROM...]
#
# ROMs default to nestest, ny2011 and spritecans from the conformance set.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
shift || true
roms_dir=${PHOSPHOR_TEST_ROMS:-../shared/test-roms/nes-test-roms}
if [ "$#" -eq 0 ]; then
    set -- "$roms_dir/other/nestest.nes" "$roms_dir/ny2011/ny2011.nes" "$roms_dir/spritecans-2011/spritecans.nes"
fi
for rom in "$@"; do
    [ -f "$rom" ] || { echo "missing ROM: $rom (set PHOSPHOR_TEST_ROMS)" >&2; exit 1; }
done
cargo build --release --locked --quiet
cargo build --release --locked --quiet --manifest-path tools/tetanes-baseline/Cargo.toml
frames=3000
median() { sort -n | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
printf '%-20s %12s %12s %7s\n' rom phosphor_fps tetanes_fps ratio
for rom in "$@"; do
    ours=(); theirs=()
    for _ in $(seq "$rounds"); do
        ours+=("$(target/release/phosphor headless "$rom" --frames $frames --bench | sed -n 's/^fps=//p')")
        theirs+=("$(tools/tetanes-baseline/target/release/tetanes-baseline "$rom" $frames | sed -n 's/^fps=//p')")
    done
    a=$(printf '%s\n' "${ours[@]}" | median)
    b=$(printf '%s\n' "${theirs[@]}" | median)
    awk -v r="$(basename "$rom")" -v a="$a" -v b="$b" 'BEGIN { printf "%-20s %12.1f %12.1f %7.2f\n", r, a, b, a / b }'
done
