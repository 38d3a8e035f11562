"""feremotion's Xception family in PyTorch: the module whose load_state_dict takes the state_dict of
a feremotion model file with arch xception2 or xception3 (fer-train --arch xception2, fer-import).

    import torch
    from fer_xception import FerXception
    ckpt = torch.load("emotion-fer2013.pth")
    net = FerXception(ckpt["arch"], len(ckpt["classes"]), ckpt["input_channels"])
    net.load_state_dict(ckpt["state_dict"])
    # input: N x C x S x S, resized face, grey = 0.2989 R + 0.5870 G + 0.1140 B on 0..1,
    # then (x - ckpt["mean"]) / ckpt["std"]; output: logits (softmax gives the probabilities)
"""
import torch
from torch import nn
import torch.nn.functional as F

BLOCKS = {"xception2": (128, 256), "xception3": (128, 256, 512)}


class Separable(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.depthwise = nn.Conv2d(cin, cin, 3, padding=1, groups=cin, bias=False)
        self.pointwise = nn.Conv2d(cin, cout, 1, bias=False)

    def forward(self, x):
        return self.pointwise(self.depthwise(x))


class Block(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=2, bias=False), nn.BatchNorm2d(cout))
        self.sep1, self.bn1 = Separable(cin, cout), nn.BatchNorm2d(cout)
        self.sep2, self.bn2 = Separable(cout, cout), nn.BatchNorm2d(cout)

    def forward(self, x):
        y = self.bn2(self.sep2(F.relu(self.bn1(self.sep1(F.relu(x))))))
        return F.max_pool2d(y, 3, 2, 1) + self.shortcut(x)


class FerXception(nn.Module):
    def __init__(self, arch="xception2", num_classes=5, in_channels=1):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(in_channels, 32, 3, stride=2, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
                                  nn.Conv2d(32, 64, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU())
        widths = (64,) + BLOCKS[arch]
        self.blocks = nn.Sequential(*[Block(a, b) for a, b in zip(widths, widths[1:])])
        self.classifier = nn.Conv2d(widths[-1], num_classes, 3, padding=1)

    def forward(self, x):
        return self.classifier(self.blocks(self.stem(x))).mean((2, 3))
