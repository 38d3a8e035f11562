"""The duplicate-aware split on the real faces5 set: fer-train's near-duplicate groups agree with a
dHash computed independently in Python (PIL), no near-copy pair straddles train and validation, the
split is reproducible with a seed and changes with another, and --dedup off really splits pairs."""
import json
import os
import sys
import tempfile

from train_common import faces5_dir, fer_train, skip


def dhash(path):
    from PIL import Image
    img = Image.open(path).convert("L").resize((9, 8), Image.BOX)
    px = list(img.getdata())
    h = 0
    for y in range(8):
        for x in range(8):
            h = (h << 1) | (px[y * 9 + x] > px[y * 9 + x + 1])
    return h


def near_pairs(root, names, max_distance):
    hashes = [dhash(os.path.join(root, n)) for n in names]
    return [(i, j) for i in range(len(names)) for j in range(i + 1, len(names))
            if bin(hashes[i] ^ hashes[j]).count("1") <= max_distance]


def run_split(exe, data, tmp, name, *extra):
    out = os.path.join(tmp, name + ".pth")
    # One optimizer step on tiny inputs: the split is what this test looks at.
    fer_train(exe, data, out, "--input-size", 16, "--epochs", 1, "--max-steps", 1, "--batch-size", 4, *extra)
    with open(os.path.join(tmp, name + ".split.json")) as f:
        return json.load(f)


def main():
    exe = sys.argv[1]
    data = faces5_dir()
    try:
        import PIL  # noqa: F401  the independent dHash
    except ImportError:
        skip("Pillow is missing: install python3-pil (scripts/setup.sh does)")
    with tempfile.TemporaryDirectory() as tmp:
        a = run_split(exe, data, tmp, "a", "--seed", 1)
        b = run_split(exe, data, tmp, "b", "--seed", 1)
        c = run_split(exe, data, tmp, "c", "--seed", 2)
        assert a["train"] == b["train"] and a["val"] == b["val"], "same seed, different split"
        assert a["val"] != c["val"], "another seed gave the same split"

        side = {p: 0 for p, _ in a["train"]}
        side.update({p: 1 for p, _ in a["val"]})
        names = sorted(side)
        pairs = near_pairs(data, names, 2)
        linked = sorted({k for pair in pairs for k in pair})
        dedup = a["info"]["dedup"]
        print(f"Python dHash: {len(linked)} images with a near-copy; fer-train: {dedup['images_with_copies']} "
              f"in {dedup['groups_with_copies']} groups, {dedup['conflicting_images']} with another label")
        # Two resize filters (OpenCV INTER_AREA, PIL BOX) may disagree on a bit of a borderline pair.
        assert abs(dedup["images_with_copies"] - len(linked)) <= 0.1 * len(linked) + 2
        assert dedup["conflicting_images"] > 0
        crossing = [(names[i], names[j]) for i, j in near_pairs(data, names, 1) if side[names[i]] != side[names[j]]]
        assert not crossing, f"near-copies on both sides of the split: {crossing[:5]}"
        for cls_index, cls in enumerate(a["classes"]):
            total = sum(1 for _, l in a["train"] + a["val"] if l == cls_index)
            val = sum(1 for _, l in a["val"] if l == cls_index)
            assert abs(val / total - 0.2) < 0.03, (cls, val, total)

        off = run_split(exe, data, tmp, "off", "--seed", 1, "--dedup", "off")
        side_off = {p: 0 for p, _ in off["train"]}
        side_off.update({p: 1 for p, _ in off["val"]})
        split_pairs = sum(1 for i, j in pairs if side_off[names[i]] != side_off[names[j]])
        print(f"with --dedup off, {split_pairs} of {len(pairs)} near-copy pairs straddle the split")
        assert split_pairs > 0


if __name__ == "__main__":
    main()
