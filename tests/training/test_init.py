"""--init: a bare torchvision state_dict (1000 ImageNet classes, as resnet18-f37072fd.pth is saved) starts
training; its weights arrive unchanged (checked with lr 0, where Adam moves nothing) except the classifier
layer, which is re-initialised for five classes. A file of another architecture is refused by name."""
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


if __name__ == "__main__":
    main()
