"""The one-cycle schedule against torch.optim.lr_scheduler.OneCycleLR: every step's learning rate and
momentum (Adam's beta1 and SGD's momentum), then fer-train's own run, whose per-epoch learning rate
must be PyTorch's at the epoch's last step."""
import math
import os
import random
import sys
import tempfile

from train_common import fer_train, link_subset, load_metrics, need_torch, run


def torch_one_cycle(optimizer, max_lr, total, pct, div, final_div, base_m, max_m):
    """(lr, momentum) before each of steps 0..total, as a PyTorch training loop sees them."""
    import torch
    param = torch.nn.Parameter(torch.zeros(1))
    opt = optimizer([param])
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=max_lr, total_steps=total, pct_start=pct,
                                                div_factor=div, final_div_factor=final_div,
                                                base_momentum=base_m, max_momentum=max_m)
    out = []
    for step in range(total + 1):
        g = opt.param_groups[0]
        out.append((g["lr"], g["betas"][0] if "betas" in g else g["momentum"]))
        if step < total:
            opt.step()
            sched.step()
    return out


def close(a, b):
    return abs(a - b) <= 1e-12 * max(abs(b), 1e-30)


def probe_cases(probe):
    import torch
    rng = random.Random(7)
    optimizers = {"adam": lambda p: torch.optim.Adam(p, lr=1e-3),
                  "sgd": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)}
    cases = 0
    for name, make in optimizers.items():
        for _ in range(10):
            total = rng.choice([7, 10, 53, 300, 1001])
            pct = rng.choice([0.1, 0.25, 0.3, 0.5])
            args = dict(max_lr=10 ** rng.uniform(-4, -0.5), total=total, pct=pct, div=rng.choice([10.0, 25.0]),
                        final_div=rng.choice([1e2, 1e4]), base_m=rng.choice([0.8, 0.85]), max_m=rng.choice([0.9, 0.95]))
            if pct * total <= 1:
                continue
            lines = run([probe] + [repr(v) for v in args.values()]).stdout.splitlines()
            assert lines[-1].startswith("error:") and "beyond" in lines[-1], lines[-1]
            got = [tuple(map(float, line.split())) for line in lines[:-1]]
            want = torch_one_cycle(make, **args)
            assert len(got) == len(want), (len(got), len(want))
            for step, (g, w) in enumerate(zip(got, want)):
                assert close(g[0], w[0]) and close(g[1], w[1]), f"{name} step {step}: C++ {g} != PyTorch {w} ({args})"
            cases += 1
    print(f"{cases} schedules, every step's learning rate and momentum equal to PyTorch's OneCycleLR")
    p = run([probe, "1e-3", "3", "0.3", "25", "1e4", "0.85", "0.95"])
    assert "warm-up is under two steps" in p.stdout and "--warmup" in p.stdout, p.stdout


def fer_train_run(exe):
    """fer-train's per-epoch record holds the learning rate of the epoch's last step."""
    import torch
    with tempfile.TemporaryDirectory() as tmp:
        data = link_subset(os.path.join(tmp, "data"), per_class=8)
        out = os.path.join(tmp, "oc.pth")
        epochs, batch, lr = 4, 8, 3e-3
        p = fer_train(exe, data, out, "--input-size", 32, "--epochs", epochs, "--batch-size", batch, "--lr", lr,
                      "--optimizer", "adamw", "--weight-decay", 0.05, "--lr-schedule", "onecycle", "--warmup", 0.25)
        n_train = torch.load(out)["training"]["train_images"]
        n = n_train - 1 if n_train > 1 and n_train % batch == 1 else n_train
        per_epoch = math.ceil(n / batch)
        assert f"one-cycle over {per_epoch * epochs} steps" in p.stderr, p.stderr
        want = torch_one_cycle(lambda q: torch.optim.AdamW(q, lr=lr), lr, per_epoch * epochs, 0.25, 25.0, 1e4, 0.85, 0.95)
        for rec in load_metrics(out)["epochs"]:
            w = want[rec["epoch"] * per_epoch - 1][0]
            assert abs(rec["lr"] - w) <= 1e-9 * w, f"epoch {rec['epoch']}: lr {rec['lr']} != PyTorch's {w}"
        print(f"fer-train: {epochs} epochs of {per_epoch} steps, each epoch's last learning rate equal to PyTorch's")


def main():
    need_torch()
    probe, exe = sys.argv[1:3]
    probe_cases(probe)
    fer_train_run(exe)


if __name__ == "__main__":
    main()
