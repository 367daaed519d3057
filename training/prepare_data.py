#!/usr/bin/env python3
"""Prepare the FaceWeb training set: UTKFace (128 px aligned crops) + CelebA (first 10k, aligned, 89x109).

Both sets are brought to one framing (UTKFace's tight crop) and 64x64 px, duplicates and greyscale
images are dropped, a fixed hold-out split is set aside for metrics, and everything is written as one
compact .npz of JPEG bytes (see README.md, "Data").

Usage:  python3 training/prepare_data.py [--out .data/faces64.npz] [--quality 82] [--holdout 5000]
Deterministic: same inputs -> byte-identical output.
"""
import argparse
import csv
import io
import os
import sys
import tarfile

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
DATASETS = os.path.normpath(os.path.join(REPO, "..", "shared", "datasets"))

RES = 64

# --- Framing -------------------------------------------------------------------------------------------
# Landmarks measured on the mean image of the first 2000 images of each set (darkest point of the smoothed
# luminance in each eye region; mouth line = the dip between the two lip peaks of the (R-G) profile along the
# vertical centre line).  Coordinates are pixels in each set's own images.
#   UTKFace 128x128 : eyes (36,36) and (88,37), mouth line y = 91
#   CelebA  89x109  : eyes (34,55) and (54,55), mouth line y = 76
#                     (agrees with the published mean aligned-CelebA landmarks at full size
#                      eyes ~(69,111),(108,111), mouth corners y ~152, halved)
# Eye distance 52 vs 20 px and eye-to-mouth 54.5 vs 21 px give the same scale (2.6 UTK px per CelebA px),
# so a pure scale+shift maps CelebA into the UTKFace frame.
UTK_EYE_C = (62.0, 36.5)      # midpoint between the eyes in UTKFace pixels
UTK_SIZE = 128.0
CEL_EYE_C = (44.0, 55.0)      # midpoint between the eyes in CelebA half-size pixels
SCALE = 52.0 / 20.0           # UTK px per CelebA px


def celeba_box():
    """The CelebA crop box (left, top, right, bottom, float) that shows what a UTKFace crop shows."""
    left = CEL_EYE_C[0] - UTK_EYE_C[0] / SCALE
    top = CEL_EYE_C[1] - UTK_EYE_C[1] / SCALE
    side = UTK_SIZE / SCALE
    return (left, top, left + side, top + side)


def load_utk(root):
    d = os.path.join(root, "utkface-128")
    grey = set()
    files = []
    with open(os.path.join(d, "labels.csv"), newline="") as f:
        for row in csv.DictReader(f):
            files.append(row["file"])
            if row["greyscale"].strip() == "1":
                grey.add(row["file"])
    dup = set()
    with open(os.path.join(d, "duplicates.txt")) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2:
                dup.update(parts[1:])   # keep the first file of each listed group, drop the others
    keep = sorted(x for x in files if x not in grey and x not in dup)
    stats = {"listed": len(files), "greyscale": len(grey), "duplicates_dropped": len(dup - grey)}
    return d, keep, stats


def is_grey(img):
    a = np.asarray(img, np.float32)
    return float(np.abs(a[..., 0] - a[..., 1]).mean() + np.abs(a[..., 1] - a[..., 2]).mean()) < 2.0


def utk_image(path):
    img = Image.open(path).convert("RGB")
    if img.size != (128, 128):
        img = img.resize((128, 128), Image.LANCZOS)
    return img.resize((RES, RES), Image.LANCZOS)


def celeba_image(path):
    img = Image.open(path).convert("RGB")
    box = celeba_box()
    # PIL's resize with box= samples the float box directly (no rounding of the crop)
    return img.resize((RES, RES), Image.LANCZOS, box=box)


def encode(img, quality):
    b = io.BytesIO()
    img.save(b, format="JPEG", quality=quality, subsampling=0 if quality >= 95 else 2, optimize=True)
    return b.getvalue()


def pack(blobs):
    offs = np.zeros(len(blobs) + 1, np.int64)
    offs[1:] = np.cumsum([len(b) for b in blobs])
    return np.frombuffer(b"".join(blobs), np.uint8), offs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--datasets", default=DATASETS)
    ap.add_argument("--tmp", default="/tmp/faceweb-ds")
    ap.add_argument("--out", default=os.path.join(REPO, ".data", "faces64.npz"))
    ap.add_argument("--quality", type=int, default=82)
    ap.add_argument("--holdout", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=20240609)
    ap.add_argument("--max-mb", type=float, default=50.0)
    a = ap.parse_args()

    os.makedirs(a.tmp, exist_ok=True)
    for name in ("utkface-128", "celeba10k-89x109"):
        if not os.path.isdir(os.path.join(a.tmp, name)):
            print("extracting", name, flush=True)
            with tarfile.open(os.path.join(a.datasets, name + ".tar.gz")) as t:
                t.extractall(a.tmp)

    udir, ufiles, ustats = load_utk(a.tmp)
    cdir = os.path.join(a.tmp, "celeba10k-89x109", "images")
    cfiles = sorted(f for f in os.listdir(cdir) if f.lower().endswith(".jpg"))
    print("UTKFace:", ustats, "kept", len(ufiles), "| CelebA files", len(cfiles), "| CelebA box", celeba_box(),
          flush=True)

    blobs, names, source = [], [], []
    cgrey = 0
    for i, f in enumerate(ufiles):
        blobs.append(encode(utk_image(os.path.join(udir, "images", f)), a.quality))
        names.append("utk/" + f); source.append(0)
        if i % 5000 == 0:
            print(" utk", i, flush=True)
    for i, f in enumerate(cfiles):
        img = celeba_image(os.path.join(cdir, f))
        if is_grey(img):
            cgrey += 1
            continue
        blobs.append(encode(img, a.quality))
        names.append("celeba/" + f); source.append(1)
        if i % 5000 == 0:
            print(" celeba", i, flush=True)

    n = len(blobs)
    perm = np.random.RandomState(a.seed).permutation(n)
    hold = np.sort(perm[:a.holdout]); train = np.sort(perm[a.holdout:])
    tj, to = pack([blobs[i] for i in train])
    hj, ho = pack([blobs[i] for i in hold])
    source = np.array(source, np.uint8)
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    tmp_out = a.out + ".tmp.npz"
    np.savez(tmp_out, train_jpg=tj, train_off=to, train_src=source[train],
             hold_jpg=hj, hold_off=ho, hold_src=source[hold],
             hold_names=np.array([names[i] for i in hold]),
             res=np.array(RES), quality=np.array(a.quality))
    os.replace(tmp_out, a.out)
    mb = os.path.getsize(a.out) / 1e6
    print(f"wrote {a.out}: {mb:.1f} MB; train {len(train)} (utk {int((source[train]==0).sum())}, "
          f"celeba {int((source[train]==1).sum())}), holdout {len(hold)}; celeba greyscale dropped {cgrey}",
          flush=True)
    if mb > a.max_mb:
        print(f"ERROR: {mb:.1f} MB > {a.max_mb} MB; lower --quality", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
