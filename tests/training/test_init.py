"""--init: a bare torchvision state_dict (1000 ImageNet classes, as resnet18-f37072fd.pth is saved) starts
training; its weights arrive unchanged (checked with lr 0, where Adam moves nothing) except the classifier
layer, which is re-initialised for five classes. A file of another architecture is refused by name.
An imported grey Xception (as fer-import writes it) is fine-tuned with no flags: fer-train follows its
architecture, grey 64 px input and normalisation, freezes its BatchNorm statistics, and writes them back;
an Xception trained from scratch with --grey loads in python/fer_xception.py.
--teacher (distillation): with lr 0 and BatchNorm frozen, a student started from its teacher's weights
gets no loss from it at weight 1, exactly half the plain loss at weight 0.5, and the plain loss at
weight 0 (so the teacher is loaded, run on the same batch, and weighed as the option says); the model
file records the teacher; a teacher that trained on the run's validation images (another --seed) is
warned about, as is one that learnt from other crops; a teacher that is the run's own --out, of other classes, another input or no record is refused by name."""
import os
import sys
import tempfile

from train_common import fer_train, link_subset, load_metrics, need_torch


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
        check_teacher(exe, data, tmp, torch)


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


def check_teacher(exe, data, tmp, torch):
    import torchvision
    teacher = os.path.join(tmp, "teacher.pth")
    fer_train(exe, data, teacher, "--input-size", 32, "--epochs", 1, "--batch-size", 4)
    same = ["--init", teacher, "--lr", 0, "--freeze-bn", "on", "--no-augment", "--input-size", 32, "--epochs", 1,
            "--batch-size", 4]
    loss = {}
    for w in (0.0, 0.5, 1.0):
        out = os.path.join(tmp, f"student{w}.pth")
        p = fer_train(exe, data, out, *same, "--teacher", teacher, "--distill-weight", w)
        assert "distillation: " in p.stderr and teacher in p.stderr, p.stderr
        loss[w] = load_metrics(out)["epochs"][0]["train_loss"]
        record = torch.load(out)["training"]["teacher"]
        assert record == {"file": teacher, "weight": w, "temperature": 4.0}, record
    assert loss[0.0] > 0.1, loss
    assert loss[1.0] < 1e-5, f"the student is its teacher, yet the soft loss is {loss[1.0]}"
    assert abs(loss[0.5] - 0.5 * loss[0.0]) < 1e-5, loss
    # A student that is not its teacher (fresh weights) does get a soft loss: the teacher is its own net.
    fresh = os.path.join(tmp, "fresh.pth")
    # Both nets are near uniform after so little training (0.005 here), but a student that is its
    # teacher got < 1e-5 above.
    fer_train(exe, data, fresh, *same[2:], "--teacher", teacher, "--distill-weight", 1)
    assert load_metrics(fresh)["epochs"][0]["train_loss"] > 1e-3, load_metrics(fresh)["epochs"][0]
    print(f"--teacher: train loss {loss[0.0]:.4f} at weight 0, {loss[0.5]:.4f} at 0.5, {loss[1.0]:.2g} at 1")

    out = os.path.join(tmp, "student.pth")
    p = fer_train(exe, data, out, *same, "--teacher", teacher, "--seed", 7)
    assert "warning: the teacher trained on " in p.stderr and "validation accuracy will read high" in p.stderr, \
        p.stderr
    assert "warning: the teacher" not in fer_train(exe, data, out, *same, "--teacher", teacher).stderr
    p = fer_train(exe, data, out, *same, "--teacher", teacher, "--detector", "haar", "--margin", 0.2)
    assert "warning: the teacher learnt from other crops (detector none, margin 0) than this run cuts (detector haar, " \
           "margin 0.2)" in p.stderr, p.stderr
    p = fer_train(exe, data, out, "--input-size", 48, "--epochs", 1, "--teacher", teacher, expect=1)
    assert f"--teacher file '{teacher}' takes RGB 32 px but this run trains at RGB 48 px" in p.stderr, p.stderr
    p = fer_train(exe, data, out, "--input-size", 32, "--epochs", 1, "--teacher", teacher,
                  "--classes", "Sad,Neutral,Happy,Fear,Anger", expect=1)
    assert "scores Anger,Fear,Happy,Neutral,Sad but this run trains Sad,Neutral,Happy,Fear,Anger" in p.stderr, p.stderr
    p = fer_train(exe, data, teacher, *same, "--teacher", teacher, expect=1)
    assert "is this run's own --out" in p.stderr, p.stderr
    p = fer_train(exe, data, out, "--input-size", 32, "--epochs", 1, "--distill-weight", 0.3, expect=None)
    assert p.returncode != 0 and "--distill-weight requires --teacher" in p.stderr, (p.returncode, p.stderr)
    bare = os.path.join(tmp, "bare.pth")
    torch.save(torchvision.models.resnet18(num_classes=5).state_dict(), bare)
    p = fer_train(exe, data, out, "--input-size", 32, "--epochs", 1, "--teacher", bare, expect=1)
    assert "records no classes" in p.stderr, p.stderr
    print("--teacher of another input size, class order or no record: refused by name")


if __name__ == "__main__":
    main()
