"""--init: a bare torchvision state_dict (1000 ImageNet classes, as resnet18-f37072fd.pth is saved) starts
training; its weights arrive unchanged (checked with lr 0, where Adam moves nothing) except the classifier
layer, which is re-initialised for five classes. A file of another architecture is refused by name.
An imported grey Xception (as fer-import writes it) is fine-tuned with no flags: fer-train follows its
architecture, grey 64 px input and normalisation, freezes its BatchNorm statistics, and writes them back;
an Xception trained from scratch with --grey loads in python/fer_xception.py."""
import os
import sys
import tempfile

from train_common import fer_train, link_subset, need_torch


def main():
    need_torch()
    import torch
    import torchvision
    exe = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        data = link_subset(os.path.join(tmp, "data"), per_class=3)
        torch.manual_seed(3)
        ref = torchvision.models.resnet18().state_dict()  # an OrderedDict, as torchvision ships it
        init = os.path.join(tmp, "resnet18-imagenet.pth")
        torch.save(ref, init)
        out = os.path.join(tmp, "m.pth")
        p = fer_train(exe, data, out, "--init", init, "--lr", 0, "--input-size", 32, "--epochs", 1,
                      "--batch-size", 4, "--no-augment")
        assert "classifier layer re-initialised: 1000 -> 5 classes" in p.stderr, p.stderr
        got = torch.load(out.replace(".pth", ".last.pth"))["state_dict"]
        for k, v in ref.items():
            if k.startswith("fc."):
                assert got[k].shape[0] == 5
            elif "running_" not in k and "num_batches" not in k:  # BatchNorm statistics do move in training
                assert torch.equal(got[k], v), f"{k} differs from the --init file"
        p = fer_train(exe, data, out, "--init", init, "--input-size", 32, "--epochs", 1, arch="resnet34",
                      expect=1)
        assert "holds resnet18 weights but --arch is resnet34" in p.stderr, p.stderr
        print("--init weights loaded, classifier re-initialised, wrong architecture refused")
        check_xception(exe, data, tmp, torch)


def check_xception(exe, data, tmp, torch):
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "python"))
    from fer_xception import FerXception
    torch.manual_seed(4)
    net = FerXception("xception2", 5, 1)
    with torch.no_grad():  # statistics that batch statistics would not reproduce
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
    imported = os.path.join(tmp, "imported.pth")
    torch.save({"format": "feremotion", "format_version": 2, "arch": "xception2",
                "classes": ["Anger", "Fear", "Happy", "Neutral", "Sad"], "input_size": 64, "input_channels": 1,
                "mean": [0.5], "std": [0.5], "training": {"imported": {"source": "test"}},
                "state_dict": net.state_dict()}, imported)
    out = os.path.join(tmp, "tuned.pth")
    p = fer_train(exe, data, out, "--init", imported, "--lr", 0, "--epochs", 1, "--batch-size", 4, "--no-augment",
                  arch=None)
    assert "model: xception2 at 64px grey, weights from" in p.stderr and "BatchNorm statistics frozen" in p.stderr, \
        p.stderr
    tuned = torch.load(out.replace(".pth", ".last.pth"))
    assert (tuned["arch"], tuned["input_size"], tuned["input_channels"], tuned["mean"], tuned["std"]) == \
        ("xception2", 64, 1, [0.5], [0.5]), {k: v for k, v in tuned.items() if k != "state_dict"}
    for k, v in net.state_dict().items():
        assert torch.equal(tuned["state_dict"][k], v), f"{k} moved (lr 0 and frozen BatchNorm move nothing)"
    p = fer_train(exe, data, out, "--init", imported, "--epochs", 1, arch="resnet18", expect=1)
    assert "holds xception2 weights but --arch is resnet18" in p.stderr, p.stderr
    print("imported Xception: architecture, grey 64 px and normalisation followed, BatchNorm frozen")

    scratch = os.path.join(tmp, "scratch.pth")
    fer_train(exe, data, scratch, "--grey", "--input-size", 48, "--epochs", 1, "--batch-size", 4, arch="xception3")
    ck = torch.load(scratch)
    fresh = FerXception(ck["arch"], len(ck["classes"]), ck["input_channels"])
    fresh.load_state_dict(ck["state_dict"])
    assert ck["input_channels"] == 1 and ck["input_size"] == 48 and ck["mean"] == [0.5], ck["mean"]
    print("xception3 from scratch, grey: loads in python/fer_xception.py")


if __name__ == "__main__":
    main()
