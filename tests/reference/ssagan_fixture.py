#!/usr/bin/python3
"""Parity fixture for FaceWeb's SSA-GAN port (issue 19), made with the reference code.

Usage (Debian: apt-get install python3-torch libopenblas0-pthread; fetch the public repository wtliao/text2image):
    /usr/bin/python3 tests/reference/ssagan_fixture.py PATH/TO/text2image tests/FaceWeb.Engine.Tests/fixtures/ssagan

For ngf 8 and 16 at the reference's fixed 256 px architecture (7 generator blocks) it builds model.py's NetG and
NetD, gives every parameter random values (the zero-initialised affine layers and the gammas included), sets
non-trivial batch-norm running statistics, switches to eval mode, runs two seeded noise + sentence vectors through
them and saves:
  netG_ngf{N}.pth, netD_ngf8.pth    the state dicts, as torch.save writes them (half precision: every value was
                                     rounded to float16 before the forward, so the files are exact and half the size)
  outputs_ngf{N}.pth                 noise [2,100], sent [2,256], image [2,3,256,256], mask_{4..256} (the sigmoid
                                     fusion masks the forward returns), block{i} (each block's output, every s-th row
                                     and column, s = max(1, H // 16)), and for ngf 8 the discriminator's features and
                                     its conditional logits.
"""
import os
import sys

import torch


def randomise(module, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name.endswith("gamma"):
                p.copy_(0.5 + 0.5 * torch.rand(p.shape, generator=g))            # residual branches on
            elif "fc_gamma.linear2" in name or "fc_beta.linear2" in name:
                p.copy_(0.1 * torch.randn(p.shape, generator=g))                  # zero-initialised in the reference
            else:
                p.copy_(p + 0.01 * torch.randn(p.shape, generator=g))             # the reference's init, perturbed
            p.copy_(p.half().float())
        for name, b in module.named_buffers():
            if name.endswith("running_mean"):
                b.copy_((0.1 * torch.randn(b.shape, generator=g)).half().float())
            elif name.endswith("running_var"):
                b.copy_((0.5 + torch.rand(b.shape, generator=g)).half().float())


def half_state(module):
    return {k: (v.half() if v.is_floating_point() else v) for k, v in module.state_dict().items()}


def main(repo, out):
    sys.path.insert(0, repo)
    from model import NetG, NetD  # the reference file, unchanged

    os.makedirs(out, exist_ok=True)
    for ngf in (8, 16):
        torch.manual_seed(ngf)
        g = NetG(ngf=ngf, nz=100)
        randomise(g, 1000 + ngf)
        g.eval()
        blocks = {}
        for i in range(7):
            getattr(g, f"block{i}").register_forward_hook(lambda m, inp, outp, i=i: blocks.__setitem__(i, outp[0].detach()))
        gen = torch.Generator().manual_seed(ngf)
        noise = torch.randn(2, 100, generator=gen)
        sent = torch.randn(2, 256, generator=gen)
        with torch.no_grad():
            image, masks = g(noise, sent)
        result = {"noise": noise, "sent": sent, "image": image}
        for m in masks:
            result[f"mask_{m.shape[2]}"] = m
        for i, b in blocks.items():
            s = max(1, b.shape[2] // 16)
            result[f"block{i}"] = b[:, :, ::s, ::s].contiguous()
        if ngf == 8:
            d = NetD(ngf)
            randomise(d, 2000 + ngf)
            d.eval()
            with torch.no_grad():
                features = d(image)
                result["d_features"] = features
                result["d_logits"] = d.COND_DNET(features, sent)
            torch.save(half_state(d), os.path.join(out, f"netD_ngf{ngf}.pth"))
        torch.save(half_state(g), os.path.join(out, f"netG_ngf{ngf}.pth"))
        torch.save(result, os.path.join(out, f"outputs_ngf{ngf}.pth"))
        print(f"ngf {ngf}: image range {image.min():.3f}..{image.max():.3f}, mask_256 mean {masks[-1].mean():.3f}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
