#!/bin/bash
# The sanitizer suite: builds build-asan (clang, AddressSanitizer + UndefinedBehaviorSanitizer,
# LeakSanitizer at exit; tools/asan_build.sh) and runs `meson test --suite asan` there: the core,
# plugin and training unit tests, the fuzz corpus replay, fer-train on damaged images and a
# gst-launch pipeline. Ends with one line `N passed, N failed, N skipped`, like tools/test.sh.
#   tools/sanitize.sh [meson test options...]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${ASAN_BUILD_DIR:-build-asan}
tools/asan_build.sh
set +e
meson test -C "$build" --suite asan --num-processes 2 --print-errorlogs "$@"
status=$?
set -e
/usr/bin/python3 - "$build/meson-logs/testlog.json" <<'PY'
import json, sys
counts = {"OK": 0, "FAIL": 0, "SKIP": 0}
for line in open(sys.argv[1]):
    r = json.loads(line)["result"]
    counts["OK" if r in ("OK", "EXPECTEDFAIL") else "SKIP" if r == "SKIP" else "FAIL"] += 1
print(f"{counts['OK']} passed, {counts['FAIL']} failed, {counts['SKIP']} skipped")
PY
exit $status
