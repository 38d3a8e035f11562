#!/usr/bin/env python3
"""The real-faces recipe end to end: fer-train --recipe real-faces on ../shared's faces5 + faces5-pool
(one folder of links), a fixed seed, then fer-eval on the run's own duplicate-aware validation split,
plain and with flip averaging. Prints accuracy, macro recall, per-class recall, the confusion matrix
and the minutes. Not a test: the README's figure comes from here.

  scripts/bench/recipe.py [--build build] [--out DIR] [--generations N] [-- extra fer-train flags, e.g. --epochs 10]

--generations N trains the recipe N times in a row, each run after the first distilling from the one
before (fer-train --teacher), and prints every generation's figures and the minutes so far.
"""
import argparse
import json
import os
import subprocess
import sys
import time

from model_file import fer_eval_crop_args

HERE = os.path.dirname(os.path.abspath(__file__))


def link_data(shared, dst):
    """dst/<Class>/ with links to every faces5 and pool image (names prefixed by their source)."""
    for source in ("faces5", "faces5-pool"):
        root = os.path.join(shared, "data", source)
        if not os.path.isdir(root):
            sys.exit(f"no {root}: ../shared beside the checkout holds the data (or pass --shared)")
        for cls in sorted(os.listdir(root)):
            os.makedirs(os.path.join(dst, cls), exist_ok=True)
            for name in os.listdir(os.path.join(root, cls)):
                link = os.path.join(dst, cls, f"{source}-{name}")
                if not os.path.lexists(link):
                    os.symlink(os.path.join(root, cls, name), link)
    return dst


def evaluate(build, model, tta, yunet):
    """fer-eval on the run's validation split, cut as the model was trained, at the element's
    default precision (auto)."""
    split = os.path.splitext(model)[0] + ".split.json"
    p = subprocess.run([os.path.join(build, "training", "fer-eval"), "--model", model, "--split", split, "--json",
                        "--tta", tta, *fer_eval_crop_args(model, yunet)], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"fer-eval failed: {p.stderr}")
    return json.loads(p.stdout)


def report(name, ev):
    recalls = " ".join(f"{c} {ev['per_class'][c]['recall']:.2f}" for c in ev["classes"])
    print(f"{name:12s} accuracy {100 * ev['accuracy']:.1f}%  macro recall {100 * ev['macro_recall']:.1f}%  "
          f"recall: {recalls}  ({ev['images']} images)", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(HERE, "..", "..", "build"))
    ap.add_argument("--shared", default=os.path.join(HERE, "..", "..", "..", "shared"))
    ap.add_argument("--out", default="recipe-run", help="folder for the data links, the model and its side files")
    ap.add_argument("--recipe", default="real-faces", help="none: only the flags after --")
    ap.add_argument("extra", nargs="*", help="more fer-train flags (after --)")
    ap.add_argument("--generations", type=int, default=1,
                    help="runs in a row, each after the first taught by the one before (--teacher)")
    a = ap.parse_args()
    if a.generations < 1:
        ap.error("--generations must be 1 or more")
    os.makedirs(a.out, exist_ok=True)
    data = link_data(os.path.abspath(a.shared), os.path.abspath(os.path.join(a.out, "data")))
    stem = a.recipe if a.recipe != "none" else "model"
    recipe = ["--recipe", a.recipe] if a.recipe != "none" else []
    yunet = os.path.join(os.path.abspath(a.shared), "models", "yunet.onnx")
    minutes, teacher, summary = 0.0, [], []
    for g in range(1, a.generations + 1):
        model = os.path.join(a.out, f"{stem}.pth" if g == 1 else f"{stem}.gen{g}.pth")
        cmd = [os.path.join(a.build, "training", "fer-train"), *recipe, "--data", data, "--out", model,
               "--seed", "42", "--dedup", "on", *a.extra, *teacher]
        print(" ".join(cmd), flush=True)
        start = time.monotonic()
        subprocess.run(cmd, check=True)  # its progress lines go straight to the terminal
        minutes += (time.monotonic() - start) / 60
        plain, flip = evaluate(a.build, model, "none", yunet), evaluate(a.build, model, "flip", yunet)
        gen = f", generation {g} of {a.generations}" if a.generations > 1 else ""
        print(f"\nrecipe {a.recipe}{gen}: {minutes:.1f} minutes of fer-train so far (data loading included), "
              f"validation split of {plain['images']} images (duplicate-aware, seed 42)")
        report("plain", plain)
        report("flip TTA", flip)
        print("confusion matrix (rows true, columns predicted), flip TTA:")
        print("  " + " ".join(f"{c[:7]:>7s}" for c in flip["classes"]))
        for c, row in zip(flip["classes"], flip["confusion_matrix"]):
            print(f"  {' '.join(f'{v:7d}' for v in row)}  {c}")
        summary.append({"generation": g, "minutes": minutes, "plain": plain, "flip": flip, "command": cmd})
        teacher = ["--teacher", model]
    with open(os.path.join(a.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)  # one entry a generation


if __name__ == "__main__":
    main()
