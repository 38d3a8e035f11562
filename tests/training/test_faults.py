"""fer-train under faults, nothing lost:
- a full disk while it writes its split, models or resume state (an LD_PRELOAD shim makes write()
  fail with ENOSPC): the run stops with an error naming the file and the cause, the file it could
  not write survives from the previous epoch byte for byte, every file loads; --resume then
  finishes the run;
- kill -9 at random moments, then --resume, until the run is done: every file left behind is
  complete and the final weights equal those of an uninterrupted run with the same seed."""
import glob
import hashlib
import os
import random
import subprocess
import sys
import tempfile
import time
import zipfile

from train_common import fer_train, fer_train_args, link_subset, need_torch

COMMON = ["--input-size", 32, "--batch-size", 8, "--lr", 1e-3, "--seed", 3]
EPOCHS = 6
KILLS = 8


def digests(stem):
    return {p: hashlib.sha256(open(p, "rb").read()).hexdigest() for p in sorted(glob.glob(stem + "*"))}


def check_complete(stem):
    """Every model and state file present is whole: the models load in PyTorch, the state is a whole zip."""
    import torch
    for p in (stem + ".pth", stem + ".last.pth"):
        if os.path.exists(p):
            torch.load(p)
    if os.path.exists(stem + ".resume.pt"):
        with zipfile.ZipFile(stem + ".resume.pt") as z:
            assert z.testzip() is None, "damaged resume state"


def weights(path):
    import torch
    return torch.load(path)["state_dict"]


def same_weights(a, b):
    return a.keys() == b.keys() and all(bool((a[k] == b[k]).all()) for k in a)


def full_disk(exe, shim, data, tmp):
    out = os.path.join(tmp, "disk", "m.pth")
    os.makedirs(os.path.dirname(out))
    stem = out[:-4]
    fer_train(exe, data, out, "--epochs", 1, *COMMON)
    before = digests(stem)
    # The disk fills while it writes the split, the models, or the resume state.
    for victim in (".split.json.tmp", ".pth.tmp", ".resume.pt.tmp"):
        env = dict(os.environ, LD_PRELOAD=shim, FER_ENOSPC_MATCH=victim)
        p = subprocess.run(fer_train_args(exe, data, out, "--epochs", 2, "--resume", *COMMON), env=env,
                           capture_output=True, text=True)
        assert p.returncode != 0, f"fer-train went on with a full disk ({victim})"
        failure = p.stderr.strip().splitlines()[-1]
        assert "No space left on device" in failure or "disk full" in failure, p.stderr[-2000:]
        # The files it could not write are epoch 1's, byte for byte; others may be epoch 2's, whole.
        target = victim[:-len(".tmp")]
        kept = {f: d for f, d in digests(stem).items() if f.endswith(target)}
        assert kept and kept == {f: d for f, d in before.items() if f.endswith(target)}, f"{victim}: changed"
        assert not glob.glob(stem + "*.tmp"), glob.glob(stem + "*.tmp")
        check_complete(stem)
        print(f"full disk on *{victim}: fer-train stopped: '{failure}'; {', '.join(os.path.basename(f) for f in kept)} "
              "from epoch 1 intact, every file whole")
    p = fer_train(exe, data, out, "--epochs", 2, "--resume", *COMMON)
    assert "resumed after epoch 1" in p.stderr, p.stderr
    print("then --resume finished epoch 2")


def kill_and_resume(exe, data, tmp):
    ref = os.path.join(tmp, "ref", "m.pth")
    out = os.path.join(tmp, "killed", "m.pth")
    os.makedirs(os.path.dirname(ref))
    os.makedirs(os.path.dirname(out))
    start = time.monotonic()
    fer_train(exe, data, ref, "--epochs", EPOCHS, *COMMON)
    duration = time.monotonic() - start
    rng = random.Random(8)
    stem, kills, resumed = out[:-4], 0, []
    for attempt in range(KILLS + 1):  # the last attempt runs to the end
        resume = ["--resume"] if os.path.exists(stem + ".resume.pt") else []
        proc = subprocess.Popen(fer_train_args(exe, data, out, "--epochs", EPOCHS, *resume, *COMMON),
                                stderr=subprocess.PIPE, text=True)
        try:
            proc.wait(timeout=rng.uniform(0.3, 0.45 * duration) if attempt < KILLS else None)
        except subprocess.TimeoutExpired:
            proc.kill()  # SIGKILL
            proc.wait()
            kills += 1
        err = proc.stderr.read()
        resumed += [line.split("resumed after epoch ")[1].split()[0] for line in err.splitlines()
                    if "resumed after epoch" in line]
        check_complete(stem)
        if proc.returncode == 0:
            break
        assert proc.returncode == -9, err[-2000:]
    assert proc.returncode == 0, err[-2000:]
    assert kills >= 2, f"only {kills} kills: the delays are too long for this machine"
    assert same_weights(weights(ref.replace(".pth", ".last.pth")), weights(stem + ".last.pth")), \
        "weights after kills and resumes differ from the uninterrupted run"
    print(f"kill -9: {kills} kills at random moments, resumed after epochs {resumed}; "
          f"final weights identical to the uninterrupted run")


def main():
    need_torch()
    exe, shim = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        data = link_subset(os.path.join(tmp, "data"), per_class=6)
        full_disk(exe, shim, data, tmp)
        kill_and_resume(exe, data, tmp)


if __name__ == "__main__":
    main()
