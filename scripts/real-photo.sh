#!/usr/bin/env bash
# Prints the path of a real photograph of a face that Debian ships: scikit-image's astronaut.png
# (Eileen Collins, NASA, public domain). Taken from python3-skimage where it is installed, else
# from its .deb, downloaded (no install, no root) and unpacked into DIR/.
#   scripts/real-photo.sh DIR
set -euo pipefail
dir=${1:?usage: scripts/real-photo.sh DIR}
rel=usr/lib/python3/dist-packages/skimage/data/astronaut.png
if [ -s "/$rel" ]; then echo "/$rel"; exit 0; fi
if [ -s "$dir/astronaut.png" ]; then echo "$dir/astronaut.png"; exit 0; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! (cd "$tmp" && apt-get download python3-skimage >/dev/null 2>&1); then
  echo "real-photo: cannot download python3-skimage from Debian's archive (run apt-get update?)" >&2
  exit 1
fi
dpkg-deb --fsys-tarfile "$tmp"/python3-skimage_*.deb | tar -x -C "$tmp" "./$rel"
mkdir -p "$dir"
mv "$tmp/$rel" "$dir/astronaut.png"
echo "$dir/astronaut.png"
