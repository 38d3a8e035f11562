#!/bin/bash
# The ThreadSanitizer suite: builds build-tsan (clang, -Db_sanitize=thread) and runs `meson test
# --suite tsan` there: the core's classification-worker tests and the element's harness tests
# (property changes, model and detector swaps, state changes from other threads while frames
# flow; the memory soak is left out). Ends with one line "N passed, N failed, N skipped".
# Not in CI (README, "Reliability"). TSAN_BUILD_DIR overrides the folder.
#   scripts/tsan.sh [meson test options...]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${TSAN_BUILD_DIR:-build-tsan}
if [ ! -f "$build/build.ninja" ]; then
  CC=clang CXX=clang++ meson setup "$build" --buildtype=debugoptimized -Db_sanitize=thread -Db_lundef=false
fi
nice -n 10 ninja -C "$build" -j2 tests/core/test_core tests/plugin/test_element
scripts/meson_test_summary.sh -C "$build" --suite tsan --num-processes 1 --print-errorlogs --no-rebuild "$@"
