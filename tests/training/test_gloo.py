"""Two fer-train processes, data-parallel over c10d's ProcessGroupGloo on 127.0.0.1: both end with
identical weights, only rank 0 writes the model and metrics, and a pair stopped after epoch 1 and
resumed ends with the weights of an uninterrupted pair."""
import os
import socket
import subprocess
import sys
import tempfile

from train_common import link_subset, skip


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_pair(exe, data, folder, epochs, *extra):
    """Both ranks at once; returns each rank's (stdout, weights fingerprint)."""
    master = f"127.0.0.1:{free_port()}"
    procs = []
    for rank in (0, 1):
        out = os.path.join(folder, f"rank{rank}", "m.pth")
        os.makedirs(os.path.dirname(out), exist_ok=True)
        args = [exe, "--data", data, "--out", out, "--arch", "resnet18", "--input-size", 32, "--epochs", epochs,
                "--batch-size", 4, "--threads", 1, "--workers", 1, "--world-size", 2, "--rank", rank,
                "--master", master, *extra]
        procs.append(subprocess.Popen([str(a) for a in args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True))
    outs = [p.communicate(timeout=600) for p in procs]
    result = []
    for rank, (p, (so, se)) in enumerate(zip(procs, outs)):
        if "no distributed training" in se:
            skip(se.strip())
        assert p.returncode == 0, f"rank {rank} exited {p.returncode}\n{so}\n{se}"
        result.append((so, next(l for l in so.splitlines() if "weights fingerprint" in l).split()[-1]))
    return result


def main():
    exe = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        data = link_subset(os.path.join(tmp, "data"), per_class=5)
        a = run_pair(exe, data, os.path.join(tmp, "a"), 2)
        print(f"weights fingerprints: rank 0 {a[0][1]}, rank 1 {a[1][1]}")
        assert a[0][1] == a[1][1], "the ranks ended with different weights"
        assert "epoch   2/2" in a[0][0] and "epoch" not in a[1][0].replace("weights", "")
        assert os.path.exists(os.path.join(tmp, "a", "rank0", "m.pth"))
        assert os.listdir(os.path.join(tmp, "a", "rank1")) == ["m.resume.pt"], "rank 1 wrote more than its resume state"

        run_pair(exe, data, os.path.join(tmp, "b"), 1)
        b = run_pair(exe, data, os.path.join(tmp, "b"), 2, "--resume")
        print(f"resumed pair: {b[0][1]}, {b[1][1]}")
        assert b[0][1] == b[1][1] == a[0][1], "the resumed pair did not reach the uninterrupted pair's weights"


if __name__ == "__main__":
    main()
