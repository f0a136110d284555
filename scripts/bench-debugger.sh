#!/usr/bin/env bash
# What the debugger costs: the core's frame rate with nothing armed, here
# and at BASE (the commit before the debugger by default), in alternating
# runs of the same bench on the same machine; then, here, with one
# execute breakpoint that never fires and with everything armed.
#
#   scripts/bench-debugger.sh [BASE] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:-77954e1}
rounds=${2:-3}
work=$(mktemp -d)
trap 'git worktree remove --force "$work/base" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
git worktree add --quiet --detach "$work/base" "$base"
# The same bench file, run against the old core.
mkdir -p "$work/base/crates/nes/benches/common"
cp crates/nes/benches/frame_speed.rs "$work/base/crates/nes/benches/"
cp crates/nes/benches/common/mod.rs "$work/base/crates/nes/benches/common/"
grep -q 'name = "frame_speed"' "$work/base/crates/nes/Cargo.toml" ||
    printf '\n[[bench]]\nname = "frame_speed"\nharness = false\n' >> "$work/base/crates/nes/Cargo.toml"
export PHOSPHOR_TEST_ROMS=${PHOSPHOR_TEST_ROMS:-$(pwd)/../shared/test-roms/nes-test-roms}
bench() { (cd "$1" && cargo bench --quiet -p phosphor-nes --bench "$2" 2>/dev/null); }
bench "$work/base" frame_speed >/dev/null
bench . frame_speed >/dev/null
: > "$work/base.txt"; : > "$work/here.txt"
for _ in $(seq "$rounds"); do
    bench "$work/base" frame_speed >> "$work/base.txt"
    bench . frame_speed >> "$work/here.txt"
done
median() { sort -n | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
printf '%-18s %12s %12s %7s\n' rom base_fps here_fps ratio
for rom in $(awk '{print $1}' "$work/here.txt" | sort -u); do
    a=$(grep "^$rom " "$work/base.txt" | sed 's/.*fps=//' | median)
    b=$(grep "^$rom " "$work/here.txt" | sed 's/.*fps=//' | median)
    awk -v r="$rom" -v a="$a" -v b="$b" 'BEGIN { printf "%-18s %12.1f %12.1f %7.3f\n", r, a, b, b / a }'
done
echo "armed, here (ratios against the attached-disarmed figure of the same run):"
bench . debug_speed
