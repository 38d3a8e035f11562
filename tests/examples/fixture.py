"""Shared by the demo and example tests: paths from meson, and one small model trained on drawn
faces, made once per build tree (a lock lets parallel tests wait for it instead of training twice)."""
import fcntl
import json
import os
import subprocess
import sys

SKIP = 77
SOURCE = os.environ["FER_SOURCE_ROOT"]
BUILD = os.environ["FER_BUILD_ROOT"]
SYNTH = os.path.join(BUILD, "tools", "fer-synth")
PREDICT = os.path.join(BUILD, "tools", "fer-predict")
TRAIN = os.path.join(BUILD, "training", "fer-train")
PLUGIN_DIR = os.path.join(BUILD, "plugin")
CLASSES = ["Anger", "Fear", "Happy", "Neutral", "Sad"]


def run(args, expect=0, **kw):
    p = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kw)
    if expect is not None and p.returncode != expect:
        raise AssertionError(f"{' '.join(map(str, args))} exited {p.returncode}, expected {expect}\n"
                             f"stdout: {p.stdout[-4000:]}\nstderr: {p.stderr[-4000:]}")
    return p


def gst_env():
    env = dict(os.environ)
    env["GST_PLUGIN_PATH"] = PLUGIN_DIR
    return env


def small_model():
    """(model path, data folder): ResNet18 at 64 px trained for a few epochs on 60 drawn faces a class."""
    d = os.path.join(BUILD, "tests", "examples", "fixture")
    os.makedirs(d, exist_ok=True)
    model, data = os.path.join(d, "model.pth"), os.path.join(d, "faces")
    with open(os.path.join(d, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.exists(model):
            run([SYNTH, "--seed", "11", "faces", "--out", data, "--per-class", "60"])
            run([TRAIN, "--data", data, "--out", model + ".tmp.pth", "--detector", "haar", "--arch", "resnet18",
                 "--input-size", "64", "--epochs", "6", "--lr", "2e-3", "--crop-scale", "0.5", "--dedup", "off",
                 "--threads", "2"])
            os.rename(model + ".tmp.pth", model)
    return model, data


def synth_video(path, frames, faces=3, seed=3):
    run([SYNTH, "--seed", str(seed), "video", "--out", path, "--frames", str(frames), "--faces", str(faces)])
    return [json.loads(line) for line in open(path + ".truth.jsonl")]


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def iou(a, b):
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    iw = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    ih = max(0, min(ay + ah, by + bh) - max(ay, by))
    inter = iw * ih
    return inter / (aw * ah + bw * bh - inter) if inter else 0.0


def match(truth, results, min_iou=0.5):
    """Independent of fer-synth's own scorer: (truth faces, found, false boxes, labels right)."""
    by_frame = {r["frame"]: r["faces"] for r in results}
    total = found = false = right = 0
    for t in truth:
        boxes = [(f["x"], f["y"], f["width"], f["height"], f["label"]) for f in by_frame.get(t["frame"], [])]
        used = set()
        for f in t["faces"]:
            total += 1
            tb = (f["x"], f["y"], f["width"], f["height"])
            cands = [(iou(tb, b[:4]), k) for k, b in enumerate(boxes) if k not in used]
            best = max(cands, default=(0, -1))
            if best[0] >= min_iou:
                used.add(best[1])
                found += 1
                right += boxes[best[1]][4] == f["label"]
        false += len(boxes) - len(used)
    return total, found, false, right


def count_video_frames(path):
    """Frames in a video, counted by OpenCV's decoder (not GStreamer's)."""
    import cv2
    cap = cv2.VideoCapture(path)
    n = 0
    while cap.read()[0]:
        n += 1
    return n


def check(cond, what):
    if not cond:
        print(f"FAIL: {what}")
        sys.exit(1)
    print(f"ok: {what}")
