"""--resume: a run stopped after epoch 1 and resumed reaches exactly the weights (and history) of an
uninterrupted run with the same seed; a resume with other settings is refused with a clear message."""
import os
import sys
import tempfile

from train_common import fer_train, link_subset, load_metrics, need_torch


def main():
    need_torch()
    import torch
    exe = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        data = link_subset(os.path.join(tmp, "data"), per_class=6)
        # Augmentation on and two loader threads: resuming must not depend on thread timing.
        common = ["--input-size", 32, "--batch-size", 8, "--lr", 1e-3, "--seed", 5, "--lr-patience", 0,
                  "--lr-factor", 0.5]
        a = os.path.join(tmp, "a", "m.pth")
        b = os.path.join(tmp, "b", "m.pth")
        os.makedirs(os.path.dirname(a))
        os.makedirs(os.path.dirname(b))
        fer_train(exe, data, a, "--epochs", 3, *common)
        fer_train(exe, data, b, "--epochs", 1, *common)
        p = fer_train(exe, data, b, "--epochs", 3, "--resume", *common)
        assert "resumed after epoch 1" in p.stderr, p.stderr

        wa = torch.load(a.replace(".pth", ".last.pth"))["state_dict"]
        wb = torch.load(b.replace(".pth", ".last.pth"))["state_dict"]
        assert wa.keys() == wb.keys()
        diff = max(float((wa[k].double() - wb[k].double()).abs().max()) for k in wa)
        print(f"largest weight difference, resumed vs uninterrupted: {diff:g}")
        assert diff == 0.0, diff
        ha, hb = load_metrics(a)["epochs"], load_metrics(b)["epochs"]
        for ea, eb in zip(ha, hb):
            for key in ("train_loss", "train_acc", "val_loss", "val_acc", "lr"):
                assert ea[key] == eb[key], (ea["epoch"], key, ea[key], eb[key])
        assert len(ha) == len(hb) == 3
        assert ha[2]["lr"] <= ha[0]["lr"], "the plateau scheduler state was carried over"

        # Other settings than the run being resumed: refused, naming the way out.
        other = [48 if a == 32 else a for a in common]  # another input size
        p = fer_train(exe, data, b, "--epochs", 4, "--resume", *other, expect=1)
        assert "other settings" in p.stderr, p.stderr
        p = fer_train(exe, data, os.path.join(tmp, "none.pth"), "--resume", expect=1)
        assert "no state file" in p.stderr, p.stderr
        print("resumed run identical to the uninterrupted one")


if __name__ == "__main__":
    main()
