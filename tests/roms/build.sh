#!/usr/bin/env bash
# Rebuilds backdrop.nes from backdrop.s with cc65's assembler and linker
# (Debian package `cc65`, `scripts/setup.sh cc65`). The ROM is committed, so
# the tests never need cc65; run this after changing the source.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v ca65 >/dev/null 2>&1; then
    echo "build.sh: ca65 not found; install the cc65 package" >&2
    exit 1
fi
trap 'rm -f backdrop.o' EXIT
ca65 --target nes -o backdrop.o backdrop.s
ld65 -C ../../assets/demo/nrom.cfg -o backdrop.nes backdrop.o
echo "backdrop.nes: $(stat -c %s backdrop.nes) bytes"
