#!/usr/bin/env python3
"""A Python application (GObject introspection) that embeds feremotion in its own pipeline:
a pad probe reads each frame's ROI metas, and the application reacts to the "feremotion" bus
messages (here: it prints a line whenever a face's emotion changes).

    python3 embed_app.py VIDEO MODEL.pth        (Debian: python3-gi python3-gst-1.0 gir1.2-gst-plugins-base-1.0)

The plugin must be on GST_PLUGIN_PATH (or installed)."""
import ctypes
import sys

# Python modules that link libunwind (torch, cv2, numpy) could otherwise take over C++ unwinding,
# and an exception inside the element would abort instead of becoming a GStreamer error.
ctypes.CDLL("libgcc_s.so.1", mode=ctypes.RTLD_GLOBAL)

import gi  # noqa: E402

gi.require_version("Gst", "1.0")
gi.require_version("GstVideo", "1.0")
from gi.repository import GLib, Gst, GstVideo  # noqa: E402


def main(video, model):
    Gst.init(None)
    pipeline = Gst.parse_launch(
        "filesrc name=src ! decodebin ! videoconvert ! feremotion name=fer overlay=false ! fakesink")
    pipeline.get_by_name("src").set_property("location", video)
    fer = pipeline.get_by_name("fer")
    fer.set_property("model", model)

    metas_seen = [0]
    roi_api = GstVideo.video_region_of_interest_meta_api_get_type()

    def on_buffer(pad, info):
        buf = info.get_buffer()
        # GI (GStreamer 1.22) cannot cast a generic GstMeta, but finds ROI metas by id, and the
        # element gives each face its track id, counting up from 1.
        want, track = buf.get_n_meta(roi_api), 1
        while want and track < 10000:
            meta = GstVideo.buffer_get_video_region_of_interest_meta_id(buf, track)
            if meta is not None:
                emotion = meta.get_param("emotion")
                assert emotion.get_string("label")
                metas_seen[0] += 1
                want -= 1
            track += 1
        return Gst.PadProbeReturn.OK

    fer.get_static_pad("src").add_probe(Gst.PadProbeType.BUFFER, on_buffer)

    loop = GLib.MainLoop()
    last = {}
    status = [0]

    def on_message(bus, msg):
        s = msg.get_structure()
        if msg.type == Gst.MessageType.ELEMENT and s.get_name() == "feremotion":
            seconds = s.get_value("timestamp") / Gst.SECOND
            for face in s.get_value("faces"):
                track, label = face.get_value("track_id"), face.get_value("label")
                if last.get(track) != label:
                    print(f"{seconds:6.2f} s  face {track}: {label} ({face.get_value('confidence'):.2f})")
                    last[track] = label
        elif msg.type == Gst.MessageType.ERROR:
            err, _ = msg.parse_error()
            print(f"error from {msg.src.get_name()}: {err.message}", file=sys.stderr)
            status[0] = 1
            loop.quit()
        elif msg.type == Gst.MessageType.EOS:
            loop.quit()

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)
    if pipeline.set_state(Gst.State.PLAYING) != Gst.StateChangeReturn.FAILURE:
        loop.run()
    else:
        status[0] = 1
    pipeline.set_state(Gst.State.NULL)
    print(f"{len(last)} faces tracked, {metas_seen[0]} ROI metas read")
    return status[0]


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(f"usage: {sys.argv[0]} VIDEO MODEL.pth")
    sys.exit(main(sys.argv[1], sys.argv[2]))
