#!/usr/bin/env bash
# Training speed of fer-train against the same loop in PyTorch (/usr/bin/python3), on the same
# images, architecture, input size, batch, step count and thread count. Not a test: prints figures.
# Usage: scripts/bench/train_vs_pytorch.sh [BUILD_DIR] [DATA_DIR]
#   env: ARCH=resnet18 SIZE=112 BATCH=32 STEPS=30 THREADS=2 WORKERS=2 PRECISION=fp32|bf16
#        EPOCHS=N: N whole epochs instead of STEPS, decoded images cached on both sides (fer-train's
#        default; the PyTorch loop caches them before its workers fork). Pool + faces5 as one folder:
#        the data/ that scripts/bench/recipe.py links.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../../build}"
data="${2:-$here/../../../shared/data/faces5}"
ARCH="${ARCH:-resnet18}" SIZE="${SIZE:-112}" BATCH="${BATCH:-32}" STEPS="${STEPS:-30}"
THREADS="${THREADS:-2}" WORKERS="${WORKERS:-2}" PRECISION="${PRECISION:-fp32}" EPOCHS="${EPOCHS:-0}"
[ -x "$build/training/fer-train" ] || { echo "no $build/training/fer-train: build first (ninja -C $build)"; exit 1; }
[ -d "$data" ] || { echo "no data folder $data (../shared/data/faces5 beside the checkout, or pass one)"; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

if [ "$EPOCHS" -gt 0 ]; then length="$EPOCHS whole epochs"; fer_len=(--epochs "$EPOCHS"); py_len=(--epochs "$EPOCHS")
else length="$STEPS steps"; fer_len=(--max-steps "$STEPS" --epochs 1); py_len=(--steps "$STEPS"); fi
echo "$ARCH, ${SIZE}px, batch $BATCH, $length, $THREADS threads, $WORKERS loader workers, $PRECISION, data $data"
"$build/training/fer-train" --data "$data" --out "$tmp/bench.pth" --arch "$ARCH" --input-size "$SIZE" \
  --batch-size "$BATCH" "${fer_len[@]}" --threads "$THREADS" --workers "$WORKERS" \
  --precision "$PRECISION" --val-split 0.05 > "$tmp/fer.log" 2>&1 || { cat "$tmp/fer.log"; exit 1; }
# Over the training phases of all epochs (validation excluded, as the PyTorch loop has none).
fer=$(/usr/bin/python3 -c "import json,sys; e=json.load(open(sys.argv[1]))['epochs']; print(len(e) / sum(1 / r['images_per_s'] for r in e))" \
  "$tmp/bench.metrics.json")
py=$(/usr/bin/python3 "$here/pytorch_train_loop.py" --data "$data" --arch "$ARCH" --input-size "$SIZE" \
  --batch-size "$BATCH" "${py_len[@]}" --threads "$THREADS" --workers "$WORKERS" --precision "$PRECISION" |
  /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['images_per_s'])")
/usr/bin/python3 - "$fer" "$py" <<'PY'
import sys
fer, py = map(float, sys.argv[1:])
print(f"fer-train: {fer:8.1f} images/s")
print(f"PyTorch:   {py:8.1f} images/s")
print(f"ratio fer-train / PyTorch: {fer / py:.2f}")
PY
