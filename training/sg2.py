"""StyleGAN2 networks for FaceWeb training (written from Karras et al. 2020, "Analyzing and Improving the
Image Quality of StyleGAN"), with parameter/buffer names in the rosinality stylegan2-pytorch layout that
FaceWeb's .NET engine loads (see /work/shared/specs/stylegan2.md).

Only plain PyTorch ops: runs on CPU and CUDA, no custom kernels.
"""
import json
import math
import os
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SQRT2 = math.sqrt(2.0)


# ------------------------------------------------------------------------------------------------ primitives
def fir_kernel(taps=(1, 3, 3, 1)):
    k = torch.tensor(taps, dtype=torch.float32)
    k = k[:, None] * k[None, :]
    return k / k.sum()


def upfirdn2d(x, k, up=1, down=1, pad=(0, 0)):
    """Zero-insert `up`, pad (pad0 before, pad1 after; negative crops), true 2-D convolution with k, keep every
    `down`-th pixel. Same padding on both axes."""
    b, c, h, w = x.shape
    if up > 1:
        x = x.reshape(b, c, h, 1, w, 1)
        x = F.pad(x, [0, up - 1, 0, 0, 0, up - 1])
        x = x.reshape(b, c, h * up, w * up)
    p0, p1 = pad
    x = F.pad(x, [max(p0, 0), max(p1, 0), max(p0, 0), max(p1, 0)])
    if p0 < 0 or p1 < 0:
        H, W = x.shape[2], x.shape[3]
        x = x[:, :, max(-p0, 0):H - max(-p1, 0), max(-p0, 0):W - max(-p1, 0)]
    kh, kw = k.shape
    wk = torch.flip(k, [0, 1]).to(x.dtype).reshape(1, 1, kh, kw).expand(c, 1, kh, kw)
    x = F.conv2d(x, wk, groups=c)
    if down > 1:
        x = x[:, :, ::down, ::down]
    return x


def fused_lrelu(x, bias):
    shape = [1, -1] + [1] * (x.dim() - 2)
    return F.leaky_relu(x + bias.reshape(shape), 0.2) * SQRT2


class PixelNorm(nn.Module):
    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(dim=1, keepdim=True) + 1e-8)


class EqualLinear(nn.Module):
    def __init__(self, in_dim, out_dim, bias=True, bias_init=0.0, lr_mul=1.0, activation=None):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_dim, in_dim) / lr_mul)
        self.bias = nn.Parameter(torch.full((out_dim,), float(bias_init))) if bias else None
        self.scale = lr_mul / math.sqrt(in_dim)
        self.lr_mul = lr_mul
        self.activation = activation

    def forward(self, x):
        b = self.bias * self.lr_mul if self.bias is not None else None
        if self.activation:
            y = F.linear(x, self.weight * self.scale)
            return fused_lrelu(y, b)
        return F.linear(x, self.weight * self.scale, b)


class FusedLeakyReLU(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x):
        return fused_lrelu(x, self.bias)


class Blur(nn.Module):
    def __init__(self, pad, factor2=1.0):
        super().__init__()
        self.register_buffer("kernel", fir_kernel() * factor2)
        self.pad = pad

    def forward(self, x):
        return upfirdn2d(x, self.kernel, pad=self.pad)


class Upsample(nn.Module):
    def __init__(self, factor=2):
        super().__init__()
        self.factor = factor
        self.register_buffer("kernel", fir_kernel() * factor ** 2)
        p = 4 - factor
        self.pad = ((p + 1) // 2 + factor - 1, p // 2)

    def forward(self, x):
        return upfirdn2d(x, self.kernel, up=self.factor, pad=self.pad)


class ModulatedConv2d(nn.Module):
    """Weight demodulation (paper sec. 2.2). `fused=True` runs one grouped conv per sample (the reference form);
    `fused=False` scales activations instead of weights (same math, faster for training batches)."""

    def __init__(self, in_ch, out_ch, kernel_size, style_dim, demodulate=True, upsample=False):
        super().__init__()
        self.in_ch, self.out_ch, self.k = in_ch, out_ch, kernel_size
        self.demodulate, self.upsample = demodulate, upsample
        self.weight = nn.Parameter(torch.randn(1, out_ch, in_ch, kernel_size, kernel_size))
        self.scale = 1.0 / math.sqrt(in_ch * kernel_size ** 2)
        self.modulation = EqualLinear(style_dim, in_ch, bias_init=1.0)
        if upsample:
            factor = 2
            p = (4 - factor) - (kernel_size - 1)
            self.blur = Blur(((p + 1) // 2 + factor - 1, p // 2 + 1), factor2=factor ** 2)
        self.fused = False

    def forward(self, x, w=None, s=None):
        b = x.shape[0]
        if s is None:
            s = self.modulation(w)
        if self.fused:
            return self._fused(x, s)
        wt = self.weight[0] * self.scale                        # [out,in,k,k]
        x = x * s.reshape(b, self.in_ch, 1, 1)
        if self.upsample:
            y = F.conv_transpose2d(x, wt.transpose(0, 1), stride=2, padding=0)
        else:
            y = F.conv2d(x, wt, padding=self.k // 2)
        if self.demodulate:
            d = torch.rsqrt(s.pow(2) @ wt.pow(2).sum(dim=[2, 3]).t() + 1e-8)   # [b,out]
            y = y * d.reshape(b, self.out_ch, 1, 1)
        if self.upsample:
            y = self.blur(y)
        return y

    def _fused(self, x, s):
        b, _, h, w_ = x.shape
        wm = self.scale * self.weight * s.reshape(b, 1, self.in_ch, 1, 1)
        if self.demodulate:
            wm = wm * torch.rsqrt(wm.pow(2).sum(dim=[2, 3, 4]) + 1e-8).reshape(b, self.out_ch, 1, 1, 1)
        x = x.reshape(1, b * self.in_ch, h, w_)
        if self.upsample:
            wm = wm.transpose(1, 2).reshape(b * self.in_ch, self.out_ch, self.k, self.k)
            y = F.conv_transpose2d(x, wm, stride=2, padding=0, groups=b)
            y = y.reshape(b, self.out_ch, y.shape[2], y.shape[3])
            return self.blur(y)
        wm = wm.reshape(b * self.out_ch, self.in_ch, self.k, self.k)
        y = F.conv2d(x, wm, padding=self.k // 2, groups=b)
        return y.reshape(b, self.out_ch, h, w_)


class NoiseInjection(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))

    def forward(self, x, noise=None):
        if noise is None:
            noise = torch.randn(x.shape[0], 1, x.shape[2], x.shape[3], device=x.device, dtype=x.dtype)
        return x + self.weight * noise


class ConstantInput(nn.Module):
    def __init__(self, channels, size=4):
        super().__init__()
        self.input = nn.Parameter(torch.randn(1, channels, size, size))

    def forward(self, b):
        return self.input.expand(b, -1, -1, -1)


class StyledConv(nn.Module):
    def __init__(self, in_ch, out_ch, k, style_dim, upsample=False):
        super().__init__()
        self.conv = ModulatedConv2d(in_ch, out_ch, k, style_dim, upsample=upsample)
        self.noise = NoiseInjection()
        self.activate = FusedLeakyReLU(out_ch)

    def forward(self, x, w=None, noise=None, s=None):
        return self.activate(self.noise(self.conv(x, w, s), noise))


class ToRGB(nn.Module):
    def __init__(self, in_ch, style_dim, upsample=True):
        super().__init__()
        if upsample:
            self.upsample = Upsample()
        self.conv = ModulatedConv2d(in_ch, 3, 1, style_dim, demodulate=False)
        self.bias = nn.Parameter(torch.zeros(1, 3, 1, 1))

    def forward(self, x, w=None, skip=None, s=None):
        y = self.conv(x, w, s) + self.bias
        if skip is not None:
            y = y + self.upsample(skip)
        return y


class NoiseBuffers(nn.Module):
    def __init__(self, size):
        super().__init__()
        log = int(math.log2(size))
        j = 0
        for r in range(2, log + 1):
            for _ in range(1 if r == 2 else 2):
                self.register_buffer(f"noise_{j}", torch.randn(1, 1, 2 ** r, 2 ** r))
                j += 1
        self.count = j

    def list(self):
        return [getattr(self, f"noise_{j}") for j in range(self.count)]


# ------------------------------------------------------------------------------------------------ generator
DEFAULT_CHANNELS = {4: 256, 8: 256, 16: 256, 32: 128, 64: 64}


class Generator(nn.Module):
    def __init__(self, size=64, style_dim=256, n_mlp=8, channels=None, lr_mlp=0.01):
        super().__init__()
        channels = {int(k): int(v) for k, v in (channels or DEFAULT_CHANNELS).items()}
        self.size, self.style_dim, self.n_mlp, self.channels = size, style_dim, n_mlp, channels
        self.log_size = int(math.log2(size))
        self.n_latent = self.log_size * 2 - 2
        layers = [PixelNorm()]
        for _ in range(n_mlp):
            layers.append(EqualLinear(style_dim, style_dim, lr_mul=lr_mlp, activation="fused_lrelu"))
        self.style = nn.Sequential(*layers)
        self.input = ConstantInput(channels[4])
        self.conv1 = StyledConv(channels[4], channels[4], 3, style_dim)
        self.to_rgb1 = ToRGB(channels[4], style_dim, upsample=False)
        self.convs = nn.ModuleList()
        self.to_rgbs = nn.ModuleList()
        prev = channels[4]
        for i in range(3, self.log_size + 1):
            c = channels[2 ** i]
            self.convs.append(StyledConv(prev, c, 3, style_dim, upsample=True))
            self.convs.append(StyledConv(c, c, 3, style_dim))
            self.to_rgbs.append(ToRGB(c, style_dim))
            prev = c
        self.noises = NoiseBuffers(size)

    def config(self):
        return {"size": self.size, "style_dim": self.style_dim, "n_mlp": self.n_mlp,
                "channels": {str(k): v for k, v in sorted(self.channels.items())}}

    def set_fused(self, fused):
        for m in self.modules():
            if isinstance(m, ModulatedConv2d):
                m.fused = fused
        return self

    def mapping(self, z):
        return self.style(z)

    @torch.no_grad()
    def mean_latent(self, n=10000, seed=0, batch=2000):
        g = torch.Generator().manual_seed(seed)
        dev = self.input.input.device
        acc = torch.zeros(self.style_dim, dtype=torch.float64)
        for i in range(0, n, batch):
            z = torch.randn(min(batch, n - i), self.style_dim, generator=g).to(dev)
            acc += self.mapping(z).double().sum(0).cpu()
        return (acc / n).float()

    def synthesis(self, wplus, noise="random"):
        """wplus [b, n_latent, D]. noise: 'random' (fresh per call), 'const' (the noise buffers) or a list."""
        b = wplus.shape[0]
        if noise == "const":
            noise = self.noises.list()
        elif noise == "random":
            noise = [None] * self.noises.count
        x = self.input(b)
        x = self.conv1(x, wplus[:, 0], noise=noise[0])
        skip = self.to_rgb1(x, wplus[:, 1])
        i = 1
        for j in range(len(self.to_rgbs)):
            x = self.convs[2 * j](x, wplus[:, i], noise=noise[1 + 2 * j])
            x = self.convs[2 * j + 1](x, wplus[:, i + 1], noise=noise[2 + 2 * j])
            skip = self.to_rgbs[j](x, wplus[:, i + 2], skip)
            i += 2
        return skip

    def forward(self, z, z2=None, inject_index=None, truncation=1.0, truncation_latent=None, noise="random"):
        w = self.mapping(z)
        if truncation != 1.0:
            w = truncation_latent + truncation * (w - truncation_latent)
        wplus = w.unsqueeze(1).repeat(1, self.n_latent, 1)
        if z2 is not None:
            w2 = self.mapping(z2)
            if truncation != 1.0:
                w2 = truncation_latent + truncation * (w2 - truncation_latent)
            wplus = torch.cat([wplus[:, :inject_index], w2.unsqueeze(1).repeat(1, self.n_latent - inject_index, 1)], 1)
        return self.synthesis(wplus, noise)


# ------------------------------------------------------------------------------------------------ discriminator
class EqualConv2d(nn.Module):
    def __init__(self, in_ch, out_ch, k, stride=1, padding=0, bias=True):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_ch, in_ch, k, k))
        self.scale = 1.0 / math.sqrt(in_ch * k * k)
        self.stride, self.padding = stride, padding
        self.bias = nn.Parameter(torch.zeros(out_ch)) if bias else None

    def forward(self, x):
        return F.conv2d(x, self.weight * self.scale, self.bias, stride=self.stride, padding=self.padding)


class ConvLayer(nn.Sequential):
    def __init__(self, in_ch, out_ch, k, downsample=False, bias=True, activate=True):
        layers = []
        if downsample:
            p = (4 - 2) + (k - 1)
            layers.append(Blur(((p + 1) // 2, p // 2)))
            stride, padding = 2, 0
        else:
            stride, padding = 1, k // 2
        layers.append(EqualConv2d(in_ch, out_ch, k, stride, padding, bias=bias and not activate))
        if activate:
            layers.append(FusedLeakyReLU(out_ch))
        super().__init__(*layers)


class ResBlock(nn.Module):
    def __init__(self, in_ch, out_ch):
        super().__init__()
        self.conv1 = ConvLayer(in_ch, in_ch, 3)
        self.conv2 = ConvLayer(in_ch, out_ch, 3, downsample=True)
        self.skip = ConvLayer(in_ch, out_ch, 1, downsample=True, activate=False, bias=False)

    def forward(self, x):
        return (self.conv2(self.conv1(x)) + self.skip(x)) / SQRT2


DEFAULT_D_CHANNELS = {4: 256, 8: 256, 16: 256, 32: 128, 64: 64}


class Discriminator(nn.Module):
    def __init__(self, size=64, channels=None, stddev_group=4):
        super().__init__()
        channels = {int(k): int(v) for k, v in (channels or DEFAULT_D_CHANNELS).items()}
        self.channels = channels
        log = int(math.log2(size))
        convs = [ConvLayer(3, channels[size], 1)]
        prev = channels[size]
        for i in range(log, 2, -1):
            c = channels[2 ** (i - 1)]
            convs.append(ResBlock(prev, c))
            prev = c
        self.convs = nn.Sequential(*convs)
        self.stddev_group = stddev_group
        self.final_conv = ConvLayer(prev + 1, channels[4], 3)
        self.final_linear = nn.Sequential(
            EqualLinear(channels[4] * 16, channels[4], activation="fused_lrelu"),
            EqualLinear(channels[4], 1))

    def features(self, x):
        """Penultimate activations [b, C_4] (used for the D-feature Fréchet distance)."""
        x = self.convs(x)
        b, c, h, w = x.shape
        g = min(b, self.stddev_group)
        while b % g:
            g -= 1
        y = x.reshape(g, -1, 1, c, h, w)
        y = torch.sqrt(y.var(0, unbiased=False) + 1e-8).mean(dim=[2, 3, 4], keepdim=True).squeeze(2)
        y = y.repeat(g, 1, h, w)
        x = self.final_conv(torch.cat([x, y], 1))
        return self.final_linear[0](x.reshape(b, -1))

    def forward(self, x):
        return self.final_linear[1](self.features(x))


# ------------------------------------------------------------------------------------------------ safetensors
_DT = {torch.float32: "F32", torch.float16: "F16", torch.int64: "I64", torch.uint8: "U8"}
_TD = {v: k for k, v in _DT.items()}
_NP = {"F32": np.float32, "F16": np.float16, "I64": np.int64, "U8": np.uint8}


def save_safetensors(tensors, path, metadata=None):
    """Writes the safetensors format (8-byte LE header length, JSON header, raw little-endian data).
    Uses the safetensors package where installed, else a small writer of our own."""
    tensors = {k: v.detach().cpu().contiguous() for k, v in tensors.items()}
    tmp = path + ".tmp"
    try:
        from safetensors.torch import save_file
        save_file(tensors, tmp, metadata=metadata)
    except ImportError:
        header, blobs, off = {}, [], 0
        if metadata:
            header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
        for k in sorted(tensors):
            t = tensors[k]
            raw = t.numpy().astype(_NP[_DT[t.dtype]]).tobytes()
            header[k] = {"dtype": _DT[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
            blobs.append(raw)
            off += len(raw)
        h = json.dumps(header, separators=(",", ":")).encode()
        h += b" " * ((8 - len(h) % 8) % 8)
        with open(tmp, "wb") as f:
            f.write(struct.pack("<Q", len(h)))
            f.write(h)
            for raw in blobs:
                f.write(raw)
    os.replace(tmp, path)


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    base = 8 + n
    out = {}
    for k, v in header.items():
        a, b = v["data_offsets"]
        arr = np.frombuffer(data[base + a:base + b], dtype=_NP[v["dtype"]]).reshape(v["shape"])
        out[k] = torch.from_numpy(arr.copy())
    return out, meta


def export_generator(g_ema, latent_avg, path, dtype=torch.float16, kimg=None):
    sd = {"g_ema." + k: v.to(dtype) for k, v in g_ema.state_dict().items()}
    sd["latent_avg"] = latent_avg.to(dtype)
    cfg = g_ema.config()
    meta = {"size": str(cfg["size"]), "style_dim": str(cfg["style_dim"]), "n_mlp": str(cfg["n_mlp"]),
            "channels": json.dumps(cfg["channels"])}
    if kimg is not None:
        meta["kimg"] = f"{kimg:.3f}"          # images seen in training, thousands: what a resume counts on from
    save_safetensors(sd, path, metadata=meta)


def load_generator(path):
    """A generator.safetensors as export_generator writes it → (g_ema state dict without the prefix, in float32;
    latent_avg; metadata)."""
    sd, meta = load_safetensors(path)
    g_sd = {k[len("g_ema."):]: v.float() for k, v in sd.items() if k.startswith("g_ema.")}
    return g_sd, sd["latent_avg"].float(), meta


def generator_from_state(sd, size=None, n_mlp=None):
    """Builds a Generator from a g_ema state dict (keys without the 'g_ema.' prefix), inferring widths."""
    style_dim = sd["style.1.weight"].shape[0]
    if n_mlp is None:
        n_mlp = len({k.split(".")[1] for k in sd if k.startswith("style.")})
    ch = {4: sd["conv1.conv.weight"].shape[1]}
    j = 0
    while f"convs.{2 * j}.conv.weight" in sd:
        ch[2 ** (j + 3)] = sd[f"convs.{2 * j}.conv.weight"].shape[1]
        j += 1
    size = size or max(ch)
    g = Generator(size, style_dim, n_mlp, ch)
    g.load_state_dict({k: v.float() for k, v in sd.items()}, strict=True)
    return g
