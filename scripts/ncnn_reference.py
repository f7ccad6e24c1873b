#!/usr/bin/env python3
"""An independent numpy reference for the ncnn super-resolution models Caldera imports.

It reads the same .param / .bin (and the <name>.io next to them: src/nn/model_io_meta.hpp),
runs the network with plain numpy written from ncnn's layer definitions (not from Caldera's
code), and compares the 8-bit result with an image Caldera made, e.g.

  build/bin/caldera run -i small.png -o caldera.png --vf sr=model=waifu2x-cunet-scale2x --device cpu
  /usr/bin/python3 scripts/ncnn_reference.py waifu2x-cunet-scale2x small.png caldera.png

It prints the max abs difference in code values, how many differ and the PSNR between the two.
Layer types: Input, Split, Convolution, Deconvolution (group 1), Pooling (global average),
InnerProduct, Scale (by a blob), BinaryOp (add, mul), Crop (reference and numpy forms), Eltwise
sum, PixelShuffle (mode 0): what waifu2x cunet / upconv_7 and Real-CUGAN models-se use.
Needs numpy and Pillow (Debian: python3-numpy python3-pil).
"""
import os
import sys

import numpy as np
from PIL import Image

from ncnn_weights import NcnnWeights

def parse_params(tokens):
    p = {}
    for t in tokens:
        k, v = t.split("=", 1)
        k = int(k)
        num = lambda s: float(s) if any(c in s for c in ".eE") else int(s)
        if k <= -23300:
            p[-k - 23300] = [num(x) for x in v.split(",")[1:]]
        else:
            p[k] = num(v)
    return p


def activate(x, kind, params):
    if kind == 1:
        return np.maximum(x, 0)
    if kind == 2:
        return np.where(x > 0, x, x * params[0])
    if kind == 4:
        return 1 / (1 + np.exp(-x))
    if kind != 0:
        raise ValueError("activation %d" % kind)
    return x


def conv(x, w, b, stride, pads):  # x [C,H,W], w [O,C,kh,kw], pads (left, right, top, bottom)
    l, r, t, bt = pads
    x = np.pad(x, ((0, 0), (t, bt), (l, r)))
    o, c, kh, kw = w.shape
    oh = (x.shape[1] - kh) // stride + 1
    ow = (x.shape[2] - kw) // stride + 1
    out = np.zeros((o, oh, ow), np.float64)
    for i in range(kh):
        for j in range(kw):
            patch = x[:, i:i + stride * (oh - 1) + 1:stride, j:j + stride * (ow - 1) + 1:stride]
            out += np.tensordot(w[:, :, i, j], patch, axes=([1], [0]))
    if b is not None:
        out += b[:, None, None]
    return out.astype(np.float32)


def deconv(x, w, b, stride, pads):  # w [O,C,kh,kw] (ncnn order), full output cropped by pads
    o, c, kh, kw = w.shape
    h, wd = x.shape[1:]
    full = np.zeros((o, (h - 1) * stride + kh, (wd - 1) * stride + kw), np.float64)
    for i in range(kh):
        for j in range(kw):
            full[:, i:i + stride * (h - 1) + 1:stride, j:j + stride * (wd - 1) + 1:stride] += np.tensordot(
                w[:, :, i, j], x, axes=([1], [0]))
    if b is not None:
        full += b[:, None, None]
    l, r, t, bt = pads
    return full[:, t:full.shape[1] - bt, l:full.shape[2] - r].astype(np.float32)


def run_net(param_path, bin_path, x):
    lines = [ln.split() for ln in open(param_path).read().splitlines()[2:] if ln.strip()]
    wts = NcnnWeights.open(bin_path)
    blobs = {}
    for ln in lines:
        kind, name, ni, no = ln[0], ln[1], int(ln[2]), int(ln[3])
        ins, outs = ln[4:4 + ni], ln[4 + ni:4 + ni + no]
        p = parse_params(ln[4 + ni + no:])
        a = [blobs[i] for i in ins]
        if kind == "Input":
            y = x
        elif kind == "Split":
            for o in outs:
                blobs[o] = a[0]
            continue
        elif kind in ("Convolution", "Deconvolution"):
            out_c, k = p[0], p[1]
            stride = p.get(3, 1)
            left = p.get(4, 0)
            pads = (left, p.get(15, left), p.get(14, left), p.get(16, p.get(14, left)))
            if p.get(2, 1) != 1 or p.get(7, 1) != 1:
                raise ValueError(name + ": dilation / groups not handled")
            w = wts.tagged(p[6])
            in_c = p[6] // (out_c * k * k)
            b = wts.f32(out_c) if p.get(5, 0) else None
            if kind == "Convolution":
                y = conv(a[0], w.reshape(out_c, in_c, k, k), b, stride, pads)
            else:
                y = deconv(a[0], w.reshape(out_c, in_c, k, k), b, stride, pads)
            y = activate(y, p.get(9, 0), p.get(10, []))
        elif kind == "Pooling":
            if p.get(0) != 1 or p.get(4) != 1:
                raise ValueError(name + ": only global average pooling")
            y = a[0].mean(axis=(1, 2), dtype=np.float64).astype(np.float32)
        elif kind == "InnerProduct":
            n_out = p[0]
            w = wts.tagged(p[2]).reshape(n_out, -1)
            b = wts.f32(n_out) if p.get(1, 0) else 0
            y = activate((w.astype(np.float64) @ a[0].reshape(-1) + b).astype(np.float32), p.get(9, 0), p.get(10, []))
        elif kind in ("Scale", "BinaryOp"):
            op = 2 if kind == "Scale" else p.get(0, 0)
            u, v = a
            if v.ndim == 1 and u.ndim == 3:
                v = v[:, None, None]
            y = {0: lambda: u + v, 2: lambda: u * v}[op]()
        elif kind == "Eltwise":
            if p.get(0) != 1:
                raise ValueError(name + ": only sum")
            y = a[0] + a[1]
        elif kind == "Crop":
            if len(a) == 2:  # offsets w, h, c; sizes from the reference
                wo, ho, co = p.get(0, 0), p.get(1, 0), p.get(2, 0)
                c, h, w = a[1].shape
                y = a[0][co:co + c, ho:ho + h, wo:wo + w]
            else:
                box = [slice(None)] * 3
                for s, e, ax in zip(p[9], p[10], p[11]):
                    box[ax % 3] = slice(s, e if e != 0 else None)
                y = a[0][tuple(box)]
        elif kind == "PixelShuffle":
            r = p[0]
            c, h, w = a[0].shape
            y = a[0].reshape(c // (r * r), r, r, h, w).transpose(0, 3, 1, 4, 2).reshape(c // (r * r), h * r, w * r)
        else:
            raise ValueError("layer type " + kind)
        blobs[outs[0]] = y
    if wts.pos != len(wts.data):
        raise ValueError("%d bytes of the .bin left over" % (len(wts.data) - wts.pos))
    return y


def read_io(path):
    io = {"scale": 1, "border": 0, "align": 1, "residual": "none", "border_mode": "edge"}
    if os.path.exists(path):
        for ln in open(path):
            ln = ln.split("#")[0].strip()
            if ln:
                k, v = ln.split("=")
                io[k] = int(v) if v.isdigit() else v
    return io


def upscale(model_dir, name, rgb):  # rgb [3,H,W] in 0..1 -> [3,S*H,S*W]
    io = read_io(os.path.join(model_dir, name + ".io"))
    s, b, m = io["scale"], io["border"], io["align"]
    _, h, w = rgb.shape
    ph = -(-(h + 2 * b) // m) * m - h - b
    pw = -(-(w + 2 * b) // m) * m - w - b
    mode = "edge" if io["border_mode"] == "edge" else "reflect"
    x = np.pad(rgb, ((0, 0), (b, ph), (b, pw)), mode=mode)
    y = run_net(os.path.join(model_dir, name + ".param"), os.path.join(model_dir, name + ".bin"), x)
    y = y[:, :s * h, :s * w]
    if io["residual"] == "nearest":
        y = y + rgb.repeat(s, axis=1).repeat(s, axis=2)
    return y


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: ncnn_reference.py MODEL input.png caldera_output.png")
    model_dir = os.environ.get("CALDERA_MODEL_DIR", os.path.expanduser("~/.cache/caldera/models"))
    src = np.asarray(Image.open(sys.argv[2]).convert("RGB"), np.float32).transpose(2, 0, 1) / 255
    out = upscale(model_dir, sys.argv[1], src)
    ref = np.floor(np.clip(out, 0, 1) * 255 + 0.5).astype(np.int32).transpose(1, 2, 0)
    got = np.asarray(Image.open(sys.argv[3]).convert("RGB"), np.int32)
    if got.shape != ref.shape:
        sys.exit("shapes differ: Caldera %s, reference %s" % (got.shape, ref.shape))
    d = np.abs(got - ref)
    mse = float((d.astype(np.float64) ** 2).mean())
    psnr = 99.0 if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)
    print("%s: %dx%d -> %dx%d, max abs diff %d code values, %.4f%% of values differ, PSNR %.2f dB"
          % (sys.argv[1], src.shape[2], src.shape[1], ref.shape[1], ref.shape[0], d.max(), 100.0 * (d > 0).mean(), psnr))


if __name__ == "__main__":
    main()
