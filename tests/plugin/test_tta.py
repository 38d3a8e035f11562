"""Flip test-time augmentation is one rule wherever a face is classified: the element's tta=flip
gives the scores fer-predict --tta flip gives on the same frame, which are the mean of the scores of
the crop and of its mirror image (fer-predict without it on the cut faces and their mirrors), and
differ from tta=none's. A change of tta while playing takes effect on the next frame.
argv: plugin dir, fer-predict binary."""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "parity"))
from common import faces5_dir, need_torch, run  # noqa: E402

need_torch()
os.environ["GST_PLUGIN_PATH"] = sys.argv[1]
import cv2  # noqa: E402

from scene import compose_frames, make_model, run_frames, sample_crops, same_scores as same, scores  # noqa: E402

FER_PREDICT = sys.argv[2]


def main():
    crops = sample_crops(faces5_dir(), per_class=1)
    frames = compose_frames(crops)[:2]
    with tempfile.TemporaryDirectory() as tmp:
        model = os.path.join(tmp, "m.pth")
        make_model(crops, model)
        base = f"feremotion model={model} smoothing=0 overlay=false detect-interval=1 precision=fp32"

        def element(extra=""):
            msgs, _, err = run_frames(frames, f"{base} {extra}")
            assert len(msgs) == len(frames), f"{len(msgs)} messages for {len(frames)} frames"
            assert err is None, err
            assert sum(len(m) for m in msgs) >= 3, f"too few faces found: {msgs}"
            return msgs

        plain, flip = scores(element()), scores(element("tta=flip"))
        assert not same(plain, flip, tol=1e-3), "tta=flip gave tta=none's scores: the test cannot tell them apart"

        def predict(path, *extra):
            out = run([FER_PREDICT, "-m", model, "--json", "--precision", "fp32", *extra, path]).stdout
            return sorted(json.loads(out)["faces"], key=lambda f: f["box"])

        for i, (frame, _) in enumerate(frames):
            still = os.path.join(tmp, f"f{i}.png")
            cv2.imwrite(still, frame)
            # fer-predict's scores by name, the element's in the model's class order (alphabetical here)
            ours = [(f["box"], [f["scores"][c] for c in sorted(f["scores"])]) for f in predict(still, "--tta", "flip")]
            n = len(ours)
            assert n > 0, f"frame {i}: fer-predict found no face"
            assert same(ours, flip[:n]), f"frame {i}: element tta=flip {flip[:n]} vs fer-predict --tta flip {ours}"
            flip = flip[n:]
            # The reference: each face's crop (the box as found: margin 0, no turn) and its mirror image,
            # classified whole by fer-predict without flip, then averaged.
            for j, (box, got) in enumerate(ours):
                x, y, bw, bh = box
                crop = frame[y:y + bh, x:x + bw]
                paths = [os.path.join(tmp, f"c{i}_{j}_{k}.png") for k in range(2)]
                cv2.imwrite(paths[0], crop)
                cv2.imwrite(paths[1], cv2.flip(crop, 1))
                halves = [predict(q, "--detector", "none")[0]["scores"] for q in paths]
                want = [(halves[0][c] + halves[1][c]) / 2 for c in sorted(halves[0])]
                assert max(abs(g - w) for g, w in zip(got, want)) < 1e-4, f"{box}: {got} vs the mean {want}"
                print(f"frame {i} {box}: flip scores are the mean of the crop's and its mirror's")

        assert flip == [], f"the element found faces fer-predict did not: {flip}"

        # Switched while playing: every frame pushed after the change carries flip's scores (the
        # ones queued before it may go either way).
        k = len(frames)

        def switch(i, fer):
            if i == k:
                fer.set_property("tta", "flip")
        msgs, _, err = run_frames(frames * 2, base, before_push=switch)
        assert err is None, err
        assert len(msgs) == 2 * k, f"{len(msgs)} messages for {2 * k} frames"
        assert same(scores(msgs[k:]), scores(element("tta=flip"))), "tta changed while playing was not taken"
        print("tta=flip while playing: taken from the next frame pushed")
    print("PASS")


if __name__ == "__main__":
    main()
