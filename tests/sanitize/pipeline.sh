#!/bin/bash
# A short gst-launch pipeline through the sanitizer build's plugin: two elements sharing one
# model, caps converted between them, every Haar/overlay/ROI path. gst-launch-1.0 is not
# instrumented, so the ASan runtime is preloaded; GStreamer's leaks tracer checks GstObjects
# and buffers (which LeakSanitizer cannot see inside GLib), made fatal by G_DEBUG.
# Usage: pipeline.sh FER_DEBUG ASAN_RUNTIME   (GST_PLUGIN_PATH_1_0 names the plugin's folder)
set -euo pipefail
fer_debug=$1 runtime=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$fer_debug" create resnet18 64 "$tmp/m.pth"
# A fresh registry, scanned in-process (the scanner helper would inherit the preload and its exit
# checks, and a failed scan would blacklist the plugin in a shared registry).
export GST_REGISTRY_1_0=$tmp/registry.bin GST_REGISTRY_FORK=no GST_TRACERS=leaks G_DEBUG=fatal-warnings GST_DEBUG=GST_TRACER:1
LD_PRELOAD=$runtime gst-launch-1.0 -q \
  videotestsrc pattern=ball num-buffers=90 ! video/x-raw,format=I420,width=160,height=120,framerate=30/1 ! \
  feremotion model="$tmp/m.pth" ! videoconvert ! video/x-raw,format=BGRA ! \
  feremotion model="$tmp/m.pth" detector=none interval=2 overlay=true ! fakesink
echo "pipeline ran 90 frames under ASan+UBSan with no report"
