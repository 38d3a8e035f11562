"""fer-report's figures against an independent computation in Python over the same JSON lines, the
joining of a track split by a known gap, bad input (empty, not JSON, cut short, out of order, repeated
frames, another model's lines, several streams, no timestamps, a missing file), and thumbnails from
the video, including a video that does not match the results."""
import csv
import json
import math
import os
import subprocess
import sys
import tempfile

import report_data as rd
from checks import check, exit_code

REPORT = sys.argv[1]


def report(results, out, *extra, expect=0):
    p = subprocess.run([REPORT, results, "--out", out, *extra], capture_output=True, text=True)
    if p.returncode != expect:
        print(p.stdout, p.stderr)
    check(p.returncode == expect, f"fer-report {os.path.basename(results)} {' '.join(extra)}: exit {p.returncode} (want {expect})")
    summary = None
    if os.path.exists(os.path.join(out, "summary.json")):
        with open(os.path.join(out, "summary.json")) as f:
            summary = json.load(f)
    return p, summary


def close(a, b, tol=1e-9):
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


def same_figures(summary, want, what):
    """The report's figures against the independent ones, to float rounding."""
    ok = summary["frames"] == want["frames"] and summary["face_frames"] == want["face_frames"] and \
        summary["max_faces"] == want["max_faces"] and close(summary["mean_faces"], want["mean_faces"]) and \
        all(close(summary["share"][c], want["share"][c]) for c in rd.CLASSES)
    check(ok, f"{what}: frames, faces and the overall mix equal Python's")
    ok = len(summary["people"]) == len(want["people"])
    for got, w in zip(summary["people"], want["people"]):
        ok = ok and got["tracks"] == w["tracks"] and got["frames"] == w["frames"] and \
            close(got["seconds_seen"], w["seconds_seen"]) and close(got["first_s"], w["first_s"]) and \
            close(got["last_s"], w["last_s"]) and \
            all(close(got["share"][c], w["share"][c]) and close(got["mean_score"][c], w["mean_score"][c])
                for c in rd.CLASSES) and \
            got["dominant"] == max(rd.CLASSES, key=lambda c: (w["share"][c], -rd.CLASSES.index(c)))
    check(ok, f"{what}: every person's tracks, frames, seconds, shares, mean scores and dominant emotion equal Python's")


def parse(text_lines):
    return [json.loads(l) for l in text_lines]


def main():
    tmp = tempfile.mkdtemp(prefix="fer-report-")
    good = rd.lines()
    path = os.path.join(tmp, "run.jsonl")
    rd.write(path, good)

    # The figures, and the join: 8 tracks, one pair split by a second's gap, one ambiguous pair kept apart.
    out = os.path.join(tmp, "r1")
    p, s = report(path, out)
    check(s["tracks"] == 8 and s["joined_tracks"] == 1, f"8 tracks, 1 joined ({s['tracks']}, {s['joined_tracks']})")
    check([q["tracks"] for q in s["people"]] == rd.EXPECTED_PEOPLE,
          f"people: {[q['tracks'] for q in s['people']]} == {rd.EXPECTED_PEOPLE}")
    same_figures(s, rd.expected_figures(parse(good), rd.EXPECTED_PEOPLE), "clean file")
    check("1 split tracks joined" in p.stdout, "the summary line says how many tracks were joined")
    with open(os.path.join(out, "index.html")) as f:
        page = f.read()
    check("1 split tracks joined" in page and "tracks 1, 4 (joined)" in page, "the page says what it joined")
    with open(os.path.join(out, "summary.csv")) as f:
        rows = list(csv.DictReader(f))
    check([r["person"] for r in rows] == [q["person"] for q in s["people"]] + ["all"], "summary.csv: a row per person and one for all")
    check(all(close(float(r["share_" + c]), q["share"][c], 1e-5) and close(float(r["seconds_seen"]), q["seconds_seen"], 1e-5)
              for r, q in zip(rows, s["people"]) for c in rd.CLASSES), "summary.csv holds summary.json's figures")
    check(close(float(rows[-1]["share_Happy"]), s["share"]["Happy"], 1e-5), "summary.csv's last row is the overall mix")

    _, s0 = report(path, os.path.join(tmp, "r0"), "--join-gap", "0")
    check(s0["joined_tracks"] == 0 and len(s0["people"]) == 8, "--join-gap 0 joins nothing")
    _, s5 = report(path, os.path.join(tmp, "r5"), "--join-gap", "0.5")
    check(s5["joined_tracks"] == 0, "a gap (1 s) longer than --join-gap 0.5 is not joined")

    # Bad lines: each is skipped, named by line number, and the rest reported as if they were alone.
    bad = list(good)
    other_model = json.loads(bad[10])
    for face in other_model["faces"]:
        face["scores"] = {"Calm": 1.0}
        face["label"] = "Calm"
    bad[10] = json.dumps(other_model)          # line 11: another model's classes
    bad[20] = "this is not json"               # line 21
    bad[30] = json.dumps({"frame": 30})        # line 31: no faces
    bad[40], bad[41] = bad[41], bad[40]        # lines 41/42: out of order (kept)
    bad.insert(100, bad[99])                   # line 101: frame 99 again
    bad[-1] = bad[-1][: len(bad[-1]) // 2]     # last line cut short, as a crash leaves it: no newline
    rd.write(path, bad)
    with open(path, "rb+") as f:
        f.truncate(os.path.getsize(path) - 1)
    p, s = report(path, os.path.join(tmp, "r2"), expect=1)
    check(s["input"]["skipped"] == 5 and s["input"]["out_of_order"] == 1 and s["input"]["duplicate_frames"] == 1,
          f"5 lines skipped, 1 out of order, 1 repeated ({s['input']})")
    for n, why in [(11, "other classes"), (21, "not JSON"), (31, "no \"faces\""), (101, "frame 99 was already read"),
                   (len(bad), "cut short")]:
        check(f"line {n} skipped" in p.stderr and why in p.stderr, f"stderr names line {n}: {why}")
    kept = [json.loads(good[i]) for i in range(rd.FRAMES) if i not in (10, 20, 30, rd.FRAMES - 1)]
    same_figures(s, rd.expected_figures(kept, rd.EXPECTED_PEOPLE), "file with bad lines")
    with open(os.path.join(tmp, "r2", "index.html")) as f:
        check("5 of 301 lines were skipped" in f.read(), "the page says what was skipped")

    # Empty: a page that says so, exit 1.
    empty = os.path.join(tmp, "empty.jsonl")
    open(empty, "w").close()
    p, s = report(empty, os.path.join(tmp, "r3"), expect=1)
    check("holds no readable frame" in p.stderr and s["frames"] == 0 and s["people"] == [], "empty file: said, empty report")
    check(os.path.exists(os.path.join(tmp, "r3", "index.html")), "empty file: a page is still written")

    # Missing file, and an output folder that cannot be made: exit 2, nothing else.
    p, _ = report(os.path.join(tmp, "nope.jsonl"), os.path.join(tmp, "r4"), expect=2)
    check("cannot read results file" in p.stderr and not os.path.exists(os.path.join(tmp, "r4")), "missing file: exit 2, no folder")
    blocker = os.path.join(tmp, "afile")
    open(blocker, "w").close()
    rd.write(path, good)
    p, _ = report(path, os.path.join(blocker, "out"), expect=2)
    check("choose a writable --out" in p.stderr, "unwritable --out: named")

    # Two streams in one file: refused without --stream, one stream's figures with it.
    a, b = rd.lines(seed=1, stream="cam-a"), rd.lines(seed=2, frames=200, stream="cam-b")
    mixed = [l for pair in zip(a, b) for l in pair] + a[len(b):]
    rd.write(path, mixed)
    p, _ = report(path, os.path.join(tmp, "r6"), expect=2)
    check('"cam-a", "cam-b"' in p.stderr and "--stream" in p.stderr, "two streams: both named, --stream asked for")
    p, s = report(path, os.path.join(tmp, "r7"), "--stream", "cam-b")
    check(s["stream"] == "cam-b" and s["frames"] == 200, "--stream cam-b: its 200 frames")
    same_figures(s, rd.expected_figures(parse(b), [q["tracks"] for q in s["people"]]), "stream cam-b")

    # No timestamps (a source without them): times from --fps, said.
    rd.write(path, rd.lines(timed=False))
    p, s = report(path, os.path.join(tmp, "r8"), "--fps", "15", expect=1)
    check(not s["timestamps"] and close(s["duration_s"], rd.FRAMES / 15) and close(s["people"][1]["seconds_seen"], 20.0),
          f"no timestamps: 15 fps gives {rd.FRAMES / 15:.0f} s ({s['duration_s']})")
    check("no timestamps" in p.stderr, "no timestamps: said")

    # Thumbnails from the video: each person's face painted in its own colour; the thumbnail shows it.
    try:
        import cv2
        import numpy as np
    except ImportError:
        print("SKIP thumbnails: python3-opencv is not installed")
        return exit_code()
    rd.write(path, good)
    colours = {tid: (40 * tid % 256, 255 - 30 * tid, 90 + 20 * tid) for tid in rd.TRACKS}
    video = os.path.join(tmp, "run.avi")
    w = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*"MJPG"), rd.FPS, (640, 480))
    frames = parse(good)
    for fr in frames:
        img = np.full((480, 640, 3), 255, np.uint8)
        for face in fr["faces"]:
            x, y, sz = face["x"], face["y"], face["width"]
            img[y:y + sz, x:x + sz] = colours[face["track_id"]]
        w.write(img)
    w.release()
    p, s = report(path, os.path.join(tmp, "r9"), "--video", video)
    ok = True
    for q in s["people"]:
        thumb = cv2.imread(os.path.join(tmp, "r9", q["thumbnail"] or "none"))
        if thumb is None:
            ok = False
            continue
        centre = thumb[thumb.shape[0] // 2, thumb.shape[1] // 2].astype(int)
        ok = ok and np.abs(centre - colours[q["tracks"][0]]).max() < 30 and thumb.shape[0] == 128
    check(ok and len(s["people"]) == 7, "a 128 px thumbnail per person, centred on that person's face")
    # A video that is not this run's: shorter and smaller. Said; thumbnails for what fits.
    short = os.path.join(tmp, "short.avi")
    w = cv2.VideoWriter(short, cv2.VideoWriter_fourcc(*"MJPG"), rd.FPS, (320, 240))
    for _ in range(60):
        w.write(np.zeros((240, 320, 3), np.uint8))
    w.release()
    p, s = report(path, os.path.join(tmp, "r10"), "--video", short, expect=1)
    check("ends after 60 frames" in p.stderr and "outside the video's 320x240 frame" in p.stderr,
          f"a video of another run: both mismatches said ({p.stderr.strip()[-300:]})")
    check(s["frames"] == rd.FRAMES and len(s["people"]) == 7, "the report is still written in full")
    p, s = report(path, os.path.join(tmp, "r11"), "--video", os.path.join(tmp, "none.avi"), expect=1)
    check("cannot open video" in p.stderr and all(q["thumbnail"] is None for q in s["people"]), "a missing video: said, no thumbnails")
    return exit_code()


if __name__ == "__main__":
    sys.exit(main())
