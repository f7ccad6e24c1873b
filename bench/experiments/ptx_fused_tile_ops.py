#!/usr/bin/env python3
"""Counts the PTX instructions of the fused HDR10 -> SDR kernel's tile, by opcode: a proxy for the
SASS count on a machine with nvcc but no cuobjdump/nvdisasm (the development machine). ptxas
folds cvt.sat into the FMA before it, turns neg into an operand modifier and drops most movs, so
compare two versions of the kernel rather than read the total as SASS.

    nvcc --expt-relaxed-constexpr -O3 -DNDEBUG -arch=sm_90 -std=c++20 -Iinclude -Isrc -ptx \\
        src/ops/tonemap/fused_hdr10_sdr.cu -o /tmp/fused.ptx
    python3 bench/experiments/ptx_fused_tile_ops.py /tmp/fused.ptx fused_forward_kernelILb0ELb1E [--all]

The kernel names: ILb0ELb1E the fixed curve, ILb1ELb1E with peak measurement, ILb1ELb0E the
measuring pre-pass. Each region runs from a tile's three 16-byte loads to its three 8-byte stores
(with the partial-tile path between them), one per pixel path (pixel_fast first, then
pixel_generic); per pixel is per 16 pixels of the tile.
"""
import collections
import sys


def regions(body):
    i = 0
    while i < len(body):
        if body[i].startswith('ld.global.nc.v4.u32'):
            j, stores = i, 0
            while j < len(body) and stores < 3:
                if body[j].startswith('st.global.v2'):
                    stores += 1
                j += 1
            yield body[i:j]
            i = j
        else:
            i += 1


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    path, kernel = sys.argv[1], sys.argv[2]
    lines = open(path).read().split('\n')
    start = next((i for i, l in enumerate(lines) if '.entry' in l and kernel in l), None)
    if start is None:
        sys.exit(f'{path}: no .entry containing {kernel}')
    end = next((i for i in range(start + 1, len(lines)) if '.entry' in lines[i]), len(lines))
    body = [l.strip() for l in lines[start:end]]
    for region in regions(body):
        ops = collections.Counter()
        for l in region:
            if not l or l.startswith(('//', '$', '{', '}', '.', '@')) or l.endswith(':'):
                continue
            ops[l.split()[0].rstrip(';')] += 1
        total = sum(ops.values())
        print(f'{total} instructions, {total / 16:.1f} per pixel')
        groups = collections.Counter()
        for op, n in ops.items():
            groups[op.split('.')[0]] += n
        print('  ' + ', '.join(f'{k} {v}' for k, v in groups.most_common()))
        if '--all' in sys.argv:
            print('  ' + ', '.join(f'{k} {v}' for k, v in ops.most_common()))


if __name__ == '__main__':
    main()
