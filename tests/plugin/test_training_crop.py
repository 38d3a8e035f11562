"""The crop a model was trained on, as fer-train records it in the model file, is the crop the
element and fer-predict cut by default: a model saying margin 0.3 gives the scores that the same
weights give with margin=0.3 set by hand, and other scores than margin=0; a property the user sets
wins; a model cut by another detector gets a warning that names the fix.
argv: plugin dir, fer-predict binary."""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "parity"))
from common import faces5_dir, need_torch, run, spread_model  # noqa: E402

need_torch()
os.environ["GST_PLUGIN_PATH"] = sys.argv[1]
import cv2  # noqa: E402
import torch  # noqa: E402

from scene import compose_frames, run_frames, sample_crops, same_scores as same, save_feremotion, scores  # noqa: E402

FER_PREDICT = sys.argv[2]


def main():
    crops = sample_crops(faces5_dir(), per_class=2)
    frames = compose_frames(crops)[:4]
    model = spread_model("resnet18", crops, seed=5)[0]
    with tempfile.TemporaryDirectory() as tmp:
        plain, haar, yunet = (os.path.join(tmp, n) for n in ("plain.pth", "haar.pth", "yunet.pth"))
        torch.save(model.state_dict(), plain)  # says nothing about its crop
        save_feremotion(model.state_dict(), haar, {"detector": "haar", "margin": 0.3, "align": False})
        save_feremotion(model.state_dict(), yunet, {"detector": "yunet", "margin": 0.0, "align": True})
        base = "feremotion smoothing=0 overlay=false detect-interval=1"

        def element(model_path, extra=""):
            warnings = []
            msgs, _, err = run_frames(frames, f"{base} model={model_path} {extra}", warnings=warnings)
            assert err is None, err
            assert sum(len(m) for m in msgs) >= 4, f"too few faces found: {msgs}"
            return scores(msgs), warnings

        by_model, w = element(haar)
        assert w == [], f"unexpected warnings: {w}"
        by_hand, _ = element(plain, "margin=0.3")
        tight, _ = element(plain)
        assert same(by_model, by_hand), "the model's margin 0.3 is not what margin=0.3 gives"
        assert not same(by_model, tight), "margin 0.3 and 0 gave the same scores: the test cannot tell them apart"
        overridden, _ = element(haar, "margin=0")
        assert same(overridden, tight), "margin=0 set on the element did not win over the model's 0.3"
        print(f"element: {len(by_model)} faces, the model's margin 0.3 gives margin=0.3's scores, margin=0 wins when set")

        # a yunet-cut model on the default Haar detector: a warning, and faces still come
        _, w = element(yunet)
        assert any("yunet" in m and "haar" in m for m in w), f"no detector warning: {w}"
        print(f"element warns: {w[0]}")

        # fer-predict: the same defaults on a still
        still = os.path.join(tmp, "frame.png")
        cv2.imwrite(still, frames[0][0])

        def predict(model_path, *extra):
            p = run([FER_PREDICT, "-m", model_path, "--json", "--precision", "fp32", *extra, still])
            faces = json.loads(p.stdout)["faces"]
            return [(f["box"], [f["scores"][c] for c in sorted(f["scores"])]) for f in sorted(faces, key=lambda f: f["box"])], p.stderr

        p_model, err = predict(haar)
        assert "warning" not in err, err
        p_hand, _ = predict(plain, "--margin", "0.3")
        p_tight, _ = predict(plain)
        assert p_model and same(p_model, p_hand) and not same(p_model, p_tight), (p_model, p_hand, p_tight)
        _, err = predict(yunet)
        assert "warning" in err and "yunet" in err, err
        print("fer-predict: the model's margin by default, and the same warning")
    print("PASS")


if __name__ == "__main__":
    main()
