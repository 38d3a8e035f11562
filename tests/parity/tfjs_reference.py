"""An independent interpreter of a TF.js graph model (model.json + .bin), op by op from the graph's
JSON in float64, with TensorFlow's own padding rules (SAME pads the odd pixel at the end). It
knows nothing of feremotion's Xception family: it is what fer-import's output is checked against."""
import base64
import json
import os

import numpy as np
import torch
import torch.nn.functional as F


def _attr_list(node, key, kind):
    return node.get("attr", {}).get(key, {}).get("list", {}).get(kind, [])


def _attr_str(node, key):
    v = node.get("attr", {}).get(key, {}).get("s")
    return base64.b64decode(v).decode() if v else ""


class TfjsGraph:
    def __init__(self, json_path):
        with open(json_path) as f:
            model = json.load(f)
        self.nodes = {n["name"]: n for n in model["modelTopology"]["node"]}
        self.weights = {}
        folder = os.path.dirname(json_path)
        for group in model["weightsManifest"]:
            data = b"".join(open(os.path.join(folder, p), "rb").read() for p in group["paths"])
            offset = 0
            for w in group["weights"]:
                n = int(np.prod(w["shape"])) if w["shape"] else 1
                dtype = {"float32": np.float32, "int32": np.int32}[w["dtype"]]
                arr = np.frombuffer(data, dtype=dtype, count=n, offset=offset).reshape(w["shape"])
                self.weights[w["name"]] = torch.from_numpy(arr.astype(np.float64 if dtype == np.float32 else np.int64))
                offset += n * 4
        sig = model.get("userDefinedMetadata", {}).get("signature", {})
        self.input = next(iter(sig["inputs"].values()))["name"].split(":")[0]
        self.output = next(iter(sig["outputs"].values()))["name"].split(":")[0]

    @staticmethod
    def _same_pad(size, k, s):
        out = -(-size // s)
        total = max((out - 1) * s + k - size, 0)
        return total // 2, total - total // 2

    def _pad(self, x, node, k, s, value=0.0):
        """x: NCHW; TF padding of the node's kind."""
        if _attr_str(node, "padding") != "SAME":
            return x
        top, bottom = self._same_pad(x.shape[2], k, s)
        left, right = self._same_pad(x.shape[3], k, s)
        return F.pad(x, (left, right, top, bottom), value=value)

    def run(self, x_nhwc):
        """x: N x H x W x C float64 array -> the graph's output (N x classes)."""
        cache = {self.input: torch.as_tensor(x_nhwc, dtype=torch.float64).permute(0, 3, 1, 2)}  # NCHW inside

        def value(name):
            name = name.split(":")[0].lstrip("^")
            if name in cache:
                return cache[name]
            node = self.nodes[name]
            op, ins = node["op"], node.get("input", [])
            if op == "Const":
                out = self.weights[name]
            elif op in ("_FusedConv2D", "DepthwiseConv2dNative"):
                x, w = value(ins[0]), value(ins[1])  # w: H x W x I x O (depthwise: H x W x C x 1)
                s = int(_attr_list(node, "strides", "i")[1])
                x = self._pad(x, node, w.shape[0], s)
                if op == "DepthwiseConv2dNative":
                    out = F.conv2d(x, w.permute(2, 3, 0, 1), stride=s, groups=w.shape[2])
                else:
                    out = F.conv2d(x, w.permute(3, 2, 0, 1), stride=s)
                    fused = [base64.b64decode(f).decode() for f in _attr_list(node, "fused_ops", "s")]
                    for f in fused:
                        if f == "BiasAdd":
                            out = out + value(ins[2]).view(1, -1, 1, 1)
                        elif f == "Relu":
                            out = torch.relu(out)
                        else:
                            raise ValueError(f"fused op {f}")
            elif op == "MaxPool":
                k, s = int(_attr_list(node, "ksize", "i")[1]), int(_attr_list(node, "strides", "i")[1])
                out = F.max_pool2d(self._pad(value(ins[0]), node, k, s, float("-inf")), k, s)
            elif op == "AddV2":
                out = value(ins[0]) + value(ins[1])
            elif op == "Relu":
                out = torch.relu(value(ins[0]))
            elif op == "Mean":
                axes = [{1: 2, 2: 3, 3: 1}[int(a)] for a in value(ins[1]).tolist()]  # NHWC axes -> NCHW
                out = value(ins[0]).mean(dim=axes)
            elif op == "Softmax":
                out = torch.softmax(value(ins[0]), dim=-1)
            elif op == "Identity":
                out = value(ins[0])
            else:
                raise ValueError(f"op {op}")
            cache[name] = out
            return out

        return value(self.output).numpy()


def fer2013_input(image_path, size=64):
    """The model's documented input: the face resized bilinearly (PIL, as torchvision), grey =
    0.2989 R + 0.5870 G + 0.1140 B on 0..1, then (g - 0.5) * 2. N x H x W x 1."""
    from PIL import Image
    rgb = np.asarray(Image.open(image_path).convert("RGB").resize((size, size), Image.BILINEAR), dtype=np.float64) / 255
    grey = rgb[..., 0] * 0.2989 + rgb[..., 1] * 0.5870 + rgb[..., 2] * 0.1140
    return ((grey - 0.5) * 2)[None, :, :, None]
