#!/usr/bin/python3
"""Do bf16 and fp32 give the same labels? fer-predict runs a model over every image of a data set
(faces5 by default, as crops: --detector none) in both precisions and prints the agreement, per
class, and the largest probability difference. The issue's bar: 99% of the labels with a trained
ResNet50. Also says which precision `precision=auto` picks on this CPU, and why.

Usage: scripts/bench/bf16_agreement.py --model M.pth [--data DIR] [--build build]"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))


def predict(build, model, precision, images):
    out = subprocess.run([os.path.join(build, "tools", "fer-predict"), "-m", model, "--detector", "none", "--json",
                          "--precision", precision, "--threads", str(os.cpu_count()), *images],
                         capture_output=True, text=True, check=True).stdout
    return {j["image"]: j["faces"][0] for j in map(json.loads, out.splitlines())}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data", "faces5"))
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    args = ap.parse_args()
    images = sorted(os.path.join(r, f) for r, _, fs in os.walk(args.data) for f in fs
                    if f.lower().endswith((".jpg", ".jpeg", ".png", ".bmp")))
    if not images:
        sys.exit(f"no images under {args.data}")
    flags = open("/proc/cpuinfo").read().split()
    native = [f for f in ("avx512_bf16", "amx_bf16") if f in flags]
    print(f"CPU: {'native bf16 (' + ', '.join(native) + ')' if native else 'no native bf16'}: precision=auto picks "
          f"{'bf16' if native else 'fp32 (bf16 would be emulated, slower than fp32)'}")
    fp32 = predict(args.build, args.model, "fp32", images)
    bf16 = predict(args.build, args.model, "bf16", images)
    per = {}
    worst = 0.0
    for path in images:
        a, b = fp32[path], bf16[path]
        cls = os.path.basename(os.path.dirname(path))
        n, same = per.get(cls, (0, 0))
        per[cls] = (n + 1, same + (a["label"] == b["label"]))
        worst = max(worst, max(abs(a["scores"][c] - b["scores"][c]) for c in a["scores"]))
    total = sum(n for n, _ in per.values())
    agree = sum(s for _, s in per.values())
    print(f"{args.model} on {args.data}: bf16 and fp32 agree on {agree}/{total} labels ({100 * agree / total:.2f}%); "
          f"largest probability difference {worst:.4f}")
    for cls, (n, same) in sorted(per.items()):
        print(f"  {cls:10s} {same}/{n}")


if __name__ == "__main__":
    main()
