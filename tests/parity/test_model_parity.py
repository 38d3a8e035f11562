"""C++ ResNet logits equal torchvision's for the three kinds of model file, and a file
written by C++ loads in Python with identical logits.  argv: fer_debug binary."""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import common  # noqa: E402
from common import need_torch, randomise_bn, rel_err, run  # noqa: E402

need_torch()
import torch  # noqa: E402
import torchvision  # noqa: E402

FER_DEBUG = sys.argv[1]
TOL = 1e-4
torch.set_num_threads(2)


def cpp_logits(model_path, x, tmp, precision="fp32"):
    return common.cpp_logits(FER_DEBUG, model_path, x, tmp, precision)


def check(name, got, want):
    err = rel_err(got, want)
    print(f"  {name}: max relative error {err:.2e}")
    assert got.shape == want.shape, f"{name}: shape {tuple(got.shape)} != {tuple(want.shape)}"
    assert err <= TOL, f"{name}: relative error {err:.2e} > {TOL}"


def main():
    gen = torch.Generator().manual_seed(1234)
    with tempfile.TemporaryDirectory() as tmp:
        cases = (("resnet18", None), ("resnet50", None), ("resnet18", ["a", "b", "c", "d", "e", "f", "g"]))
        for arch, classes in cases:
            print(f"{arch}, {len(classes) if classes else 5} classes:")
            torch.manual_seed(42)
            model = getattr(torchvision.models, arch)(num_classes=len(classes) if classes else 5)
            with torch.no_grad():
                randomise_bn(model, gen)
            model.eval()
            x = torch.randn(3, 3, 224, 224, generator=gen)
            with torch.no_grad():
                want = model(x)

            # 1. a bare OrderedDict state_dict, as the original Python project saved it
            bare = os.path.join(tmp, f"{arch}_bare.pth")
            torch.save(model.state_dict(), bare)
            if classes is None:
                check("bare state_dict, BatchNorm folded", cpp_logits(bare, x, tmp), want)
                check("bare state_dict, module as is", cpp_logits(bare, x, tmp, "eager"), want)
                info = json.loads(run([FER_DEBUG, "info", bare]).stdout)
                assert info["arch"] == arch and info["kind"] == "state_dict", info
                assert info["classes"] == ["Anger", "Fear", "Happy", "Neutral", "Sad"], info
            else:
                # 7 outputs and no names: the five defaults cannot apply, so loading must say so
                p = run([FER_DEBUG, "info", bare], expect=2)
                assert "7 outputs" in p.stderr and "labels" in p.stderr, p.stderr

            # 2. the project's format, written in Python
            proj = os.path.join(tmp, f"{arch}_proj.pth")
            torch.save({"format": "feremotion", "format_version": 1, "arch": arch,
                        "classes": classes or ["Anger", "Fear", "Happy", "Neutral", "Sad"],
                        "input_size": 224, "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225],
                        "training": {"epochs": 3}, "state_dict": model.state_dict()}, proj)
            check("project format", cpp_logits(proj, x, tmp), want)
            info = json.loads(run([FER_DEBUG, "info", proj]).stdout)
            assert info["kind"] == "feremotion" and info["training"] == {"epochs": 3}, info

            # 3. TorchScript
            ts = os.path.join(tmp, f"{arch}_ts.pt")
            torch.jit.trace(model, x[:1]).save(ts)
            if classes is None:
                check("torchscript", cpp_logits(ts, x, tmp), want)

            # 4. written by C++, read by Python's torch.load + torchvision
            resaved = os.path.join(tmp, f"{arch}_cpp.pth")
            run([FER_DEBUG, "resave", proj, resaved])
            ck = torch.load(resaved)
            assert isinstance(ck, dict) and ck["arch"] == arch, ck.keys()
            assert ck["classes"] == (classes or ["Anger", "Fear", "Happy", "Neutral", "Sad"])
            assert ck["input_size"] == 224 and ck["training"]["note"] == "written by fer_debug"
            py = getattr(torchvision.models, arch)(num_classes=len(ck["classes"]))
            py.load_state_dict(ck["state_dict"])  # strict: every torchvision name present
            py.eval()
            with torch.no_grad():
                again = py(x)
            assert torch.equal(again, want), f"C++-written weights differ: {rel_err(again, want):.2e}"
            print("  written by C++, loaded by torchvision: identical logits")
    print("PASS")


main()
