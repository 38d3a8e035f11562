"""Synthetic results files in the element's results-file schema, with known people and a known gap,
and an independent statement in Python of the figures fer-report must give."""
import json
import random
import statistics

CLASSES = ["Anger", "Fear", "Happy", "Neutral", "Sad"]
FPS = 30
FRAMES = 300
SIZE = 80  # face width and height, px

# track id -> (first frame, last frame, start x, start y, x step per frame, size)
TRACKS = {
    1: (0, 119, 60, 60, 1.0, SIZE),      # P1, lost for a second ...
    4: (150, 299, 210, 64, 0.5, SIZE),   # ... and found 30 px on: joined to 1
    2: (0, 299, 400, 60, 0.0, SIZE),     # P2, the whole video
    3: (30, 89, 60, 300, 0.0, SIZE),     # P3 leaves ...
    5: (120, 200, 400, 330, 0.0, SIZE),  # ... and someone appears 340 px away a second later: not joined
    6: (210, 240, 220, 300, 0.0, SIZE),  # P6 leaves, and two faces appear next to where it was: ambiguous,
    7: (250, 299, 200, 300, 0.0, SIZE),  #    neither is joined
    8: (252, 299, 250, 310, 0.0, SIZE),
}
EXPECTED_PEOPLE = [[1, 4], [2], [3], [5], [6], [7], [8]]  # in order of first appearance


def faces_at(frame, rng):
    faces = []
    for tid, (a, b, x, y, step, size) in TRACKS.items():
        if not a <= frame <= b:
            continue
        raw = [rng.random() ** 2 for _ in CLASSES]
        total = sum(raw)
        scores = {c: v / total for c, v in zip(CLASSES, raw)}
        # The element's label is the smoothed one, not always the argmax of this frame's scores.
        label = rng.choice(CLASSES[:3]) if tid % 2 else rng.choice(CLASSES[2:])
        faces.append({"x": int(x + step * (frame - a)), "y": y, "width": size, "height": size, "track_id": tid,
                      "label": label, "label_id": CLASSES.index(label), "confidence": scores[label], "fresh": True,
                      "scores": scores})
    return faces


def lines(seed=7, frames=FRAMES, stream=None, timed=True):
    rng = random.Random(seed)
    out = []
    for f in range(frames):
        pts = f * 1_000_000_000 // FPS
        line = {"frame": f, "pts": pts if timed else None, "time": pts / 1e9 if timed else None,
                "faces": faces_at(f, rng)}
        if stream is not None:
            line["stream"] = stream
        out.append(json.dumps(line))
    return out


def write(path, text_lines):
    with open(path, "w") as f:
        f.write("".join(l + "\n" for l in text_lines))


def expected_figures(frames, people):
    """frames: the parsed, kept lines in frame order; people: lists of track ids. Figures as fer-report
    defines them: shares of a person's frames with each label, mean scores, seconds = frames x the
    median time between frames."""
    interval = statistics.median((b["time"] - a["time"]) / (b["frame"] - a["frame"]) for a, b in zip(frames, frames[1:]))
    per_person = []
    for tracks in people:
        seen = [(fr, face) for fr in frames for face in fr["faces"] if face["track_id"] in tracks]
        n = len(seen)
        per_person.append({
            "tracks": tracks, "frames": n, "seconds_seen": n * interval,
            "first_s": seen[0][0]["time"], "last_s": seen[-1][0]["time"],
            "share": {c: sum(face["label"] == c for _, face in seen) / n for c in CLASSES},
            "mean_score": {c: sum(face["scores"][c] for _, face in seen) / n for c in CLASSES},
        })
    all_faces = [face for fr in frames for face in fr["faces"]]
    return {
        "frames": len(frames), "face_frames": len(all_faces),
        "max_faces": max(len(fr["faces"]) for fr in frames),
        "mean_faces": len(all_faces) / len(frames),
        "share": {c: sum(face["label"] == c for face in all_faces) / len(all_faces) for c in CLASSES},
        "people": per_person,
    }
