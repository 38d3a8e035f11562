#!/usr/bin/env bash
# Runs `meson test "$@"` and ends with one line "N passed, N failed, N skipped"; exits as meson did.
# Shared by scripts/test.sh and scripts/sanitize.sh.
set -uo pipefail
log=$(mktemp)
meson test "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

count() { awk -v k="$1" '$1 == k { n = $2 } END { print n + 0 }' "$log"; }
ok=$(count "Ok:"); fail=$(count "Fail:"); timeout=$(count "Timeout:"); skipped=$(count "Skipped:")
rm -f "$log"
echo "$ok passed, $((fail + timeout)) failed, $skipped skipped"
exit "$status"
