"""fer-detect's YuNet against the same network decoded independently in Python (OpenCV's DNN):
boxes, scores and landmarks on composed frames, at several input sizes and thresholds. Both fp32
runtimes (cv::dnn, and the graph rebuilt on oneDNN) must agree to float rounding; bf16 within its
rounding (measured worst: scores 0.011, IoU 0.87, landmarks 4.1% of the face; asserted: 0.03,
0.8, 6%), faces scoring near the threshold aside."""
import json
import os
import sys
import tempfile

import common

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts", "bench"))


def clamp_box(b, w, h):
    x0, y0 = max(0, round(b[0])), max(0, round(b[1]))
    x1, y1 = min(w, round(b[0]) + round(b[2])), min(h, round(b[1]) + round(b[3]))
    return (x0, y0, x1 - x0, y1 - y0)


def iou(a, b):
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    return ix * iy / float(a[2] * a[3] + b[2] * b[3] - ix * iy)


def compare_bf16(got, want, score_t, w, h, where):
    """Every bf16 face is a reference face (reference run 0.05 below the threshold, so rounding at the
    threshold cannot fail it), and every reference face clearly above the threshold is found."""
    for f in got:
        match = max(want, key=lambda r: iou(clamp_box(r[0], w, h), f["box"]), default=None)
        assert match and iou(clamp_box(match[0], w, h), f["box"]) >= 0.8, f"{where}: bf16 box {f['box']} has no reference"
        assert abs(f["score"] - match[1]) < 0.03, f"{where}: bf16 score {f['score']}, reference {match[1]}"
        side = max(f["box"][2], f["box"][3])
        for (x, y), (rx, ry) in zip(f["landmarks"], match[2]):
            assert abs(x - rx) < 0.06 * side and abs(y - ry) < 0.06 * side, f"{where}: landmark {(x, y)}, reference {(rx, ry)}"
    for b, score, _ in want:
        if score >= score_t + 0.05:
            assert any(iou(clamp_box(b, w, h), f["box"]) >= 0.8 for f in got), f"{where}: bf16 misses a face scoring {score}"
    return len(got)


def main():
    fer_detect = sys.argv[1]
    try:
        import cv2
    except ImportError as e:
        common.skip(f"{e}: install python3-opencv (scripts/setup.sh does)")
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
        runtimes = ("opencv", "fp32", "bf16") if common.cpu_has_avx512() else ("opencv", "fp32")
        if "bf16" not in runtimes:
            print("bf16 runtime not compared: this CPU has no AVX-512, so no bf16")
        for runtime in runtimes:
            for input_size, score_t, nms_t in [(640, 0.6, 0.3), (0, 0.5, 0.4), (320, 0.3, 0.3), (800, 0.8, 0.2)]:
                p = common.run([fer_detect, "--detector", "yunet", "--detector-model", model, "--yunet-runtime",
                                runtime, "--input-size", input_size, "--score-threshold", score_t,
                                "--nms-threshold", nms_t, "--min-face-size", 20, *paths])
                for line, path in zip(p.stdout.splitlines(), paths):
                    got = json.loads(line)
                    assert runtime in got["detector"] or (runtime == "opencv" and "cv::dnn" in got["detector"]), \
                        f"--yunet-runtime {runtime} ran {got['detector']}"
                    img = cv2.imread(path)
                    h, w = img.shape[:2]
                    where = f"{runtime}: {os.path.basename(path)} input {input_size}"
                    if runtime == "bf16":
                        compared += compare_bf16(got["faces"], ref.detect(net, img, input_size, score_t - 0.05, nms_t,
                                                                          min_face_size=20), score_t, w, h, where)
                        continue
                    want = ref.detect(net, img, input_size, score_t, nms_t, min_face_size=20)
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
    assert compared >= 60, f"only {compared} faces compared: the frames should hold more"
    print(f"{compared} faces agree with the Python reference (fp32: boxes within 1 px, scores 1e-4, landmarks "
          f"0.05 px; bf16: IoU 0.8, scores 0.03, landmarks 6% of the face)")


if __name__ == "__main__":
    main()
