#!/usr/bin/env bash
# Rebuilds demo.nes from demo.s with cc65's assembler and linker (Debian
# package `cc65`), with the debug file demo.dbg beside it (labels and the
# map from source lines to ROM bytes the debugger reads). Both are
# committed, so building Phosphor never needs cc65; run this after
# changing the source.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v ca65 >/dev/null 2>&1; then
    echo "build.sh: ca65 not found; install the cc65 package" >&2
    exit 1
fi
trap 'rm -f demo.o' EXIT
# Names relative to this folder, so the debug file is the same wherever it is built.
ca65 -g --target nes -o demo.o demo.s
ld65 -C nrom.cfg --dbgfile demo.dbg -o demo.nes demo.o
echo "demo.nes: $(stat -c %s demo.nes) bytes, demo.dbg: $(wc -l < demo.dbg) lines"
