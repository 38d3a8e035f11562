#!/bin/bash
# Fuzzes the model loader for a fixed budget and prints executions, coverage and crashes.
#   scripts/fuzz/run.sh [SECONDS=120] [--update-corpus]
# FER_FUZZ_SKIP_TORCHSCRIPT=0 also fuzzes LibTorch's torch::jit::load (default 1: see
# tests/core/fuzz_model_loader.cpp).
# Builds build-asan's fuzz_model_loader (clang, libFuzzer + ASan + UBSan; scripts/asan_build.sh),
# starts from tests/core/fuzz_corpus (seeds from scripts/fuzz/make_seeds.py: every kind of model
# file) and writes any crashing input to tests/core/fuzz_crashes/, which `meson test`
# (fuzz_replay, suite core) replays. --update-corpus merges the inputs that add coverage into
# tests/core/fuzz_corpus, keeping only those under 4 KiB besides the seeds (a corpus of a few
# hundred KiB that `meson test` replays in seconds).
set -euo pipefail
cd "$(dirname "$0")/../.."
budget=${1:-120}
update=${2:-}
corpus=tests/core/fuzz_corpus
crashes=tests/core/fuzz_crashes
build=${ASAN_BUILD_DIR:-build-asan}

if [ -z "$(ls -A "$corpus" 2>/dev/null)" ]; then /usr/bin/python3 scripts/fuzz/make_seeds.py "$corpus"; fi
scripts/asan_build.sh tests/core/fuzz_model_loader >/dev/null

work=$(mktemp -d /tmp/fer-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
crashes_before=$(ls "$crashes" | wc -l)
# LibTorch and OpenBLAS are not instrumented; leaks of their one-time allocations are not ours.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export LSAN_OPTIONS=suppressions=$PWD/tests/sanitize/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export OMP_NUM_THREADS=1
export FER_FUZZ_SKIP_TORCHSCRIPT=${FER_FUZZ_SKIP_TORCHSCRIPT:-1}
# -malloc_limit_mb: no single allocation may exceed what a 64 KiB input could justify, beyond
# the ~50 MB a ResNet-152 skeleton needs.
set +e
"$build/tests/core/fuzz_model_loader" "$work/corpus" "$corpus" \
  -dict=scripts/fuzz/model.dict -max_len=65536 -max_total_time="$budget" -timeout=30 \
  -rss_limit_mb=3072 -malloc_limit_mb=256 -print_final_stats=1 \
  -artifact_prefix="$crashes/" >"$work/log" 2>&1
status=$?
set -e

grep -E "^==[0-9]+==ERROR|^SUMMARY|^INFO: (Loaded|seed)|Test unit written|error does not name" "$work/log" || true
final=$(grep -E "^#[0-9]+" "$work/log" | grep "cov:" | tail -1)
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log")
cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$final")
ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$final")
corp=$(sed -n 's/.* corp: \([^ ]*\).*/\1/p' <<<"$final")
new_crashes=$(( $(ls "$crashes" | wc -l) - crashes_before ))
echo "fuzzed ${budget}s (skip TorchScript: $FER_FUZZ_SKIP_TORCHSCRIPT): ${execs:-?} executions (${rate:-?}/s), cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}, new crashes ${new_crashes} (in $crashes/)"

if [ "$update" = "--update-corpus" ]; then
  "$build/tests/core/fuzz_model_loader" -merge=1 -max_len=65536 "$corpus" "$work/corpus" >/dev/null 2>&1
  find "$corpus" -type f ! -name 'seed_*' -size +4k -delete
  echo "corpus: $(ls "$corpus" | wc -l) files, $(du -sk "$corpus" | cut -f1) KiB"
fi
if [ "$status" -ne 0 ]; then tail -40 "$work/log"; exit 1; fi
