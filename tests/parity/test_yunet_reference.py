"""fer-detect's YuNet against the same network decoded independently in Python (OpenCV's DNN):
boxes, scores and landmarks on composed frames, at several input sizes and thresholds."""
import json
import os
import sys
import tempfile

import common

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "bench"))


def clamp_box(b, w, h):
    x0, y0 = max(0, round(b[0])), max(0, round(b[1]))
    x1, y1 = min(w, round(b[0]) + round(b[2])), min(h, round(b[1]) + round(b[3]))
    return (x0, y0, x1 - x0, y1 - y0)


def main():
    fer_detect = sys.argv[1]
    try:
        import cv2
    except ImportError as e:
        common.skip(f"{e}: install python3-opencv (tools/setup.sh does)")
    faces5 = common.faces5_dir()
    model = os.path.join(common.shared_dir(), "models", "yunet.onnx")
    if not os.path.isfile(model):
        common.skip(f"{model} is absent (the YuNet file lives in ../shared beside the checkout)")
    import detection_quality as dq
    import yunet_reference as ref

    net = cv2.dnn.readNet(model)
    scenes = dq.compose(faces5, 8, seed=11)
    compared = 0
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, (frame, _, _) in enumerate(scenes):
            # Odd sizes too: the padding to multiples of 32 must agree.
            frame = frame[: 480 - 7 * i, : 640 - 13 * i]
            paths.append(os.path.join(tmp, f"f{i}.png"))
            cv2.imwrite(paths[-1], frame)
        for input_size, score_t, nms_t in [(640, 0.6, 0.3), (0, 0.5, 0.4), (320, 0.3, 0.3), (800, 0.8, 0.2)]:
            p = common.run([fer_detect, "--detector", "yunet", "--detector-model", model,
                            "--input-size", input_size, "--score-threshold", score_t, "--nms-threshold", nms_t,
                            "--min-face-size", 20, *paths])
            for line, path in zip(p.stdout.splitlines(), paths):
                got = json.loads(line)
                img = cv2.imread(path)
                h, w = img.shape[:2]
                want = ref.detect(net, img, input_size, score_t, nms_t, min_face_size=20)
                where = f"{os.path.basename(path)} input {input_size}"
                assert len(got["faces"]) == len(want), f"{where}: {len(got['faces'])} faces, reference {len(want)}"
                for f in got["faces"]:
                    box = tuple(f["box"])
                    b, score, marks = min(want, key=lambda r: sum(abs(a - c) for a, c in zip(clamp_box(r[0], w, h), box)))
                    wb = clamp_box(b, w, h)
                    assert all(abs(a - c) <= 1 for a, c in zip(box, wb)), f"{where}: box {box}, reference {wb}"
                    assert abs(f["score"] - score) < 1e-4, f"{where}: score {f['score']}, reference {score}"
                    for (x, y), (rx, ry) in zip(f["landmarks"], marks):
                        assert abs(x - rx) < 0.05 and abs(y - ry) < 0.05, f"{where}: landmark {(x, y)}, reference {(rx, ry)}"
                    compared += 1
    assert compared >= 20, f"only {compared} faces compared: the frames should hold more"
    print(f"{compared} faces agree with the Python reference (boxes within 1 px, scores 1e-4, landmarks 0.05 px)")


if __name__ == "__main__":
    main()
