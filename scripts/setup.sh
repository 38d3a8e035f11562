#!/usr/bin/env bash
# Installs the Debian 12 packages feremotion needs (idempotent), then configures and builds build/.
# Usage: scripts/setup.sh [--no-build]     (FER_SETUP_TESTS=1, as scripts/test.sh sets: also what only tests need)
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential pkg-config meson ninja-build cmake
  libtorch-dev libopenblas0-pthread          # OpenBLAS: fp32 GEMM ~35x faster than reference BLAS
  libdnnl-dev                                # oneDNN (LibTorch's own) for YuNet's fused graph
  libopencv-dev opencv-data                  # Haar cascades live in opencv-data
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  nlohmann-json3-dev libcli11-dev libgtest-dev
  libarchive-dev                             # fer-import reads npm tarballs (.tgz)
  libgloo-dev                                # fer-train --world-size (c10d ProcessGroupGloo)
  python3-torch python3-torchvision python3-numpy python3-pil   # cross-check tests only
  python3-opencv                             # YuNet reference decoding, detection benchmark
  python3-gi python3-gst-1.0 gir1.2-gstreamer-1.0 gir1.2-gst-plugins-base-1.0   # GI tests
  clang libclang-rt-14-dev                   # sanitizer build and libFuzzer (scripts/sanitize.sh, scripts/fuzz/run.sh)
  libcairo2-dev fonts-dejavu-core            # fer-report's plots
  libmosquitto-dev                           # feremotionpublish method=mqtt
)
# Only the tests need these: the report page is opened in headless Chromium; feremotionpublish talks to a real broker.
[ "${FER_SETUP_TESTS:-0}" = 1 ] && PACKAGES+=(chromium mosquitto mosquitto-clients)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup: all ${#PACKAGES[@]} packages present"
fi

[ "${1:-}" = "--no-build" ] && exit 0
if [ ! -f build/build.ninja ]; then
  meson setup build --buildtype=release
fi
ninja -C build -j2
