"""fer-import converts the public FER2013 Xception (TF.js graph in ../shared/models/fer2013-xception)
into a model file whose probabilities equal an independent interpreter of the TF.js graph
(tfjs_reference.py) within 1e-4 on real face crops from ../shared/data/faces5, with identical
labels, through fer-predict and through the element; all seven classes or the default five.
The npm tarball as downloaded converts to the same file. Also: import errors (truncated .bin, missing
weight, unknown op, unknown class, damaged tarball).
argv: fer-import fer-predict [--all: every faces5 crop, and print accuracy and macro recall]"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from common import faces5_dir, need_torch, run, shared_dir, skip  # noqa: E402

need_torch()
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
from tfjs_reference import TfjsGraph, fer2013_input  # noqa: E402

FER_IMPORT, FER_PREDICT = sys.argv[1], sys.argv[2]
ALL = "--all" in sys.argv
TOL = 1e-4
SHA256 = {"emotion.bin": "927ac8224f356ab1e68c2bcfbfa07b0c8567047d1bcf817388ba6e38214c4987",
          "emotion.json": "56f7e557eb0c863a8b9ab04ac7ccba756e93bf2c27dce135ef0e8712b80b7ad2"}
FER2013 = ["Anger", "Disgust", "Fear", "Happy", "Sad", "Surprise", "Neutral"]
FIVE = ["Anger", "Fear", "Happy", "Neutral", "Sad"]


def model_dir():
    d = os.path.join(shared_dir(), "models", "fer2013-xception")
    if not os.path.isfile(os.path.join(d, "emotion.json")):
        skip(f"no public FER2013 model at {d} (../shared/models/fer2013-xception)")
    for name, want in SHA256.items():
        got = hashlib.sha256(open(os.path.join(d, name), "rb").read()).hexdigest()
        assert got == want, f"{name}: sha256 {got}, expected {want}"
    return d


def sample_crops(tmp, per_class):
    """Crops as PNG (decoded once by PIL), so every reader sees the same pixels."""
    root = faces5_dir()
    out = []
    for c in FIVE:
        files = sorted(os.listdir(os.path.join(root, c)))
        step = 1 if ALL else max(1, len(files) // per_class)
        for f in files[::step][: None if ALL else per_class]:
            png = os.path.join(tmp, f"{len(out):05d}.png")
            Image.open(os.path.join(root, c, f)).convert("RGB").save(png)
            out.append((png, c))
    return out


def predict(model, crops):
    p = run([FER_PREDICT, "-m", model, "--detector", "none", "--precision", "fp32", "--json"] + [c for c, _ in crops])
    rows = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    assert len(rows) == len(crops), f"fer-predict gave {len(rows)} results for {len(crops)} crops"
    return [r["faces"][0]["scores"] for r in rows]


def element_labels(model, crops, tmp):
    """The element on a video of the crops (one a frame), faces = the whole frame, no smoothing."""
    results = os.path.join(tmp, "element.jsonl")
    pipeline = (f"multifilesrc location={tmp}/%05d.png index=0 stop-index={len(crops) - 1} "
                "caps=image/png,framerate=10/1 ! pngdec ! videoconvert ! video/x-raw,format=RGB ! "
                f"feremotion model={model} detector=none smoothing=0 interval=1 precision=fp32 overlay=false "
                f"results-file={results} ! fakesink")
    p = subprocess.run(["gst-launch-1.0", "-q"] + pipeline.split(), capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    frames = [json.loads(line) for line in open(results)]
    assert len(frames) == len(crops), f"{len(frames)} frames for {len(crops)} crops"
    return [f["faces"][0]["label"] for f in frames]


def check_probs(name, got_rows, want, classes):
    got = np.array([[r[c] for c in classes] for r in got_rows])
    err = np.abs(got - want).max()
    same = (got.argmax(1) == want.argmax(1)).mean()
    print(f"  {name}: max |p - reference| {err:.2e}, labels identical on {same:.1%} of {len(got)} crops")
    assert err <= TOL, f"{name}: probabilities differ from the reference by {err:.2e} > {TOL}"
    assert same == 1.0, f"{name}: labels differ from the reference"


def scores(pred, truth):
    acc = np.mean([p == t for p, t in zip(pred, truth)])
    recalls = [np.mean([p == c for p, t in zip(pred, truth) if t == c]) for c in FIVE]
    return acc, float(np.mean(recalls)), dict(zip(FIVE, recalls))


def check_errors(src, tmp):
    out = os.path.join(tmp, "bad.pth")

    def refused(json_path, *args, want):
        p = run([FER_IMPORT, json_path, "-o", out] + list(args), expect=1)
        assert want in p.stderr, f"expected '{want}' in: {p.stderr}"
        assert not os.path.exists(out), "a refused import left a model file"
        print(f"  refused: {p.stderr.strip()}")

    def variant(name, edit_json=None, bin_bytes=None):
        d = os.path.join(tmp, name)
        os.makedirs(d)
        model = json.load(open(os.path.join(src, "emotion.json")))
        if edit_json:
            edit_json(model)
        json.dump(model, open(os.path.join(d, "emotion.json"), "w"))
        data = open(os.path.join(src, "emotion.bin"), "rb").read()
        open(os.path.join(d, "emotion.bin"), "wb").write(bin_bytes(data) if bin_bytes else data)
        return os.path.join(d, "emotion.json")

    refused(variant("truncated", bin_bytes=lambda b: b[: len(b) // 2]), want="truncated")

    # The manifest's last weight dropped with its bytes: a node reads a tensor that is not there.
    last = json.load(open(os.path.join(src, "emotion.json")))["weightsManifest"][0]["weights"][-1]
    size = 4 * int(np.prod(last["shape"]))

    def drop_weight(m):
        m["weightsManifest"][0]["weights"].pop()
    refused(variant("missing", drop_weight, lambda b: b[:-size]), want=last["name"])

    def unknown_op(m):
        for n in m["modelTopology"]["node"]:
            if n["op"] == "AddV2":
                n["op"] = "LeakyRelu"
                break
    refused(variant("op", unknown_op), want="LeakyRelu")
    refused(os.path.join(src, "emotion.json"), "--classes", "Anger,Contempt", want="Contempt")


def check_tarball(src, five, tmp):
    """An npm-style tarball (package/models/...) holding the two files converts to the same weights."""
    import torch
    tgz = os.path.join(tmp, "human-models-3.0.4.tgz")
    with tarfile.open(tgz, "w:gz") as t:
        for name in ("emotion.json", "emotion.bin", "LICENSE"):
            t.add(os.path.join(src, name), arcname=f"package/models/{name}")
    out = os.path.join(tmp, "from_tarball.pth")
    run([FER_IMPORT, tgz, "-o", out])
    a, b = torch.load(five)["state_dict"], torch.load(out)["state_dict"]
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a), "the tarball converts differently"
    print("  the npm tarball converts to the same weights as the .json + .bin")
    damaged = os.path.join(tmp, "damaged.tgz")
    data = open(tgz, "rb").read()
    open(damaged, "wb").write(data[: len(data) // 2])
    p = run([FER_IMPORT, damaged, "-o", os.path.join(tmp, "damaged.pth")], expect=1)
    assert "is damaged" in p.stderr and "damaged.tgz" in p.stderr, p.stderr
    print(f"  refused: {p.stderr.strip()}")


def main():
    src = model_dir()
    with tempfile.TemporaryDirectory() as tmp:
        five, seven = os.path.join(tmp, "emotion5.pth"), os.path.join(tmp, "emotion7.pth")
        print(run([FER_IMPORT, os.path.join(src, "emotion.json"), "-o", five]).stdout.strip())
        run([FER_IMPORT, os.path.join(src, "emotion.json"), "-o", seven, "--classes", "all"])
        crops_dir = os.path.join(tmp, "crops")
        os.makedirs(crops_dir)
        crops = sample_crops(crops_dir, per_class=24)
        graph = TfjsGraph(os.path.join(src, "emotion.json"))
        ref7 = np.concatenate([graph.run(fer2013_input(c)) for c, _ in crops])
        keep = [FER2013.index(c) for c in FIVE]
        ref5 = ref7[:, keep] / ref7[:, keep].sum(1, keepdims=True)
        print(f"{len(crops)} real crops from faces5:")
        check_probs("fer-predict, all seven classes", predict(seven, crops), ref7, FER2013)
        got5 = predict(five, crops)
        check_probs("fer-predict, the default five", got5, ref5, FIVE)
        labels = element_labels(five, crops, crops_dir)
        same = np.mean([a == FIVE[b] for a, b in zip(labels, ref5.argmax(1))])
        print(f"  element (detector=none, smoothing=0): labels identical to the reference on {same:.1%}")
        assert same == 1.0, "the element's labels differ from the reference"
        truth = [c for _, c in crops]
        acc, recall, per_class = scores([FIVE[i] for i in ref5.argmax(1)], truth)
        ours = scores([max(r, key=r.get) for r in got5], truth)
        print(f"  accuracy {ours[0]:.1%}, macro recall {ours[1]:.1%} (reference {acc:.1%}, {recall:.1%}); recall "
              + ", ".join(f"{c} {r:.2f}" for c, r in ours[2].items()))
        print("import errors and the tarball:")
        check_errors(src, tmp)
        check_tarball(src, five, tmp)


if __name__ == "__main__":
    main()
