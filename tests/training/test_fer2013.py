"""FER2013's CSV end to end: a small CSV made from faces5 crops (48x48 grey, as FER2013 stores them)
trains with its Training rows, validates on its PublicTest rows, drops unmapped emotions; fer-eval
scores its PrivateTest rows exactly as PyTorch does."""
import json
import os
import sys
import tempfile

from train_common import faces5_dir, fer_train, need_torch, run, torchvision_model

FER_INDEX = {"Anger": 0, "Fear": 2, "Happy": 3, "Sad": 4, "Neutral": 6}  # fer-train's default mapping


def main():
    need_torch()
    import torch
    from PIL import Image
    from torchvision import transforms
    fer_train_exe, fer_eval_exe = sys.argv[1:3]
    src = faces5_dir()
    rows, private = [], []
    for cls, index in FER_INDEX.items():
        names = sorted(os.listdir(os.path.join(src, cls)))[:8]
        for k, name in enumerate(names):
            grey = Image.open(os.path.join(src, cls, name)).convert("L").resize((48, 48), Image.BILINEAR)
            usage = "Training" if k < 4 else "PublicTest" if k < 6 else "PrivateTest"
            rows.append(f"{index},{' '.join(map(str, grey.getdata()))},{usage}")
            if usage == "PrivateTest":
                private.append((grey, cls))
    rows.append(f"1,{' '.join(['128'] * 2304)},Training")  # Disgust: not mapped by default, dropped
    with tempfile.TemporaryDirectory() as tmp:
        csv = os.path.join(tmp, "fer2013.csv")
        with open(csv, "w") as f:
            f.write("emotion,pixels,Usage\n" + "\n".join(rows) + "\n")
        out = os.path.join(tmp, "m.pth")
        fer_train(fer_train_exe, csv, out, "--input-size", 48, "--epochs", 2, "--batch-size", 8)
        with open(os.path.join(tmp, "m.split.json")) as f:
            split = json.load(f)
        assert len(split["train"]) == 20 and len(split["val"]) == 10, (len(split["train"]), len(split["val"]))
        model, d = torchvision_model(out)
        assert sorted(d["classes"]) == sorted(FER_INDEX)

        ev = json.loads(run([fer_eval_exe, "--model", out, "--data", csv, "--json"]).stdout)
        t = transforms.Compose([transforms.Resize((48, 48)), transforms.ToTensor(),
                                transforms.Normalize(d["mean"], d["std"])])
        with torch.no_grad():
            pred = model(torch.stack([t(g.convert("RGB")) for g, _ in private])).argmax(1).tolist()
        k = len(d["classes"])
        cm = [[0] * k for _ in range(k)]
        for (_, cls), p in zip(private, pred):
            cm[d["classes"].index(cls)][p] += 1
        assert ev["images"] == 10 and ev["confusion_matrix"] == cm, (ev["confusion_matrix"], cm)
        print(f"FER2013 CSV: 20 training, 10 validation rows; fer-eval on the 10 test rows equals PyTorch")


if __name__ == "__main__":
    main()
