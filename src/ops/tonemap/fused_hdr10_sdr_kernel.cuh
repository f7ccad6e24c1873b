// The fused HDR10 -> SDR tone map: P010 (PQ, BT.2020) in, NV12 (BT.1886) out, in one pass that
// reads the source once and writes the destination once, with the frame's peak measurement fused
// in. One thread takes an 8x2 tile (two 16-byte luma loads, one 16-byte chroma load; two 8-byte
// luma stores, one 8-byte chroma store); a persistent grid walks the tiles.
//
// Per pixel, in units of the target peak: R'G'B' from Y'CbCr; linear light from a lane-replicated
// PQ table (lane_lut.cuh); one gain from the tone curve (a table over max(R', G', B') in the PQ
// domain, or over the luminance in the log domain, or the clip curve computed directly); the
// BT.2020 -> destination matrix and gamut mapping (gamut_math.hpp); BT.1886's inverse as
// exp2(log2(x) / 2.4); Y'CbCr out, chroma the mean of the 2x2 block. The peak measurement of a
// ToneMapper goes into a shared histogram per block (one atomic per 2x2 block) and the last block
// folds it into the stream's state (peak_cuda.cuh): frame n is mapped with the curve of frames
// up to n-1, and the tables are rebuilt by every block from that state at its start.
//
// This header holds the kernel and its parameters (fused_hdr10_sdr.cu launches it) so that the
// tests can also run it on the host (tests/emu/header_kernels.hpp).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "ops/color_pipeline/peak_cuda.cuh"
#include "ops/tonemap/lane_lut.cuh"
#include "ops/tonemap/tonemap_internal.hpp"

// The block's dynamic shared memory (a macro, so that the host emulation can provide it).
#ifndef CALDERA_DYNAMIC_SHARED
#define CALDERA_DYNAMIC_SHARED(type, name) extern __shared__ type name[]
#endif

namespace caldera::tonemap_detail {
namespace {

constexpr int kThreads = pipeline::kPeakThreads;  // 256
static_assert(kLutEntries <= kThreads, "a thread per table entry");
constexpr int kTileW = 8;
enum SignalMode : int { kMaxRgbTable = 0, kLuminanceTable = 1, kMaxRgbClip = 2, kLuminanceClip = 3 };

struct ForwardParams {
  const uint8_t* sy;
  const uint8_t* suv;
  uint8_t* dy;
  uint8_t* duv;
  size_t sy_pitch, suv_pitch, dy_pitch, duv_pitch;
  int width, height, tiles_x, tiles, vec;
  float y_mul, y_add, c_mul, c_add;  // Y' = code * y_mul + y_add, C = code * c_mul + c_add (10-bit codes)
  float rcr, gcb, gcr, bcb;          // Y'CbCr -> R'G'B' of the source matrix
  float target;                      // cd/m2 of 1.0
  int mode;                          // SignalMode
  float ky[3];                       // source luminance coefficients
  float lum_scale;                   // luminance (target units) -> log table domain [0, 1]
  pipeline::ToneStage<float> tone;
  hd::GamutCoeffs<float> gamut;      // peak 1 (the target)
  float oetf_k, oetf_b;              // V = (L * k)^(1/2.4) - b
  float ey[3], ecb[3], ecr[3];       // R'G'B' -> codes (x 219, 224; chroma for one pixel)
  float ey_off, ec_off;              // 16.5, 128.5 (+0.5: rounding)
  hd::PeakStateData* state;
  hd::PeakRule<float> rule;
  int dynamic_curve, measure, write;
};

__device__ __forceinline__ float code10(unsigned word) {
  return __uint_as_float(0x4b000000u | (word >> 6)) - 8388608.0f;  // exact: 2^23 + code, minus 2^23
}

// floor of a code value already offset by +0.5, clamped to [0, 255]; the byte is the low 8 bits.
__device__ __forceinline__ unsigned code8_bits(float v) {
  return __float_as_uint(__fadd_rd(fminf(fmaxf(v, 0.0f), 255.0f), 12582912.0f));
}

struct Out {
  float y, r, g, b;  // luma code (+0.5) and R'G'B' (for the chroma mean)
};

// One pixel: R'G'B' (PQ, source primaries) -> luma code and the destination's R'G'B'.
__device__ __forceinline__ Out pixel(const ForwardParams& p, const char* eotf, const char* gain_table, float r,
                                     float g, float b) {
  const float mp = fmaxf(fmaxf(r, g), b);  // max-RGB in the PQ domain (PQ is monotonic)
  float lr = lookup_uniform(eotf, r), lg = lookup_uniform(eotf, g), lb = lookup_uniform(eotf, b);
  lr = fmaxf(lr, 0.0f), lg = fmaxf(lg, 0.0f), lb = fmaxf(lb, 0.0f);
  float k;
  switch (p.mode) {
    case kMaxRgbTable:
      // The curve never takes max-RGB above the target; the tables' error can, by ~1e-3, and the
      // gamut stage then desaturates a colour the reference leaves alone, lifting its channels at
      // black by up to 7 codes (BT.2020 destination). So the bound the curve keeps is kept here.
      k = fminf(lookup_uniform(gain_table, mp), __frcp_rn(fmaxf(fmaxf(lr, lg), lb)));
      break;
    case kLuminanceTable: k = lookup_log(gain_table, (p.ky[0] * lr + p.ky[1] * lg + p.ky[2] * lb) * p.lum_scale); break;
    case kMaxRgbClip: k = fminf(1.0f, __frcp_rn(fmaxf(fmaxf(lr, lg), lb))); break;
    default: k = fminf(1.0f, __frcp_rn(p.ky[0] * lr + p.ky[1] * lg + p.ky[2] * lb)); break;
  }
  lr *= k, lg *= k, lb *= k;
  hd::map_gamut(p.gamut, lr, lg, lb);
  auto oetf = [&](float l) { return exp2f(__log2f(fmaxf(l, 0.0f) * p.oetf_k) * (1.0f / 2.4f)) - p.oetf_b; };
  const float vr = oetf(lr), vg = oetf(lg), vb = oetf(lb);
  return {p.ey[0] * vr + p.ey[1] * vg + p.ey[2] * vb + p.ey_off, vr, vg, vb};
}

__device__ __forceinline__ void decode_pixel(const ForwardParams& p, float ycode, float dr, float dg, float db,
                                             float& r, float& g, float& b) {
  const float y = ycode * p.y_mul + p.y_add;
  r = y + dr, g = y + dg, b = y + db;
}

// Builds the two tables of this block: PQ -> linear (target units) and the gain. Every function
// value is computed once, spread over the threads (the gain's on threads 0..128, the PQ values on
// threads 127..255), since this is the latency every block pays before its first tile.
__device__ void build_tables(const ForwardParams& p, const hd::ToneCoeffs<float>& tone, float2* eotf, float2* gain,
                             float* values, float2* lines, int t) {
  const bool log_domain = p.mode == kLuminanceTable;
  if (t < kLutEntries) values[kLutEntries + t] = gain_table_value(t, tone, log_domain, p.lum_scale, p.target);
  if (t >= kThreads - kLutEntries) values[t - (kThreads - kLutEntries)] = eotf_table_value(t - (kThreads - kLutEntries), p.target);
  __syncthreads();
  if (t < kLutEntries) {
    const int t1 = t < kLutSegments ? t + 1 : t;
    lines[t] = as_float2(table_line(t, values[t], values[t1], false));
    lines[kLutEntries + t] = as_float2(table_line(t, values[kLutEntries + t], values[kLutEntries + t1], log_domain));
  }
  __syncthreads();
  replicate_lut(lines, eotf, t, kThreads);
  replicate_lut(lines + kLutEntries, gain, t, kThreads);
  __syncthreads();
}

template <bool kMeasure, bool kWrite>
__global__ void __launch_bounds__(kThreads, 3) fused_forward_kernel(const ForwardParams p) {
  CALDERA_DYNAMIC_SHARED(float2, s_tables);  // eotf [129][32], gain [129][32]
  __shared__ float2 s_lines[2 * kLutEntries];
  __shared__ float s_values[2 * kLutEntries];
  __shared__ uint32_t s_hist[hd::kPeakBins];
  const int t = threadIdx.x;
  const int lane = t & 31;
  float2* eotf = s_tables;
  float2* gain = s_tables + kLutEntries * kLutLanes;
  if (kMeasure) s_hist[t] = 0;
  hd::ToneCoeffs<float> tone = p.tone.coeffs;
  if (p.dynamic_curve) tone = pipeline::tone_coeffs_for_peak(p.tone, p.state->peak_pq);
  if (kWrite) build_tables(p, tone, eotf, gain, s_values, s_lines, t);
  else __syncthreads();
  const char* eotf_lane = reinterpret_cast<const char*>(eotf + lane);
  const char* gain_lane = reinterpret_cast<const char*>(gain + lane);

  for (int tile = blockIdx.x * kThreads + t; tile < p.tiles; tile += gridDim.x * kThreads) {
    const int x0 = (tile % p.tiles_x) * kTileW, y0 = (tile / p.tiles_x) * 2;
    const bool full = p.vec && x0 + kTileW <= p.width && y0 + 2 <= p.height;
    // The tile's samples: 2 x 8 luma words and 4 chroma pairs (partial tiles: only what is inside).
    uint32_t yw[2][4] = {{0, 0, 0, 0}, {0, 0, 0, 0}}, cw[4] = {0, 0, 0, 0};
    const int cy = y0 / 2;
    if (full) {
      const uint4 a = __ldg(reinterpret_cast<const uint4*>(p.sy + p.sy_pitch * y0 + 2 * x0));
      const uint4 b = __ldg(reinterpret_cast<const uint4*>(p.sy + p.sy_pitch * (y0 + 1) + 2 * x0));
      const uint4 c = __ldg(reinterpret_cast<const uint4*>(p.suv + p.suv_pitch * cy + 2 * x0));
      yw[0][0] = a.x, yw[0][1] = a.y, yw[0][2] = a.z, yw[0][3] = a.w;
      yw[1][0] = b.x, yw[1][1] = b.y, yw[1][2] = b.z, yw[1][3] = b.w;
      cw[0] = c.x, cw[1] = c.y, cw[2] = c.z, cw[3] = c.w;
    } else {
      for (int j = 0; j < 2; ++j) {
        if (y0 + j >= p.height) continue;
        const uint16_t* row = reinterpret_cast<const uint16_t*>(p.sy + p.sy_pitch * (y0 + j));
        for (int i = 0; i < kTileW && x0 + i < p.width; ++i) yw[j][i / 2] |= static_cast<uint32_t>(__ldg(row + x0 + i)) << (16 * (i & 1));
      }
      const uint16_t* crow = reinterpret_cast<const uint16_t*>(p.suv + p.suv_pitch * cy);
      for (int k = 0; k < 4 && x0 + 2 * k < p.width; ++k)
        cw[k] = __ldg(crow + x0 + 2 * k) | static_cast<uint32_t>(__ldg(crow + x0 + 2 * k + 1)) << 16;
    }
    uint32_t ybits[2][kTileW];
    uint32_t cbits[8];
#pragma unroll
    for (int k = 0; k < 4; ++k) {  // the 2x2 block of chroma sample k
      const float cb = code10(cw[k] & 0xffffu) * p.c_mul + p.c_add;
      const float cr = code10(cw[k] >> 16) * p.c_mul + p.c_add;
      const float dr = p.rcr * cr, dg = p.gcb * cb + p.gcr * cr, db = p.bcb * cb;
      float sr = 0, sg = 0, sb = 0, block_max = 0;
      int n = 0;
#pragma unroll
      for (int j = 0; j < 2; ++j)
#pragma unroll
        for (int i = 0; i < 2; ++i) {
          const int x = x0 + 2 * k + i, y = y0 + j;
          const bool inside = full || (x < p.width && y < p.height);
          float r, g, b;
          decode_pixel(p, code10(i ? yw[j][k] >> 16 : yw[j][k] & 0xffffu), dr, dg, db, r, g, b);
          if (kMeasure && inside) block_max = fmaxf(block_max, fminf(fmaxf(fmaxf(fmaxf(r, g), b), 0.0f), 1.0f));
          if (kWrite) {
            const Out o = pixel(p, eotf_lane, gain_lane, r, g, b);
            ybits[j][2 * k + i] = code8_bits(o.y);
            if (inside) sr += o.r, sg += o.g, sb += o.b, ++n;
          }
        }
      if (kMeasure && (full || (x0 + 2 * k < p.width))) atomicAdd(&s_hist[hd::peak_bin(block_max)], 1u);
      if (kWrite) {
        const float inv = full ? 0.25f : 1.0f / static_cast<float>(n > 0 ? n : 1);
        sr *= inv, sg *= inv, sb *= inv;
        cbits[2 * k] = code8_bits(p.ecb[0] * sr + p.ecb[1] * sg + p.ecb[2] * sb + p.ec_off);
        cbits[2 * k + 1] = code8_bits(p.ecr[0] * sr + p.ecr[1] * sg + p.ecr[2] * sb + p.ec_off);
      }
    }
    if (!kWrite) continue;
    auto pack4 = [](uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
      return __byte_perm(__byte_perm(a, b, 0x0040), __byte_perm(c, d, 0x0040), 0x5410);
    };
    if (full) {
#pragma unroll
      for (int j = 0; j < 2; ++j)
        *reinterpret_cast<uint2*>(p.dy + p.dy_pitch * (y0 + j) + x0) =
            make_uint2(pack4(ybits[j][0], ybits[j][1], ybits[j][2], ybits[j][3]),
                       pack4(ybits[j][4], ybits[j][5], ybits[j][6], ybits[j][7]));
      *reinterpret_cast<uint2*>(p.duv + p.duv_pitch * cy + x0) =
          make_uint2(pack4(cbits[0], cbits[1], cbits[2], cbits[3]), pack4(cbits[4], cbits[5], cbits[6], cbits[7]));
    } else {
      for (int j = 0; j < 2; ++j) {
        if (y0 + j >= p.height) continue;
        uint8_t* row = p.dy + p.dy_pitch * (y0 + j);
        for (int i = 0; i < kTileW && x0 + i < p.width; ++i) row[x0 + i] = static_cast<uint8_t>(ybits[j][i]);
      }
      uint8_t* crow = p.duv + p.duv_pitch * cy;
      for (int k = 0; k < 4 && x0 + 2 * k < p.width; ++k) {
        crow[x0 + 2 * k] = static_cast<uint8_t>(cbits[2 * k]);
        crow[x0 + 2 * k + 1] = static_cast<uint8_t>(cbits[2 * k + 1]);
      }
    }
  }
  if (kMeasure) pipeline::finish_block_histogram(s_hist, p.state, p.rule, t, blockIdx.x, gridDim.x);
}

constexpr size_t kForwardDynamic = 2 * kLutBytes;  // the kernel's dynamic shared memory

bool aligned16(ConstImageView v) {
  for (int i = 0; i < v.num_planes(); ++i)
    if (reinterpret_cast<uintptr_t>(v.plane(i).data) % 16 || v.plane(i).pitch % 16) return false;
  return true;
}

// Whether the kernel's tables can hold the curve of `st`. BT.2390 with a black lift
// (target_black > 0) starts at the lifted black, so its gain curve(s) / s grows without bound as
// s -> 0, which the gain table's first segment cannot follow (on random frames near-black pixels
// came out at code 235 for 23): that curve runs the generic kernel.
bool fused_forward_takes(const pipeline::Stages<float>& st) {
  return !(st.tone.curve == hd::kBt2390 && st.tone.target_black > 0.0f);
}

// The kernel's parameters for a pair fused_forward_fits() accepts.
Result<ForwardParams> forward_params(ConstImageView src, ImageView dst, const pipeline::Stages<float>& st,
                                     const pipeline::DevicePeak& peak, bool write) {
  ForwardParams p{};
  p.sy = src.plane(0).data, p.suv = src.plane(1).data, p.dy = dst.plane(0).data, p.duv = dst.plane(1).data;
  p.sy_pitch = src.plane(0).pitch, p.suv_pitch = src.plane(1).pitch;
  p.dy_pitch = dst.plane(0).pitch, p.duv_pitch = dst.plane(1).pitch;
  p.width = src.width(), p.height = src.height();
  p.tiles_x = (p.width + kTileW - 1) / kTileW;
  p.tiles = p.tiles_x * ((p.height + 1) / 2);
  p.vec = aligned16(src) && aligned16(ConstImageView(dst));
  auto layout = [](ConstImageView v) { return pipeline::pipeline_layout(v.desc(), "", "tonemap"); };
  CALDERA_ASSIGN_OR_RETURN(pipeline::Layout sl, layout(src));
  CALDERA_ASSIGN_OR_RETURN(pipeline::Layout dl, layout(ConstImageView(dst)));
  p.y_mul = static_cast<float>(1 / sl.y_scale), p.y_add = static_cast<float>(-sl.y_off / sl.y_scale);
  p.c_mul = static_cast<float>(1 / sl.c_scale), p.c_add = static_cast<float>(-sl.c_off / sl.c_scale);
  const double kr = sl.kr, kb = sl.kb, kg = 1 - kr - kb;
  p.rcr = static_cast<float>(2 * (1 - kr));
  p.bcb = static_cast<float>(2 * (1 - kb));
  p.gcr = static_cast<float>(-kr * 2 * (1 - kr) / kg);
  p.gcb = static_cast<float>(-kb * 2 * (1 - kb) / kg);
  p.target = st.tone.target;
  // The clip curve (and a source that fits, when the curve is fixed) is computed directly.
  const bool clip = st.tone.curve == hd::kClip || (st.tone.coeffs.identity && !peak.dynamic_curve);
  p.mode = st.tone.luminance ? (clip ? kLuminanceClip : kLuminanceTable) : (clip ? kMaxRgbClip : kMaxRgbTable);
  for (int i = 0; i < 3; ++i) p.ky[i] = st.tone.ky[i];
  p.lum_scale = static_cast<float>(st.tone.target / hd::kPqPeak);  // 10000 cd/m2 -> 1
  p.tone = st.tone;
  p.gamut = st.gamut;
  p.gamut.peak = 1.0f;  // in units of the target
  p.oetf_k = st.tone.target / st.dst.bt1886.a;
  p.oetf_b = st.dst.bt1886.b;
  const double dkr = dl.kr, dkb = dl.kb, dkg = 1 - dkr - dkb;
  const double ky[3] = {dkr, dkg, dkb};
  for (int i = 0; i < 3; ++i) {
    p.ey[i] = static_cast<float>(ky[i] * dl.y_scale);
    p.ecb[i] = static_cast<float>(((i == 2 ? 1.0 : 0.0) - ky[i]) / (2 * (1 - dkb)) * dl.c_scale);
    p.ecr[i] = static_cast<float>(((i == 0 ? 1.0 : 0.0) - ky[i]) / (2 * (1 - dkr)) * dl.c_scale);
  }
  p.ey_off = static_cast<float>(dl.y_off + 0.5);
  p.ec_off = static_cast<float>(dl.c_off + 0.5);
  p.state = peak.state;
  p.rule = peak.rule;
  p.dynamic_curve = peak.dynamic_curve;
  p.measure = peak.state != nullptr;
  p.write = write;
  return p;
}

}  // namespace
}  // namespace caldera::tonemap_detail
