#!/usr/bin/env bash
# Takes the README's screenshots of the windowed frontend: our demo ROM
# through each shader, and with the debugger panel, in an X server with no
# screen (Xvfb). Each is the window as shown (Shift+F12), copied to
# docs/screenshots/. Then the frontend's end-to-end test walks the home
# screen, menus, slot browser and settings and leaves a capture of each
# step there (frontend-*.png). Needs Xvfb and xdotool.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
bin=target/debug/phosphor
out=docs/screenshots
mkdir -p "$out"

take() {
    local name=$1; shift
    local display=:77 data
    data=$(mktemp -d)
    Xvfb $display -screen 0 1024x768x24 -nolisten tcp >/dev/null 2>&1 &
    local xvfb=$!
    for _ in $(seq 50); do [ -e /tmp/.X11-unix/X77 ] && break; sleep 0.1; done
    DISPLAY=$display PHOSPHOR_DATA_DIR=$data PHOSPHOR_CONFIG_DIR=$data $bin --normal-priority "$@" 2>"$data/log" &
    local app=$! window=""
    for _ in $(seq 100); do
        window=$(DISPLAY=$display xdotool search --name '^Phosphor$' 2>/dev/null | head -1) && [ -n "$window" ] && break
        sleep 0.2
    done
    export DISPLAY=$display
    xdotool windowfocus --sync "$window"
    sleep 3
    # The home screen opens on the demo's card: start it.
    xdotool key Return
    sleep 3
    # Fly right and up a little, firing.
    xdotool keydown Right keydown x; sleep 0.7; xdotool keyup x; sleep 0.5; xdotool keyup Right
    xdotool keydown Up; sleep 0.4; xdotool keyup Up
    xdotool key x; sleep 0.15
    xdotool key shift+F12
    for _ in $(seq 100); do ls "$data"/screenshots/*-window.png >/dev/null 2>&1 && break; sleep 0.1; done
    cp "$data"/screenshots/*-window.png "$out/$name.png"
    xdotool key ctrl+q
    wait $app
    kill $xvfb 2>/dev/null || true; wait $xvfb 2>/dev/null || true
    rm -rf "$data"
    unset DISPLAY
    echo "$out/$name.png"
}

take demo-crt --shader crt
take demo-sharp --shader sharp
take debugger --debugger

PHOSPHOR_SCREENSHOTS_TO="$PWD/$out" cargo test --quiet --test frontend
ls "$out"/frontend-*.png
