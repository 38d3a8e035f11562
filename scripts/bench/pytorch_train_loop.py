"""The PyTorch side of train_vs_pytorch.sh: the training loop fer-train runs, written the usual way
(ImageFolder, the same augmentation, DataLoader workers, Adam, cross-entropy), for a fixed number of
steps or whole epochs (--epochs; decoded images then cached in memory, as fer-train does by default).
Prints one JSON line with images/s over the steps, timed like fer-train's training phase."""
import argparse
import json
import time

import torch
import torchvision
from torchvision import transforms


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--arch", default="resnet18")
    ap.add_argument("--input-size", type=int, default=112)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--epochs", type=int, default=0, help="whole epochs instead of --steps (images cached)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    tf = transforms.Compose([
        transforms.RandomResizedCrop(a.input_size), transforms.RandomHorizontalFlip(),
        transforms.RandomRotation(10), transforms.ColorJitter(0.2, 0.2, 0.2, 0.05),
        transforms.ToTensor(), transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    ds = torchvision.datasets.ImageFolder(a.data, tf)
    if a.epochs:
        # Decoded once before the workers fork: each worker reads the parent's copy.
        cache = {path: torchvision.datasets.folder.default_loader(path) for path, _ in ds.samples}
        ds.loader = lambda path: cache[path].copy()
    dl = torch.utils.data.DataLoader(ds, batch_size=a.batch_size, shuffle=True, num_workers=a.workers,
                                     drop_last=True, persistent_workers=a.workers > 0)
    model = getattr(torchvision.models, a.arch)(num_classes=len(ds.classes)).train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    steps, images = 0, 0
    limit = a.epochs * len(dl) if a.epochs else a.steps
    start = time.perf_counter()
    while steps < limit:
        for x, y in dl:
            opt.zero_grad()
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.precision == "bf16"):
                logits = model(x)
            loss = torch.nn.functional.cross_entropy(logits.float(), y)
            loss.backward()
            opt.step()
            steps += 1
            images += x.size(0)
            if steps >= limit:
                break
    seconds = time.perf_counter() - start
    print(json.dumps({"images_per_s": images / seconds, "steps": steps, "images": images, "seconds": seconds}))


if __name__ == "__main__":
    main()
