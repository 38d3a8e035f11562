"""fer::train::ReduceLROnPlateau against torch.optim.lr_scheduler.ReduceLROnPlateau on the same metrics."""
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "parity"))
from common import need_torch, run  # noqa: E402


def torch_lrs(mode, threshold_mode, lr, factor, patience, threshold, cooldown, min_lr, metrics):
    import torch
    opt = torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(
        opt, mode=mode, factor=factor, patience=patience, threshold=threshold,
        threshold_mode=threshold_mode, cooldown=cooldown, min_lr=min_lr)
    out = []
    for m in metrics:
        sched.step(m)
        out.append(opt.param_groups[0]["lr"])
    return out


def main():
    need_torch()
    probe = sys.argv[1]
    rng = random.Random(1234)
    cases = 0
    for mode in ("min", "max"):
        for threshold_mode in ("rel", "abs"):
            for _ in range(12):
                lr = 10 ** rng.uniform(-5, -1)
                factor = rng.choice([0.1, 0.5, 0.3])
                patience = rng.randint(0, 4)
                threshold = rng.choice([1e-4, 1e-2, 0.05])
                cooldown = rng.randint(0, 3)
                min_lr = rng.choice([0.0, lr * 1e-3])
                # A noisy plateau-ish curve, with exact repeats that hit the threshold comparisons.
                metrics, v = [], rng.uniform(0.5, 2.0)
                for _ in range(40):
                    v += rng.choice([-0.05, -0.001, 0.0, 0.0, 0.002, 0.03]) * (1 if mode == "min" else -1)
                    metrics.append(round(v, 6))
                args = [mode, threshold_mode, repr(lr), repr(factor), patience, repr(threshold), cooldown,
                        repr(min_lr)] + [repr(m) for m in metrics]
                got = [float(x) for x in run([probe] + args).stdout.split()]
                want = torch_lrs(mode, threshold_mode, lr, factor, patience, threshold, cooldown, min_lr, metrics)
                assert len(got) == len(want), (got, want)
                for i, (g, w) in enumerate(zip(got, want)):
                    assert abs(g - w) <= 1e-12 * max(abs(w), 1e-30), \
                        f"step {i}: C++ lr {g} != PyTorch {w} ({mode}, {threshold_mode}, args {args[:8]})"
                cases += 1
    print(f"{cases} sequences: every learning rate equal to PyTorch's")


if __name__ == "__main__":
    main()
