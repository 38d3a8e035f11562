"""C++ pre-processing equals torchvision's Resize/ToTensor/Normalize on PIL images (PNG, so
no JPEG decoder differences).  argv: fer_debug binary."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from common import need_torch, run  # noqa: E402

need_torch()
import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402
from torchvision import transforms  # noqa: E402

FER_DEBUG = sys.argv[1]
# One 8-bit step after normalisation is 1/(255*0.224) = 0.0175; we ask for float rounding only.
TOL = 1e-5


def main():
    rng = np.random.default_rng(7)
    cases = [(300, 250, 224), (97, 131, 224), (224, 224, 224), (640, 480, 112), (48, 48, 112), (1000, 37, 64)]
    with tempfile.TemporaryDirectory() as tmp:
        for w, h, side in cases:
            # noise over a gradient: both sharp detail (tests the antialias filter) and smooth ramps
            yy, xx = np.mgrid[0:h, 0:w]
            base = np.stack([xx * 255 / max(w - 1, 1), yy * 255 / max(h - 1, 1), (xx + yy) % 256], -1)
            img = np.clip(base + rng.integers(-60, 60, (h, w, 3)), 0, 255).astype(np.uint8)
            png = os.path.join(tmp, f"img_{w}x{h}.png")
            Image.fromarray(img, "RGB").save(png)
            out = os.path.join(tmp, "out.f32")
            run([FER_DEBUG, "preprocess", png, side, out])
            got = torch.from_numpy(np.fromfile(out, dtype=np.float32)).view(3, side, side)
            tf = transforms.Compose([transforms.Resize((side, side)), transforms.ToTensor(),
                                     transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
            want = tf(Image.open(png).convert("RGB"))
            err = float((got - want).abs().max())
            print(f"{w}x{h} -> {side}: max abs difference {err:.2e}")
            assert err <= TOL, f"{w}x{h} -> {side}: difference {err} > {TOL}"
    print("PASS")


main()
