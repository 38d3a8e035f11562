"""The core's Xception family equals the PyTorch module of python/fer_xception.py: grey and colour,
two depths, several input sizes and batch sizes, on the fast (folded oneDNN) path and as the module;
a file written by C++ loads in Python with identical logits.  argv: fer_debug binary."""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "python"))
import common  # noqa: E402
from common import cpu_has_avx512, need_torch, randomise_bn, rel_err, run  # noqa: E402

need_torch()
import torch  # noqa: E402
from fer_xception import FerXception  # noqa: E402

FER_DEBUG = sys.argv[1]
TOL = 1e-4
torch.set_num_threads(2)


def cpp_logits(model_path, x, tmp, precision="fp32"):
    return common.cpp_logits(FER_DEBUG, model_path, x, tmp, precision)


def save_feremotion(model, arch, channels, size, path):
    torch.save({"format": "feremotion", "format_version": 2, "arch": arch, "classes": [f"c{i}" for i in range(7)],
                "input_size": size, "input_channels": channels, "mean": [0.5] * channels, "std": [0.5] * channels,
                "training": {}, "state_dict": model.state_dict()}, path)


def main():
    gen = torch.Generator().manual_seed(77)
    with tempfile.TemporaryDirectory() as tmp:
        for arch, channels, size, batch in (("xception2", 1, 64, 3), ("xception2", 3, 96, 1), ("xception3", 1, 72, 2)):
            torch.manual_seed(5)
            model = FerXception(arch, 7, channels)
            with torch.no_grad():
                randomise_bn(model, gen)
                model.classifier.bias.copy_(torch.randn(7, generator=gen))
            model.eval()
            x = torch.randn(batch, channels, size, size, generator=gen)
            with torch.no_grad():
                want = model(x)
            path = os.path.join(tmp, f"{arch}_{channels}.pth")
            save_feremotion(model, arch, channels, size, path)
            info = json.loads(run([FER_DEBUG, "info", path]).stdout)
            assert info["arch"] == arch and info["channels"] == channels and info["input_size"] == size, info
            for precision in ("fp32", "eager"):
                got = cpp_logits(path, x, tmp, precision)
                err = rel_err(got, want)
                print(f"{arch} {channels}ch {size}px batch {batch} {precision}: max relative error {err:.2e}")
                assert got.shape == want.shape and err <= TOL, f"{arch} {precision}: {err:.2e} > {TOL}"
            if cpu_has_avx512():
                got = cpp_logits(path, x, tmp, "bf16")
                err = rel_err(got, want)
                print(f"{arch} {channels}ch bf16: max relative error {err:.2e} (bf16 keeps 8 bits of mantissa)")
                assert err <= 0.05, f"bf16 drifted {err:.2e}"
        # C++ -> Python: fer_debug creates and saves, the PyTorch module loads it and agrees.
        made = os.path.join(tmp, "made.pth")
        run([FER_DEBUG, "create", "xception2", "64", made, "1"])
        ckpt = torch.load(made)
        assert ckpt["input_channels"] == 1 and ckpt["mean"] == [0.5] and ckpt["std"] == [0.5], ckpt
        net = FerXception(ckpt["arch"], len(ckpt["classes"]), ckpt["input_channels"])
        net.load_state_dict(ckpt["state_dict"])
        net.eval()
        x = torch.randn(2, 1, 64, 64, generator=gen)
        with torch.no_grad():
            want = net(x)
        err = rel_err(cpp_logits(made, x, tmp), want)
        print(f"file written by C++, read by torch.load + load_state_dict: max relative error {err:.2e}")
        assert err <= TOL


if __name__ == "__main__":
    main()
