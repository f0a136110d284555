#!/usr/bin/env bash
# Sets up what is missing, builds Phosphor in release and runs a ROM.
# Until the windowed frontend exists this is the headless CLI: it runs the
# ROM for 10 seconds of emulated time, writes phosphor.png and prints the
# frame hash and speed.
#   scripts/run.sh [ROM] [extra headless options]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

rom="${1:-}"
[ $# -gt 0 ] && shift
if [ -z "$rom" ]; then
    roms="${PHOSPHOR_TEST_ROMS:-../shared/test-roms/nes-test-roms}"
    rom="$roms/ny2011/ny2011.nes"
    if [ ! -f "$rom" ]; then
        echo "usage: scripts/run.sh ROM.nes (no ROM given, and the demo ROM $rom is absent)" >&2
        exit 2
    fi
fi
cargo build --release --locked
exec target/release/phosphor headless "$rom" --frames 600 --screenshot phosphor.png --bench "$@"
