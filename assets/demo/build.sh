#!/usr/bin/env bash
# Rebuilds demo.nes from demo.s with cc65's assembler and linker (Debian
# package `cc65`). The assembled ROM is committed, so building Phosphor
# never needs cc65; run this after changing the source.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v ca65 >/dev/null 2>&1; then
    echo "build.sh: ca65 not found; install the cc65 package" >&2
    exit 1
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
ca65 --target nes -o "$out/demo.o" demo.s
ld65 -C nrom.cfg -o "$out/demo.nes" "$out/demo.o"
mv "$out/demo.nes" demo.nes
echo "demo.nes: $(stat -c %s demo.nes) bytes"
