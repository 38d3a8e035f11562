#!/usr/bin/env bash
# A recorded file in; an annotated video and the results as JSON lines out, with one
# gst-launch-1.0 line (any file decodebin plays; the output is MJPEG in AVI, from plugins-good).
#   examples/annotate_file.sh IN MODEL.pth OUT.avi OUT.jsonl
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: $0 IN MODEL.pth OUT.avi OUT.jsonl" >&2; exit 2; }
gst-launch-1.0 -q filesrc location="$1" ! decodebin ! videoconvert ! \
  feremotion model="$2" results-file="$4" ! \
  videoconvert ! jpegenc ! avimux ! filesink location="$3"
