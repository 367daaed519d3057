#!/usr/bin/env python3
"""Train FaceWeb's StyleGAN2 generator (64 px) on the prepared face set (.data/faces64.npz).

Losses and regularisation as in Karras et al. 2020: non-saturating logistic loss, lazy R1 on reals (every
--r1-every steps), optional lazy path-length regularisation, EMA of G (with ramp-up), style mixing.
DiffAugment-style differentiable augmentation (colour / translation / cutout) on everything D sees.

Stops after --minutes of wall clock measured from the start of this script (data loading included), or after
--max-steps; writes a checkpoint every --ckpt-every seconds; then exports g_ema + latent_avg (safetensors, the
rosinality layout), sample grids and metrics.

CPU smoke run:   python3 training/train.py --device cpu --batch 4 --max-steps 30 --out .out/smoke
Resume:          python3 training/train.py ... --resume .out/smoke/checkpoint.pt
From a pack:     python3 training/train.py ... --resume-generator models/faceweb-mini/generator.safetensors \
                     --resume-kimg 519.872 --d-warmup 400 --baseline-generator models/faceweb-mini/generator.safetensors
Then onwards:    python3 training/train.py ... --resume-generator OUT/generator.safetensors --resume-d OUT/resume_d_fp16.pt
GPU:             bash training/gpu_run.sh OUTDIR MINUTES
"""
import time

T0 = time.time()

import argparse  # noqa: E402
import copy  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import traceback  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from PIL import Image  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sg2  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def log(*a):
    msg = f"[{time.time() - T0:7.1f}s] " + " ".join(str(x) for x in a)
    print(msg, flush=True)


# ------------------------------------------------------------------------------------------------ data
def decode_all(jpg, off, idx, threads):
    def one(i):
        b = jpg[off[i]:off[i + 1]].tobytes()
        return np.asarray(Image.open(io.BytesIO(b)).convert("RGB"), dtype=np.uint8)
    if threads > 1:
        with ThreadPoolExecutor(threads) as ex:
            arrs = list(ex.map(one, idx, chunksize=256))
    else:
        arrs = [one(i) for i in idx]
    return torch.from_numpy(np.stack(arrs)).permute(0, 3, 1, 2).contiguous()   # uint8 [N,3,H,W]


def load_split(path, split, threads, limit=None):
    z = np.load(path)
    jpg, off = z[f"{split}_jpg"], z[f"{split}_off"]
    n = len(off) - 1
    idx = list(range(n if limit is None else min(n, limit)))
    return decode_all(jpg, off, idx, threads)


def to_float(u8):
    return u8.float() / 127.5 - 1.0


# ------------------------------------------------------------------------------------------------ augment
def augment(x, policy):
    """Differentiable augmentations applied identically in spirit to reals and fakes (DiffAugment idea,
    Zhao et al. 2020). Each op draws its own random parameters per sample."""
    if not policy:
        return x
    b = x.shape[0]
    dev, dt = x.device, x.dtype
    if "color" in policy:
        x = x + (torch.rand(b, 1, 1, 1, device=dev, dtype=dt) - 0.5)                      # brightness
        m = x.mean(dim=1, keepdim=True)
        x = (x - m) * (torch.rand(b, 1, 1, 1, device=dev, dtype=dt) * 2) + m               # saturation
        m = x.mean(dim=[1, 2, 3], keepdim=True)
        x = (x - m) * (torch.rand(b, 1, 1, 1, device=dev, dtype=dt) + 0.5) + m             # contrast
    if "translation" in policy:
        h, w = x.shape[2], x.shape[3]
        sy, sx = int(h * 0.125 + 0.5), int(w * 0.125 + 0.5)
        ty = torch.randint(-sy, sy + 1, (b, 1, 1), device=dev)
        tx = torch.randint(-sx, sx + 1, (b, 1, 1), device=dev)
        yy = torch.arange(h, device=dev).view(1, h, 1)
        xx = torch.arange(w, device=dev).view(1, 1, w)
        # sample from a 1-pixel zero border so that anything shifted in from outside is zero
        yy = (yy + ty + 1).clamp(0, h + 1).expand(b, h, w)
        xx = (xx + tx + 1).clamp(0, w + 1).expand(b, h, w)
        xp = F.pad(x, [1, 1, 1, 1])
        flat = (yy * (w + 2) + xx).reshape(b, 1, h * w).expand(-1, x.shape[1], -1)
        x = xp.reshape(b, x.shape[1], -1).gather(2, flat).reshape(b, x.shape[1], h, w)
    if "cutout" in policy:
        h, w = x.shape[2], x.shape[3]
        ch, cw = int(h * 0.5 + 0.5), int(w * 0.5 + 0.5)
        cy = torch.randint(0, h + (1 - ch % 2), (b, 1, 1), device=dev)
        cx = torch.randint(0, w + (1 - cw % 2), (b, 1, 1), device=dev)
        yy = torch.arange(h, device=dev).view(1, h, 1)
        xx = torch.arange(w, device=dev).view(1, 1, w)
        inside = ((yy >= cy - ch // 2) & (yy < cy - ch // 2 + ch) & (xx >= cx - cw // 2) & (xx < cx - cw // 2 + cw))
        x = x * (~inside).unsqueeze(1).to(dt)
    return x


# ------------------------------------------------------------------------------------------------ helpers
def requires_grad(m, flag):
    for p in m.parameters():
        p.requires_grad_(flag)


def make_z(b, dim, dev, mixing):
    z1 = torch.randn(b, dim, device=dev)
    if mixing > 0 and torch.rand(()) < mixing:
        return z1, torch.randn(b, dim, device=dev)
    return z1, None


def gen(g, z1, z2, noise="random"):
    if z2 is None:
        return g(z1, noise=noise)
    idx = int(torch.randint(1, g.n_latent, ()).item())
    return g(z1, z2, inject_index=idx, noise=noise)


@torch.no_grad()
def ema_update(g_ema, g, beta):
    pe = list(g_ema.parameters())
    torch._foreach_mul_(pe, beta)
    torch._foreach_add_(pe, [p.detach() for p in g.parameters()], alpha=1.0 - beta)


def grid_png(imgs, path, nrow=8):
    x = ((imgs.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).cpu()
    n, c, h, w = x.shape
    ncol = math.ceil(n / nrow)
    canvas = torch.zeros(c, ncol * h, nrow * w, dtype=torch.uint8)
    for i in range(n):
        r, q = divmod(i, nrow)
        canvas[:, r * h:(r + 1) * h, q * w:(q + 1) * w] = x[i]
    Image.fromarray(canvas.permute(1, 2, 0).numpy()).save(path)


@torch.no_grad()
def seed_grid(g_ema, latent_avg, psi, dev):
    """Seeds 0..63: z = randn(1, style_dim) from a CPU torch.Generator seeded with the seed; constant noise."""
    zs = torch.cat([torch.randn(1, g_ema.style_dim, generator=torch.Generator().manual_seed(s)) for s in range(64)])
    return g_ema(zs.to(dev), truncation=psi, truncation_latent=latent_avg.to(dev), noise="const")


# ------------------------------------------------------------------------------------------------ metrics
class RandomFeatureNet(torch.nn.Module):
    """A fixed, seeded, randomly initialised conv net (no training, no pretrained weights). Its pooled
    activations are the feature space of the 'FD-rand' metric. NOT Inception: not comparable to published FIDs."""

    def __init__(self, seed=1234):
        super().__init__()
        gen_ = torch.Generator().manual_seed(seed)
        chans = [3, 64, 128, 256, 512]
        self.ws = torch.nn.ParameterList()
        for a, b in zip(chans[:-1], chans[1:]):
            w = torch.randn(b, a, 4, 4, generator=gen_) * math.sqrt(2.0 / (a * 16))
            self.ws.append(torch.nn.Parameter(w, requires_grad=False))

    def forward(self, x):
        for w in self.ws:
            x = F.leaky_relu(F.conv2d(x, w, stride=2, padding=1), 0.2)
        return x.mean(dim=[2, 3])


def frechet(f1, f2):
    f1, f2 = f1.astype(np.float64), f2.astype(np.float64)
    m1, m2 = f1.mean(0), f2.mean(0)
    s1, s2 = np.cov(f1, rowvar=False), np.cov(f2, rowvar=False)
    # tr sqrt(S1 S2) = tr sqrt(S1^1/2 S2 S1^1/2) (symmetric PSD) -> eigenvalues
    e, v = np.linalg.eigh(s1)
    r = (v * np.sqrt(np.clip(e, 0, None))) @ v.T
    ev = np.linalg.eigvalsh(r @ s2 @ r)
    tr_cov = np.sqrt(np.clip(ev, 0, None)).sum()
    return float(((m1 - m2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * tr_cov)


@torch.no_grad()
def features(net_fn, imgs_fn, n, bs):
    out = []
    for i in range(0, n, bs):
        out.append(net_fn(imgs_fn(i, min(bs, n - i))).float().cpu())
    return torch.cat(out).numpy()


@torch.no_grad()
def compute_metrics(gens, d, hold_u8, train_u8, dev, n, bs=200):
    """Fréchet distances of each generator in gens to the held-out faces, one dict per generator; the real faces'
    features (held-out and training) are computed once and shared."""
    n = min(n, hold_u8.shape[0], train_u8.shape[0])
    rnet = RandomFeatureNet().to(dev).eval()
    d.eval()
    gseed = torch.Generator().manual_seed(777)
    zs = torch.randn(n, gens[0].style_dim, generator=gseed)

    def real(i, b):
        return to_float(hold_u8[i:i + b].to(dev))

    def trainreal(i, b):
        return to_float(train_u8[i:i + b].to(dev))

    nets = (("fd_randnet", rnet), ("fd_disc", d.features))
    reals = {}
    out = []
    for g_ema in gens:
        def fake(i, b):
            return g_ema(zs[i:i + b].to(dev), noise="random").clamp(-1, 1)
        res = {"n": n}
        for name, net in nets:
            ff = features(net, fake, n, bs)
            if name not in reals:
                reals[name] = features(net, real, n, bs), features(net, trainreal, n, bs)
            fr, ft = reals[name]
            res[name] = frechet(ff, fr)
            res[name + "_real_floor"] = frechet(ft, fr)
        out.append(res)
    d.train()
    return out


# ------------------------------------------------------------------------------------------------ checkpoint
def state_fp16(m):
    return {k: (v.half() if v.is_floating_point() else v).cpu() for k, v in m.state_dict().items()}


def state_float(sd):
    """A state dict (e.g. an fp16 lite checkpoint's) with its floating tensors in float32."""
    return {k: (v.float() if v.is_floating_point() else v) for k, v in sd.items()}


def save_full(path, g, d, g_ema, latent_avg, g_opt, d_opt, step, nimg, args):
    tmp = path + ".tmp"
    torch.save({"g": g.state_dict(), "d": d.state_dict(), "g_ema": g_ema.state_dict(), "latent_avg": latent_avg,
                "g_optim": g_opt.state_dict(), "d_optim": d_opt.state_dict(), "step": step, "nimg": nimg,
                "args": vars(args), "config": g.config(), "d_channels": d.channels}, tmp)
    os.replace(tmp, path)


def load_ckpt(path):
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except TypeError:
        return torch.load(path, map_location="cpu")


# ------------------------------------------------------------------------------------------------ main
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(REPO, ".data", "faces64.npz"))
    ap.add_argument("--out", default=os.path.join(REPO, ".out", "train"))
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads and JPEG decode threads")
    ap.add_argument("--minutes", type=float, default=7.5, help="stop training this long after script start")
    ap.add_argument("--max-steps", type=int, default=0)
    ap.add_argument("--max-images", type=int, default=0, help="load at most this many training images (smoke)")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=0.0025)
    ap.add_argument("--r1", type=float, default=0.2, help="R1 gamma")
    ap.add_argument("--r1-every", type=int, default=16)
    ap.add_argument("--pl-weight", type=float, default=0.0, help="path-length weight (0 = off)")
    ap.add_argument("--pl-every", type=int, default=4)
    ap.add_argument("--mixing", type=float, default=0.9)
    ap.add_argument("--ema-kimg", type=float, default=10.0, help="EMA half-life in thousands of images")
    ap.add_argument("--ema-rampup", type=float, default=0.05)
    ap.add_argument("--augment", default="color,translation,cutout")
    ap.add_argument("--xflip", type=int, default=1)
    ap.add_argument("--style-dim", type=int, default=256)
    ap.add_argument("--n-mlp", type=int, default=8)
    ap.add_argument("--channels", default="4:256,8:256,16:256,32:128,64:64")
    ap.add_argument("--d-channels", default="4:256,8:256,16:256,32:128,64:64")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--resume", default="", help="checkpoint.pt, or resume_g_fp16.pt,resume_d_fp16.pt")
    ap.add_argument("--resume-generator", default="",
                    help="a pack's generator.safetensors (g_ema only): G and G_ema start from it, D and Adam fresh")
    ap.add_argument("--resume-kimg", type=float, default=-1.0,
                    help="images seen by --resume-generator, in thousands (default: its metadata's)")
    ap.add_argument("--resume-d", default="", help="with --resume-generator: D from a resume_d_fp16.pt")
    ap.add_argument("--d-warmup", type=int, default=0,
                    help="D-only steps (G frozen) before training, for a fresh D beside a trained G")
    ap.add_argument("--baseline-generator", default="",
                    help="a generator.safetensors measured beside the trained one, same D, noise and faces")
    ap.add_argument("--ckpt-every", type=float, default=60.0, help="seconds between checkpoints")
    ap.add_argument("--full-ckpt", default="", help="path for the full checkpoint with optimiser state "
                                                    "(default OUT/checkpoint.pt; 'none' to skip)")
    ap.add_argument("--lite-ckpt", type=int, default=0, help="also write fp16 g / d (no optimiser) to OUT")
    ap.add_argument("--metrics-n", type=int, default=5000)
    ap.add_argument("--log-every", type=int, default=100)
    ap.add_argument("--tf32", type=int, default=1)
    args = ap.parse_args()
    if args.resume and args.resume_generator:
        ap.error("--resume and --resume-generator are two ways to start: give one")
    if args.resume_d and not args.resume_generator:
        ap.error("--resume-d goes with --resume-generator")

    torch.set_num_threads(max(1, args.threads))
    os.makedirs(args.out, exist_ok=True)
    dev = torch.device(args.device)
    if dev.type == "cuda":
        torch.backends.cudnn.benchmark = True
        if args.tf32:
            torch.backends.cuda.matmul.allow_tf32 = True
            torch.backends.cudnn.allow_tf32 = True
        log("device", torch.cuda.get_device_name(0), "torch", torch.__version__)
    else:
        log("device cpu, torch", torch.__version__, "threads", torch.get_num_threads())
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    full_ckpt = args.full_ckpt or os.path.join(args.out, "checkpoint.pt")
    budget = args.minutes * 60.0

    # ---- data
    train_u8 = load_split(args.data, "train", args.threads, args.max_images or None)
    log(f"train images {train_u8.shape[0]} {tuple(train_u8.shape[1:])}")
    data = train_u8.to(dev)
    N = data.shape[0]

    # ---- nets
    parse = lambda s: {int(a): int(b) for a, b in (p.split(":") for p in s.split(","))}  # noqa: E731
    g = sg2.Generator(64, args.style_dim, args.n_mlp, parse(args.channels)).to(dev)
    d = sg2.Discriminator(64, parse(args.d_channels)).to(dev)
    g_ema = copy.deepcopy(g).eval()
    requires_grad(g_ema, False)
    r1_ratio = args.r1_every / (args.r1_every + 1)
    pl_on = args.pl_weight > 0
    g_ratio = args.pl_every / (args.pl_every + 1) if pl_on else 1.0
    g_opt = torch.optim.Adam(g.parameters(), lr=args.lr * g_ratio, betas=(0.0, 0.99 ** g_ratio))
    d_opt = torch.optim.Adam(d.parameters(), lr=args.lr * r1_ratio, betas=(0.0, 0.99 ** r1_ratio))
    step, nimg = 0, 0
    latent_avg = torch.zeros(args.style_dim)
    pl_mean = torch.zeros((), device=dev)
    if args.resume:
        ck = {}
        for part in args.resume.split(","):      # the fp16 lite checkpoint comes as two files: g,d
            ck.update(load_ckpt(part))
        g.load_state_dict(state_float(ck["g"]))
        d.load_state_dict(state_float(ck["d"]))
        g_ema.load_state_dict(state_float(ck["g_ema"] if "g_ema" in ck else ck["g"]))
        if "g_optim" in ck:
            g_opt.load_state_dict(ck["g_optim"])
            d_opt.load_state_dict(ck["d_optim"])
            for opt, ratio in ((g_opt, g_ratio), (d_opt, r1_ratio)):   # this run's lr/betas win
                for pg in opt.param_groups:
                    pg["lr"], pg["betas"] = args.lr * ratio, (0.0, 0.99 ** ratio)
        else:
            log("resume: no optimiser state in checkpoint, Adam restarts")
        step, nimg = int(ck.get("step", 0)), int(ck.get("nimg", 0))
        if "latent_avg" in ck:
            latent_avg = ck["latent_avg"].float()
        log(f"resumed from {args.resume} at step {step}, {nimg / 1000:.1f} kimg")
    elif args.resume_generator:
        g_sd, latent_avg, meta = sg2.load_generator(args.resume_generator)
        for m in (g, g_ema):
            m.load_state_dict(g_sd, strict=True)
        kimg = float(meta["kimg"]) if "kimg" in meta else None
        if args.resume_kimg < 0 and kimg is None:
            # The count drives the EMA's ramp-up: from 0, G_ema would follow G's first (fresh-Adam) steps.
            sys.exit(f"{args.resume_generator} does not record the images it has seen: pass --resume-kimg "
                     "(the model card's 'images seen')")
        nimg = round(1000 * (args.resume_kimg if args.resume_kimg >= 0 else kimg))
        if args.resume_d:
            d.load_state_dict(state_float(load_ckpt(args.resume_d)["d"]))
        log(f"G and G_ema from {args.resume_generator} ({nimg / 1000:.1f} kimg seen), "
            + (f"D from {args.resume_d}" if args.resume_d else "D fresh") + ", Adam fresh")
    log(f"G params {sum(p.numel() for p in g.parameters()) / 1e6:.2f}M, D params "
        f"{sum(p.numel() for p in d.parameters()) / 1e6:.2f}M, config {g.config()}")

    policy = [p for p in args.augment.split(",") if p]
    B = args.batch
    hist = []
    good_g_ema = copy.deepcopy(g_ema.state_dict())
    last_ckpt = time.time()
    t_train0 = time.time()
    nimg0 = nimg
    stop_reason = "budget"
    agg = {"d": 0.0, "g": 0.0, "r1": 0.0, "pl": 0.0, "n": 0}

    def d_step(real, r1_now):
        """One discriminator step (and its lazy R1) on a batch of reals against fakes of the current G."""
        with torch.no_grad():
            fake = gen(g, *make_z(B, args.style_dim, dev, args.mixing))
        loss_d = F.softplus(d(augment(fake, policy))).mean() + F.softplus(-d(augment(real, policy))).mean()
        d_opt.zero_grad(set_to_none=True)
        loss_d.backward()
        d_opt.step()
        pen = None
        if r1_now:
            real_r = real.detach().requires_grad_(True)
            pred = d(augment(real_r, policy))
            grad, = torch.autograd.grad(pred.sum(), real_r, create_graph=True)
            pen = grad.pow(2).flatten(1).sum(1).mean()
            loss_r1 = args.r1 / 2 * pen * args.r1_every + 0 * pred[0, 0]
            d_opt.zero_grad(set_to_none=True)
            loss_r1.backward()
            d_opt.step()
            pen = pen.detach()
        return loss_d.detach(), pen

    def real_batch():
        real = to_float(data[torch.randint(0, N, (B,), device=dev)])
        if args.xflip:
            flip = torch.rand(B, 1, 1, 1, device=dev) < 0.5
            real = torch.where(flip, real.flip(3), real)
        return real

    if args.d_warmup > 0:
        # A fresh D beside a trained G: let D learn the current fakes before G takes its gradients.
        requires_grad(g, False)
        requires_grad(d, True)
        for i in range(args.d_warmup):
            loss_d, _ = d_step(real_batch(), i % args.r1_every == 0)
        log(f"D warm-up: {args.d_warmup} steps, last loss_d {float(loss_d):.3f}")

    def write_outputs(final=False):
        nonlocal latent_avg
        latent_avg = g_ema.mean_latent(10000 if final else 2000)
        sg2.export_generator(g_ema, latent_avg, os.path.join(args.out, "generator.safetensors"), torch.float16,
                             kimg=nimg / 1000)
        if full_ckpt != "none":
            save_full(full_ckpt, g, d, g_ema, latent_avg, g_opt, d_opt, step, nimg, args)
        if args.lite_ckpt:
            meta = {"step": step, "nimg": nimg, "args": vars(args), "config": g.config(),
                    "d_channels": d.channels, "latent_avg": latent_avg}
            torch.save(dict(meta, g=state_fp16(g)), os.path.join(args.out, "resume_g_fp16.pt"))
            torch.save(dict(meta, d=state_fp16(d)), os.path.join(args.out, "resume_d_fp16.pt"))
        with open(os.path.join(args.out, "progress.json"), "w") as f:
            json.dump({"step": step, "nimg": nimg, "kimg": nimg / 1000, "elapsed_s": time.time() - T0,
                       "history": hist[-200:]}, f)

    try:
        while True:
            if time.time() - T0 >= budget:
                break
            if args.max_steps and step >= args.max_steps:
                stop_reason = "max_steps"
                break
            # -------- D step
            requires_grad(g, False)
            requires_grad(d, True)
            loss_d, pen = d_step(real_batch(), step % args.r1_every == 0)       # with lazy R1
            agg["d"] += loss_d
            if pen is not None:
                agg["r1"] = pen
            # -------- G step
            requires_grad(g, True)
            requires_grad(d, False)
            fake = gen(g, *make_z(B, args.style_dim, dev, args.mixing))
            loss_g = F.softplus(-d(augment(fake, policy))).mean()
            g_opt.zero_grad(set_to_none=True)
            loss_g.backward()
            g_opt.step()
            agg["g"] += loss_g.detach()
            # -------- lazy path length (optional)
            if pl_on and step % args.pl_every == 0:
                pb = max(1, B // 2)
                z = torch.randn(pb, args.style_dim, device=dev)
                w = g.mapping(z).unsqueeze(1).repeat(1, g.n_latent, 1)
                w.requires_grad_(True)
                img = g.synthesis(w)
                y = torch.randn_like(img) / math.sqrt(img.shape[2] * img.shape[3])
                gw, = torch.autograd.grad((img * y).sum(), w, create_graph=True)
                lengths = gw.pow(2).sum(2).mean(1).sqrt()
                pl_mean = pl_mean.lerp(lengths.mean().detach(), 0.01)
                loss_pl = (lengths - pl_mean).pow(2).mean() * args.pl_weight * args.pl_every + 0 * img[0, 0, 0, 0]
                g_opt.zero_grad(set_to_none=True)
                loss_pl.backward()
                g_opt.step()
                agg["pl"] = loss_pl.detach()
            # -------- EMA
            nimg += B
            step += 1
            hl = args.ema_kimg * 1000
            if args.ema_rampup > 0:
                hl = min(hl, nimg * args.ema_rampup)
            ema_update(g_ema, g, 0.5 ** (B / max(hl, 1e-8)))
            agg["n"] += 1

            if step % args.log_every == 0 or (time.time() - last_ckpt >= args.ckpt_every):
                n = max(agg["n"], 1)
                ld, lg = float(agg["d"]) / n, float(agg["g"]) / n
                r1v, plv = float(agg["r1"]), float(agg["pl"])
                el = time.time() - t_train0
                rate = (nimg - nimg0) / max(el, 1e-6)
                hist.append({"step": step, "kimg": round(nimg / 1000, 2), "t": round(time.time() - T0, 1),
                             "loss_d": round(ld, 4), "loss_g": round(lg, 4), "r1": round(r1v, 4),
                             "img_s": round(rate, 1)})
                log(f"step {step} kimg {nimg / 1000:.1f} loss_d {ld:.3f} loss_g {lg:.3f} r1 {r1v:.3f}"
                    + (f" pl {plv:.3f}" if pl_on else "") + f" img/s {rate:.0f}")
                agg = {"d": 0.0, "g": 0.0, "r1": agg["r1"], "pl": agg["pl"], "n": 0}
                if not all(math.isfinite(v) for v in (ld, lg, r1v)):
                    log("non-finite loss: restoring the last good g_ema and stopping")
                    g_ema.load_state_dict(good_g_ema)
                    stop_reason = "nan"
                    break
                if time.time() - last_ckpt >= args.ckpt_every:
                    good_g_ema = copy.deepcopy(g_ema.state_dict())
                    write_outputs()
                    last_ckpt = time.time()
                    log(f"checkpoint written ({nimg / 1000:.1f} kimg)")
    except Exception:  # noqa: BLE001 - keep whatever was trained
        log("training loop failed:\n" + traceback.format_exc())
        stop_reason = "error"
        try:
            g_ema.load_state_dict(good_g_ema)
        except Exception:  # noqa: BLE001
            pass

    train_s = time.time() - t_train0
    log(f"training stopped ({stop_reason}) at step {step}, {nimg / 1000:.1f} kimg, "
        f"{(nimg - nimg0) / max(train_s, 1e-6):.0f} img/s this session")
    del data
    write_outputs(final=True)
    log("final generator written")
    g_ema.eval()
    g_ema.set_fused(False)
    grid_png(seed_grid(g_ema, latent_avg, 1.0, dev), os.path.join(args.out, "samples.png"))
    grid_png(seed_grid(g_ema, latent_avg, 0.7, dev), os.path.join(args.out, "samples_trunc07.png"))
    log("sample grids written")
    metrics = {}
    if args.metrics_n > 0:
        try:
            hold_u8 = load_split(args.data, "hold", args.threads, args.metrics_n)
            gens = [g_ema]
            if args.baseline_generator:
                with torch.random.fork_rng(devices=[]):      # building it draws random inits: keep g_ema's noise as it was
                    base = sg2.generator_from_state(sg2.load_generator(args.baseline_generator)[0]).to(dev).eval()
                base.set_fused(False)
                gens.append(base)
            metrics, *baseline = compute_metrics(gens, d, hold_u8, train_u8, dev, args.metrics_n)
            log("metrics", metrics)
            if baseline:
                metrics["baseline"] = {"path": args.baseline_generator, **baseline[0]}
                log("baseline metrics (same D, latents and faces)", metrics["baseline"])
        except Exception:  # noqa: BLE001
            log("metrics failed:\n" + traceback.format_exc())
    dev_name = torch.cuda.get_device_name(0) if dev.type == "cuda" else "cpu"
    summary = {"stop_reason": stop_reason, "step": step, "nimg": nimg, "kimg": nimg / 1000,
               "images_this_session": nimg - nimg0, "train_seconds_this_session": round(train_s, 1),
               "total_seconds": round(time.time() - T0, 1), "device": dev_name, "torch": torch.__version__,
               "config": g.config(), "d_channels": {str(k): v for k, v in sorted(d.channels.items())},
               "args": vars(args), "metrics": metrics,
               "metrics_note": "Frechet distances between metrics.n generated (truncation 1, random noise) and "
                               "n held-out real faces; fd_randnet = features of a fixed seeded random-init "
                               "4-layer conv net (RandomFeatureNet, seed 1234, 512-d mean-pooled), fd_disc = the "
                               "trained discriminator's penultimate 256-d activations. *_real_floor = the same "
                               "distance between n training reals and the n held-out reals. NOT FID-Inception.",
               "history": hist}
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump(summary, f, indent=1)
    log("done")


if __name__ == "__main__":
    main()
