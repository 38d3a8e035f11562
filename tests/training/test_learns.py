"""fer-train learns: a short run on a small faces5 subset overfits its training images; the model file
reloads in torchvision with the same logits as in C++; fer-eval's numbers match PyTorch's on the split."""
import json
import os
import sys
import tempfile

from train_common import fer_train, link_subset, load_metrics, need_torch, preprocess, run, torchvision_model


def main():
    need_torch()
    import numpy as np
    import torch
    fer_train_exe, fer_eval_exe, fer_debug = sys.argv[1:4]
    with tempfile.TemporaryDirectory() as tmp:
        data = link_subset(os.path.join(tmp, "data"), per_class=8)
        out = os.path.join(tmp, "m.pth")
        fer_train(fer_train_exe, data, out, "--input-size", 48, "--epochs", 14, "--batch-size", 8, "--lr", 2e-3,
                  "--no-augment", "--val-split", 0.25, "--lr-patience", 50)
        hist = load_metrics(out)["epochs"]
        first, last = hist[0], hist[-1]
        print(f"train accuracy {first['train_acc']:.2f} -> {last['train_acc']:.2f}, "
              f"loss {first['train_loss']:.3f} -> {last['train_loss']:.3f}")
        assert last["train_acc"] >= 0.9, f"training accuracy only {last['train_acc']:.2f} after {len(hist)} epochs"
        assert last["train_loss"] < 0.5 * first["train_loss"]
        for suffix in (".metrics.csv", ".curves.png", ".split.json", ".last.pth", ".resume.pt"):
            assert os.path.getsize(os.path.splitext(out)[0] + suffix) > 0, suffix
        with open(os.path.splitext(out)[0] + ".curves.png", "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n"

        # The model file in torchvision: same logits as the C++ core on the same input tensor.
        with open(os.path.splitext(out)[0] + ".split.json") as f:
            split = json.load(f)
        model, d = torchvision_model(out)
        assert d["classes"] == split["classes"] and d["input_size"] == 48
        paths = [os.path.join(split["data_root"], p) for p, _ in split["val"]]
        labels = [l for _, l in split["val"]]
        x = preprocess(paths, d["input_size"], d["mean"], d["std"])
        with torch.no_grad():
            want = model(x)
        x.numpy().astype(np.float32).tofile(os.path.join(tmp, "in.f32"))
        run([fer_debug, "logits", out, os.path.join(tmp, "in.f32"), os.path.join(tmp, "out.f32")])
        got = torch.from_numpy(np.fromfile(os.path.join(tmp, "out.f32"), dtype=np.float32)).view_as(want)
        err = float((got - want).abs().max() / want.abs().max())
        print(f"C++ vs torchvision logits on {len(paths)} images: relative error {err:.2e}")
        assert err < 1e-4, err

        # fer-eval --split: confusion matrix and scores from PyTorch's predictions.
        p = run([fer_eval_exe, "--model", out, "--split", os.path.splitext(out)[0] + ".split.json", "--json"])
        ev = json.loads(p.stdout)
        k = len(d["classes"])
        cm = np.zeros((k, k), dtype=int)
        for t, pr in zip(labels, want.argmax(1).tolist()):
            cm[t, pr] += 1
        assert ev["confusion_matrix"] == cm.tolist(), (ev["confusion_matrix"], cm.tolist())
        assert abs(ev["accuracy"] - np.trace(cm) / cm.sum()) < 1e-12
        recalls = [cm[c, c] / cm[c].sum() for c in range(k) if cm[c].sum()]
        assert abs(ev["macro_recall"] - sum(recalls) / len(recalls)) < 1e-12, (ev["macro_recall"], recalls)
        for c, name in enumerate(d["classes"]):
            tp, pred, sup = cm[c, c], cm[:, c].sum(), cm[c].sum()
            prec = tp / pred if pred else 0.0
            rec = tp / sup if sup else 0.0
            f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
            got_c = ev["per_class"][name]
            assert abs(got_c["precision"] - prec) < 1e-12 and abs(got_c["recall"] - rec) < 1e-12
            assert abs(got_c["f1"] - f1) < 1e-12 and got_c["support"] == sup
        # The best epoch's validation accuracy as fer-train measured it is what fer-eval finds.
        best = load_metrics(out)["best_val_acc"]
        assert abs(best - ev["accuracy"]) < 1e-9, (best, ev["accuracy"])
        # Flip TTA runs and scores every image.
        tta = json.loads(run([fer_eval_exe, "--model", out, "--data", data, "--json", "--tta", "flip"]).stdout)
        assert tta["images"] == 40 and tta["tta"] == "flip"
        print(f"fer-eval agrees with PyTorch: accuracy {ev['accuracy']:.3f} on {cm.sum()} validation images")


if __name__ == "__main__":
    main()
