#!/usr/bin/env bash
# Installs what Phosphor needs beyond a Rust toolchain, if it is missing:
# the system libraries the windowed frontend builds against (ALSA, udev,
# Wayland; X11 is loaded at run time), software Vulkan and an X server
# with no screen (to render and to test without a GPU or a display),
# xdotool (the window tests type keys with it), a sound server with the
# ALSA plugin that routes the default device to it (the sound tests start
# a private PulseAudio with a null sink and record its monitor with parec)
# and stress-ng (to keep a core busy while they measure). Extra package names given
# as arguments are installed too (e.g. `scripts/setup.sh cc65` to rebuild
# the demo ROM).
set -euo pipefail

if ! command -v cargo >/dev/null 2>&1; then
    echo "setup: cargo not found; install Rust (rustup) first" >&2
    exit 1
fi

packages=(
    pkg-config libasound2-dev libudev-dev libwayland-dev
    libxkbcommon-x11-0 libxcursor1 libxrandr2 libxi6
    mesa-vulkan-drivers libvulkan1 xvfb xdotool
    pulseaudio pulseaudio-utils libasound2-plugins stress-ng
)
need=()
for pkg in "${packages[@]}" "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "setup: not a Debian or Ubuntu system; install the equivalents of: ${need[*]}" >&2
        exit 1
    fi
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}"
fi
