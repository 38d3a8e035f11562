#!/usr/bin/env bash
# The whole test suite from a fresh machine: installs what is missing, builds, runs meson test,
# and ends with one line "N passed, N failed, N skipped".
# Usage: tools/test.sh [meson test arguments, e.g. --suite parity]
set -uo pipefail
cd "$(dirname "$0")/.."

tools/setup.sh || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }

log=$(mktemp)
meson test -C build --print-errorlogs --num-processes 2 "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

count() { awk -v k="$1" '$1 == k { n = $2 } END { print n + 0 }' "$log"; }
ok=$(count "Ok:"); fail=$(count "Fail:"); timeout=$(count "Timeout:"); skipped=$(count "Skipped:")
rm -f "$log"
echo "$ok passed, $((fail + timeout)) failed, $skipped skipped"
exit "$status"
