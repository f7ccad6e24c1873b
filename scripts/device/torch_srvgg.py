#!/usr/bin/env python3
"""The Real-ESRGAN networks rebuilt in PyTorch from the same ncnn .param/.bin Caldera imports,
timed as the peers of Caldera's CUDA runtime: eager fp16 channels-last and torch.compile, at
batch 1 and batch 4, with peak GPU memory.

    python3 scripts/device/torch_srvgg.py .models/realesr-animevideov3-x4 [--width 960 --height 540]
        [--batches 1,4] [--compile-mode max-autotune-no-cudagraphs | default | none]
        [--budget-s 300] [--compare-png in.png caldera_out.png] [--json out.jsonl]

Two architectures, told apart by their layers:
  SRVGGNetCompact (realesr-animevideov3-x2/x3/x4): conv + PReLU chain, last conv, pixel shuffle,
    plus the nearest-upsampled input; the x2 and x3 files end with a bicubic Interp (the ncnn
    conversion runs the x4 body, then resizes).
  RRDBNet (realesrgan-x4plus, -x4plus-anime): conv_first, N RRDB blocks of three dense blocks
    (5 convs, LeakyReLU 0.2, out * 0.2 + x), conv_body + skip, two nearest 2x upsamplings with
    convs, conv_hr, conv_last.
The .bin is read in layer order (4-byte tag 0x01306B47: float16 values padded to 4 bytes; 0:
float32) and every convolution's shape is checked against the architecture, so a file of another
layout is refused rather than run wrongly. Times are CUDA-event medians over rotated random
inputs; memory is torch.cuda.max_memory_allocated over the timed runs. --compare-png runs the
fp32 network on a PNG and reports the PSNR against Caldera's output of the same PNG.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from ncnn_weights import NcnnWeights  # noqa: E402 (scripts/ncnn_weights.py)



def parse_param(path):
    lines = open(path).read().split("\n")
    if lines[0].strip() != "7767517":
        sys.exit(f"{path}: not an ncnn param file")
    layers = []
    for line in lines[2:]:
        parts = line.split()
        if not parts:
            continue
        ltype, name, nin, nout = parts[0], parts[1], int(parts[2]), int(parts[3])
        ins = parts[4:4 + nin]
        outs = parts[4 + nin:4 + nin + nout]
        params = {}
        for kv in parts[4 + nin + nout:]:
            k, v = kv.split("=", 1)
            params[int(k)] = v
        layers.append((ltype, name, ins, outs, params))
    return layers


def read_convs(layers, rd):
    """Every Convolution in file order as (nn.Conv2d, leaky slope or None), and the PReLUs."""
    convs, prelus = [], []
    for ltype, name, ins, outs, p in layers:
        if ltype == "Convolution":
            oc, k, pad, bias, wsize = int(p[0]), int(p[1]), int(p.get(4, 0)), int(p.get(5, 0)), int(p[6])
            ic = wsize // (oc * k * k)
            conv = torch.nn.Conv2d(ic, oc, k, padding=pad, bias=bool(bias))
            conv.weight.data = torch.from_numpy(rd.tagged(wsize).reshape(oc, ic, k, k))
            if bias:
                conv.bias.data = torch.from_numpy(rd.f32(oc))
            act = int(p.get(9, 0))
            slope = float(p[-23310].split(",")[1]) if act == 2 else None
            if act not in (0, 2):
                sys.exit(f"{name}: fused activation {act} is not part of these networks")
            convs.append((conv, slope))
        elif ltype == "PReLU":
            n = int(p.get(0, 1))
            act = torch.nn.PReLU(n)
            act.weight.data = torch.from_numpy(rd.f32(n))
            prelus.append(act)
    if rd.off != len(rd.data):
        sys.exit(f"read {rd.off} of {len(rd.data)} weight bytes: layout not understood")
    return convs, prelus


class SRVGG(torch.nn.Module):
    """conv+PReLU chain, last conv, pixel shuffle, plus the nearest-upsampled input (and the
    bicubic resize the x2 / x3 files end with)."""

    def __init__(self, layers, convs, prelus):
        super().__init__()
        self.convs = torch.nn.ModuleList(c for c, _ in convs)
        self.acts = torch.nn.ModuleList(prelus)
        shuffles = [int(p[0]) for t, _, _, _, p in layers if t == "PixelShuffle"]
        interps = [p for t, _, _, _, p in layers if t == "Interp"]
        assert len(shuffles) == 1 and len(self.acts) == len(self.convs) - 1, "not an SRVGGNetCompact file"
        self.shuffle = shuffles[0]
        self.final = None  # (scale, mode) of a resize after the sum
        if len(interps) == 2:
            modes = {1: "nearest", 2: "bilinear", 3: "bicubic"}
            self.final = (float(interps[1][1]), modes[int(interps[1][0])])
        self.scale = self.shuffle * (self.final[0] if self.final else 1)

    def forward(self, x):
        out = x
        for conv, act in zip(self.convs[:-1], self.acts):
            out = act(conv(out))
        out = F.pixel_shuffle(self.convs[-1](out), self.shuffle)
        out = out + F.interpolate(x, scale_factor=self.shuffle, mode="nearest")
        if self.final:
            out = F.interpolate(out, scale_factor=self.final[0], mode=self.final[1], align_corners=False)
        return out


class RRDBNet(torch.nn.Module):
    def __init__(self, convs):
        super().__init__()
        n = len(convs)
        if n < 21 or (n - 6) % 15:
            sys.exit(f"{n} convolutions: not an RRDBNet (1 + 15 x blocks + 5)")
        self.blocks = (n - 6) // 15
        self.convs = torch.nn.ModuleList(c for c, _ in convs)
        self.slopes = [s for _, s in convs]
        shapes = [(c.in_channels, c.out_channels) for c, _ in convs]
        want = [(3, 64)] + [(64 + 32 * k, 32 if k < 4 else 64) for _ in range(self.blocks * 3) for k in range(5)]
        want += [(64, 64), (64, 64), (64, 64), (64, 64), (64, 3)]
        if shapes != want:
            sys.exit("convolution shapes are not RRDBNet's (64 features, 32 growth)")
        self.scale = 4

    def _conv(self, i, x):
        y = self.convs[i](x)
        return F.leaky_relu(y, self.slopes[i]) if self.slopes[i] is not None else y

    def forward(self, x):
        feat = self._conv(0, x)
        body, i = feat, 1
        for _ in range(self.blocks):
            block_in = body
            for _ in range(3):
                xs = [body]
                for k in range(5):
                    y = self._conv(i, torch.cat(xs, 1))
                    i += 1
                    xs.append(y)
                body = xs[-1] * 0.2 + body
            body = body * 0.2 + block_in
        feat = feat + self._conv(i, body)
        feat = self._conv(i + 1, F.interpolate(feat, scale_factor=2, mode="nearest"))
        feat = self._conv(i + 2, F.interpolate(feat, scale_factor=2, mode="nearest"))
        return self._conv(i + 4, self._conv(i + 3, feat))


def build(model):
    layers = parse_param(model + ".param")
    convs, prelus = read_convs(layers, NcnnWeights.open(model + ".bin"))
    kinds = {t for t, _, _, _, _ in layers}
    if "PixelShuffle" in kinds:
        return SRVGG(layers, convs, prelus)
    if "Concat" in kinds and "Eltwise" in kinds:
        return RRDBNet(convs)
    sys.exit(f"{model}: neither SRVGGNetCompact nor RRDBNet")


def bench(fn, inputs, reps, cuda=True):
    times = []
    for i in range(reps):
        if not cuda:  # the --device cpu dry run: wall time
            t0 = time.perf_counter()
            fn(inputs[i % len(inputs)])
            times.append((time.perf_counter() - t0) * 1000.0)
            continue
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record()
        fn(inputs[i % len(inputs)])
        e.record()
        e.synchronize()
        times.append(s.elapsed_time(e))
    return float(np.median(times))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", help="path without extension: <model>.param and <model>.bin")
    ap.add_argument("--width", type=int, default=960)
    ap.add_argument("--height", type=int, default=540)
    ap.add_argument("--batches", default="1,4")
    ap.add_argument("--compile-mode", default="max-autotune-no-cudagraphs", help="or 'default', or 'none' to skip")
    ap.add_argument("--budget-s", type=float, default=400.0, help="skip what would start after this many seconds")
    ap.add_argument("--compare-png", nargs=2, metavar=("IN", "CALDERA_OUT"))
    ap.add_argument("--json", help="append one JSON line per row here")
    ap.add_argument("--device", default="cuda", help="cpu: a dry run of this script's steps (fp32, wall time)")
    args = ap.parse_args()
    t_start = time.time()
    name = args.model.rstrip("/").split("/")[-1]

    cuda = args.device == "cuda"
    dev = torch.device(args.device)
    half = torch.float16 if cuda else torch.float32  # CPU convolutions have no fp16 kernels
    torch.backends.cudnn.benchmark = True
    net = build(args.model).eval().to(dev)
    where = f"device {torch.cuda.get_device_name()}, cudnn {torch.backends.cudnn.version()}" if cuda else "CPU dry run"
    print(f"{name}: {type(net).__name__}, x{net.scale:g}; {where}, torch {torch.__version__}", flush=True)

    with torch.no_grad():
        x = torch.rand(1, 3, 24, 32, device=dev)
        y32 = net.float()(x)
        if args.compare_png:
            from PIL import Image
            img = np.asarray(Image.open(args.compare_png[0]).convert("RGB")).astype(np.float32) / 255.0
            ref = np.asarray(Image.open(args.compare_png[1]).convert("RGB")).astype(np.float64)
            xin = torch.from_numpy(img.transpose(2, 0, 1)[None].copy()).to(dev)
            out = net.float()(xin)[0].clamp(0, 1).mul(255).round().cpu().numpy().transpose(1, 2, 0)
            if out.shape != ref.shape:
                print(f"compare: torch makes {out.shape}, Caldera's PNG is {ref.shape}")
            else:
                mse = ((out - ref) ** 2).mean()
                psnr = 10 * np.log10(255 ** 2 / mse) if mse > 0 else float("inf")
                print(f"compare: torch fp32 vs Caldera on {args.compare_png[0]}: PSNR {psnr:.1f} dB, max |diff| "
                      f"{np.abs(out - ref).max():.0f}", flush=True)
        net16 = net.to(half).to(memory_format=torch.channels_last)
        y16 = net16(x.to(half).to(memory_format=torch.channels_last)).float()
        rel = (torch.linalg.norm(y16 - y32) / torch.linalg.norm(y32)).item()
        print(f"fp16 vs fp32 (torch): relative L2 {rel:.2e}", flush=True)

    rows = []
    out_w, out_h = int(args.width * net.scale), int(args.height * net.scale)
    weights = sum(p.numel() * p.element_size() for p in net16.parameters())
    for batch in [int(b) for b in args.batches.split(",")]:
        inputs = [torch.rand(batch, 3, args.height, args.width, device=dev).to(half).to(memory_format=torch.channels_last)
                  for _ in range(2)]
        variants = [(f"eager {'fp16' if cuda else 'fp32 (CPU dry run)'} channels-last", net16)]
        if args.compile_mode != "none":
            variants.append((f"torch.compile {args.compile_mode}", None))
        for label, fn in variants:
            if time.time() - t_start > args.budget_s:
                print(f"{label} batch {batch}: skipped (time budget of {args.budget_s:.0f} s spent)", flush=True)
                continue
            with torch.no_grad():
                if fn is None:
                    t0 = time.time()
                    torch._dynamo.reset()
                    fn = torch.compile(net16, mode=args.compile_mode)
                    fn(inputs[0])
                    if cuda:
                        torch.cuda.synchronize()
                    print(f"{label} batch {batch}: compiled in {time.time() - t0:.0f} s", flush=True)
                for i in range(3 if cuda else 1):
                    fn(inputs[i % 2])
                if cuda:
                    torch.cuda.synchronize()
                one = bench(fn, inputs, 1, cuda)
                reps = int(min(50, max(5 if cuda else 2, 3000.0 / max(one, 1e-3))))
                if cuda:
                    torch.cuda.reset_peak_memory_stats()
                ms = bench(fn, inputs, reps, cuda)
                peak = torch.cuda.max_memory_allocated() if cuda else 0
            row = {"model": name, "runtime": label, "batch": batch, "size": f"{args.width}x{args.height}->{out_w}x{out_h}",
                   "ms_per_call": ms, "ms_per_frame": ms / batch, "fps": 1000.0 * batch / ms, "peak_mib": peak / 2**20,
                   "weights_mib": weights / 2**20}
            rows.append(row)
            print(f"{label} batch {batch}: {ms / batch:.3f} ms/frame, {row['fps']:.2f} frames/s, peak {row['peak_mib']:.1f} MiB",
                  flush=True)
            if args.json:
                with open(args.json, "a") as f:
                    f.write(json.dumps(row) + "\n")
        del inputs
        if cuda:
            torch.cuda.empty_cache()

    print(f"\n| {name} ({args.width}x{args.height} -> {out_w}x{out_h}) | batch | ms/frame | frames/s | "
          f"max_memory_allocated MiB |")
    print("| --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['runtime']} | {r['batch']} | {r['ms_per_frame']:.3f} | {r['fps']:.2f} | {r['peak_mib']:.1f} |")
    print(f"weights: {weights / 2**20:.2f} MiB {'fp16' if cuda else 'fp32'}")


if __name__ == "__main__":
    main()
