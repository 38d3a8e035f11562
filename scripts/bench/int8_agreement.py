#!/usr/bin/python3
"""int8 against fp32 on real faces (issue 18). Calibrates MODEL (trained by fer-train on
faces5-pool) with fer-quantize on the pool, then prints, over every crop of faces5 (other photos):
how often int8 gives fp32's label, how often its top-1 probability is within 0.05 of fp32's; and
with the model's split file, the accuracy and macro recall of fp32 and int8 on that duplicate-aware
validation split (fer-eval). Prints figures; asserts nothing (tests/parity/test_int8.py asserts a
fixed subset).

Usage: scripts/bench/int8_agreement.py --model M.pth [--split M.split.json] [--build build]"""
import argparse
import json
import os
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
SHARED = os.path.join(ROOT, "..", "shared", "data")


def images_under(d):
    exts = (".jpg", ".jpeg", ".png", ".bmp", ".webp")
    return sorted(os.path.join(r, n) for r, _, names in os.walk(d) for n in names if n.lower().endswith(exts))


def predict(build, model, precision, faces):
    out = subprocess.run([os.path.join(build, "tools", "fer-predict"), "-m", model, "--detector", "none", "--json",
                          "--precision", precision, *faces], capture_output=True, text=True, check=True).stdout
    return [json.loads(line)["faces"][0] for line in out.splitlines()]


def evaluate(build, model, precision, split, data):
    out = subprocess.run([os.path.join(build, "training", "fer-eval"), "-m", model, "--split", split, "--data", data,
                          "--precision", precision, "--json"], capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--split", help="the model's <stem>.split.json (its validation images of the pool)")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--pool", default=os.path.join(SHARED, "faces5-pool"))
    ap.add_argument("--faces", default=os.path.join(SHARED, "faces5"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        q = os.path.join(tmp, "int8.pth")
        print(subprocess.run([os.path.join(args.build, "tools", "fer-quantize"), "--model", args.model, "--data",
                              args.pool, "--out", q], capture_output=True, text=True, check=True).stdout.strip())
        faces = images_under(args.faces)
        fp32, int8 = predict(args.build, q, "fp32", faces), predict(args.build, q, "int8", faces)
        n = len(faces)
        same = sum(a["label"] == b["label"] for a, b in zip(fp32, int8))
        close = sum(abs(a["scores"][a["label"]] - b["scores"][a["label"]]) <= 0.05 for a, b in zip(fp32, int8))
        worst = max(abs(a["scores"][a["label"]] - b["scores"][a["label"]]) for a, b in zip(fp32, int8))
        print(f"faces5, all {n} crops: int8 gives fp32's label on {same} ({100 * same / n:.2f}%); top-1 probability "
              f"within 0.05 on {100 * close / n:.2f}% (largest difference {worst:.3f})")
        if args.split:
            for precision in ("fp32", "int8"):
                r = evaluate(args.build, q, precision, args.split, args.pool)
                recall = [c["recall"] for c in r["per_class"].values()]
                print(f"validation split ({r.get('images', '?')} images), {precision}: accuracy {100 * r['accuracy']:.2f}%, "
                      f"macro recall {100 * sum(recall) / len(recall):.2f}%")


if __name__ == "__main__":
    main()
