"""bf16 inference stays close to fp32 on real face crops: probabilities within 0.05, and the
same label wherever fp32 is not a near tie (top-two gap >= 0.05). The raw agreement is printed;
an untrained model has far more near ties than a trained one, so it is not asserted here.
argv: fer-predict binary."""
import json
import os
import random
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from common import cpu_has_avx512, faces5_dir, need_torch, run, skip, spread_model  # noqa: E402

need_torch()
if not cpu_has_avx512():
    skip("this CPU has no AVX-512, so no bf16 (tool_errors checks that asking for it is a clear error)")
import torch  # noqa: E402

FER_PREDICT = sys.argv[1]
CLASSES = ["Anger", "Fear", "Happy", "Neutral", "Sad"]


def main():
    data = faces5_dir()
    rng = random.Random(4)
    images = [os.path.join(data, c, n) for c in CLASSES for n in rng.sample(sorted(os.listdir(os.path.join(data, c))), 40)]
    model, _ = spread_model("resnet50", images[::4], seed=8)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "m.pth")
        torch.save(model.state_dict(), path)
        results = {}
        for precision in ("fp32", "bf16"):
            out = run([FER_PREDICT, "-m", path, "--detector", "none", "--json", "--precision", precision, *images]).stdout
            results[precision] = [json.loads(line)["faces"][0] for line in out.splitlines()]
    fp32, bf16 = results["fp32"], results["bf16"]
    agree = sum(a["label"] == b["label"] for a, b in zip(fp32, bf16))
    worst = max(abs(a["scores"][c] - b["scores"][c]) for a, b in zip(fp32, bf16) for c in CLASSES)
    spread = len({a["label"] for a in fp32})
    clear = [(a, b) for a, b in zip(fp32, bf16) if (lambda s: s[0] - s[1])(sorted(a["scores"].values(), reverse=True)) >= 0.05]
    clear_agree = sum(a["label"] == b["label"] for a, b in clear)
    print(f"bf16 vs fp32: {agree}/{len(images)} labels agree; {clear_agree}/{len(clear)} where fp32 is not a near tie; "
          f"largest probability difference {worst:.3f}; {spread} distinct labels")
    assert spread >= 3, "degenerate model"
    assert worst < 0.05, f"bf16 moved a probability by {worst:.3f}"
    assert clear_agree == len(clear), f"bf16 changed {len(clear) - clear_agree} clear labels"
    print("PASS")


main()
