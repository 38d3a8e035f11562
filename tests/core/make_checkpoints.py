#!/usr/bin/python3
"""Writes small PyTorch checkpoints for testing the LibTorch-free reader.

Usage: /usr/bin/python3 make_checkpoints.py OUTPUT_DIR

Good files (must load):   *.pth listed in GOOD
Bad files (must be refused with the given message part): BAD
"""
import collections
import os
import sys

import torch

# file name -> part of the error message the reader must print
BAD = {
    "legacy.pth": "legacy",
    "evil.pth": "disallowed global 'posix.system'",
    "torchscript.pt": "TorchScript",
}


class TinyNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 2, 3)
        self.bn = torch.nn.BatchNorm2d(2)
        self.fc = torch.nn.Linear(8, 3)

    def forward(self, x):
        return self.fc(torch.flatten(self.bn(self.conv(x)), 1)[:, :8])


class Evil:
    """Unpickling this would run a shell command; the reader must refuse it."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, ("touch " + self.marker,))


def tiny_state_dict():
    torch.manual_seed(0)
    net = TinyNet()
    net.bn.running_mean.uniform_(-1, 1)
    net.bn.running_var.uniform_(0.5, 2)
    net.bn.num_batches_tracked.fill_(42)  # int64 buffer
    sd = net.state_dict()
    # A non-contiguous view with a storage offset, sharing storage with 'base'.
    base = torch.arange(30, dtype=torch.float32).reshape(5, 6)
    sd["extra.base"] = base
    sd["extra.view"] = base[1:, 1::2].t()
    sd["extra.empty"] = torch.zeros(0, 3)
    return sd


def dtype_zoo():
    t = torch.linspace(-2, 5, 12).reshape(3, 4)
    return collections.OrderedDict(
        [
            ("float64", t.double()),
            ("float16", t.half()),
            ("bfloat16", t.bfloat16()),
            ("int32", (t * 10).int()),
            ("int16", (t * 10).short()),
            ("int8", (t * 10).to(torch.int8)),
            ("uint8", (t * 10 + 40).to(torch.uint8)),
            ("bool", t > 0),
            ("scalar", torch.tensor(2.5)),
            ("param", torch.nn.Parameter(torch.ones(2, 2))),
            ("bytes", b"\x00\xff raw"),
            ("empty_bytes", b""),
            ("set", {3}),
            ("big_int", 2**40),
            ("neg_int", -123456789012),
        ]
    )


def project_checkpoint():
    return {
        "state_dict": tiny_state_dict(),
        "arch": "resnet18",
        "classes": ["a", "b"],
        "input_size": 224,
        "mean": [0.485, 0.456, 0.406],
        "std": [0.229, 0.224, 0.225],
        "format_version": 1,
        "training": {"epochs": 3, "best_acc": 0.5, "history": [0.25, 0.5], "flags": (True, None)},
    }


def write_all(out_dir):
    """Writes every file; returns the list of good file names."""
    os.makedirs(out_dir, exist_ok=True)
    p = lambda name: os.path.join(out_dir, name)
    torch.save(tiny_state_dict(), p("state_dict.pth"))
    torch.save(tiny_state_dict(), p("state_dict_zip.pth"), _use_new_zipfile_serialization=True)
    torch.save(project_checkpoint(), p("project.pth"))
    torch.save(dtype_zoo(), p("dtypes.pth"))
    torch.save(project_checkpoint(), p("project_proto4.pth"), pickle_protocol=4)
    torch.save(dtype_zoo(), p("dtypes_proto5.pth"), pickle_protocol=5)
    torch.save(tiny_state_dict(), p("legacy.pth"), _use_new_zipfile_serialization=False)
    torch.save({"x": Evil(p("PWNED"))}, p("evil.pth"))
    torch.jit.save(torch.jit.script(TinyNet()), p("torchscript.pt"))
    return ["state_dict.pth", "state_dict_zip.pth", "project.pth", "dtypes.pth",
            "project_proto4.pth", "dtypes_proto5.pth"]


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    for name in write_all(sys.argv[1]) + sorted(BAD):
        print(os.path.join(sys.argv[1], name))
