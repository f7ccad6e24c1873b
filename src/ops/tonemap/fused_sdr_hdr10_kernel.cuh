// The fused SDR -> HDR10 expansion (ITU-R BT.2446 method A): NV12 (BT.1886, BT.709 or BT.2020)
// in, P010 (PQ, BT.2020) out, one pass reading the source once and writing the destination once.
// One thread takes an 8x2 tile (two 8-byte luma loads, one 8-byte chroma load; two 16-byte luma
// stores, one 16-byte chroma store) on a persistent grid.
//
// The one-dimensional functions come from lane-replicated tables (lane_lut.cuh): BT.1886's
// x^2.4 (uniform), the method's Y_HDR(Y') = (255 Y')^E (uniform), and PQ(1000 v^2.4), the
// linearisation and PQ encoding of R'G'B'_HDR / 1000 together (log domain, for its steep start).
// The re-encoding of BT.709 light converted to BT.2020 is exp2(log2(x) / 2.4), the chroma scale
// one reciprocal. The destination's gamut stage is the identity here (BT.2020 out, light within
// [0, 1000] cd/m2), so it is left out.
//
// This header holds the kernel and its parameters (fused_sdr_hdr10.cu launches it) so that the
// tests can also run it on the host (tests/emu/header_kernels.hpp).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "core/dependent_launch.cuh"
#include "core/mufu.cuh"  // fast_rcp, fast_log2, fast_exp2
#include "ops/tonemap/lane_lut.cuh"
#include "ops/tonemap/tonemap_internal.hpp"

// The block's dynamic shared memory (a macro, so that the host emulation can provide it).
#ifndef CALDERA_DYNAMIC_SHARED
#define CALDERA_DYNAMIC_SHARED(type, name) extern __shared__ type name[]
#endif

namespace caldera::tonemap_detail {
namespace {

constexpr int kThreads = 256;
constexpr int kTileW = 8;

struct InverseParams {
  const uint8_t* sy;
  const uint8_t* suv;
  uint8_t* dy;
  uint8_t* duv;
  size_t sy_pitch, suv_pitch, dy_pitch, duv_pitch;
  int width, height, tiles_x, tiles, vec;
  float y_mul, y_add, c_mul, c_add;  // 8-bit source codes -> Y', C
  float rcr, gcb, gcr, bcb;          // source matrix
  int convert;                       // the source is not BT.2020
  hd::Mat3<float> m;                 // source -> BT.2020 linear
  float ey[3], ecb[3], ecr[3];       // BT.2020 R'G'B' (PQ) -> 10-bit codes / 1024 (chroma: of a 2x2 block's sum)
  float ey_off, ec_off;              // (offsets + 0.5) / 1024
};

__device__ __forceinline__ float code8(unsigned v) { return __uint_as_float(0x4b000000u | v) - 8388608.0f; }

// A 10-bit code worked out in units of 1024 codes, (code + 0.5) / 1024, saturated by the FMA that
// made it (its clamp), floored by one round-down FMA by just under 1024 (1.0 -> 1023; no other
// floor moves unless within 1.2e-4 codes of the next), as a P010 word.
constexpr float kP010FloorScale = 1024.0f - 1.0f / 8192.0f;
__device__ __forceinline__ unsigned p010_word(float unit) {
  return (__float_as_uint(floor_bits(unit, kP010FloorScale)) & 0x3ffu) << 6;
}

// x^(1/2.4) for x in [0, 1] (saturated here) on the bare MUFU pair, as the forward kernel's
// BT.1886 inverse: exp2f / log2f's range fix-ups cannot matter for 10-bit codes.
__device__ __forceinline__ float encode24(float v) {
  return fast_exp2(fast_log2(__saturatef(v)) * (1.0f / 2.4f));
}

struct Out {
  float y, r, g, b;
};

// BT.2446 method A's Y_HDR = y2^E(y2), y2 = 255 Y', for Y' < 1/32 (y2 < 8: E's first polynomial),
// as exp2(E log2(y2)) on the bare MUFU: its relative error (~2e-7) is what powf's would be to the
// 10-bit codes, and powf's accurate sequence, inlined in each of the tile's 16 pixels, was most
// of the kernel's code.
__device__ __forceinline__ float bt2446a_dark_luma(float yc) {
  const float y2 = 255.0f * yc;
  const float e = fmaf(fmaf(1.8712e-5f, y2, -2.7334e-3f), y2, 1.3141f);
  return fast_exp2(e * fast_log2(y2));
}

__device__ __forceinline__ Out pixel(const InverseParams& p, const char* pow24, const char* yhdr, const char* pq,
                                     float r, float g, float b) {
  if (p.convert) {
    r = lookup_uniform(pow24, r), g = lookup_uniform(pow24, g), b = lookup_uniform(pow24, b);
    p.m.apply(r, g, b);
    r = encode24(r), g = encode24(g), b = encode24(b);
  }
  // BT.2446 method A (tone_math.hpp, bt2446a_expand).
  constexpr float kr = static_cast<float>(hd::kItmKr), kb = static_cast<float>(hd::kItmKb);
  constexpr float kg = static_cast<float>(hd::kItmKg);
  const float y = kr * r + kg * g + kb * b;
  const float cb = (b - y) * static_cast<float>(1 / (2 * (1 - hd::kItmKb)));
  const float cr = (r - y) * static_cast<float>(1 / (2 * (1 - hd::kItmKr)));
  const float yc = __saturatef(y);
  // Y_HDR from its table, except in its first four segments (Y' < 1/32): the chroma scale
  // S_C = 1.075 Y_HDR / Y' needs Y_HDR to a small relative error, and a segment's line has a
  // relative error of about E (E - 1) / (8 k^2) in segment k, without bound in the first one (its
  // line from (0, 0) keeps Y_HDR / Y' constant where the method's 255^E Y'^(E-1) goes to 0): there
  // it multiplied the chroma of near-black pixels by up to ~30x (hundreds of 10-bit codes), and in
  // segment 1 it still moved saturated colours by 2 codes. Computed from the method there (bt2446a_dark_luma).
  const float yh = yc < 4.0f / kLutSegments ? bt2446a_dark_luma(yc) : lookup_uniform(yhdr, yc);
  const float sc = yc > 0.0f ? 1.075f * yh * fast_rcp(yc) : 1.0f;
  const float cbh = cb * sc, crh = cr * sc;
  constexpr float inv_peak = static_cast<float>(1 / hd::kItmPeak);
  const float rh = (yh + static_cast<float>(2 * (1 - hd::kItmKr)) * crh) * inv_peak;
  const float gh = (yh - static_cast<float>(2 * hd::kItmKb * (1 - hd::kItmKb) / hd::kItmKg) * cbh -
                    static_cast<float>(2 * hd::kItmKr * (1 - hd::kItmKr) / hd::kItmKg) * crh) * inv_peak;
  const float bh = (yh + static_cast<float>(2 * (1 - hd::kItmKb)) * cbh) * inv_peak;
  const float er = lookup_log(pq, rh), eg = lookup_log(pq, gh), eb = lookup_log(pq, bh);
  return {__saturatef(fmaf(p.ey[2], eb, fmaf(p.ey[1], eg, fmaf(p.ey[0], er, p.ey_off)))), er, eg, eb};
}

__device__ void build_tables(float2* pow24, float2* yhdr, float2* pq, float2* lines, int t) {
  if (t < kLutEntries) {  // cheap functions: one thread per entry builds all three lines
    lines[t] = as_float2(pow24_table_line(t));
    lines[kLutEntries + t] = as_float2(yhdr_table_line(t));
    lines[2 * kLutEntries + t] = as_float2(pq_table_line(t));
  }
  __syncthreads();
  replicate_lut(lines, pow24, t, kThreads);
  replicate_lut(lines + kLutEntries, yhdr, t, kThreads);
  replicate_lut(lines + 2 * kLutEntries, pq, t, kThreads);
  __syncthreads();
}

// Launched as a programmatic dependent launch (core/dependent_launch.cuh): a block builds its
// tables, which depend on nothing, while the previous kernel on the stream still finishes.
__global__ void __launch_bounds__(kThreads, 2) fused_inverse_kernel(const InverseParams p) {
  CALDERA_DYNAMIC_SHARED(float2, s_tables);  // pow24, yhdr, pq: [129][32] each
  __shared__ float2 s_lines[3 * kLutEntries];
  const int t = threadIdx.x, lane = t & 31;
  float2* pow24 = s_tables;
  float2* yhdr = s_tables + kLutEntries * kLutLanes;
  float2* pq = s_tables + 2 * kLutEntries * kLutLanes;
  build_tables(pow24, yhdr, pq, s_lines, t);
  wait_for_previous_grid();  // before the frame is read or the destination written
  const char* pow24_lane = reinterpret_cast<const char*>(pow24 + lane);
  const char* yhdr_lane = reinterpret_cast<const char*>(yhdr + lane);
  const char* pq_lane = reinterpret_cast<const char*>(pq + lane);

  // The tile's column and row advance by the grid's stride without a division per tile (as the
  // forward kernel's forward_tiles).
  const int stride = gridDim.x * kThreads, stride_y = stride / p.tiles_x, stride_x = stride - stride_y * p.tiles_x;
  int tile = blockIdx.x * kThreads + t;
  int ty = tile / p.tiles_x, tx = tile - ty * p.tiles_x;
  for (; tile < p.tiles; tile += stride, tx += stride_x, ty += stride_y) {
    if (tx >= p.tiles_x) tx -= p.tiles_x, ++ty;
    const int x0 = tx * kTileW, y0 = ty * 2, cy = y0 / 2;
    const bool full = p.vec && x0 + kTileW <= p.width && y0 + 2 <= p.height;
    uint32_t yw[2][2] = {{0, 0}, {0, 0}}, cw[2] = {0, 0};  // 8 luma bytes per row, 4 chroma pairs
    if (full) {
      const uint2 a = __ldg(reinterpret_cast<const uint2*>(p.sy + p.sy_pitch * y0 + x0));
      const uint2 b = __ldg(reinterpret_cast<const uint2*>(p.sy + p.sy_pitch * (y0 + 1) + x0));
      const uint2 c = __ldg(reinterpret_cast<const uint2*>(p.suv + p.suv_pitch * cy + x0));
      yw[0][0] = a.x, yw[0][1] = a.y, yw[1][0] = b.x, yw[1][1] = b.y, cw[0] = c.x, cw[1] = c.y;
    } else {
      // Luma samples outside the image repeat the nearest inside one of their 2x2 block, so that
      // every block's mean is of four samples and the pixels need no test of being inside.
      for (int j = 0; j < 2; ++j) {
        const uint8_t* row = p.sy + p.sy_pitch * min(y0 + j, p.height - 1);
        for (int i = 0; i < kTileW; ++i)
          yw[j][i / 4] |= static_cast<uint32_t>(__ldg(row + min(x0 + i, p.width - 1))) << (8 * (i & 3));
      }
      const uint8_t* crow = p.suv + p.suv_pitch * cy;
      for (int i = 0; i < kTileW && x0 + i < p.width + (p.width & 1); ++i)
        cw[i / 4] |= static_cast<uint32_t>(__ldg(crow + x0 + i)) << (8 * (i & 3));
    }
    uint32_t ywords[2][4] = {{0, 0, 0, 0}, {0, 0, 0, 0}}, cwords[4] = {0, 0, 0, 0};
#pragma unroll
    for (int k = 0; k < 4; ++k) {
      const unsigned pair = cw[k / 2] >> (16 * (k & 1));
      const float cb = code8(pair & 0xffu) * p.c_mul + p.c_add;
      const float cr = code8((pair >> 8) & 0xffu) * p.c_mul + p.c_add;
      const float dr = p.rcr * cr, dg = p.gcb * cb + p.gcr * cr, db = p.bcb * cb;
      float sr = 0, sg = 0, sb = 0;
#pragma unroll
      for (int j = 0; j < 2; ++j)
#pragma unroll
        for (int i = 0; i < 2; ++i) {
          const int px = 2 * k + i;
          const float y = code8((yw[j][px / 4] >> (8 * (px & 3))) & 0xffu) * p.y_mul + p.y_add;
          const Out o = pixel(p, pow24_lane, yhdr_lane, pq_lane, y + dr, y + dg, y + db);
          ywords[j][k] |= p010_word(o.y) << (16 * i);
          if (j == 0 && i == 0) sr = o.r, sg = o.g, sb = o.b;
          else sr += o.r, sg += o.g, sb += o.b;
        }
      // The chroma of the block's mean (the rows take the 1/4).
      cwords[k] = p010_word(__saturatef(fmaf(p.ecb[2], sb, fmaf(p.ecb[1], sg, fmaf(p.ecb[0], sr, p.ec_off))))) |
                  p010_word(__saturatef(fmaf(p.ecr[2], sb, fmaf(p.ecr[1], sg, fmaf(p.ecr[0], sr, p.ec_off))))) << 16;
    }
    if (full) {
#pragma unroll
      for (int j = 0; j < 2; ++j)
        *reinterpret_cast<uint4*>(p.dy + p.dy_pitch * (y0 + j) + 2 * x0) =
            make_uint4(ywords[j][0], ywords[j][1], ywords[j][2], ywords[j][3]);
      *reinterpret_cast<uint4*>(p.duv + p.duv_pitch * cy + 2 * x0) = make_uint4(cwords[0], cwords[1], cwords[2], cwords[3]);
    } else {
      for (int j = 0; j < 2; ++j) {
        if (y0 + j >= p.height) continue;
        uint16_t* row = reinterpret_cast<uint16_t*>(p.dy + p.dy_pitch * (y0 + j));
        for (int i = 0; i < kTileW && x0 + i < p.width; ++i)
          row[x0 + i] = static_cast<uint16_t>(ywords[j][i / 2] >> (16 * (i & 1)));
      }
      uint16_t* crow = reinterpret_cast<uint16_t*>(p.duv + p.duv_pitch * cy);
      for (int k = 0; k < 4 && x0 + 2 * k < p.width; ++k) {
        crow[x0 + 2 * k] = static_cast<uint16_t>(cwords[k] & 0xffffu);
        crow[x0 + 2 * k + 1] = static_cast<uint16_t>(cwords[k] >> 16);
      }
    }
  }
  allow_dependent_launch();
}

bool aligned16(ConstImageView v) {
  for (int i = 0; i < v.num_planes(); ++i)
    if (reinterpret_cast<uintptr_t>(v.plane(i).data) % 16 || v.plane(i).pitch % 16) return false;
  return true;
}

constexpr size_t kInverseDynamic = 3 * kLutBytes;  // the kernel's dynamic shared memory

// The kernel's parameters for a pair fused_inverse_fits() accepts.
Result<InverseParams> inverse_params(ConstImageView src, ImageView dst, const pipeline::Stages<float>& st) {
  InverseParams p{};
  p.sy = src.plane(0).data, p.suv = src.plane(1).data, p.dy = dst.plane(0).data, p.duv = dst.plane(1).data;
  p.sy_pitch = src.plane(0).pitch, p.suv_pitch = src.plane(1).pitch;
  p.dy_pitch = dst.plane(0).pitch, p.duv_pitch = dst.plane(1).pitch;
  p.width = src.width(), p.height = src.height();
  p.tiles_x = (p.width + kTileW - 1) / kTileW;
  p.tiles = p.tiles_x * ((p.height + 1) / 2);
  p.vec = aligned16(src) && aligned16(ConstImageView(dst));
  CALDERA_ASSIGN_OR_RETURN(pipeline::Layout sl, pipeline::pipeline_layout(src.desc(), "src", "inverse tonemap"));
  CALDERA_ASSIGN_OR_RETURN(pipeline::Layout dl, pipeline::pipeline_layout(dst.desc(), "dst", "inverse tonemap"));
  p.y_mul = static_cast<float>(1 / sl.y_scale), p.y_add = static_cast<float>(-sl.y_off / sl.y_scale);
  p.c_mul = static_cast<float>(1 / sl.c_scale), p.c_add = static_cast<float>(-sl.c_off / sl.c_scale);
  const double kr = sl.kr, kb = sl.kb, kg = 1 - kr - kb;
  p.rcr = static_cast<float>(2 * (1 - kr));
  p.bcb = static_cast<float>(2 * (1 - kb));
  p.gcr = static_cast<float>(-kr * 2 * (1 - kr) / kg);
  p.gcb = static_cast<float>(-kb * 2 * (1 - kb) / kg);
  p.convert = st.expand_convert;
  p.m = st.expand_matrix;
  const double dkr = dl.kr, dkb = dl.kb, dkg = 1 - dkr - dkb;
  const double ky[3] = {dkr, dkg, dkb};
  for (int i = 0; i < 3; ++i) {
    // In units of 1024 codes (p010_word); the chroma rows take the 2x2 block mean's 1/4.
    p.ey[i] = static_cast<float>(ky[i] * dl.y_scale / 1024);
    p.ecb[i] = static_cast<float>(((i == 2 ? 1.0 : 0.0) - ky[i]) / (2 * (1 - dkb)) * dl.c_scale / (4 * 1024));
    p.ecr[i] = static_cast<float>(((i == 0 ? 1.0 : 0.0) - ky[i]) / (2 * (1 - dkr)) * dl.c_scale / (4 * 1024));
  }
  p.ey_off = static_cast<float>((dl.y_off + 0.5) / 1024);
  p.ec_off = static_cast<float>((dl.c_off + 0.5) / 1024);
  return p;
}

}  // namespace
}  // namespace caldera::tonemap_detail
