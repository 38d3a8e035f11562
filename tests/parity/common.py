"""Shared bits of the cross-check tests: they compare the C++ core with PyTorch/torchvision."""
import os
import subprocess
import sys

SKIP = 77  # meson's exit code for a skipped test


def skip(why):
    print(f"SKIP: {why}")
    sys.exit(SKIP)


def need_torch():
    try:
        import torch  # noqa: F401
        import torchvision  # noqa: F401
    except ImportError as e:
        skip(f"{e}: install python3-torch and python3-torchvision (scripts/setup.sh does)")


def shared_dir():
    """../shared beside the checkout, as CI lays it; FER_SHARED overrides."""
    here = os.path.dirname(os.path.abspath(__file__))
    d = os.environ.get("FER_SHARED") or os.path.join(here, "..", "..", "..", "shared")
    return os.path.abspath(d)


def faces5_dir():
    d = os.path.join(shared_dir(), "data", "faces5")
    if not os.path.isdir(d):
        skip(f"{d} is absent (real face crops live in ../shared beside the checkout)")
    return d


def cpu_has_avx512():
    """From the kernel's flags (independent of oneDNN's own answer): bf16 runs only from AVX-512 on."""
    with open("/proc/cpuinfo") as f:
        return any(line.startswith("flags") and " avx512f" in line for line in f)


def run(args, expect=0):
    p = subprocess.run([str(a) for a in args], capture_output=True, text=True)
    if expect is not None and p.returncode != expect:
        raise AssertionError(f"{' '.join(map(str, args))} exited {p.returncode}, expected {expect}\n"
                             f"stdout: {p.stdout}\nstderr: {p.stderr}")
    return p


def rel_err(a, b):
    """max |a-b| / max |b|: the tolerance measure the issue names."""
    return float((a - b).abs().max() / b.abs().max().clamp_min(1e-12))


IMAGENET = ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])


def torchvision_preprocess(size=224):
    """The original project's validation transform."""
    from torchvision import transforms
    return transforms.Compose([transforms.Resize((size, size)), transforms.ToTensor(),
                               transforms.Normalize(*IMAGENET)])


def spread_model(arch, images, seed):
    """An untrained torchvision ResNet whose labels spread over the five classes on these images.
    Random features of similar faces differ little around a large common part, so the classifier
    is centred on the images' mean feature and scaled to their spread. Returns (model, inputs)."""
    import torch
    import torchvision
    from PIL import Image
    torch.manual_seed(seed)
    model = getattr(torchvision.models, arch)(num_classes=5)
    tf = torchvision_preprocess()
    with torch.no_grad():
        randomise_bn(model, torch.Generator().manual_seed(seed + 1))
        model.eval()
        x = torch.stack([tf(Image.open(p).convert("RGB")) for p in images])
        feats = torch.nn.Sequential(*list(model.children())[:-1])(x).flatten(1)
        model.fc.weight.mul_(50 / model.fc.weight.norm(dim=1, keepdim=True) / feats.std(0).norm())
        model.fc.bias.copy_(-model.fc.weight @ feats.mean(0))
    return model, x


def randomise_bn(model, gen):
    """Random running statistics, so a wrong BatchNorm in C++ cannot hide behind mean 0 / var 1."""
    import torch
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=gen) * 0.1)
            m.running_var.copy_(torch.rand(m.running_var.shape, generator=gen) + 0.5)
            m.weight.data.copy_(torch.rand(m.weight.shape, generator=gen) + 0.5)
            m.bias.data.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)
            m.num_batches_tracked.fill_(7)


def cpp_logits(fer_debug, model_path, x, tmp, precision="fp32"):
    """The core's logits for input tensor x (N x C x S x S), through fer_debug."""
    import torch
    x_path, z_path = os.path.join(tmp, "x.f32"), os.path.join(tmp, "z.f32")
    x.contiguous().numpy().astype("float32").tofile(x_path)
    run([fer_debug, "logits", model_path, x_path, z_path, precision])
    # A copy: from_file maps the file privately, and the next call rewrites it in place.
    z = torch.from_file(z_path, size=os.path.getsize(z_path) // 4, dtype=torch.float32).clone()
    return z.view(x.shape[0], -1)
