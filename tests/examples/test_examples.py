"""Every example in examples/ run as its comments tell a user to, on drawn faces with a small
trained model: none may rot."""
import glob
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

from fixture import (CLASSES, PREDICT, SOURCE, check, count_video_frames, gst_env, read_jsonl, run, small_model,
                     synth_video)

EX = os.path.join(SOURCE, "examples")
PY = "/usr/bin/python3"


def webcam_app(exe, model, stop):
    """Runs the application on a live test source without a window; stop() ends it as a user would."""
    p = subprocess.Popen([exe, model, "videotestsrc is-live=true pattern=ball ! video/x-raw,format=YUY2,width=320,height=240",
                          "fakesink sync=true"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=gst_env())
    deadline = time.time() + 60
    line = ""
    while "running" not in line and time.time() < deadline:
        line = p.stdout.readline()
    time.sleep(1.0)
    stop(p)
    out, err = p.communicate(timeout=60)
    return p.returncode, line + out, err


def main():
    probe_exe, webcam_exe = sys.argv[1], sys.argv[2]
    model, faces = small_model()
    tmp = tempfile.mkdtemp(prefix="fer-examples-")
    video = os.path.join(tmp, "scene.avi")
    truth = synth_video(video, frames=45)
    faces_in_truth = sum(len(t["faces"]) for t in truth)

    # Recorded file in, annotated file and JSON lines out.
    out_avi, out_json = os.path.join(tmp, "annotated.avi"), os.path.join(tmp, "results.jsonl")
    run([os.path.join(EX, "annotate_file.sh"), video, model, out_avi, out_json], env=gst_env())
    lines = read_jsonl(out_json)
    check(len(lines) == 45 and count_video_frames(out_avi) == 45, "annotate_file.sh: 45 frames out, 45 JSON lines")
    found = sum(len(x["faces"]) for x in lines)
    check(found >= 0.9 * faces_in_truth, f"annotate_file.sh: {found} of {faces_in_truth} faces in the JSON")
    check(all(f["label"] in CLASSES for x in lines for f in x["faces"]), "labels are the model's classes")

    # C application reading ROI metas in a pad probe: the same faces and labels as the JSON lines.
    p = run([probe_exe, video, model], env=gst_env())
    meta_lines = [l for l in p.stdout.splitlines() if " face " in l]
    check(len(meta_lines) == found, f"embed_probe (C): one ROI meta a face ({len(meta_lines)} vs {found})")
    json_labels = sorted(f["label"] for x in lines for f in x["faces"])
    meta_labels = sorted(l.split(": ")[1].split()[0] for l in meta_lines)
    check(meta_labels == json_labels, "embed_probe (C): the metas carry the labels the JSON lines have")

    # Python (GI) application: probe and bus messages.
    p = run([PY, os.path.join(EX, "embed_app.py"), video, model], env=gst_env())
    tail = p.stdout.strip().splitlines()[-1]
    check(f"{found} ROI metas read" in tail, f"embed_app.py reads every ROI meta ({tail})")
    changes = [l for l in p.stdout.splitlines() if " face " in l]
    check(len(changes) >= 3, f"embed_app.py reacts to the bus messages ({len(changes)} label changes printed)")

    # Webcam application: q in the terminal, and Ctrl-C, both end it cleanly.
    def press_q(proc):
        proc.stdin.write("q\n")
        proc.stdin.flush()
    rc, out, err = webcam_app(webcam_exe, model, press_q)
    check(rc == 0 and "quit: q" in out, f"webcam_app quits on q (exit {rc}) {err[-300:]}")
    rc, out, err = webcam_app(webcam_exe, model, lambda proc: proc.send_signal(signal.SIGINT))
    check(rc == 0 and "quit: Ctrl-C" in out, f"webcam_app quits on Ctrl-C (exit {rc}) {err[-300:]}")
    # webcam.sh is the README's camera line; with no camera here it must fail with GStreamer's error.
    p = run([os.path.join(EX, "webcam.sh"), model, "/dev/video-none"], expect=None, env=gst_env())
    check(p.returncode != 0 and "video-none" in p.stdout + p.stderr, "webcam.sh names a missing camera")

    # Static images: a folder in, JSON lines and annotated copies out.
    stills = os.path.join(tmp, "stills")
    os.makedirs(stills)
    for c in CLASSES:
        src = sorted(glob.glob(os.path.join(faces, c, "*.png")))[0]
        os.symlink(src, os.path.join(stills, os.path.basename(src)))
    out_dir = os.path.join(tmp, "predicted")
    run([os.path.join(EX, "predict_folder.sh"), model, stills, out_dir], env=dict(os.environ, FER_PREDICT=PREDICT))
    res = read_jsonl(os.path.join(out_dir, "results.jsonl"))
    check(len(res) == 5 and len(glob.glob(os.path.join(out_dir, "*.png"))) == 5,
          "predict_folder.sh: 5 results, 5 annotated copies")

    # A model trained in Python (bare state_dict, the original project's format) with labels=.
    py_model = os.path.join(tmp, "from_python.pth")
    img = os.path.join(stills, sorted(os.listdir(stills))[2])
    p = run([PY, os.path.join(EX, "python_model.py"), py_model, "--arch", "resnet18", "--data", faces, "--steps", "3",
             "--image", img])
    torch_label, torch_p = p.stdout.strip().splitlines()[-1].split()[1:3]
    labels = "Angry,Scared,Joyful,Calm,Unhappy"
    r = json.loads(run([PREDICT, "--model", py_model, "--labels", labels, "--detector", "none", "--precision", "fp32",
                        "--json", img]).stdout)
    face = r["faces"][0]
    check(face["label"] == torch_label and abs(face["confidence"] - float(torch_p)) < 1e-3,
          f"fer-predict reads the Python state_dict: {face['label']} {face['confidence']:.4f} vs PyTorch "
          f"{torch_label} {torch_p}")
    out_json2 = os.path.join(tmp, "py.jsonl")
    run(["gst-launch-1.0", "-q", "filesrc", f"location={video}", "!", "avidemux", "!", "jpegdec", "!", "feremotion",
         f"model={py_model}", f"labels={labels}", f"results-file={out_json2}", "!", "fakesink"], env=gst_env())
    got = {f["label"] for x in read_jsonl(out_json2) for f in x["faces"]}
    check(got and got <= set(labels.split(",")), f"the element names the classes labels= gives ({sorted(got)})")

    # results-file in a folder that does not exist: the start fails with an error naming it.
    p = run(["gst-launch-1.0", "videotestsrc", "num-buffers=2", "!", "feremotion", f"model={model}",
             "results-file=/nonexistent-dir/r.jsonl", "!", "fakesink"], expect=None, env=gst_env())
    check(p.returncode != 0 and "cannot write results file '/nonexistent-dir/r.jsonl'" in p.stdout + p.stderr,
          "an unwritable results-file fails the start, naming the file")
    # A results-file that fills up (/dev/full: every write fails with ENOSPC): one warning, the video goes on.
    p = run(["gst-launch-1.0", "videotestsrc", "num-buffers=5", "!", "feremotion", f"model={model}",
             "results-file=/dev/full", "!", "fakesink"], expect=None, env=gst_env())
    said = (p.stdout + p.stderr).count("Could not write results to '/dev/full'")
    check(p.returncode == 0 and said == 1, f"a full disk under results-file: one warning, stream ends normally "
          f"(exit {p.returncode}, said {said} times)")


if __name__ == "__main__":
    sys.exit(main())
