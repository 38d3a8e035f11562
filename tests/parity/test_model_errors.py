"""Bad model files give errors that name the file and the problem, and a hostile pickle runs
nothing.  argv: fer_debug binary."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from common import need_torch, run  # noqa: E402

need_torch()
import torch  # noqa: E402
import torchvision  # noqa: E402

FER_DEBUG = sys.argv[1]


class Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def expect_error(path, *needles):
    p = run([FER_DEBUG, "info", path], expect=2)
    for n in (path, *needles):
        assert n in p.stderr, f"error for {os.path.basename(path)} lacks '{n}': {p.stderr}"
    print(f"  {os.path.basename(path)}: {p.stderr.strip()}")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        expect_error(os.path.join(tmp, "missing.pth"), "does not exist")

        empty = os.path.join(tmp, "empty.pth")
        open(empty, "wb").close()
        expect_error(empty, "empty")

        text = os.path.join(tmp, "notes.pth")
        with open(text, "w") as f:
            f.write("these are not weights\n")
        expect_error(text, "not a PyTorch model file")

        marker = os.path.join(tmp, "pwned")
        evil = os.path.join(tmp, "evil.pth")
        torch.save({"state_dict": Evil(marker)}, evil)
        expect_error(evil, "system")
        assert not os.path.exists(marker), "the hostile pickle ran a command"

        good = os.path.join(tmp, "good.pth")
        torch.save(torchvision.models.resnet18(num_classes=5).state_dict(), good)
        data = open(good, "rb").read()
        trunc = os.path.join(tmp, "truncated.pth")
        with open(trunc, "wb") as f:
            f.write(data[: len(data) // 2])
        expect_error(trunc, "cannot load model")

        other = os.path.join(tmp, "other.pth")
        torch.save(torch.nn.Sequential(torch.nn.Linear(4, 2)).state_dict(), other)
        expect_error(other, "match no torchvision ResNet")

        partial = os.path.join(tmp, "partial.pth")
        sd = torchvision.models.resnet18(num_classes=5).state_dict()
        del sd["layer2.0.bn1.running_var"]
        sd["extra.weight"] = torch.zeros(1)
        torch.save(sd, partial)
        expect_error(partial, "missing keys: layer2.0.bn1.running_var", "unexpected keys: extra.weight")
    print("PASS")


main()
