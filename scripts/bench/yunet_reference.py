"""YuNet decoded in Python with OpenCV's DNN: an independent reference for the C++ detector.
Same rules as the README states: input padded (right, bottom) to multiples of 32 after scaling the
longest side to input_size, score = sqrt(cls * obj), boxes from grid offsets and log sizes."""
import math

import cv2
import numpy as np

STRIDES = (8, 16, 32)


def detect(net, bgr, input_size=640, score_threshold=0.5, nms_threshold=0.3, min_face_size=0):
    """Returns [(box (x, y, w, h) floats, score, landmarks [(x, y)] * 5)] in frame pixels, best first."""
    h, w = bgr.shape[:2]
    scale = input_size / max(w, h) if input_size > 0 else 1.0
    sw, sh = max(1, round(w * scale)), max(1, round(h * scale))
    pw, ph = (sw + 31) // 32 * 32, (sh + 31) // 32 * 32
    padded = np.zeros((ph, pw, 3), np.uint8)
    padded[:sh, :sw] = bgr if (sw, sh) == (w, h) else cv2.resize(bgr, (sw, sh), interpolation=cv2.INTER_LINEAR)
    net.setInput(cv2.dnn.blobFromImage(padded))
    names = [f"{head}_{s}" for s in STRIDES for head in ("cls", "obj", "bbox", "kps")]
    outs = dict(zip(names, net.forward(names)))
    boxes, scores, marks = [], [], []
    for s in STRIDES:
        cols = pw // s
        cls = np.clip(outs[f"cls_{s}"].reshape(-1), 0, 1)
        obj = np.clip(outs[f"obj_{s}"].reshape(-1), 0, 1)
        bbox = outs[f"bbox_{s}"].reshape(-1, 4)
        kps = outs[f"kps_{s}"].reshape(-1, 10)
        score = np.sqrt(cls * obj)
        for i in np.nonzero(score >= score_threshold)[0]:
            r, c = divmod(int(i), cols)
            cx, cy = (c + bbox[i, 0]) * s, (r + bbox[i, 1]) * s
            bw, bh = math.exp(bbox[i, 2]) * s, math.exp(bbox[i, 3]) * s
            boxes.append([cx - bw / 2, cy - bh / 2, bw, bh])
            scores.append(float(score[i]))
            marks.append([((c + kps[i, 2 * p]) * s, (r + kps[i, 2 * p + 1]) * s) for p in range(5)])
    keep = cv2.dnn.NMSBoxes(boxes, scores, 0.0, nms_threshold) if boxes else []
    out = []
    for k in np.array(keep).reshape(-1):
        b = [v / scale for v in boxes[k]]
        if max(b[2], b[3]) < min_face_size:
            continue
        out.append((b, scores[k], [(x / scale, y / scale) for x, y in marks[k]]))
    return out
