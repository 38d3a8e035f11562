"""fer-predict on real face crops prints the labels PyTorch gives with the same weights (and with
--tta flip, the mean over each crop and its mirror image), and
fails clearly on a missing model or an unreadable image.  argv: fer-predict binary."""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from common import faces5_dir, need_torch, run, spread_model  # noqa: E402

need_torch()
import torch  # noqa: E402
from PIL import Image  # noqa: E402

FER_PREDICT = sys.argv[1]
CLASSES = ["Anger", "Fear", "Happy", "Neutral", "Sad"]
PER_CLASS = 6


def main():
    data = faces5_dir()
    images = []
    for c in CLASSES:
        names = sorted(os.listdir(os.path.join(data, c)))[:PER_CLASS]
        images += [os.path.join(data, c, n) for n in names]

    model, x = spread_model("resnet18", images, seed=3)
    with torch.no_grad():
        probs = torch.softmax(model(x), 1)

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "mood_recognition_model1.pth")
        torch.save(model.state_dict(), path)  # exactly as the original project saved its model
        out = run([FER_PREDICT, "--model", path, "--detector", "none", "--precision", "fp32", "--json", *images]).stdout
        results = [json.loads(line) for line in out.splitlines()]
        assert len(results) == len(images), out
        distinct, agree = set(), 0
        for r, p, img in zip(results, probs, images):
            assert r["image"] == img and len(r["faces"]) == 1, r
            face = r["faces"][0]
            want = CLASSES[int(p.argmax())]
            top2 = p.topk(2).values
            cpp = torch.tensor([face["scores"][c] for c in CLASSES])
            assert float((cpp - p).abs().max()) < 2e-3, f"{img}: C++ {cpp.tolist()} vs PyTorch {p.tolist()}"
            # a label may differ only where PyTorch itself has a near tie
            if face["label"] == want:
                agree += 1
            else:
                assert float(top2[0] - top2[1]) < 2e-3, f"{img}: C++ says {face['label']}, PyTorch {want}"
            distinct.add(want)
        print(f"labels agree on {agree}/{len(images)} crops; PyTorch used {len(distinct)} distinct labels")
        assert len(distinct) >= 2, "degenerate model: every crop got one label, the comparison proves little"

        # --tta flip: the mean of PyTorch's probabilities for each crop and its mirror image
        with torch.no_grad():
            flipped = (probs + torch.softmax(model(x.flip(3)), 1)) / 2
        out = run([FER_PREDICT, "--model", path, "--detector", "none", "--precision", "fp32", "--tta", "flip", "--json",
                   *images]).stdout
        assert len(out.splitlines()) == len(images), out
        for line, p, img in zip(out.splitlines(), flipped, images):
            cpp = torch.tensor([json.loads(line)["faces"][0]["scores"][c] for c in CLASSES])
            assert float((cpp - p).abs().max()) < 2e-3, f"{img}, --tta flip: C++ {cpp.tolist()} vs PyTorch {p.tolist()}"
        assert float((flipped - probs).abs().max()) > 1e-2, "flipping changed nothing: the check proves little"
        print(f"--tta flip: the mean of the crop's and its mirror's probabilities on all {len(images)} crops")

        # plain output, one line a face, and annotated copies
        ann = os.path.join(tmp, "annotated")
        plain = run([FER_PREDICT, "-m", path, "--detector", "none", "--annotate", ann, images[0]]).stdout
        assert plain.startswith(images[0] + ": 0,0,224x224 "), plain
        assert os.path.getsize(os.path.join(ann, os.path.basename(images[0]))) > 0

        # the Haar detector finds the faces: each crop pasted at (112,112) on a 448x448 background
        canvases = []
        for i, img in enumerate(images):
            canvas = Image.new("RGB", (448, 448), (90, 110, 130))
            canvas.paste(Image.open(img).convert("RGB"), (112, 112))
            canvases.append(os.path.join(tmp, f"canvas{i}.png"))
            canvas.save(canvases[-1])
        out = run([FER_PREDICT, "-m", path, "--json", *canvases]).stdout
        found = 0
        for line in out.splitlines():
            for face in json.loads(line)["faces"]:
                x, y, w, h = face["box"]
                inter = max(0, min(x + w, 336) - max(x, 112)) * max(0, min(y + h, 336) - max(y, 112))
                if inter / (w * h + 224 * 224 - inter) >= 0.3:  # Haar boxes are tighter than the crops
                    found += 1
                    break
        print(f"haar found {found}/{len(images)} pasted faces")
        assert found >= 0.85 * len(images), f"haar found only {found}/{len(images)} pasted faces"

        # errors: missing model -> exit 2 naming it; unreadable image -> reported, exit 1, others still done
        missing = os.path.join(tmp, "nope.pth")
        p = run([FER_PREDICT, "-m", missing, images[0]], expect=2)
        assert missing in p.stderr and "does not exist" in p.stderr, p.stderr
        bad = os.path.join(tmp, "broken.jpg")
        with open(bad, "wb") as f:
            f.write(b"\xff\xd8 not really a jpeg")
        p = run([FER_PREDICT, "-m", path, "--detector", "none", bad, images[0]], expect=1)
        assert bad in p.stderr and images[0] in p.stdout, (p.stdout, p.stderr)
    print("PASS")


main()
