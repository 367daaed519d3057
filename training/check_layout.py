#!/usr/bin/env python3
"""Proves that training/sg2.py's Generator is the network FaceWeb's engine ports.

(a) layout: an exported generator (default models/faceweb-mini/generator.safetensors, or a fresh default-config
    export if that is missing) has exactly the key names/shapes the rosinality layout implies for its widths,
    and its key naming pattern equals the fixture's (fixture keys with indices; same set for the same depth).
(b) math: the fixture g_ema (/work/shared/fixtures/stylegan2/generator.pt) loads strictly into our Generator;
    mapping(z) == w and synthesis(wplus, constant noise) == img_wplus from io.safetensors (max abs diff <= 1e-4),
    for both the grouped ("fused") and the training ("non-fused") modulated-conv paths.
Exit code 0 = all checks pass.
"""
import argparse
import os
import re
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sg2  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
FIX = os.path.normpath(os.path.join(REPO, "..", "shared", "fixtures", "stylegan2"))
if not os.path.isdir(FIX):
    FIX = "/work/shared/fixtures/stylegan2"

TOL = 1e-4


def pattern(keys):
    return sorted({re.sub(r"\.\d+\.", ".N.", re.sub(r"noise_\d+", "noise_N", k)) for k in keys})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--generator", default=os.path.join(REPO, "models", "faceweb-mini", "generator.safetensors"))
    a = ap.parse_args()
    torch.set_num_threads(1)
    ok = True

    ck = torch.load(os.path.join(FIX, "generator.pt"), map_location="cpu")
    fsd = ck["g_ema"]
    io, _ = sg2.load_safetensors(os.path.join(FIX, "io.safetensors"))

    # ---- (b) math on the fixture weights
    g = sg2.Generator(64, 64, 3, {4: 64, 8: 64, 16: 48, 32: 32, 64: 24})
    missing = set(fsd) ^ set(g.state_dict())
    shapes = [k for k in fsd if k in g.state_dict() and tuple(fsd[k].shape) != tuple(g.state_dict()[k].shape)]
    print(f"fixture keys {len(fsd)}, ours {len(g.state_dict())}, differing names {sorted(missing)}, "
          f"differing shapes {shapes}")
    ok &= not missing and not shapes
    g.load_state_dict(fsd, strict=True)
    g.eval()
    with torch.no_grad():
        dw = (g.mapping(io["z"]) - io["w"]).abs().max().item()
        print(f"mapping(z) vs w: max abs diff {dw:.3e}")
        ok &= dw <= TOL
        for fused in (True, False):
            g.set_fused(fused)
            img = g.synthesis(io["wplus"], noise="const")
            d = (img - io["img_wplus"]).abs().max().item()
            print(f"synthesis(wplus, const noise) vs img_wplus [{'fused' if fused else 'non-fused'}]: "
                  f"max abs diff {d:.3e}")
            ok &= d <= TOL
            if "noise_0" in io and "img_wplus_noise" in io:
                nz = [io[f"noise_{j}"] for j in range(g.noises.count)]
                d2 = (g.synthesis(io["wplus"], noise=nz) - io["img_wplus_noise"]).abs().max().item()
                print(f"synthesis(wplus, io noise_j) vs img_wplus_noise [{'fused' if fused else 'non-fused'}]: "
                      f"max abs diff {d2:.3e}")
                ok &= d2 <= TOL
            # full forward from z with truncation 0.7 (rosinality: truncation on w with latent_avg)
            if "img_trunc07" in io:
                w = g.mapping(io["z"])
                la = ck["latent_avg"]
                wt = la + 0.7 * (w - la)
                img = g.synthesis(wt.unsqueeze(1).repeat(1, g.n_latent, 1), noise="const")
                d3 = (img - io["img_trunc07"]).abs().max().item()
                print(f"truncation 0.7 vs img_trunc07: max abs diff {d3:.3e}")
                ok &= d3 <= TOL
        g.set_fused(False)

    # ---- (a) layout of an export
    path = a.generator
    if os.path.exists(path):
        sd, meta = sg2.load_safetensors(path)
        print(f"export {path}: {len(sd)} tensors, metadata {meta}")
    else:
        tmp = "/tmp/faceweb_check_export.safetensors"
        sg2.export_generator(sg2.Generator(), torch.zeros(256), tmp)
        sd, meta = sg2.load_safetensors(tmp)
        print(f"no export at {path}; checked a fresh default-config export ({len(sd)} tensors)")
    ok &= "latent_avg" in sd
    gsd = {k[len("g_ema."):]: v for k, v in sd.items() if k.startswith("g_ema.")}
    other = [k for k in sd if not k.startswith("g_ema.") and k != "latent_avg"]
    ok &= not other
    try:
        gx = sg2.generator_from_state(gsd)
        print(f"export loads strictly; config {gx.config()}")
    except Exception as e:  # noqa: BLE001
        print("export does NOT load strictly:", e)
        ok = False
        gx = None
    same_pattern = pattern(gsd) == pattern(fsd)
    print(f"key naming pattern equals the fixture's: {same_pattern}")
    ok &= same_pattern
    if gx is not None:
        ok &= sd["latent_avg"].shape == (gx.style_dim,)
        for k, v in gsd.items():
            if k.endswith("blur.kernel") or k.endswith("upsample.kernel"):
                ref = sg2.fir_kernel() * 4
                if (v.float() - ref).abs().max() > 1e-3:
                    print("bad FIR kernel", k)
                    ok = False
        # the same export from our class, re-rendered fused vs non-fused, must agree
        with torch.no_grad():
            wp = gx.mapping(torch.randn(2, gx.style_dim, generator=torch.Generator().manual_seed(0)))
            wp = wp.unsqueeze(1).repeat(1, gx.n_latent, 1)
            a1 = gx.set_fused(True).synthesis(wp, "const")
            a2 = gx.set_fused(False).synthesis(wp, "const")
            d = (a1 - a2).abs().max().item()
            print(f"export: fused vs non-fused render max abs diff {d:.3e}")
            ok &= d <= 1e-3
    print("CHECK_LAYOUT", "PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
