"""Options beside the defaults: --precision bf16 trains (the loss falls), writes an ordinary fp32 model and
picks it by an fp32 validation score (the one fer-eval finds);
--detector haar crops faces first, says how many images had none, and records the crop in the model."""
import json
import os
import re
import sys
import tempfile

from train_common import fer_train, link_subset, load_metrics, need_torch, run


def main():
    need_torch()
    import torch
    exe, fer_debug, fer_eval = sys.argv[1:4]
    with tempfile.TemporaryDirectory() as tmp:
        data = link_subset(os.path.join(tmp, "data"), per_class=6)
        out = os.path.join(tmp, "bf16.pth")
        fer_train(exe, data, out, "--precision", "bf16", "--input-size", 48, "--epochs", 6, "--batch-size", 8,
                  "--lr", 2e-3, "--no-augment")
        hist = load_metrics(out)["epochs"]
        print(f"bf16: train loss {hist[0]['train_loss']:.3f} -> {hist[-1]['train_loss']:.3f}")
        assert hist[-1]["train_loss"] < 0.7 * hist[0]["train_loss"], hist
        sd = torch.load(out)["state_dict"]
        assert all(v.dtype in (torch.float32, torch.int64) for v in sd.values()), "fp32 master weights are saved"
        info = json.loads(run([fer_debug, "info", out]).stdout)
        assert info["training"]["precision"] == "bf16"
        ev = json.loads(run([fer_eval, "--model", out, "--split", out.replace(".pth", ".split.json"), "--json"]).stdout)
        assert abs(ev["accuracy"] - load_metrics(out)["best_val_acc"]) < 1e-9, ev["accuracy"]

        p = fer_train(exe, data, os.path.join(tmp, "haar.pth"), "--detector", "haar", "--margin", 0.1,
                      "--input-size", 32, "--epochs", 1, "--batch-size", 8)
        m = re.search(r"haar found no face in (\d+) of (\d+) images", p.stderr)
        assert m, p.stderr
        missed, total = map(int, m.groups())
        print(f"haar: no face in {missed} of {total} crops")
        assert total == 30 and missed < total
        # the crop goes into the model file, for the element and fer-predict to cut faces the same way
        crop = torch.load(os.path.join(tmp, "haar.pth"))["training"]["crop"]
        assert crop == {"detector": "haar", "margin": 0.1, "align": False, "border": False}, crop
        # fer-eval cuts the validation images as the model was trained: fer-train's score again
        haar_model = os.path.join(tmp, "haar.pth")
        ev = json.loads(run([fer_eval, "--model", haar_model, "--split", haar_model.replace(".pth", ".split.json"),
                             "--json"]).stdout)
        assert ev["crop"] == "haar" and abs(ev["accuracy"] - load_metrics(haar_model)["best_val_acc"]) < 1e-9, ev
        # --crop-border (tight crops: the detector gets room): recorded, and fer-eval cuts the same way
        bordered = os.path.join(tmp, "haar-border.pth")
        p = fer_train(exe, data, bordered, "--detector", "haar", "--crop-border", "--input-size", 32, "--epochs", 1,
                      "--batch-size", 8)
        missed_bordered = int(re.search(r"haar found no face in (\d+) of", p.stderr).group(1))
        assert torch.load(bordered)["training"]["crop"]["border"] is True
        ev_b = json.loads(run([fer_eval, "--model", bordered, "--split", bordered.replace(".pth", ".split.json"),
                               "--json"]).stdout)
        assert abs(ev_b["accuracy"] - load_metrics(bordered)["best_val_acc"]) < 1e-9, ev_b
        print(f"haar with --crop-border: no face in {missed_bordered} of {total} crops")
        whole = json.loads(run([fer_eval, "--model", haar_model, "--split", haar_model.replace(".pth", ".split.json"),
                                "--json", "--crop", "none"]).stdout)
        assert whole["crop"] == "none" and whole["no_face"] == 0
        assert torch.load(out)["training"]["crop"] == {"detector": "none", "margin": 0.0, "align": False, "border": False}

        # --recipe: its flags apply, the command line's win; an unknown name is refused by name
        rec = os.path.join(tmp, "recipe.pth")
        p = fer_train(exe, data, rec, "--recipe", "real-faces-scratch", "--input-size", 32, "--epochs", 2,
                      "--batch-size", 8, "--lr-schedule", "onecycle", "--optimizer", "adamw", arch=None)
        assert "recipe real-faces-scratch: --arch resnet18" in p.stderr, p.stderr
        d = torch.load(rec)
        assert d["arch"] == "resnet18" and d["input_size"] == 32 and d["input_channels"] == 3, (d["arch"], d["input_size"])
        t = d["training"]
        assert (t["optimizer"], t["lr_schedule"], t["precision"]) == ("adamw", "onecycle", "bf16"), t
        assert "one-cycle over" in p.stderr and "resnet18 at 32px, from scratch" in p.stderr, p.stderr
        print("recipe real-faces-scratch: its arch and precision, with --input-size/--epochs/--optimizer/--lr-schedule "
              "overridden")
        # --grey and --rgb: the later one wins
        for flags, channels in ((["--grey", "--rgb"], 3), (["--rgb", "--grey"], 1)):
            fer_train(exe, data, rec, "--input-size", 32, "--epochs", 1, "--max-steps", 1, *flags)
            assert torch.load(rec)["input_channels"] == channels, flags
        p = fer_train(exe, data, rec, "--recipe", "real-faces", expect=2)
        assert "pass --init models/emotion-fer2013.pth" in p.stderr and "get-model.sh" in p.stderr, p.stderr
        p = fer_train(exe, data, rec, "--recipe", "best", expect=None)
        assert p.returncode != 0 and "no recipe 'best'" in p.stderr, (p.returncode, p.stderr)


if __name__ == "__main__":
    main()
