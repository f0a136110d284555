#!/usr/bin/env bash
# Sets up what is missing and runs the whole test suite: unit tests, the
# conformance ROMs (from $PHOSPHOR_TEST_ROMS or ../shared/test-roms; each
# says SKIPPED when they are absent) and the CLI's end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo test --workspace --locked
