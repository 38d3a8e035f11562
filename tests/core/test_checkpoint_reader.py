#!/usr/bin/python3
"""Checks the LibTorch-free checkpoint reader against torch.load.

Usage: /usr/bin/python3 test_checkpoint_reader.py PATH/TO/dump_checkpoint

Writes checkpoints with make_checkpoints.py into a temporary directory, runs
dump_checkpoint on each and compares every value, tensor dtype, shape and
element sum with what torch.load returns. Files that must be refused (legacy
format, a pickle calling os.system, a TorchScript archive) must make
dump_checkpoint fail with the expected message, and the malicious one must not
have run its command. Exits non-zero on the first mismatch.
"""
import math
import os
import subprocess
import sys
import tempfile

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_checkpoints  # noqa: E402

DTYPE_NAMES = {
    torch.float32: "float32", torch.float64: "float64", torch.float16: "float16",
    torch.bfloat16: "bfloat16", torch.int64: "int64", torch.int32: "int32",
    torch.int16: "int16", torch.int8: "int8", torch.uint8: "uint8", torch.bool: "bool",
}


def flatten(obj, path, out):
    """Same lines as dump_checkpoint prints, as tuples of strings/numbers."""
    if isinstance(obj, torch.Tensor):
        shape = "[" + ",".join(str(s) for s in obj.shape) + "]"
        out.append(("tensor", path, DTYPE_NAMES[obj.dtype], shape, obj.double().sum().item()))
    elif isinstance(obj, dict):
        out.append(("dict", path, str(len(obj))))
        for k, v in obj.items():
            flatten(v, path + "/" + str(k), out)
    elif isinstance(obj, (list, tuple, set)):
        kind = "tuple" if isinstance(obj, tuple) else "list"
        out.append((kind, path, str(len(obj))))
        for i, v in enumerate(sorted(obj) if isinstance(obj, set) else obj):
            flatten(v, path + "/" + str(i), out)
    elif isinstance(obj, bool):
        out.append(("bool", path, "true" if obj else "false"))
    elif isinstance(obj, int):
        out.append(("int", path, str(obj)))
    elif isinstance(obj, float):
        out.append(("float", path, obj))
    elif isinstance(obj, str):
        out.append(("str", path, obj))
    elif isinstance(obj, bytes):
        out.append(("bytes", path, str(len(obj))))
    elif obj is None:
        out.append(("None", path))
    else:
        raise TypeError(f"{path}: unexpected {type(obj)} in test data")
    return out


def parse_dump(text):
    rows = []
    for line in text.splitlines():
        f = line.split("\t")
        if f[0] == "tensor":
            rows.append((f[0], f[1], f[2], f[3], float(f[4])))
        elif f[0] == "float":
            rows.append((f[0], f[1], float(f[2])))
        else:
            rows.append(tuple(f))
    return rows


def same(a, b):
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if isinstance(x, float) or isinstance(y, float):
            if not math.isclose(x, y, rel_tol=1e-7, abs_tol=1e-9):
                return False
        elif x != y:
            return False
    return True


def run(binary, path):
    return subprocess.run([binary, path], capture_output=True, text=True, timeout=60)


def check_good(binary, path):
    result = run(binary, path)
    if result.returncode != 0:
        raise AssertionError(f"{path}: dump_checkpoint failed: {result.stderr.strip()}")
    got = parse_dump(result.stdout)
    want = flatten(torch.load(path, map_location="cpu"), "", [])
    if len(got) != len(want):
        raise AssertionError(f"{path}: {len(got)} values read but torch.load has {len(want)}")
    for g, w in zip(got, want):
        if not same(g, w):
            raise AssertionError(f"{path}: reader says {g} but torch.load says {w}")
    tensors = sum(1 for w in want if w[0] == "tensor")
    print(f"ok   {os.path.basename(path)}: {len(want)} values, {tensors} tensors match torch.load")


def check_bad(binary, path, expected):
    result = run(binary, path)
    if result.returncode != 1 or expected not in result.stderr:
        raise AssertionError(
            f"{path}: expected exit 1 with '{expected}', got exit {result.returncode}: "
            f"{result.stderr.strip()!r}")
    print(f"ok   {os.path.basename(path)}: refused ({result.stderr.strip().split(': ', 1)[1]})")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    binary = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as tmp:
        good = make_checkpoints.write_all(tmp)
        try:
            for name in good:
                check_good(binary, os.path.join(tmp, name))
            for name, expected in sorted(make_checkpoints.BAD.items()):
                check_bad(binary, os.path.join(tmp, name), expected)
            if os.path.exists(os.path.join(tmp, "PWNED")):
                raise AssertionError("evil.pth ran its shell command")
            print("ok   evil.pth did not run its command")
        except AssertionError as e:
            print(f"FAIL {e}")
            return 1
    print("all checkpoint reader checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
