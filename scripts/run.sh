#!/usr/bin/env bash
# Sets up what is missing, builds Phosphor in release and opens it: the
# window plays ROM, or our demo ROM when none is given. With no display
# (no DISPLAY or WAYLAND_DISPLAY) it runs in an X server with no screen
# (Xvfb) instead, so the command still works on a headless machine.
#   scripts/run.sh [ROM] [options]   (options: phosphor --help)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release --locked
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    echo "run.sh: no display; running under xvfb-run" >&2
    exec xvfb-run -a -s "-screen 0 1024x768x24" target/release/phosphor "$@"
fi
exec target/release/phosphor "$@"
