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

# Starts the app in an X server of its own (display $1, data folder $2,
# then the app's arguments) and waits for its window: sets $app, $xvfb,
# $window and DISPLAY.
launch() {
    local display=$1 data=$2; shift 2
    Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
    xvfb=$!
    for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X${display#:}" ] && break; sleep 0.1; done
    DISPLAY=$display PHOSPHOR_DATA_DIR=$data PHOSPHOR_CONFIG_DIR=$data $bin --normal-priority "$@" 2>"$data/log" &
    app=$! window=""
    for _ in $(seq 100); do
        window=$(DISPLAY=$display xdotool search --name '^Phosphor$' 2>/dev/null | head -1) && [ -n "$window" ] && break
        sleep 0.2
    done
    export DISPLAY=$display
    xdotool windowfocus --sync "$window"
}

# The window as shown (Shift+F12) copied to $out/$2.png; then quits and cleans up.
capture() {
    local data=$1 name=$2
    xdotool key shift+F12
    for _ in $(seq 100); do ls "$data"/screenshots/*-window.png >/dev/null 2>&1 && break; sleep 0.1; done
    cp "$data"/screenshots/*-window.png "$out/$name.png"
    xdotool key ctrl+q
    wait "$app"
    kill "$xvfb" 2>/dev/null || true; wait "$xvfb" 2>/dev/null || true
    rm -rf "$data"
    unset DISPLAY
    echo "$out/$name.png"
}

take() {
    local name=$1 data; shift
    data=$(mktemp -d)
    launch :77 "$data" "$@"
    sleep 3
    # The home screen opens on the demo's card: start it.
    xdotool key Return
    sleep 3
    # Fly right and up a little, firing.
    xdotool keydown Right keydown x; sleep 0.7; xdotool keyup x; sleep 0.5; xdotool keyup Right
    xdotool keydown Up; sleep 0.4; xdotool keyup Up
    xdotool key x; sleep 0.15
    capture "$data" "$name"
}

# The debugger workspace on the demo: its .dbg gives the labels and the
# source; the game's workspace file (as the debugger keeps it) brings a
# write breakpoint on player_x with a condition, an execute breakpoint on
# a PRG offset, and watches. Tracing is switched on from the trace panel,
# the ship flies right until the breakpoint stops it.
take_workspace() {
    local data hash
    data=$(mktemp -d)
    hash=$(python3 -c "
d = open('assets/demo/demo.nes', 'rb').read()
h = 0xcbf29ce484222325
for b in d[16:16 + 0x6000]:
    h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
print('%016x' % h)")
    mkdir -p "$data/games/$hash"
    cat > "$data/games/$hash/debugger.toml" <<'TOML'
open = true
watches = ["[player_x]", "[score,4]", "{scroll_lo}", "a == $10 && scanline > 100"]

[layout]
open = ["Cpu", "Breakpoints", "Code", "Source", "Trace", "Memory", "Watch"]
docks = [["Watch", "Left"]]

[[breakpoints]]
id = 1
exec = false
write = true
start = 0
end = 0
condition = "value >= $B0"

[[breakpoints]]
id = 2
prg = true
start = 0x0431
end = 0x0431
TOML
    launch :78 "$data" --debugger
    xdotool windowsize --sync "$window" 1280 800
    sleep 3
    xdotool key Return
    sleep 3
    # Trace on (the trace panel's switch, bottom left), then fly right.
    xdotool mousemove --window "$window" 45 586 click 1
    sleep 0.5
    xdotool mousemove --window "$window" 600 300 click 1
    xdotool keydown Right; sleep 3; xdotool keyup Right
    sleep 1
    capture "$data" debugger-workspace
}

take demo-crt --shader crt
take demo-sharp --shader sharp
take debugger --debugger
take_workspace

PHOSPHOR_SCREENSHOTS_TO="$PWD/$out" cargo test --quiet --test frontend
ls "$out"/frontend-*.png
