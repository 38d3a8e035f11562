#!/usr/bin/env python3
"""Detection quality of fer-detect's detectors on frames composed from ../shared/data/faces5 crops.

Faces of 40 to 300 px (the crop's side), turned up to +-20 degrees, pasted at known places on varied
backgrounds (gradients, noise, stripes, checks, blurred clutter) at varied brightness; some frames
hold no face. Prints precision and recall at IoU 0.5 per detector and face size, and ms per frame.

  scripts/bench/detection_quality.py --fer-detect build/tools/fer-detect \\
      --yunet ../shared/models/yunet.onnx [--frames 200] [--yunet-settings 640/0.6 320/0.6 ...]
"""
import json
import os
import random
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

from bench_args import detection_parser

SIZES = (40, 60, 80, 120, 160, 220, 300)  # face sizes in px, one bucket each
WIDTH, HEIGHT = 640, 480


def list_faces(faces5):
    out = []
    for c in sorted(os.listdir(faces5)):
        d = os.path.join(faces5, c)
        if os.path.isdir(d):
            out += [os.path.join(d, n) for n in sorted(os.listdir(d))]
    return out


def background(rng, kind):
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    base = np.array([rng.uniform(30, 220) for _ in range(3)], np.float32)
    if kind == "gradient":
        bg = base + np.stack([60 * xx / WIDTH, 40 * yy / HEIGHT, -50 * xx / WIDTH], -1)
    elif kind == "noise":
        bg = base + np.random.default_rng(rng.randrange(1 << 30)).normal(0, 35, (HEIGHT, WIDTH, 3))
    elif kind == "stripes":
        period = rng.uniform(6, 40)
        bg = base + 60 * np.sign(np.sin((xx * np.cos(rng.uniform(0, 3)) + yy) * 2 * np.pi / period))[..., None]
    elif kind == "checks":
        n = rng.randint(8, 48)
        bg = base + 60 * (((xx // n) + (yy // n)) % 2 * 2 - 1)[..., None]
    else:  # "clutter": blurred blobs of colour, like an out-of-focus room
        small = np.random.default_rng(rng.randrange(1 << 30)).uniform(0, 255, (12, 16, 3)).astype(np.uint8)
        bg = np.asarray(Image.fromarray(small).resize((WIDTH, HEIGHT), Image.BICUBIC), np.float32)
    return np.clip(bg, 0, 255)


def paste(frame, face_path, size, angle, cx, cy):
    """Pastes the crop turned by `angle` degrees at size x size, centred at (cx, cy)."""
    img = Image.open(face_path).convert("RGB").resize((size, size), Image.BILINEAR)
    mask = Image.new("L", (size, size), 255)
    img, mask = img.rotate(angle, Image.BILINEAR, expand=True), mask.rotate(angle, Image.BILINEAR, expand=True)
    x0, y0 = cx - img.width // 2, cy - img.height // 2
    region = frame[y0:y0 + img.height, x0:x0 + img.width]
    a = np.asarray(mask, np.float32)[..., None] / 255
    region[:] = a * np.asarray(img, np.float32)[:, :, ::-1] + (1 - a) * region


def compose(faces5, frames, seed=0):
    """[(bgr uint8 frame, [gt boxes (x, y, w, h)], [face sizes])]: per frame 0-3 faces that do not overlap."""
    rng = random.Random(seed)
    pool = list_faces(faces5)
    out = []
    for i in range(frames):
        frame = background(rng, rng.choice(["gradient", "noise", "stripes", "checks", "clutter"]))
        boxes, sizes = [], []
        want = 0 if i % 10 == 0 else rng.randint(1, 3)
        for _ in range(want * 20):
            if len(boxes) == want:
                break
            size = rng.choice(SIZES)
            angle = rng.uniform(-20, 20)
            half = int(size * 0.71) + 1  # room for the turned square
            if 2 * half >= min(WIDTH, HEIGHT):
                half = size // 2 + 1
            cx, cy = rng.randint(half, WIDTH - half), rng.randint(half, HEIGHT - half)
            box = (cx - size // 2, cy - size // 2, size, size)
            if any(overlaps(box, b, half) for b in boxes):
                continue
            paste(frame, rng.choice(pool), size, angle, cx, cy)
            boxes.append(box)
            sizes.append(size)
        frame *= rng.uniform(0.5, 1.4)  # brightness
        out.append((np.clip(frame, 0, 255).astype(np.uint8), boxes, sizes))
    return out


def overlaps(a, b, pad):
    return not (a[0] + a[2] + pad < b[0] or b[0] + b[2] + pad < a[0] or a[1] + a[3] + pad < b[1] or b[1] + b[3] + pad < a[1])


def iou(a, b):
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def run_detector(fer_detect, paths, args):
    p = subprocess.run([fer_detect, *args, *paths], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"fer-detect {' '.join(args)} exited {p.returncode}: {p.stderr}")
    return [json.loads(line) for line in p.stdout.splitlines()]


def evaluate(scenes, results):
    """Greedy matching at IoU >= 0.5. Returns {"tp", "fp", "fn", "precision", "recall", "by_size", "ms"}."""
    tp = fp = fn = 0
    by_size = {s: [0, 0] for s in SIZES}  # found, total
    for (_, gt, sizes), r in zip(scenes, results):
        dets = [tuple(f["box"]) for f in r["faces"]]
        used = set()
        for box, size in zip(gt, sizes):
            best, best_j = 0.5, None
            for j, d in enumerate(dets):
                if j not in used and iou(box, d) >= best:
                    best, best_j = iou(box, d), j
            by_size[size][1] += 1
            if best_j is None:
                fn += 1
            else:
                used.add(best_j)
                tp += 1
                by_size[size][0] += 1
        fp += len(dets) - len(used)
    ms = sorted(r["ms"] for r in results)
    return {"tp": tp, "fp": fp, "fn": fn, "precision": tp / max(1, tp + fp), "recall": tp / max(1, tp + fn),
            "by_size": by_size, "ms": ms[len(ms) // 2]}


def measure(fer_detect, yunet, faces5, frames, seed=0, yunet_settings=((-1, 0.5),), workdir=None):
    """{detector name: evaluate(...)} for haar and, where a YuNet file is given, yunet at each
    (input size, score threshold[, runtime]) of yunet_settings ("yunet" for the first, "yunet
    SIZE/THRESHOLD[/RUNTIME]" after; size -1 is the detector's default)."""
    scenes = compose(faces5, frames, seed)
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        paths = []
        for i, (frame, _, _) in enumerate(scenes):
            paths.append(os.path.join(tmp, f"frame{i:04d}.png"))
            Image.fromarray(frame[:, :, ::-1]).save(paths[-1])
        runs = {"haar": ["--detector", "haar"]}
        for k, (size, threshold, *runtime) in enumerate(yunet_settings if yunet else ()):
            name = "/".join([str(size), str(threshold)] + runtime)
            runs["yunet" if k == 0 else f"yunet {name}"] = [
                "--detector", "yunet", "--detector-model", yunet, "--input-size", str(size),
                "--score-threshold", str(threshold)] + (["--yunet-runtime", runtime[0]] if runtime else [])
        return {name: evaluate(scenes, run_detector(fer_detect, paths, args)) for name, args in runs.items()}


def main():
    ap = detection_parser(__doc__)
    ap.add_argument("--frames", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--yunet-settings", nargs="+",
                    default=["-1/0.5", "960/0.5/opencv", "960/0.5/fp32", "960/0.4", "640/0.5", "640/0.5/opencv",
                             "320/0.5"],
                    help="yunet runs as INPUT_SIZE/SCORE_THRESHOLD[/RUNTIME] (runtime: auto, fp32, bf16, "
                         "opencv; the first run is the defaults)")
    a = ap.parse_args()
    if not os.path.isdir(a.faces5):
        sys.exit(f"{a.faces5} is absent: the benchmark composes its frames from ../shared/data/faces5")
    yunet = a.yunet if os.path.isfile(a.yunet) else None
    settings = [(int(v.split("/")[0]), float(v.split("/")[1]), *v.split("/")[2:]) for v in a.yunet_settings]
    res = measure(a.fer_detect, yunet, a.faces5, a.frames, a.seed, settings)
    print(f"{a.frames} frames of {WIDTH}x{HEIGHT}, faces {SIZES[0]}-{SIZES[-1]} px turned up to 20 degrees, "
          f"IoU 0.5" + ("" if yunet else f" (no YuNet file at {a.yunet})"))
    print(f"{'detector':22}{'precision':>10}{'recall':>8}{'tp':>6}{'fp':>6}{'fn':>6}{'ms/frame':>10}   "
          + "  ".join(f"{s}px" for s in SIZES))
    for name, r in res.items():
        sizes = "  ".join(f"{f / max(1, t):.2f}".rjust(len(str(s)) + 2) for s, (f, t) in r["by_size"].items())
        print(f"{name:22}{r['precision']:10.3f}{r['recall']:8.3f}{r['tp']:6}{r['fp']:6}{r['fn']:6}{r['ms']:10.1f}   "
              + sizes)


if __name__ == "__main__":
    main()
