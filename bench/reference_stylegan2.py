"""Times a StyleGAN2 generator forward written the way the reference (rosinality model.py, fused=True) computes it:
per-sample modulated weights in one grouped convolution, grouped conv_transpose for up-sampling, upfirdn2d via
conv2d. Random weights; FFHQ shapes. Compare with `dotnet run -c Release --project bench/FaceWeb.Bench -- quick`.

    /usr/bin/python3 bench/reference_stylegan2.py [256 1024 ...]      (Debian: python3-torch + libopenblas0-pthread)
"""
import math, sys, time
import torch
import torch.nn.functional as F

WIDTHS = {4: 512, 8: 512, 16: 512, 32: 512, 64: 512, 128: 256, 256: 128, 512: 64, 1024: 32}
K = torch.outer(torch.tensor([1., 3, 3, 1]), torch.tensor([1., 3, 3, 1]))
K = K / K.sum()


def fir(x, k, up, pad0, pad1):
    n, c, h, w = x.shape
    if up > 1:
        x = F.pad(x.reshape(n, c, h, 1, w, 1), [0, up - 1, 0, 0, 0, up - 1]).reshape(n, c, h * up, w * up)
    x = F.pad(x, [pad0, pad1, pad0, pad1])
    return F.conv2d(x, torch.flip(k, [0, 1]).expand(c, 1, *k.shape), groups=c)


def modconv(x, weight, s, demod=True, up=False):
    b, cin, h, w = x.shape
    cout, k = weight.shape[1], weight.shape[-1]
    wm = weight / math.sqrt(cin * k * k) * s.view(b, 1, cin, 1, 1)
    if demod:
        wm = wm * torch.rsqrt(wm.pow(2).sum([2, 3, 4]) + 1e-8).view(b, cout, 1, 1, 1)
    x = x.reshape(1, b * cin, h, w)
    if up:
        wt = wm.transpose(1, 2).reshape(b * cin, cout, k, k)
        y = F.conv_transpose2d(x, wt, stride=2, padding=0, groups=b)
        return fir(y.view(b, cout, *y.shape[2:]), K * 4, 1, 1, 1)
    y = F.conv2d(x, wm.reshape(b * cout, cin, k, k), padding=k // 2, groups=b)
    return y.view(b, cout, h, w)


def make(size, d=512):
    g = {"input": torch.randn(1, WIDTHS[4], 4, 4), "layers": []}
    cin = WIDTHS[4]
    g["layers"].append(("conv", torch.randn(1, cin, cin, 3, 3), torch.randn(cin, d) * 0.01, False))
    g["layers"].append(("rgb", torch.randn(1, 3, cin, 1, 1), torch.randn(cin, d) * 0.01, False))
    r = 8
    while r <= size:
        cout = WIDTHS[r]
        g["layers"] += [("conv", torch.randn(1, cout, cin, 3, 3), torch.randn(cin, d) * 0.01, True),
                        ("conv", torch.randn(1, cout, cout, 3, 3), torch.randn(cout, d) * 0.01, False),
                        ("rgb", torch.randn(1, 3, cout, 1, 1), torch.randn(cout, d) * 0.01, False)]
        cin, r = cout, r * 2
    g["mlp"] = [torch.randn(d, d) for _ in range(8)]
    return g


@torch.no_grad()
def forward(g, z):
    w = z * torch.rsqrt(z.pow(2).mean(1, keepdim=True) + 1e-8)
    for m in g["mlp"]:
        w = F.leaky_relu(F.linear(w, m * 0.01 / math.sqrt(m.shape[1])), 0.2) * math.sqrt(2)
    x, skip = g["input"].repeat(z.shape[0], 1, 1, 1), None
    for kind, weight, mod, up in g["layers"]:
        s = F.linear(w, mod / math.sqrt(mod.shape[1])) + 1
        if kind == "conv":
            x = modconv(x, weight[0:1].expand(1, *weight.shape[1:]), s, up=up)
            x = F.leaky_relu(x + 0.1 * torch.randn(1, 1, *x.shape[2:]), 0.2) * math.sqrt(2)
        else:
            y = modconv(x, weight, s, demod=False)
            skip = y if skip is None else y + fir(skip, K * 4, 2, 2, 1)
    return skip


if __name__ == "__main__":
    torch.set_num_threads(2)
    sizes = [int(a) for a in sys.argv[1:]] or [256, 1024]
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
    print("size  batch  ms/image")
    for size in sizes:
        g = make(size)
        for batch in (1, 8):
            z = torch.randn(batch, 512)
            forward(g, z)
            reps = 2 if size >= 1024 else 3
            t = time.perf_counter()
            for _ in range(reps):
                forward(g, z)
            print(f"{size:5d} {batch:5d} {(time.perf_counter() - t) / reps / batch * 1000:9.1f}")
