"""An independent PyTorch statement of feremotion's int8 ResNet (docs/int8.md), from the model
file alone: BatchNorm folded, weights rounded per output channel to max|w|/127, every activation
rounded to the step its calibrated range gives (max/255 as u8 after a ReLU, max/127 as s8 before
one), integer arithmetic exact (float64), the stem and the classifier head in fp32. It shares no
code with the C++ graph: only the rules."""
import torch
import torch.nn.functional as F


def _fold(sd, conv, bn):
    w = sd[conv + ".weight"].double()
    g = sd[bn + ".weight"].double() / torch.sqrt(sd[bn + ".running_var"].double() + 1e-5)
    return w * g.view(-1, 1, 1, 1), sd[bn + ".bias"].double() - sd[bn + ".running_mean"].double() * g


def _quantise(x, step, unsigned):
    # Round half to even (torch.round), then saturate: oneDNN's conversion to u8 / s8.
    return torch.round(x / step).clamp(0 if unsigned else -128, 255 if unsigned else 127)


class _Int8:
    """A tensor of integers and the real value of one of them."""

    def __init__(self, q, step):
        self.q, self.step = q, step


def _conv(sd, ranges, name, bn, x, stride, relu, add=None):
    """An int8 convolution: integer inputs and weights, then bias, [+ shortcut], [ReLU], rounded to
    its own range's step."""
    w, b = _fold(sd, name, bn)
    w_step = (w.abs().amax(dim=(1, 2, 3)) / 127).where(w.abs().amax(dim=(1, 2, 3)) > 0, torch.ones(()).double())
    wq = torch.round(w / w_step.view(-1, 1, 1, 1)).clamp(-127, 127)
    acc = F.conv2d(x.q, wq, None, stride, w.shape[2] // 2)  # exact: integers well inside float64
    y = acc * (x.step * w_step).view(1, -1, 1, 1) + b.view(1, -1, 1, 1)
    if add is not None:
        y = y + add.q * add.step
    if relu:
        y = y.clamp_min(0)
    step = ranges[name] / (255 if relu else 127)
    return _Int8(_quantise(y, step, relu), step)


def resnet_int8_logits(ck, x):
    """Logits of the int8 ResNet in model file dict `ck` (torch.load) for N x 3 x S x S input x."""
    sd, ranges = ck["state_dict"], ck["int8"]["activation_max"]
    w, b = _fold(sd, "conv1", "bn1")
    a = F.max_pool2d(F.conv2d(x.double(), w, b, 2, 3).clamp_min(0), 3, 2, 1)  # the stem, fp32
    step = ranges["conv1"] / 255
    a = _Int8(_quantise(a, step, True), step)
    bottleneck = "layer1.0.conv3.weight" in sd
    stage = 1
    while f"layer{stage}.0.conv1.weight" in sd:
        i = 0
        while f"layer{stage}.{i}.conv1.weight" in sd:
            p = f"layer{stage}.{i}."
            stride = 2 if stage > 1 and i == 0 else 1
            shortcut = (_conv(sd, ranges, p + "downsample.0", p + "downsample.1", a, stride, False)
                        if p + "downsample.0.weight" in sd else a)
            n = 3 if bottleneck else 2
            y = a
            for k in range(1, n):
                strided = (k == 2) if bottleneck else (k == 1)
                y = _conv(sd, ranges, f"{p}conv{k}", f"{p}bn{k}", y, stride if strided else 1, True)
            a = _conv(sd, ranges, f"{p}conv{n}", f"{p}bn{n}", y, 1, True, add=shortcut)
            i += 1
        stage += 1
    pooled = (a.q * a.step).mean(dim=(2, 3))
    return (pooled @ sd["fc.weight"].double().t() + sd["fc.bias"].double()).float()
