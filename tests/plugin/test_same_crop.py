"""One crop rule: the element, fer-predict and fer-train's data preparation cut the same pixels of
the same face from the same frame (Haar with a margin; YuNet with a margin and alignment). Each
writes what its classifier sees with FER_DUMP_CROPS=DIR, and the crops are compared byte for byte.
argv: plugin dir, fer-predict binary, fer-train binary."""
import glob
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "parity"))
from common import faces5_dir, need_torch, run, shared_dir  # noqa: E402

need_torch()  # scene.py builds frames with PIL and numpy from the same install
DUMP = tempfile.mkdtemp(prefix="fer_crops_")
os.environ["FER_DUMP_CROPS"] = DUMP  # read once by the core, so set before the element first cuts
os.environ["GST_PLUGIN_PATH"] = sys.argv[1]
import cv2  # noqa: E402
import numpy as np  # noqa: E402

from scene import compose_frames, run_frames, sample_crops  # noqa: E402

FER_PREDICT, FER_TRAIN = sys.argv[2], sys.argv[3]


def take_crops():
    paths = sorted(glob.glob(os.path.join(DUMP, "*.png")))
    crops = [cv2.imread(p, cv2.IMREAD_UNCHANGED) for p in paths]
    for p in paths:
        os.remove(p)
    return crops


def same_set(a, b):
    """Every crop of `a` equals, byte for byte, one crop of `b` (and the other way round)."""
    def key(c):
        return (c.shape, c.tobytes())
    return sorted(map(key, a)) == sorted(map(key, b))


def check(tmp, frame_png, frame, name, detector, margin, align, detector_model=""):
    data = os.path.join(tmp, name)
    for c in ("Happy", "Sad"):  # fer-train needs two classes; the same frame in each
        os.makedirs(os.path.join(data, c))
        shutil.copy(frame_png, os.path.join(data, c, "frame.png"))
    model = os.path.join(tmp, name + ".pth")
    det_args = ["--detector", detector] + (["--detector-model", detector_model] if detector_model else [])
    run([FER_TRAIN, "--data", data, "--val", data, "--arch", "resnet18", "--input-size", "32", "--epochs", "1",
         "--max-steps", "1", "--batch-size", "2", "--workers", "1", "--no-augment", "--out", model,
         "--margin", str(margin)] + (["--align"] if align else []) + det_args)
    trained = take_crops()

    run([FER_PREDICT, "--model", model, "--margin", str(margin), "--input-size", "0",
         "--align" if align else "--no-align", frame_png] + det_args)
    predicted = take_crops()

    props = (f"feremotion model={model} detector={detector} margin={margin} align={str(align).lower()} "
             f"detection-size=0 overlay=false smoothing=0 async-classify=off")
    if detector_model:
        props += f" detector-model={detector_model}"
    _, _, err = run_frames([(frame, [])], props)
    assert err is None, err
    element = take_crops()

    assert len(element) >= 2, f"{name}: the element cut {len(element)} faces; the frame holds 2"
    assert same_set(element, predicted), \
        f"{name}: fer-predict cut other pixels than the element ({[c.shape for c in predicted]} vs " \
        f"{[c.shape for c in element]})"
    # fer-train keeps the largest face of each image: two images (one a class), each read as
    # training and as validation data, make four crops.
    largest = max(element, key=lambda c: c.shape[0] * c.shape[1])
    assert len(trained) == 4 and all(c.shape == largest.shape and np.array_equal(c, largest) for c in trained), \
        f"{name}: fer-train cut other pixels than the element's largest face " \
        f"({[c.shape for c in trained]} vs {largest.shape})"
    turned = align and detector == "yunet"
    print(f"{name}: element, fer-predict and fer-train cut the same {largest.shape[1]}x{largest.shape[0]} "
          f"face{' (turned)' if turned else ''}; {len(element)} faces in all")


def main():
    frame, _ = compose_frames(sample_crops(faces5_dir(), per_class=1, seed=3))[0]
    with tempfile.TemporaryDirectory() as tmp:
        frame_png = os.path.join(tmp, "frame.png")
        cv2.imwrite(frame_png, frame)
        check(tmp, frame_png, frame, "haar", "haar", 0.2, False)
        yunet = os.path.join(shared_dir(), "models", "yunet.onnx")
        if os.path.isfile(yunet):
            check(tmp, frame_png, frame, "yunet", "yunet", 0.1, True, yunet)
        else:
            print(f"yunet part left out: {yunet} is absent")
    shutil.rmtree(DUMP, ignore_errors=True)


if __name__ == "__main__":
    main()
