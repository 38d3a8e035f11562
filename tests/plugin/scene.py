"""Helpers for element tests: frames composed from real face crops, pipelines run through
GObject introspection, results read from bus messages and ROI metas."""
import ctypes
import os
import random
import time

import numpy as np
from PIL import Image

# libgstreamer links libunwind. Loaded globally by GI ahead of libgcc_s, its _Unwind_* would take
# over C++ exceptions thrown in the element (a bad model or detector file) and abort the process:
# a Python application has to load libgcc_s globally first, as here.
ctypes.CDLL("libgcc_s.so.1", mode=ctypes.RTLD_GLOBAL)
import gi  # noqa: E402

gi.require_version("Gst", "1.0")
gi.require_version("GstVideo", "1.0")
from gi.repository import GLib, Gst, GstVideo  # noqa: E402

Gst.init(None)

CLASSES = ["Anger", "Fear", "Happy", "Neutral", "Sad"]
FACE = 224


def sample_crops(faces5, per_class, seed=0):
    rng = random.Random(seed)
    out = []
    for c in CLASSES:
        names = sorted(os.listdir(os.path.join(faces5, c)))
        out += [os.path.join(faces5, c, n) for n in rng.sample(names, per_class)]
    rng.shuffle(out)
    return out


def compose_frames(crops, width=640, height=480, per_frame=2, seed=1):
    """BGR frames with crops pasted at known, non-overlapping places on a smooth background.
    Returns [(frame, [(x, y, w, h), ...])]."""
    rng = random.Random(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    frames = []
    for i in range(0, len(crops), per_frame):
        bg = np.stack([60 + 80 * xx / width, 90 + 40 * yy / height, 120 + 0 * xx], -1)
        frame = bg.astype(np.uint8).copy()
        boxes = []
        slots = list(range(width // FACE))
        rng.shuffle(slots)
        for k, path in enumerate(crops[i:i + per_frame]):
            x = slots[k] * FACE + rng.randint(0, width % FACE)
            y = rng.randint(0, height - FACE)
            face = np.asarray(Image.open(path).convert("RGB").resize((FACE, FACE)))[:, :, ::-1]
            frame[y:y + FACE, x:x + FACE] = face
            boxes.append((x, y, FACE, FACE))
        frames.append((frame, boxes))
    return frames


def make_model(crops, path):
    """A random resnet18 centred on these crops, so its labels spread over the classes."""
    import torch

    from common import spread_model
    torch.save(spread_model("resnet18", crops, seed=11)[0].state_dict(), path)


def save_feremotion(state_dict, path, crop, arch="resnet18"):
    """A torchvision ResNet's state_dict in the project's model file, written by Python (torch.load reads it
    back as a plain dict), with `crop` as fer-train records the crop it trained on."""
    import torch
    torch.save({"format": "feremotion", "format_version": 1, "arch": arch, "classes": CLASSES, "input_size": 224,
                "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225],
                "training": {"epoch": 1, "crop": crop}, "state_dict": state_dict}, path)


def scores(messages):
    """(box, scores) of every face of every frame, in a fixed order."""
    return [(f["box"], f["scores"]) for faces in messages for f in sorted(faces, key=lambda f: f["box"])]


def same_scores(a, b, tol=1e-4):
    return len(a) == len(b) and all(tuple(x[0]) == tuple(y[0]) and max(abs(p - q) for p, q in zip(x[1], y[1])) < tol
                                    for x, y in zip(a, b))


def iou(a, b):
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def face_dicts(structure):
    """The 'faces' list of a feremotion message as plain dicts."""
    faces = []
    value = structure.get_value("faces")
    for s in value:  # a Gst.ValueList with gst-python's overrides (python3-gst-1.0)
        faces.append({
            "box": (s.get_value("x"), s.get_value("y"), s.get_value("width"), s.get_value("height")),
            "label": s.get_value("label"), "label_id": s.get_value("label_id"),
            "confidence": s.get_value("confidence"), "track_id": s.get_value("track_id"),
            "scores": list(s.get_value("scores")),
            "landmarks": list(s.get_value("landmarks")) if s.has_field("landmarks") else None,
        })
    return faces


def run_frames(frames, element, convert_to=None, fps=10, live=False, warnings=None, before_push=None):
    """Pushes BGR frames through [videoconvert ! format] ! element ! fakesink (in real time when
    live). Returns (messages: list of per-frame face lists, metas: list of per-buffer meta lists, error);
    bus warnings go into `warnings` where a list is given; before_push(i, element) runs before frame i
    is pushed (to change a property while playing)."""
    h, w = frames[0][0].shape[:2]
    conv = f"videoconvert ! video/x-raw,format={convert_to} ! " if convert_to else ""
    pipe = Gst.parse_launch(
        f"appsrc name=src format=time is-live={str(live).lower()} do-timestamp={str(live).lower()} "
        f"caps=video/x-raw,format=BGR,width={w},height={h},framerate={fps}/1 ! "
        f"{conv}{element} name=fer ! fakesink name=sink sync={str(live).lower()}")
    metas = []

    roi_api = GstVideo.video_region_of_interest_meta_api_get_type()

    def probe(pad, info):
        # GI cannot cast a generic GstMeta, but finds ROI metas by id: track ids count up from 1.
        buf = info.get_buffer()
        want, found, track = buf.get_n_meta(roi_api), [], 1
        while len(found) < want and track < 100000:
            m = GstVideo.buffer_get_video_region_of_interest_meta_id(buf, track)
            if m:
                emotion, obj, lm = m.get_param("emotion"), m.get_param("object_id"), m.get_param("landmarks")
                found.append({"id": m.id, "type": GLib.quark_to_string(m.roi_type), "box": (m.x, m.y, m.w, m.h),
                              "label": emotion.get_value("label") if emotion else None,
                              "object_id": obj.get_value("id") if obj else None,
                              "landmarks": (list(lm.get_value("points")) if lm else None),
                              "landmark_names": (list(lm.get_value("names")) if lm else None)})
            track += 1
        metas.append((want, found))
        return Gst.PadProbeReturn.OK

    pipe.get_by_name("sink").get_static_pad("sink").add_probe(Gst.PadProbeType.BUFFER, probe)
    src = pipe.get_by_name("src")
    pipe.set_state(Gst.State.PLAYING)
    for i, (frame, _) in enumerate(frames):
        if before_push:
            before_push(i, pipe.get_by_name("fer"))
        buf = Gst.Buffer.new_wrapped(frame.tobytes())
        if live:
            time.sleep(1 / fps)  # a camera hands frames out at its rate
        else:
            buf.pts = i * Gst.SECOND // fps
        buf.duration = Gst.SECOND // fps
        src.emit("push-buffer", buf)
    src.emit("end-of-stream")
    messages, error = [], None
    bus = pipe.get_bus()
    while True:
        msg = bus.timed_pop_filtered(60 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR |
                                     Gst.MessageType.ELEMENT | Gst.MessageType.WARNING)
        if msg is None:
            error = "timeout"
            break
        if msg.type == Gst.MessageType.WARNING:
            if warnings is not None:
                warnings.append(msg.parse_warning()[0].message)
            continue
        if msg.type == Gst.MessageType.ERROR:
            error = msg.parse_error()[0].message
            break
        if msg.type == Gst.MessageType.EOS:
            break
        s = msg.get_structure()
        if s and s.get_name() == "feremotion":
            messages.append(face_dicts(s))
    pipe.set_state(Gst.State.NULL)
    return messages, metas, error


