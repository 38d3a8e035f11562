"""fer-synth: drawn faces are reproducible, the default detector finds them, and its scorer counts
matches as hand-computed."""
import filecmp
import glob
import json
import os
import sys
import tempfile

from fixture import BUILD, CLASSES, SYNTH, check, run

DETECT = os.path.join(BUILD, "tools", "fer-detect")


def write_jsonl(path, lines):
    with open(path, "w") as f:
        for line in lines:
            f.write(json.dumps(line) + "\n")


def main():
    tmp = tempfile.mkdtemp(prefix="fer-synth-")
    a, b, c = (os.path.join(tmp, n) for n in "abc")
    run([SYNTH, "--seed", "4", "faces", "--out", a, "--per-class", "40"])
    run([SYNTH, "--seed", "4", "faces", "--out", b, "--per-class", "2"])
    run([SYNTH, "--seed", "5", "faces", "--out", c, "--per-class", "2"])
    check(sorted(os.listdir(a)) == CLASSES, "a folder per emotion")
    first = sorted(glob.glob(os.path.join(b, "*", "*.png")))
    check(len(first) == 10, "per-class images in each folder")
    same = [filecmp.cmp(f, f.replace(b, a, 1), shallow=False) for f in first if "_0000" in f]
    check(all(same), "the same seed draws the same first faces")
    check(not filecmp.cmp(first[0], first[0].replace(b, c, 1), shallow=False), "another seed draws other faces")

    # The element's default detector, on the stills (the video frames are checked by the demo test).
    images = sorted(glob.glob(os.path.join(a, "*", "*.png")))
    found = {k: 0 for k in CLASSES}
    for line in run([DETECT, "--detector", "haar"] + images).stdout.splitlines():
        j = json.loads(line)
        found[os.path.basename(os.path.dirname(j["image"]))] += len(j["faces"]) >= 1
    rate = sum(found.values()) / len(images)
    print("haar on drawn stills:", found, f"{rate:.3f}")
    check(rate >= 0.9, f"haar finds a face in >= 90% of 200 drawn stills ({rate:.3f})")
    check(min(found.values()) >= 0.75 * 40, "and in >= 75% of every emotion's")

    # Scorer: boxes with hand-computed IoU. Truth 100x100 at 0,0. (a) same box: IoU 1; (b) 100x100 at
    # 50,0: IoU 5000/15000 = 0.33 -> not found at 0.5; (c) 100x100 at 20,0: 8000/12000 = 0.67 -> found.
    truth = os.path.join(tmp, "t.jsonl")
    res = os.path.join(tmp, "r.jsonl")
    face = lambda x, label: {"x": x, "y": 0, "width": 100, "height": 100, "label": label}  # noqa: E731
    write_jsonl(truth, [{"frame": 0, "faces": [face(0, "Happy")]}, {"frame": 1, "faces": [face(0, "Sad")]},
                        {"frame": 2, "faces": [face(0, "Fear")]}, {"frame": 3, "faces": [face(0, "Anger")]}])
    write_jsonl(res, [{"frame": 0, "faces": [face(0, "Happy")]}, {"frame": 1, "faces": [face(50, "Sad")]},
                      {"frame": 2, "faces": [face(20, "Neutral"), face(400, "Fear")]}])
    s = json.loads(run([SYNTH, "score", "--truth", truth, "--results", res, "--json"]).stdout)
    check((s["faces"], s["found"], s["false_faces"], s["labelled_right"]) == (4, 2, 2, 1),
          f"scorer: 4 faces, 2 found, 2 false boxes, 1 label right ({s})")
    s = json.loads(run([SYNTH, "score", "--truth", truth, "--results", res, "--json", "--iou", "0.3"]).stdout)
    check(s["found"] == 3, "at IoU 0.3 the 0.33 overlap counts too")
    p = run([SYNTH, "score", "--truth", truth, "--results", os.path.join(tmp, "missing.jsonl")], expect=2)
    check("missing.jsonl" in p.stderr, "a missing results file is named")


if __name__ == "__main__":
    sys.exit(main())
