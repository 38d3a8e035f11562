#!/usr/bin/env python3
"""Does the element see what fer-eval sees? Real face crops the model never trained on (its
validation split) are pasted into a 640x480 scene at 80-180 px, two at a time, drifting, each for
--frames frames, with their labels as ground truth. The element (this build's plugin, the given
detector, its default smoothing and tracking) runs over the video and writes its results file; each
face it finds in a ground-truth box counts for that face; a face's label is the one the element gave
it on most of its frames (per face, as fer-eval scores each image once). fer-eval scores the same
crops, cut as the model was trained. Prints both accuracies and their gap per detector, with how
many faces the element found and its per-frame accuracy.

  scripts/bench/element_accuracy.py --model M.pth [--detector haar --detector yunet] [--faces 300]
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile

import cv2
import numpy as np

from model_file import fer_eval_crop_args

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
W, H, FPS = 640, 480, 30


def pick_faces(split_path, n, seed):
    """n validation images, the classes in turn, in a fixed random order."""
    with open(split_path) as f:
        split = json.load(f)
    by_class = {}
    for path, label in split["val"]:
        full = os.path.join(split["data_root"], path)
        if not os.path.isfile(full):
            sys.exit(f"{split_path} names {full}, which is not a file: the split must be of an image folder "
                     "(not a CSV) whose data root is where it was")
        by_class.setdefault(label, []).append(full)
    rng = random.Random(seed)
    for paths in by_class.values():
        rng.shuffle(paths)
    out, i = [], 0
    while len(out) < n and any(by_class.values()):
        label = sorted(by_class)[i % len(by_class)]
        if by_class[label]:
            out.append((by_class[label].pop(), label))
        i += 1
    return out, split["classes"]


def scene(rng):
    """A room-like backdrop: a soft gradient with a few blurred blocks (no faces)."""
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    base = np.stack([90 + 60 * xx / W, 110 + 40 * yy / H, 130 - 50 * xx / W], axis=2)
    img = base.astype(np.uint8)
    for _ in range(6):
        x, y = rng.randrange(W), rng.randrange(H)
        cv2.rectangle(img, (x, y), (x + rng.randrange(40, 200), y + rng.randrange(40, 200)),
                      tuple(rng.randrange(40, 220) for _ in range(3)), -1)
    return cv2.GaussianBlur(img, (0, 0), 3)


def compose(faces, frames_per_face, path, seed):
    """Two slots (left and right half), each showing one face after another, the right one half a
    face later; returns the ground truth per frame: [(x, y, w, h, label, face index)]."""
    rng = random.Random(seed)
    back = scene(rng)
    slots = [faces[0::2], faces[1::2]]
    drift_x, drift_y = 0.8 * frames_per_face, 0.5 * frames_per_face  # the most a face moves
    plans = []  # per slot: (first frame, face index, size, start x, start y, dx, dy)
    for s, slot in enumerate(slots):
        start = s * frames_per_face // 2
        for k in range(len(slot)):
            # Each face stays in its half, never touching the other slot's.
            size = rng.randrange(80, 181)
            x0 = s * W // 2 + rng.randrange(int(drift_x) + 8, W // 2 - size - int(drift_x) - 8)
            y0 = rng.randrange(int(drift_y) + 8, H - size - int(drift_y) - 8)
            plans.append((start + k * frames_per_face, 2 * k + s, size, x0, y0, rng.uniform(-0.8, 0.8),
                          rng.uniform(-0.5, 0.5)))
    total = max(p[0] for p in plans) + frames_per_face
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"MJPG"), FPS, (W, H))
    crops = {}
    truth = []
    for t in range(total):
        frame = back.copy()
        here = []
        for first, idx, size, x0, y0, dx, dy in plans:
            if not first <= t < first + frames_per_face:
                continue
            if idx not in crops:
                crops[idx] = cv2.resize(cv2.imread(faces[idx][0], cv2.IMREAD_COLOR), (size, size),
                                        interpolation=cv2.INTER_AREA)
            x = int(round(x0 + dx * (t - first)))
            y = int(round(y0 + dy * (t - first)))
            x = min(max(x, 0), W - size)
            y = min(max(y, 0), H - size)
            frame[y:y + size, x:x + size] = crops[idx]
            here.append((x, y, size, size, faces[idx][1], idx))
        writer.write(frame)
        truth.append(here)
        if len(crops) > 8:  # only the faces on screen
            for idx in [i for i in crops if all(i != h[5] for h in here)]:
                del crops[idx]
    writer.release()
    return truth


def run_element(build, video, model, detector, yunet, results, extra):
    env = dict(os.environ, GST_PLUGIN_PATH=os.path.join(build, "plugin"))
    det = f"detector={detector}" + (f" detector-model={yunet}" if detector == "yunet" else "")
    cmd = (f"gst-launch-1.0 -q filesrc location={video} ! avidemux ! jpegdec ! videoconvert ! "
           f"feremotion model={model} {det} {extra} results-file={results} ! fakesink sync=false")
    subprocess.run(cmd, shell=True, check=True, env=env)
    with open(results) as f:
        return [json.loads(line) for line in f]


def score_element(truth, lines, classes):
    """Each ground-truth face in a frame is found when a result's centre lies in its box (the
    nearest such). Returns per-frame counts (shown, found, right) and, per face, the label the
    element gave on most of its found frames (None: never found) with the true one."""
    by_frame = {line["frame"]: line["faces"] for line in lines}
    shown = found = right = 0
    votes, true_label = {}, {}
    for t, faces in enumerate(truth):
        results = by_frame.get(t, [])
        for x, y, w, h, label, idx in faces:
            shown += 1
            true_label[idx] = classes[label]
            inside = [r for r in results if x <= r["x"] + r["width"] / 2 < x + w and y <= r["y"] + r["height"] / 2 < y + h]
            if not inside:
                continue
            r = min(inside, key=lambda r: abs(r["x"] + r["width"] / 2 - x - w / 2) + abs(r["y"] + r["height"] / 2 - y - h / 2))
            found += 1
            right += r["label"] == classes[label]
            votes.setdefault(idx, []).append(r["label"])
    per_face = {idx: (max(set(votes[idx]), key=votes[idx].count) if idx in votes else None, true_label[idx])
                for idx in true_label}
    return (shown, found, right), per_face


def fer_eval(build, model, faces, classes, yunet, tmp):
    """fer-eval on the same crops, in a folder per class, cut as the model was trained."""
    root = os.path.join(tmp, "crops")
    for i, (path, label) in enumerate(faces):
        os.makedirs(os.path.join(root, classes[label]), exist_ok=True)
        os.symlink(os.path.abspath(path), os.path.join(root, classes[label], f"{i:05d}{os.path.splitext(path)[1]}"))
    for c in classes:
        os.makedirs(os.path.join(root, c), exist_ok=True)
    cmd = [os.path.join(build, "training", "fer-eval"), "--model", model, "--data", root, "--json",
           *fer_eval_crop_args(model, yunet)]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"fer-eval failed: {p.stderr}")
    return json.loads(p.stdout)


def main():
    shared = os.environ.get("FER_SHARED") or os.path.join(ROOT, "..", "shared")
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="a fer-train model; its <stem>.split.json names the unseen faces")
    ap.add_argument("--detector", action="append", choices=["haar", "yunet"], help="repeatable (default: both)")
    ap.add_argument("--faces", type=int, default=300)
    ap.add_argument("--frames", type=int, default=30, help="frames each face is on screen")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--element-args", default="", help="more feremotion properties, e.g. 'margin=0.1'")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--yunet", default=os.path.join(shared, "models", "yunet.onnx"))
    a = ap.parse_args()
    split = os.path.splitext(a.model)[0] + ".split.json"
    if not os.path.exists(split):
        sys.exit(f"no {split}: the model's validation split names the faces it never trained on")
    faces, classes = pick_faces(split, a.faces, a.seed)
    with tempfile.TemporaryDirectory() as tmp:
        video = os.path.join(tmp, "faces.avi")
        truth = compose(faces, a.frames, video, a.seed)
        ev = fer_eval(a.build, os.path.abspath(a.model), faces, classes, a.yunet, tmp)
        print(f"{len(faces)} unseen faces, {len(truth)} frames at {W}x{H}, faces 80-180 px, {a.frames} frames each")
        print(f"fer-eval on the crops ({ev['crop']} crop): accuracy {100 * ev['accuracy']:.1f}%, "
              f"macro recall {100 * ev['macro_recall']:.1f}%")
        for detector in a.detector or ["haar", "yunet"]:
            lines = run_element(a.build, video, os.path.abspath(a.model), detector, a.yunet,
                                os.path.join(tmp, f"{detector}.jsonl"), a.element_args)
            (shown, found, right), per_face = score_element(truth, lines, classes)
            seen = [(got, want) for got, want in per_face.values() if got is not None]
            acc = sum(got == want for got, want in seen) / max(len(seen), 1)
            print(f"element, detector={detector} {a.element_args}: found {len(seen)} of {len(per_face)} faces "
                  f"({100 * found / shown:.1f}% of {shown} face-frames); label right on {100 * acc:.1f}% of the faces "
                  f"found (gap to fer-eval {100 * (acc - ev['accuracy']):+.1f} points), "
                  f"on {100 * right / max(found, 1):.1f}% of their frames", flush=True)


if __name__ == "__main__":
    main()
