#!/usr/bin/env python3
"""Does alignment help? faces5 crops through fer-detect's YuNet, cut two ways from the same box:
plain (the box, as the element cuts without align) and aligned (eyes levelled, square), then the
same linear classifiers (raw pixels, HOG) trained on upright crops and tested, with 5-fold
cross-validation (near-duplicate images, 64-bit difference hash within 2 bits, kept in one fold),
on upright crops and on the same pictures turned up to --tilt degrees, as a camera sees tilted heads. No trained emotion
network exists yet, so these simple classifiers stand in: they see what alignment changes.

  scripts/bench/align_benefit.py --fer-detect build/tools/fer-detect --yunet ../shared/models/yunet.onnx
"""
import json
import os
import subprocess
import sys
import tempfile

import cv2
import numpy as np

from bench_args import detection_parser

SIDE = 48
PAD = 112  # the crops are all face: give the detector some room around it


def dhash(grey):
    small = cv2.resize(grey, (9, 8), interpolation=cv2.INTER_AREA)
    bits = (small[:, 1:] > small[:, :-1]).flatten()
    return int("".join("1" if b else "0" for b in bits), 2)


def groups_of(hashes):
    """Union-find over pairs within Hamming distance 2."""
    parent = list(range(len(hashes)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    for i in range(len(hashes)):
        for j in range(i):
            if bin(hashes[i] ^ hashes[j]).count("1") <= 2:
                parent[find(i)] = find(j)
    return [find(i) for i in range(len(hashes))]


def features(crops, kind):
    out = []
    hog = cv2.HOGDescriptor((SIDE, SIDE), (16, 16), (8, 8), (8, 8), 9)
    for c in crops:
        g = cv2.equalizeHist(cv2.resize(cv2.cvtColor(c, cv2.COLOR_BGR2GRAY), (SIDE, SIDE), interpolation=cv2.INTER_AREA))
        out.append(hog.compute(g).reshape(-1) if kind == "hog" else g.reshape(-1).astype(np.float32) / 255)
    return np.array(out, np.float32)


def cross_validate(x, y, folds, classes, x_test=None, ridge=10.0):
    """Ridge regression onto one-hot labels (a linear classifier) trained on x, tested on x_test
    (default x) of the held-out fold; accuracy per fold."""
    x_test = x if x_test is None else x_test
    accs = []
    for k in range(folds.max() + 1):
        tr, te = folds != k, folds == k
        mu, sd = x[tr].mean(0), x[tr].std(0) + 1e-6
        a, b = (x[tr] - mu) / sd, (x_test[te] - mu) / sd
        a1, b1 = np.hstack([a, np.ones((len(a), 1))]), np.hstack([b, np.ones((len(b), 1))])
        t = np.eye(classes)[y[tr]]
        w = np.linalg.solve(a1.T @ a1 + ridge * len(a) * np.eye(a1.shape[1]), a1.T @ t)
        accs.append(float(((b1 @ w).argmax(1) == y[te]).mean()))
    return np.array(accs)


def detect_and_cut(fer_detect, yunet, images, margin, tmp, tag):
    """Each image (BGR) padded, through fer-detect: {index: (plain crop, aligned crop, |eye angle|)}."""
    paths = []
    for k, img in enumerate(images):
        paths.append(os.path.join(tmp, f"{tag}{k:05d}.png"))
        cv2.imwrite(paths[-1], img)
    aligned_dir = os.path.join(tmp, f"{tag}aligned")
    out = subprocess.run([fer_detect, "--detector", "yunet", "--detector-model", yunet, "--input-size", "0",
                          "--aligned", aligned_dir, "--margin", str(margin), *paths],
                         capture_output=True, text=True, check=True).stdout
    cut = {}
    for k, (line, img) in enumerate(zip(out.splitlines(), images)):
        faces = json.loads(line)["faces"]
        if not faces:
            continue
        best = max(range(len(faces)), key=lambda i: faces[i]["box"][2] * faces[i]["box"][3])
        x, y, w, h = faces[best]["box"]
        dx, dy = round(w * margin), round(h * margin)
        plain = img[max(0, y - dy):y + h + dy, max(0, x - dx):x + w + dx]
        aligned = cv2.imread(os.path.join(aligned_dir, f"{tag}{k:05d}_{best}.png"))
        cut[k] = (plain, aligned, abs(faces[best]["eye_angle"]))
    return cut


def main():
    ap = detection_parser(__doc__)
    ap.add_argument("--margin", type=float, default=0.1)
    ap.add_argument("--tilt", type=float, default=20, help="test faces turned by up to this many degrees too")
    a = ap.parse_args()
    if not os.path.isdir(a.faces5) or not os.path.isfile(a.yunet):
        sys.exit(f"needs {a.faces5} and {a.yunet}")
    classes = sorted(d for d in os.listdir(a.faces5) if os.path.isdir(os.path.join(a.faces5, d)))
    paths, labels = [], []
    for i, c in enumerate(classes):
        for n in sorted(os.listdir(os.path.join(a.faces5, c))):
            paths.append(os.path.join(a.faces5, c, n))
            labels.append(i)

    grey = (128, 128, 128)
    upright = [cv2.copyMakeBorder(cv2.imread(p), PAD, PAD, PAD, PAD, cv2.BORDER_CONSTANT, value=grey) for p in paths]
    rng = np.random.default_rng(1)
    tilted = []
    for img in upright:  # as a camera sees a tilted head: the whole picture turned
        h, w = img.shape[:2]
        m = cv2.getRotationMatrix2D((w / 2, h / 2), float(rng.uniform(-a.tilt, a.tilt)), 1.0)
        tilted.append(cv2.warpAffine(img, m, (w, h), borderValue=grey))
    with tempfile.TemporaryDirectory() as tmp:
        up = detect_and_cut(a.fer_detect, a.yunet, upright, a.margin, tmp, "u")
        tl = detect_and_cut(a.fer_detect, a.yunet, tilted, a.margin, tmp, "t")
    keep = sorted(set(up) & set(tl))
    y = np.array([labels[k] for k in keep])
    hashes = [dhash(cv2.cvtColor(cv2.imread(paths[k]), cv2.COLOR_BGR2GRAY)) for k in keep]
    groups = np.array(groups_of(hashes))
    fold_rng = np.random.default_rng(0)
    fold_of_group = {g: int(fold_rng.integers(5)) for g in sorted(set(groups))}
    folds = np.array([fold_of_group[g] for g in groups])
    angles = np.array([up[k][2] for k in keep])
    print(f"{len(keep)}/{len(paths)} faces5 crops with a YuNet face upright and turned; their eye line "
          f"|angle| mean {angles.mean():.1f}, median {np.median(angles):.1f}, >5 deg {np.mean(angles > 5):.0%}; "
          f"chance {np.bincount(y).max() / len(y):.3f}; 5 folds, near-copies in one fold")
    print(f"{'features':9}{'trained on':22}{'tested on':10}{'upright':>16}{f'turned <= {a.tilt:.0f} deg':>22}")
    for kind in ("pixels", "hog"):
        given = features([cv2.imread(paths[k]) for k in keep], kind)  # the data set's crops, as fer-train reads them
        for name, i in (("plain", 0), ("aligned", 1)):
            for trained_on, train in ((f"{name} crops", features([up[k][i] for k in keep], kind)),
                                      ("faces5 crops as given", given)):
                same = cross_validate(train, y, folds, len(classes), features([up[k][i] for k in keep], kind))
                turned = cross_validate(train, y, folds, len(classes), features([tl[k][i] for k in keep], kind))
                print(f"{kind:9}{trained_on:22}{name:10}{same.mean():10.3f} +- {same.std():.3f}"
                      f"{turned.mean():14.3f} +- {turned.std():.3f}")


if __name__ == "__main__":
    main()
