#!/usr/bin/python3
"""Many streams on one box (issue 19): N live 640x480 30 fps sources with real faces in one process,
each through its own feremotion element, all sharing one loaded model; N = 1, 2, 4, 8. Prints per
stream the frames out (fps), the worst push-to-sink delay, fresh classifications per face per
second, and the process's CPU use; then the largest N that keeps every stream at 30 fps with at
least 5 fresh classifications per face per second and a worst delay under 200 ms. Asserts nothing.

The sources are appsrc elements (is-live, do-timestamp) fed I420 frames on a 30 Hz timer, as a
webcam delivers them; the video they loop is composed from real face crops (../shared/data/faces5)
by realtime.py's composer. Models: ResNet50 at 224 and ResNet18 at 112 px (random weights: the cost
does not depend on them), in the CPU's default precision (auto) and int8 (fer-quantize on the crops).

Usage: scripts/bench/streams.py [--build build] [--faces DIR] [--seconds 15] [--streams 1,2,4,8]
       [--precisions auto,int8] [--models resnet50:224,resnet18:112] [--element-args "min-face-size=80"]"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time

import cv2

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from realtime import ROOT, compose_video, face_images, gst, quantise  # noqa: E402

FPS = 30
WARMUP_S = 3.0


def run_streams(Gst, n, model, precision, frames_i420, seconds, tmp, element_args=""):
    """One run: n live streams for `seconds` after a warm-up. Returns per-stream figures and CPU."""
    pipe = Gst.Pipeline.new("streams")
    srcs, pushed, arrived = [], [dict() for _ in range(n)], [dict() for _ in range(n)]
    for i in range(n):
        results = os.path.join(tmp, f"stream{i}.jsonl")
        desc = (f"appsrc name=src is-live=true do-timestamp=true format=time block=false max-bytes=0 "
                f"caps=video/x-raw,format=I420,width=640,height=480,framerate={FPS}/1 ! "
                f"feremotion model={model} precision={precision} results-file={results} {element_args} ! "
                f"fakesink name=sink sync=false signal-handoffs=true")
        b = Gst.parse_bin_from_description(desc, False)
        b.set_name(f"stream{i}")
        pipe.add(b)
        srcs.append(b.get_by_name("src"))
        b.get_by_name("sink").connect("handoff", lambda sink, buf, pad, i=i: arrived[i].__setitem__(buf.offset, time.monotonic()))
    pipe.set_state(Gst.State.PLAYING)
    pipe.get_state(10 * Gst.SECOND)

    total = int((WARMUP_S + seconds) * FPS)
    t0 = time.monotonic()
    cpu0 = None
    for k in range(total):
        target = t0 + k / FPS
        now = time.monotonic()
        if target > now:
            time.sleep(target - now)
        if k == int(WARMUP_S * FPS):
            r = resource.getrusage(resource.RUSAGE_SELF)
            cpu0, wall0 = r.ru_utime + r.ru_stime, time.monotonic()
        data = frames_i420[k % len(frames_i420)]
        for i, src in enumerate(srcs):
            buf = Gst.Buffer.new_wrapped(data)
            buf.offset = k
            pushed[i][k] = time.monotonic()
            src.emit("push-buffer", buf)
    r = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (r.ru_utime + r.ru_stime - cpu0) / (time.monotonic() - wall0)
    time.sleep(1.0)  # let what is in flight arrive: a frame still missing now counts as late
    for src in srcs:
        src.emit("end-of-stream")
    pipe.get_bus().timed_pop_filtered(10 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
    pipe.set_state(Gst.State.NULL)

    first = int(WARMUP_S * FPS)
    out = []
    for i in range(n):
        window = range(first, total)
        got = [k for k in window if k in arrived[i]]
        delays = [arrived[i][k] - pushed[i][k] for k in got]
        lines = [json.loads(l) for l in open(os.path.join(tmp, f"stream{i}.jsonl"))]
        # The element counts frames from 0 as they come: line k is pushed frame k.
        faces = [f for line in lines[first:total] for f in line["faces"]]
        fresh = sum(f["fresh"] for f in faces)
        face_seconds = len(faces) / FPS
        out.append({"fps": len(got) / seconds, "worst_ms": 1000 * max(delays) if delays else float("inf"),
                    "fresh_per_face_s": fresh / face_seconds if face_seconds else 0.0,
                    "faces_per_frame": len(faces) / max(1, len(lines[first:total]))})
    return out, cpu


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--faces", default=os.path.join(ROOT, "..", "shared", "data", "faces5"))
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--streams", default="1,2,4,8")
    ap.add_argument("--precisions", default="auto,int8")
    ap.add_argument("--models", default="resnet50:224,resnet18:112")
    ap.add_argument("--element-args", default="", help='more feremotion properties, e.g. "min-face-size=80"')
    a = ap.parse_args()
    os.environ["GST_PLUGIN_PATH"] = os.path.join(a.build, "plugin")
    Gst = gst()
    with tempfile.TemporaryDirectory() as tmp:
        video = os.path.join(tmp, "faces.avi")
        compose_video(video, face_images(a.faces, 3), 300)
        cap = cv2.VideoCapture(video)
        frames = []
        while True:
            ok, f = cap.read()
            if not ok:
                break
            frames.append(cv2.cvtColor(f, cv2.COLOR_BGR2YUV_I420).tobytes())
        print(f"source: {len(frames)} frames of 640x480 with 1-3 real faces, looped; {a.seconds:.0f} s measured after "
              f"{WARMUP_S:.0f} s warm-up; {os.cpu_count()} CPUs", flush=True)
        verdict = []
        for spec in a.models.split(","):
            arch, size = spec.split(":")
            model = os.path.join(tmp, f"{arch}_{size}.pth")
            subprocess.run([os.path.join(a.build, "tests", "fer_debug"), "create", arch, size, model], check=True)
            for precision in a.precisions.split(","):
                path = quantise(a.build, model, a.faces) if precision == "int8" else model
                best = 0
                for n in [int(x) for x in a.streams.split(",")]:
                    figures, cpu = run_streams(Gst, n, path, precision, frames, a.seconds, tmp, a.element_args)
                    ok = all(f["fps"] >= FPS - 0.5 and f["fresh_per_face_s"] >= 5 and f["worst_ms"] < 200 for f in figures)
                    if ok:
                        best = max(best, n)
                    print(f"{arch}@{size} {precision:5s} {a.element_args} N={n}: CPU {cpu:.2f} cores; " + "; ".join(
                        f"s{i} {f['fps']:.1f} fps, worst {f['worst_ms']:.0f} ms, {f['fresh_per_face_s']:.1f} fresh/face/s "
                        f"({f['faces_per_frame']:.1f} faces)" for i, f in enumerate(figures)) + ("  OK" if ok else ""), flush=True)
                verdict.append(f"{arch}@{size} {precision} {a.element_args}: largest N meeting 30 fps, >= 5 fresh/face/s, worst < 200 ms: {best}")
        print("\n".join(verdict))


if __name__ == "__main__":
    main()
