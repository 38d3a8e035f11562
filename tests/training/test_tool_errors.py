"""Errors a user can act on, from fer-predict, fer-eval and fer-train (issue 14); each check failed
before its fix:
- fer-predict: a FIFO or /dev/zero as the model is refused at once naming it (before: a hang, or
  memory without bound); duplicate or empty labels are refused; TorchScript needs
  --allow-torchscript; a half-truncated JPEG is named as damaged (exit 1, before: exit 0 and an
  anonymous libjpeg warning); an image declaring 20000x20000 pixels is refused before decoding;
- fer-eval: --labels names a bare state_dict's classes (any count), --classes evaluates a subset,
  and its advice names only options it has;
- fer-train: one class is refused; a class too small to validate is warned about; a failed run
  leaves no --out folder behind; a split it could not write is not called "the previous" one.
argv: fer-predict, fer-eval, fer-train, the ENOSPC shim."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from train_common import faces5_dir, fer_train, link_subset, need_torch, run

need_torch()
import torch  # noqa: E402
import torchvision  # noqa: E402

FER_PREDICT, FER_EVAL, FER_TRAIN, SHIM = sys.argv[1:5]


def quick(args, expect, timeout=60):
    """Runs a command that must answer promptly with exit code `expect`; returns stderr."""
    t0 = time.monotonic()
    p = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=timeout)
    assert p.returncode == expect, f"{args}: exit {p.returncode}, expected {expect}\n{p.stdout}\n{p.stderr}"
    return p.stderr, time.monotonic() - t0


def check_fer_predict(tmp, face):
    sd = os.path.join(tmp, "sd.pth")
    torch.save(torchvision.models.resnet18(num_classes=5).state_dict(), sd)
    fifo = os.path.join(tmp, "model.fifo")
    os.mkfifo(fifo)
    for bad, words in ((fifo, "FIFO"), ("/dev/zero", "character device"), (tmp, "directory")):
        err, took = quick([FER_PREDICT, "-m", bad, "--detector", "none", face], 2, timeout=20)
        assert f"'{bad}'" in err and words in err, err
        print(f"fer-predict -m {bad}: {err.strip()} ({took:.1f} s)")
    for labels, words in (("A,A,A,A,A", "'A' is given twice"), (",,,,", "empty")):
        err, _ = quick([FER_PREDICT, "-m", sd, "--labels", labels, "--detector", "none", face], 2)
        assert words in err, err
    script = os.path.join(tmp, "ts.pt")
    net = torchvision.models.resnet18(num_classes=5).eval()
    torch.jit.trace(net, torch.zeros(1, 3, 224, 224)).save(script)
    err, _ = quick([FER_PREDICT, "-m", script, "--detector", "none", face], 2)
    assert "--allow-torchscript" in err and f"'{script}'" in err, err
    quick([FER_PREDICT, "-m", script, "--allow-torchscript", "--detector", "none", face], 0)
    print(f"fer-predict TorchScript: {err.strip()[:90]}...; loads with --allow-torchscript")
    from common import cpu_has_avx512
    if cpu_has_avx512():
        quick([FER_PREDICT, "-m", sd, "--precision", "bf16", "--detector", "none", face], 0)
    else:  # oneDNN has no bf16 kernels here: a clear error, not an abort
        err, _ = quick([FER_PREDICT, "-m", sd, "--precision", "bf16", "--detector", "none", face], 2)
        assert "bf16 needs a CPU with AVX-512" in err and f"'{sd}'" in err, err
        print(f"fer-predict --precision bf16 without AVX-512: {err.strip()}")

    data = open(face, "rb").read()
    cut = os.path.join(tmp, "cut.jpg")
    with open(cut, "wb") as f:
        f.write(data[:len(data) // 2])
    p = run([FER_PREDICT, "-m", sd, "--detector", "none", cut], expect=1)
    assert f"'{cut}' is damaged" in p.stderr and "used" in p.stderr, p.stderr
    assert p.stdout.startswith(cut + ":"), f"the damaged image was not labelled: {p.stdout}"
    print(f"fer-predict on a half JPEG: exit 1, {p.stderr.strip().splitlines()[-1]}")

    from PIL import Image
    png = os.path.join(tmp, "bomb.png")
    Image.new("L", (20000, 20000), 0).save(png, optimize=True)  # ~400 KB on disk, 400 MB decoded
    t0 = time.monotonic()
    p = subprocess.run(["/usr/bin/time", "-f", "%M", FER_PREDICT, "-m", sd, "--detector", "none", png],
                       capture_output=True, text=True)
    took = time.monotonic() - t0
    peak_mb = int(p.stderr.strip().splitlines()[-1]) / 1024
    assert p.returncode == 1 and "20000x20000" in p.stderr and "--max-megapixels" in p.stderr, p.stderr
    assert peak_mb < 1500, f"fer-predict held {peak_mb:.0f} MB for a refused image"
    print(f"fer-predict on a 20000x20000 PNG of {os.path.getsize(png) // 1024} KB: refused in {took:.1f} s, "
          f"peak {peak_mb:.0f} MB")


def check_fer_eval(tmp):
    data = link_subset(os.path.join(tmp, "three"), 3, classes=["Happy", "Neutral", "Sad"])
    sd3 = os.path.join(tmp, "sd3.pth")
    torch.save(torchvision.models.resnet18(num_classes=3).state_dict(), sd3)
    err, _ = quick([FER_EVAL, "-m", sd3, "--data", data], 1)
    assert "--labels" in err, err
    p = run([FER_EVAL, "-m", sd3, "--data", data, "--labels", "Happy,Neutral,Sad", "--json"])
    assert json.loads(p.stdout)["images"] == 9, p.stdout
    sd5 = os.path.join(tmp, "sd5.pth")
    torch.save(torchvision.models.resnet18(num_classes=5).state_dict(), sd5)
    err, _ = quick([FER_EVAL, "-m", sd5, "--data", data], 1)
    assert "class 'Anger'" in err and "--classes" in err, err
    p = run([FER_EVAL, "-m", sd5, "--data", data, "--classes", "Happy,Sad", "--json"])
    assert json.loads(p.stdout)["images"] == 6 and json.loads(p.stdout)["classes"][0] == "Anger", p.stdout
    err, _ = quick([FER_EVAL, "-m", sd5, "--data", data, "--classes", "Happy,Joy"], 1)
    assert "'Joy'" in err, err
    print(f"fer-eval: a 3-class state_dict evaluates with --labels; a missing class says: {err.strip()}")


def check_fer_train(tmp):
    one = link_subset(os.path.join(tmp, "one"), 4, classes=["Happy"])
    out = os.path.join(tmp, "never", "made", "m.pth")
    p = fer_train(FER_TRAIN, one, out, "--epochs", 1, "--input-size", 32, expect=1)
    assert "one class ('Happy')" in p.stderr and "at least two" in p.stderr, p.stderr
    assert not os.path.exists(os.path.join(tmp, "never")), "a failed run created the --out folder"

    small = link_subset(os.path.join(tmp, "small"), 6, classes=["Happy", "Sad"])
    for extra in sorted(os.listdir(os.path.join(small, "Sad")))[1:]:
        os.remove(os.path.join(small, "Sad", extra))  # Sad keeps one image
    p = fer_train(FER_TRAIN, small, os.path.join(tmp, "small.pth"), "--epochs", 1, "--input-size", 32,
                  "--batch-size", 2, "--val-split", 0.3)
    assert "warning: class 'Sad' has no validation image" in p.stderr, p.stderr

    out = os.path.join(tmp, "full", "m.pth")
    env = dict(os.environ, LD_PRELOAD=SHIM, FER_ENOSPC_MATCH="m.split.json")
    p = subprocess.run([str(a) for a in [FER_TRAIN, "--data", small, "--out", out, "--epochs", 1, "--input-size", 32,
                                         "--threads", 2, "--workers", 2]], capture_output=True, text=True, env=env)
    assert p.returncode == 1 and "No space left on device" in p.stderr, p.stderr
    assert "previous" not in p.stderr and "was not written" in p.stderr, p.stderr
    print(f"fer-train: one class refused, a one-image class warned, a first split on a full disk: "
          f"{p.stderr.strip().splitlines()[-1]}")


def main():
    src = faces5_dir()
    face = os.path.join(src, "Happy", sorted(os.listdir(os.path.join(src, "Happy")))[0])
    tmp = tempfile.mkdtemp(prefix="fer_tool_errors_")
    try:
        check_fer_predict(tmp, face)
        check_fer_eval(tmp)
        check_fer_train(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("PASS")


if __name__ == "__main__":
    main()
