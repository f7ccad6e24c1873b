#!/usr/bin/env python3
"""Makes the small bundled examples (examples/sample.png, examples/clip.y4m) from formulas, so
they are reproducible and carry no third-party content. Pure Python: zlib for PNG."""
import math
import struct
import sys
import zlib
from pathlib import Path


def scene(w, h, t):
    """A synthetic scene with what resizing and colour conversion must get right: smooth
    gradients, saturated colours, hard diagonal and circular edges, and fine stripes."""
    px = bytearray()
    cx, cy = w * (0.35 + 0.2 * math.sin(t)), h * 0.5
    for y in range(h):
        for x in range(w):
            r = int(255 * x / (w - 1))
            g = int(255 * y / (h - 1))
            b = int(128 + 127 * math.sin((x + y) * 0.05 + t))
            d = math.hypot(x - cx, y - cy)
            if d < h * 0.3:  # a saturated disc with a soft rim
                k = min(1.0, (h * 0.3 - d) / 3.0)
                r, g, b = [int(v * (1 - k) + c * k) for v, c in ((r, 230), (g, 40), (b, 60))]
            if x > w * 0.7 and (x // 2) % 2 == 0:  # fine stripes: aliasing shows at once
                r, g, b = 240, 240, 240
            if abs((x - y) - w * 0.1) < 2:  # a hard diagonal line
                r, g, b = 20, 20, 20
            px += bytes((r, g, b))
    return px


def write_png(path, w, h, rgb):
    raw = b"".join(b"\x00" + bytes(rgb[y * w * 3:(y + 1) * w * 3]) for y in range(h))

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    Path(path).write_bytes(png)


def rgb_to_i420(w, h, rgb):
    """BT.709 limited range, chroma averaged over 2x2 (centre), for the example clip only."""
    kr, kb = 0.2126, 0.0722
    kg = 1 - kr - kb
    Y = bytearray(w * h)
    cb = [0.0] * (w * h)
    cr = [0.0] * (w * h)
    for i in range(w * h):
        r, g, b = (c / 255 for c in rgb[3 * i:3 * i + 3])
        yv = kr * r + kg * g + kb * b
        Y[i] = round(16 + 219 * yv)
        cb[i] = (b - yv) / (2 * (1 - kb))
        cr[i] = (r - yv) / (2 * (1 - kr))
    U, V = bytearray(), bytearray()
    for j in range(h // 2):
        for i in range(w // 2):
            idx = [(2 * j + dy) * w + 2 * i + dx for dy in (0, 1) for dx in (0, 1)]
            U.append(round(128 + 224 * sum(cb[k] for k in idx) / 4))
            V.append(round(128 + 224 * sum(cr[k] for k in idx) / 4))
    return bytes(Y) + bytes(U) + bytes(V)


def main(out_dir):
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    w, h = 480, 270
    write_png(out / "sample.png", w, h, scene(w, h, 0.0))
    cw, ch, frames = 192, 108, 12
    with open(out / "clip.y4m", "wb") as f:
        f.write(b"YUV4MPEG2 W%d H%d F24:1 Ip A1:1 C420jpeg\n" % (cw, ch))
        for t in range(frames):
            f.write(b"FRAME\n" + rgb_to_i420(cw, ch, scene(cw, ch, t * 0.3)))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "examples")
