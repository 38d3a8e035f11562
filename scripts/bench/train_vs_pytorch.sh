#!/usr/bin/env bash
# Training speed of fer-train against the same loop in PyTorch (/usr/bin/python3), on the same
# images, architecture, input size, batch, step count and thread count. Not a test: prints figures.
# Usage: scripts/bench/train_vs_pytorch.sh [BUILD_DIR] [DATA_DIR]
#   env: ARCH=resnet18 SIZE=112 BATCH=32 STEPS=30 THREADS=2 WORKERS=2 PRECISION=fp32|bf16
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../../build}"
data="${2:-$here/../../../shared/data/faces5}"
ARCH="${ARCH:-resnet18}" SIZE="${SIZE:-112}" BATCH="${BATCH:-32}" STEPS="${STEPS:-30}"
THREADS="${THREADS:-2}" WORKERS="${WORKERS:-2}" PRECISION="${PRECISION:-fp32}"
[ -x "$build/training/fer-train" ] || { echo "no $build/training/fer-train: build first (ninja -C $build)"; exit 1; }
[ -d "$data" ] || { echo "no data folder $data (../shared/data/faces5 beside the checkout, or pass one)"; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "$ARCH, ${SIZE}px, batch $BATCH, $STEPS steps, $THREADS threads, $WORKERS loader workers, $PRECISION, data $data"
"$build/training/fer-train" --data "$data" --out "$tmp/bench.pth" --arch "$ARCH" --input-size "$SIZE" \
  --batch-size "$BATCH" --max-steps "$STEPS" --epochs 1 --threads "$THREADS" --workers "$WORKERS" \
  --precision "$PRECISION" --val-split 0.05 > "$tmp/fer.log" 2>&1 || { cat "$tmp/fer.log"; exit 1; }
fer=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['epochs'][0]['images_per_s'])" \
  "$tmp/bench.metrics.json")
py=$(/usr/bin/python3 "$here/pytorch_train_loop.py" --data "$data" --arch "$ARCH" --input-size "$SIZE" \
  --batch-size "$BATCH" --steps "$STEPS" --threads "$THREADS" --workers "$WORKERS" --precision "$PRECISION" |
  /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['images_per_s'])")
/usr/bin/python3 - "$fer" "$py" <<'PY'
import sys
fer, py = map(float, sys.argv[1:])
print(f"fer-train: {fer:8.1f} images/s")
print(f"PyTorch:   {py:8.1f} images/s")
print(f"ratio fer-train / PyTorch: {fer / py:.2f}")
PY
