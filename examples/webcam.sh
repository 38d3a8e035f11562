#!/usr/bin/env bash
# Webcam with display from the command line; Ctrl-C stops it (-e: the stream ends cleanly).
#   examples/webcam.sh MODEL.pth [DEVICE]
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 MODEL.pth [/dev/videoN]" >&2; exit 2; }
exec gst-launch-1.0 -e v4l2src device="${2:-/dev/video0}" ! feremotion model="$1" ! autovideosink
