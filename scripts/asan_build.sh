#!/bin/bash
# Configures build-asan once (clang, AddressSanitizer + UndefinedBehaviorSanitizer, the libFuzzer
# target) and builds the given ninja targets, or everything. Used by scripts/sanitize.sh and
# scripts/fuzz/run.sh. ASAN_BUILD_DIR overrides the folder.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${ASAN_BUILD_DIR:-build-asan}
if [ ! -f "$build/build.ninja" ]; then
  # debugoptimized: -O2 keeps LibTorch-heavy tests fast enough, -g gives sanitizer reports lines.
  CC=clang CXX=clang++ meson setup "$build" --buildtype=debugoptimized \
    -Db_sanitize=address,undefined -Db_lundef=false -Dfuzz=enabled
fi
nice -n 10 ninja -C "$build" -j2 "$@"
