#!/usr/bin/python3
"""Writes the fuzzer's seed files, tiny examples of every kind of model file the loader reads.

Usage: /usr/bin/python3 scripts/fuzz/make_seeds.py OUTPUT_DIR

- feremotion's own dict, bare state_dicts (pickle protocols 2/4/5, every dtype), a legacy file
  and a hostile pickle: tests/core/make_checkpoints.py's files;
- a ResNet-18-keyed state_dict with one-element tensors (reaches ResNet construction and the
  shape check) and the same as feremotion's dict;
- TorchScript: the reader's TinyNet (refused at the probe) and a tiny module mapping (N,3,H,W)
  to 5 logits, which loads.
"""
import os
import shutil
import sys
import tempfile

import torch
import torchvision

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "core"))
import make_checkpoints  # noqa: E402


class TinyClassifier(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(3, 5)

    def forward(self, x):
        return self.fc(x.mean(dim=(2, 3)))


def resnet18_keyed():
    """torchvision resnet18's keys, each with a tiny tensor: right names, wrong shapes."""
    keys = torchvision.models.resnet18(num_classes=5).state_dict().keys()
    return {k: (torch.zeros(5, 1) if k == "fc.weight" else torch.zeros(1)) for k in keys}


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        make_checkpoints.write_all(tmp)
        for name in sorted(os.listdir(tmp)):
            if name != "PWNED":
                shutil.copy(os.path.join(tmp, name), os.path.join(out_dir, "seed_" + name))
    sd = resnet18_keyed()
    torch.save(sd, os.path.join(out_dir, "seed_resnet18_keys.pth"))
    torch.save({"state_dict": sd, "arch": "resnet18", "classes": list("abcde"), "input_size": 64,
                "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25], "format_version": 1,
                "training": {"epochs": 1}}, os.path.join(out_dir, "seed_feremotion_resnet18_keys.pth"))
    torch.jit.save(torch.jit.script(TinyClassifier()), os.path.join(out_dir, "seed_torchscript_classifier.pt"))
    for name in sorted(os.listdir(out_dir)):
        print(name, os.path.getsize(os.path.join(out_dir, name)))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
