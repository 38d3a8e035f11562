"""Helpers of the fer-train/fer-eval tests: small data sets made of links into ../shared, model files
read back with PyTorch."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "parity"))
from common import faces5_dir, need_torch, run, skip, SKIP  # noqa: E402,F401

CLASSES = ["Anger", "Fear", "Happy", "Neutral", "Sad"]


def link_subset(dst, per_class, offset=0, classes=CLASSES):
    """dst/<Class>/ with per_class symbolic links to faces5 images (the shared data stays read-only)."""
    src = faces5_dir()
    for c in classes:
        os.makedirs(os.path.join(dst, c), exist_ok=True)
        for name in sorted(os.listdir(os.path.join(src, c)))[offset:offset + per_class]:
            os.symlink(os.path.join(src, c, name), os.path.join(dst, c, name))
    return dst


def fer_train_args(exe, data, out, *extra, arch="resnet18"):
    """The command line of a small, fast run: resnet18, two threads (callers pass tiny input sizes);
    arch None: no --arch (the --init file's)."""
    arch_args = ["--arch", arch] if arch else []
    return [str(a) for a in [exe, "--data", data, "--out", out, *arch_args, "--threads", 2, "--workers", 2, *extra]]


def fer_train(exe, data, out, *extra, expect=0, arch="resnet18"):
    return run(fer_train_args(exe, data, out, *extra, arch=arch), expect=expect)


def load_metrics(model_path):
    with open(os.path.splitext(model_path)[0] + ".metrics.json") as f:
        return json.load(f)


def torchvision_model(model_path):
    """A feremotion .pth as torch.load sees it, in the torchvision ResNet its arch names."""
    import torch
    import torchvision
    d = torch.load(model_path, map_location="cpu")
    assert isinstance(d, dict) and d.get("format") == "feremotion", f"{model_path}: not a feremotion dict"
    m = getattr(torchvision.models, d["arch"])(num_classes=len(d["classes"]))
    m.load_state_dict(d["state_dict"])
    return m.eval(), d


def preprocess(paths, size, mean, std):
    """torchvision's validation transform on PIL images: the independent reference."""
    import torch
    from PIL import Image
    from torchvision import transforms
    t = transforms.Compose([transforms.Resize((size, size)), transforms.ToTensor(), transforms.Normalize(mean, std)])
    return torch.stack([t(Image.open(p).convert("RGB")) for p in paths])
