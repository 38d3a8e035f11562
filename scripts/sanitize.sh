#!/bin/bash
# The sanitizer suite: builds build-asan (clang, AddressSanitizer + UndefinedBehaviorSanitizer,
# LeakSanitizer at exit; scripts/asan_build.sh) and runs `meson test --suite asan` there: the core,
# plugin and training unit tests, the fuzz corpus replay, fer-train on damaged images and a
# gst-launch pipeline. Ends with one line "N passed, N failed, N skipped", like scripts/test.sh.
# Not in CI: ~6 min to build and ~13 min to run on two cores (README, "Reliability").
#   scripts/sanitize.sh [meson test options...]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/asan_build.sh
scripts/meson_test_summary.sh -C "${ASAN_BUILD_DIR:-build-asan}" --suite asan --num-processes 2 --print-errorlogs "$@"
