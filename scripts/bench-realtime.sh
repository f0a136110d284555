#!/usr/bin/env bash
# Real-time pacing benchmark: runs `phosphor headless ROM --realtime` on an
# idle machine and with one core kept busy, each at normal priority (the
# baseline) and with SCHED_FIFO, in one session, and prints the figures.
#   scripts/bench-realtime.sh [SECONDS] [ROM]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
rom=${2:-${PHOSPHOR_TEST_ROMS:-../shared/test-roms/nes-test-roms}/ny2011/ny2011.nes}
cargo build --release --locked -q
bin=target/release/phosphor

busy() {
    if command -v stress-ng >/dev/null; then
        stress-ng --cpu 1 --timeout "$((seconds + 5))s" >/dev/null 2>&1 &
    else
        timeout "$((seconds + 5))" bash -c 'while :; do :; done' >/dev/null 2>&1 &
    fi
    echo $!
}

for load in idle busy; do
    for prio in 0 80; do
        pid=""
        if [ "$load" = busy ]; then pid=$(busy); sleep 1; fi
        line=$("$bin" headless "$rom" --realtime --seconds "$seconds" --rt-priority "$prio")
        [ -n "$pid" ] && { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
        echo "load=$load asked_priority=$prio $line"
    done
done
