#!/usr/bin/env python3
"""SRVGGNetCompact (realesr-animevideov3) rebuilt in PyTorch from the ncnn .param/.bin, timed as
the peer of Caldera's CUDA runtime: eager fp16 channels-last and torch.compile.

    python3 scripts/device/torch_srvgg.py .models/realesr-animevideov3-x4 [--width 960 --height 540]
        [--reference out.npy --reference-input in.npy] [--compile-mode max-autotune-no-cudagraphs]

The .bin is parsed here (same format Caldera's importer reads): per Convolution a 4-byte tag
(0x01306B47: float16 values padded to 4 bytes; 0: float32) then the weights, then the float32
bias; per PReLU its float32 slopes. Times are CUDA-event medians over rotated random inputs;
memory is torch.cuda.max_memory_allocated over the timed runs.
"""
import argparse
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

TAG_F16 = 0x01306B47


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


class BinReader:
    def __init__(self, path):
        self.data = open(path, "rb").read()
        self.off = 0

    def f32(self, count):
        a = np.frombuffer(self.data, np.float32, count, self.off).copy()
        self.off += 4 * count
        return a

    def tagged(self, count):
        (tag,) = struct.unpack_from("<I", self.data, self.off)
        self.off += 4
        if tag == TAG_F16:
            a = np.frombuffer(self.data, np.float16, count, self.off).astype(np.float32)
            self.off += (2 * count + 3) // 4 * 4
            return a
        if tag == 0:
            return self.f32(count)
        sys.exit(f"unsupported weight tag {tag:#x}")


class SRVGG(torch.nn.Module):
    """conv+PReLU chain, last conv, pixel shuffle, plus the nearest-upsampled input."""

    def __init__(self, param, binf):
        super().__init__()
        layers = parse_param(param)
        rd = BinReader(binf)
        self.convs = torch.nn.ModuleList()
        self.acts = torch.nn.ModuleList()
        self.scale = None
        in_ch = 3
        for ltype, name, ins, outs, p in layers:
            if ltype == "Convolution":
                oc, k, pad, bias, wsize = int(p[0]), int(p[1]), int(p.get(4, 0)), int(p.get(5, 0)), int(p[6])
                ic = wsize // (oc * k * k)
                conv = torch.nn.Conv2d(ic, oc, k, padding=pad, bias=bool(bias))
                conv.weight.data = torch.from_numpy(rd.tagged(wsize).reshape(oc, ic, k, k))
                if bias:
                    conv.bias.data = torch.from_numpy(rd.f32(oc))
                self.convs.append(conv)
                in_ch = oc
            elif ltype == "PReLU":
                n = int(p.get(0, 1))
                act = torch.nn.PReLU(n)
                act.weight.data = torch.from_numpy(rd.f32(n))
                self.acts.append(act)
            elif ltype == "PixelShuffle":
                self.scale = int(p[0])
            elif ltype in ("Input", "Split", "Interp", "BinaryOp"):
                pass
            else:
                sys.exit(f"{param}: layer {ltype} is not part of SRVGGNetCompact")
        if rd.off != len(rd.data):
            sys.exit(f"{binf}: read {rd.off} of {len(rd.data)} bytes: layout not understood")
        assert len(self.acts) == len(self.convs) - 1 and self.scale

    def forward(self, x):
        out = x
        for conv, act in zip(self.convs[:-1], self.acts):
            out = act(conv(out))
        out = F.pixel_shuffle(self.convs[-1](out), self.scale)
        return out + F.interpolate(x, scale_factor=self.scale, mode="nearest")


def bench(fn, inputs, warmup=10, reps=50):
    for i in range(warmup):
        fn(inputs[i % len(inputs)])
    torch.cuda.synchronize()
    times = []
    for i in range(reps):
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
    ap.add_argument("--reference", help="Caldera's output (NCHW float32 .npy) for --reference-input")
    ap.add_argument("--reference-input", help="the input (NCHW float32 .npy) Caldera ran on")
    ap.add_argument("--compile-mode", default="max-autotune-no-cudagraphs")
    ap.add_argument("--no-compile", action="store_true")
    args = ap.parse_args()

    dev = torch.device("cuda")
    torch.backends.cudnn.benchmark = True
    net = SRVGG(args.model + ".param", args.model + ".bin").eval()
    print(f"device: {torch.cuda.get_device_name()}, torch {torch.__version__}, cudnn {torch.backends.cudnn.version()}")

    # fp32 self-check at a small size (and against Caldera's output when given).
    with torch.no_grad():
        ref32 = net.to(dev).float()
        x = torch.rand(1, 3, 24, 32, device=dev)
        y32 = ref32(x)
        net16 = net.half().to(memory_format=torch.channels_last)
        y16 = net16(x.half().to(memory_format=torch.channels_last)).float()
        rel = (torch.linalg.norm(y16 - y32) / torch.linalg.norm(y32)).item()
        print(f"fp16 vs fp32 (torch): relative L2 {rel:.2e}")
        if args.reference and args.reference_input:
            xin = torch.from_numpy(np.load(args.reference_input)).to(dev)
            want = torch.from_numpy(np.load(args.reference)).to(dev)
            got = net.float()(xin)
            print(f"torch fp32 vs caldera: relative L2 {(torch.linalg.norm(got - want) / torch.linalg.norm(got)).item():.2e}")
            net16 = net.half().to(memory_format=torch.channels_last)

    n_inputs = 4
    inputs = [torch.rand(1, 3, args.height, args.width, device=dev).half().to(memory_format=torch.channels_last)
              for _ in range(n_inputs)]
    rows = []
    with torch.no_grad():
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        ms = bench(net16, inputs)
        peak = torch.cuda.max_memory_allocated()
        rows.append(("eager fp16 channels-last", ms, peak, peak - base))
        print(f"eager: {ms:.3f} ms/frame, peak {peak / 2**20:.1f} MiB", flush=True)
        if not args.no_compile:
            t0 = time.time()
            compiled = torch.compile(net16, mode=args.compile_mode)
            compiled(inputs[0])
            torch.cuda.synchronize()
            print(f"torch.compile({args.compile_mode}) took {time.time() - t0:.0f} s", flush=True)
            torch.cuda.reset_peak_memory_stats()
            base = torch.cuda.memory_allocated()
            ms = bench(compiled, inputs)
            peak = torch.cuda.max_memory_allocated()
            rows.append((f"compile {args.compile_mode}", ms, peak, peak - base))
    out = f"{args.width}x{args.height} -> {args.width * net.scale}x{args.height * net.scale}"
    print(f"\n| peer ({out}, batch 1) | ms/frame | max_memory_allocated MiB | of it above weights + {n_inputs} inputs |")
    print("| --- | --- | --- | --- |")
    for name, ms, peak, above in rows:
        print(f"| {name} | {ms:.3f} | {peak / 2**20:.1f} | {above / 2**20:.1f} |")
    wbytes = sum(p.numel() * p.element_size() for p in net16.parameters())
    print(f"weights: {wbytes / 2**20:.2f} MiB fp16")


if __name__ == "__main__":
    main()
