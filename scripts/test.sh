#!/usr/bin/env bash
# The whole test suite from a fresh machine: installs what is missing, builds, runs meson test,
# and ends with one line "N passed, N failed, N skipped".
# Usage: scripts/test.sh [meson test arguments, e.g. --suite parity]
set -uo pipefail
cd "$(dirname "$0")/.."

FER_SETUP_TESTS=1 scripts/setup.sh || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }

scripts/meson_test_summary.sh -C build --print-errorlogs --num-processes 2 "$@"
