#!/usr/bin/env bash
# Static images: the emotions of the faces in every image of a folder, as JSON lines, and
# annotated copies.   examples/predict_folder.sh MODEL.pth IMAGES_DIR OUT_DIR
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 MODEL.pth IMAGES_DIR OUT_DIR" >&2; exit 2; }
FER_PREDICT=${FER_PREDICT:-fer-predict}
mkdir -p "$3"
find -L "$2" -maxdepth 1 -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' -o -iname '*.bmp' \) -print0 |
  sort -z | xargs -0 -r "$FER_PREDICT" --model "$1" --json --annotate "$3" > "$3/results.jsonl"
echo "$(wc -l < "$3/results.jsonl") images: $3/results.jsonl and annotated copies in $3/"
