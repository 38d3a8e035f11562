"""fer::train::distillation_loss against the same loss written with PyTorch's own functions
(F.cross_entropy with class weights and label smoothing, F.kl_div on log_softmax/softmax at a
temperature, reduction "batchmean", scaled by T^2): the loss and its gradient, in float64 and float32.
Then a hand-computed case: a teacher that agrees with the student adds nothing, and weight 1 leaves
only the soft part, whose gradient is (softmax(s/T) - softmax(t/T)) * T / N."""
import json
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "parity"))
from common import need_torch  # noqa: E402


def torch_loss(case):
    import torch
    import torch.nn.functional as F
    dt = torch.float32 if case["dtype"] == "float32" else torch.float64
    s = torch.tensor(case["student"], dtype=dt, requires_grad=True)
    t = torch.tensor(case["teacher"], dtype=dt)
    y = torch.tensor(case["labels"])
    w = None if case["class_weights"] is None else torch.tensor(case["class_weights"], dtype=dt)
    hard = F.cross_entropy(s, y, weight=w, label_smoothing=case["label_smoothing"])
    T, a = case["temperature"], case["weight"]
    soft = F.kl_div(F.log_softmax(s / T, dim=1), F.softmax(t / T, dim=1), reduction="batchmean") * T * T
    loss = (1 - a) * hard + a * soft
    loss.backward()
    return loss.item(), s.grad.flatten().tolist()


def main():
    need_torch()
    import torch
    probe = sys.argv[1]
    rng = random.Random(7)
    cases = []
    for dtype in ("float64", "float32"):
        for _ in range(20):
            n, k = rng.randint(1, 9), rng.choice([2, 5, 7])
            cases.append({
                "dtype": dtype,
                "student": [[rng.gauss(0, 3) for _ in range(k)] for _ in range(n)],
                "teacher": [[rng.gauss(0, 3) for _ in range(k)] for _ in range(n)],
                "labels": [rng.randrange(k) for _ in range(n)],
                "class_weights": rng.choice([None, [rng.uniform(0.3, 3) for _ in range(k)]]),
                "label_smoothing": rng.choice([0.0, 0.1, 0.3]),
                "weight": rng.choice([0.0, 0.3, 0.5, 0.9, 1.0]),
                "temperature": rng.choice([1.0, 2.0, 4.0, 7.5]),
            })
    # Hand-computed: weight 1 keeps only the soft part; its gradient in closed form.
    s, t = [[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]], [[2.0, 0.0, -1.0], [0.5, 0.5, 0.5]]
    cases.append({"dtype": "float64", "student": s, "teacher": t, "labels": [0, 1], "class_weights": None,
                  "label_smoothing": 0.0, "weight": 1.0, "temperature": 2.0})
    # A teacher identical to the student adds nothing: the loss is (1 - w) times the hard loss.
    cases.append({"dtype": "float64", "student": s, "teacher": s, "labels": [2, 0], "class_weights": None,
                  "label_smoothing": 0.0, "weight": 0.25, "temperature": 3.0})

    p = subprocess.run([probe], input="".join(json.dumps(c) + "\n" for c in cases), capture_output=True, text=True,
                       check=True)
    got = [json.loads(line) for line in p.stdout.splitlines()]
    assert len(got) == len(cases), p.stdout + p.stderr
    for i, (case, g) in enumerate(zip(cases, got)):
        tol = 1e-5 if case["dtype"] == "float32" else 1e-11
        loss, grad = torch_loss(case)
        assert abs(g["loss"] - loss) <= tol * max(1.0, abs(loss)), f"case {i}: loss {g['loss']} != PyTorch {loss} ({case})"
        for j, (a, b) in enumerate(zip(g["grad"], grad)):
            assert abs(a - b) <= tol * max(1.0, abs(b)), f"case {i}: d loss / d logit {j} {a} != PyTorch {b}"

    # The closed forms, computed here without the loss functions.
    import math
    T = 2.0

    def softmax(row):
        m = max(row)
        e = [math.exp(v - m) for v in row]
        return [v / sum(e) for v in e]

    want_grad = []
    kl = 0.0
    for srow, trow in zip(s, t):
        ps, pt = softmax([v / T for v in srow]), softmax([v / T for v in trow])
        kl += sum(b * math.log(b / a) for a, b in zip(ps, pt))
        want_grad += [(a - b) * T / len(s) for a, b in zip(ps, pt)]
    want_loss = kl / len(s) * T * T
    hand = got[-2]
    assert abs(hand["loss"] - want_loss) < 1e-12, (hand["loss"], want_loss)
    assert all(abs(a - b) < 1e-12 for a, b in zip(hand["grad"], want_grad)), (hand["grad"], want_grad)
    same = got[-1]
    hard = torch.nn.functional.cross_entropy(torch.tensor(s, dtype=torch.float64), torch.tensor([2, 0])).item()
    assert abs(same["loss"] - 0.75 * hard) < 1e-12, (same["loss"], 0.75 * hard)
    print(f"{len(cases) - 2} random cases: loss and gradient equal to PyTorch's (float64 within 1e-11, float32 1e-5); "
          f"the closed forms hold")


if __name__ == "__main__":
    main()
