#!/usr/bin/env python3
"""Bring a model trained in Python: the original project's way of saving,
torch.save(model.state_dict(), path), loads in feremotion as it is; `labels` names its classes.

    python3 python_model.py OUT.pth [--data DIR] [--steps N] [--arch resnet50] [--image IMG]

Builds a torchvision ResNet with a new classifier layer for the classes (as the original project
did), fine-tunes it for a few steps on DIR/<Class>/* if given, saves the bare state_dict, and, with
--image, prints PyTorch's own prediction for that image so it can be compared with
`fer-predict --model OUT.pth --labels ... --detector none IMG`. Needs python3-torch and
python3-torchvision (Debian); feremotion itself needs no Python."""
import argparse

import torch
import torchvision
from torchvision import transforms

# What feremotion does to a face crop: torchvision's Resize, ToTensor and ImageNet Normalize.
PREPROCESS = transforms.Compose([
    transforms.Resize((224, 224)),
    transforms.ToTensor(),
    transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--arch", default="resnet50", choices=["resnet18", "resnet34", "resnet50"])
    ap.add_argument("--data", help="folder-per-class images to fine-tune on")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--classes", default="Angry,Scared,Joyful,Calm,Unhappy",
                    help="class names in logit order (deliberately not feremotion's defaults)")
    ap.add_argument("--image", help="print PyTorch's prediction for this image")
    args = ap.parse_args()
    classes = args.classes.split(",")
    torch.manual_seed(0)

    model = getattr(torchvision.models, args.arch)()
    model.fc = torch.nn.Linear(model.fc.in_features, len(classes))
    if args.data:
        data = torchvision.datasets.ImageFolder(args.data, PREPROCESS)
        loader = torch.utils.data.DataLoader(data, batch_size=8, shuffle=True)
        opt = torch.optim.Adam(model.parameters(), lr=1e-4)
        model.train()
        step = 0
        while step < args.steps:
            for x, y in loader:
                loss = torch.nn.functional.cross_entropy(model(x), y)
                opt.zero_grad()
                loss.backward()
                opt.step()
                step += 1
                print(f"step {step}/{args.steps} loss {loss.item():.4f}", flush=True)
                if step == args.steps:
                    break
    torch.save(model.state_dict(), args.out)
    print(f"saved {args.out}; use it with labels={','.join(classes)}:")
    print(f"  fer-predict --model {args.out} --labels {','.join(classes)} photo.jpg")
    print(f"  gst-launch-1.0 v4l2src ! feremotion model={args.out} labels={','.join(classes)} ! autovideosink")

    if args.image:
        from PIL import Image
        model.eval()
        with torch.no_grad():
            p = torch.softmax(model(PREPROCESS(Image.open(args.image).convert("RGB"))[None]), 1)[0]
        k = int(p.argmax())
        print(f"pytorch: {classes[k]} {p[k].item():.4f}")


if __name__ == "__main__":
    main()
