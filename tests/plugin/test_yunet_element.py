"""detector=yunet in the element: faces found on real crops, labels equal to fer-predict's with the
same detector and alignment, Haar (said once in the log) without a detector-model, and a clear
error for a missing file.  argv: plugin dir, fer-predict binary, fer-detect binary."""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "parity"))
from common import faces5_dir, need_torch, run, shared_dir, skip  # noqa: E402

need_torch()
os.environ["GST_PLUGIN_PATH"] = sys.argv[1]
from PIL import Image  # noqa: E402

from scene import (compose_frames, iou, make_model, run_frames, same_scores, sample_crops, save_feremotion,  # noqa: E402
                   scores)

FER_PREDICT = sys.argv[2]
FER_DETECT = sys.argv[3]


def main():
    yunet = os.path.join(shared_dir(), "models", "yunet.onnx")
    crops = sample_crops(faces5_dir(), per_class=4, seed=3)
    if not os.path.isfile(yunet):
        skip(f"{yunet} is absent (the YuNet file lives in ../shared beside the checkout)")
    frames = compose_frames(crops, seed=4)
    with tempfile.TemporaryDirectory() as tmp:
        model = os.path.join(tmp, "m.pth")
        make_model(crops, model)
        base = f"feremotion model={model} smoothing=0 overlay=false"

        # 1. YuNet finds the faces; aligned labels are fer-predict's --detector yunet --align
        got, metas, err = run_frames(frames, f"{base} detector=yunet detector-model={yunet} align=true")
        assert err is None, err
        truth = sum(len(b) for _, b in frames)
        hits = sum(any(iou(f["box"], t) >= 0.5 for f in faces) for (_, boxes), faces in zip(frames, got) for t in boxes)
        extra = sum(len(f) for f in got) - hits
        print(f"yunet in the element: {hits}/{truth} faces at IoU >= 0.5, {extra} other detections")
        assert hits >= 0.9 * truth and extra <= 0.05 * truth
        paths = []
        for i, (frame, _) in enumerate(frames):
            paths.append(os.path.join(tmp, f"frame{i}.png"))
            Image.fromarray(frame[:, :, ::-1]).save(paths[-1])
        out = run([FER_PREDICT, "-m", model, "--detector", "yunet", "--detector-model", yunet, "--align",
                   "--json", *paths]).stdout
        same = compared = 0
        for line, faces in zip(out.splitlines(), got):
            for p in json.loads(line)["faces"]:
                m = [f for f in faces if tuple(f["box"]) == tuple(p["box"])]
                assert m, f"fer-predict's face {p['box']} not among the element's {[f['box'] for f in faces]}"
                compared += 1
                same += m[0]["label"] == p["label"]
        print(f"align=true: {same}/{compared} labels equal fer-predict --align")
        assert compared >= 0.95 * truth and same == compared

        # 1b. the five landmarks go out with each face, as fer-detect finds them on the same frame
        det = run([FER_DETECT, "--detector", "yunet", "--detector-model", yunet, *paths]).stdout
        checked = 0
        for line, faces in zip(det.splitlines(), got):
            for d in json.loads(line)["faces"]:
                m = [f for f in faces if tuple(f["box"]) == tuple(d["box"])]
                assert m and m[0]["landmarks"] is not None, f"face {d['box']} has no landmarks in the message"
                want = [c for p in d["landmarks"] for c in p]
                assert len(m[0]["landmarks"]) == 10 and max(abs(a - b) for a, b in zip(m[0]["landmarks"], want)) < 0.01, \
                    (m[0]["landmarks"], want)
                checked += 1
        assert checked >= 0.9 * truth
        for faces, (_, found) in zip(got, metas):
            by_id = {m["id"]: m for m in found}
            for f in faces:
                m = by_id[f["track_id"]]
                assert m["landmarks"] == f["landmarks"], (m, f)
                assert m["landmark_names"] == ["right_eye", "left_eye", "nose_tip", "right_mouth_corner",
                                               "left_mouth_corner"]
        # 1c. a model trained on aligned YuNet crops (as fer-train records it) is aligned by default
        aligned_model = os.path.join(tmp, "aligned.pth")
        import torch
        save_feremotion(torch.load(model), aligned_model, {"detector": "yunet", "margin": 0.1, "align": True})
        plain = f"feremotion model={model} smoothing=0 overlay=false detector=yunet detector-model={yunet}"
        few = frames[:3]
        by_model, _, err = run_frames(few, plain.replace(model, aligned_model))
        assert err is None, err
        by_hand, _, _ = run_frames(few, f"{plain} align=true margin=0.1")
        unaligned, _, _ = run_frames(few, f"{plain} margin=0.1")
        assert same_scores(scores(by_model), scores(by_hand)), "the model's align and margin are not align=true margin=0.1"
        assert not same_scores(scores(by_model), scores(unaligned)), "aligned and plain crops scored alike"
        off, _, _ = run_frames(few, f"{plain.replace(model, aligned_model)} align=false")
        assert same_scores(scores(off), scores(unaligned)), "align=false set on the element did not win"
        print(f"a model trained on aligned crops: aligned by default ({len(scores(by_model))} faces), align=false wins")

        haar, _, err = run_frames(frames[:2], base)
        assert err is None and all(f["landmarks"] is None for fs in haar for f in fs), "Haar faces carry no landmarks"
        print(f"landmarks: {checked} faces carry fer-detect's five points; Haar faces none")

        # 2. the frame's own format goes to YuNet in colour: the same faces as from BGR
        for fmt in ("I420", "NV12", "YUY2", "UYVY", "RGBA", "xRGB", "GRAY8"):
            have, _, err = run_frames(frames, f"{base} detector=yunet detector-model={yunet}", convert_to=fmt)
            assert err is None, f"{fmt}: {err}"
            same = sum(any(iou(f["box"], w["box"]) >= 0.8 for f in fh) for fw, fh in zip(got, have) for w in fw)
            n = sum(len(f) for f in got)
            print(f"{fmt:6s}: {same}/{n} faces as in BGR")
            assert same >= 0.9 * n, f"{fmt}: only {same}/{n} faces match BGR's"

        # 3. no detector-model: Haar, and one line in the log saying so
        p = subprocess.run(["gst-launch-1.0", "videotestsrc", "num-buffers=10", "!", "video/x-raw,width=320,height=240",
                            "!", "feremotion", f"model={model}", "detector=yunet", "!", "fakesink"],
                           capture_output=True, text=True, timeout=120,
                           env={**os.environ, "GST_DEBUG": "feremotion:2", "GST_DEBUG_NO_COLOR": "1"})
        said = p.stderr.count("without detector-model")
        assert p.returncode == 0 and said == 1, f"exit {p.returncode}, said {said} times: {p.stderr[-2000:]}"
        print("detector=yunet without detector-model: Haar, said once in the log")

        # 4. a missing file is an element error naming it
        _, _, err = run_frames(frames[:1], f"{base} detector=yunet detector-model={tmp}/missing.onnx")
        assert err and "missing.onnx" in err, err
        print(f"missing file: {err}")
    print("PASS")


main()
