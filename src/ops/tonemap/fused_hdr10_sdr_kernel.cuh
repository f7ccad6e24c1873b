// The fused HDR10 -> SDR tone map: P010 (PQ, BT.2020) in, NV12 (BT.1886) out, in one pass that
// reads the source once and writes the destination once, with the frame's peak measurement fused
// in. One thread takes an 8x2 tile (two 16-byte luma loads, one 16-byte chroma load; two 8-byte
// luma stores, one 8-byte chroma store); a persistent grid walks the tiles.
//
// Per pixel, in units of the target peak: R'G'B' from Y'CbCr; linear light from a half-replicated
// PQ table (lane_lut.cuh: 16 copies, 33 KiB for both tables, so 4 blocks fit an SM); one gain from
// the tone curve (a table over max(R', G', B') in the PQ domain, or over the luminance in the log
// domain, or the clip curve computed directly); the BT.2020 -> destination matrix and gamut
// mapping; BT.1886's inverse as exp2(log2(x) / 2.4) on the bare MUFU; Y'CbCr out, chroma the mean
// of the 2x2 block. The default (max-RGB table, soft compression) runs pixel_fast, the gamut
// stage reduced to one branch-free form for what holds there; everything else pixel_generic
// (gamut_math.hpp's stages). The peak measurement of a
// ToneMapper goes into a shared histogram per block (one atomic per 2x2 block) and the last block
// folds it into the stream's state (peak_cuda.cuh): frame n is mapped with the curve of frames
// up to n-1.
//
// The tables' lines come built: the host builds the PQ table and a fixed curve's gain table once
// per curve (they travel in the parameters), and with a measured peak the last block writes the
// gain table of the new peak into the state after its fold: interpolated between the tables of
// the two nearest of 257 source peaks (a ToneMapper's PeakCurves, built on the host once per
// curve; lut_tables.hpp), or evaluated from the curve where none are given. Every block only
// copies them into its shared memory. (Each of the 528 blocks building both tables at its start
// cost 2.4 M of the 31.8 M warp instructions of a 4K frame, and rebuilding the curve from the
// peak at every block's start 3.4 M more, with every block waiting on its chain of powf.) A state whose table is not for
// this curve and frame (another kernel updated it, or the curve changed) is rebuilt as before.
//
// Why this shape (H200, 4K, SASS): the kernel is bound by instruction issue, not memory, so the
// per-pixel path is what counts: no IEEE reciprocal or division sequences, no range fix-ups of
// exp2f/log2f, saturates folded into the FMAs (the output codes' clamps too: code8_bits), table
// index and floor in one round-down FMA, and no branch inside a tile's pixels (a partial tile
// repeats its edge samples instead of testing which pixels are inside; the matrix is applied
// even when it is the identity), so that the unrolled tile is one basic block.
//
// This header holds the kernel and its parameters (fused_hdr10_sdr.cu launches it) so that the
// tests can also run it on the host (tests/emu/header_kernels.hpp).
#pragma once

#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>

#include "core/dependent_launch.cuh"
#include "core/mufu.cuh"  // fast_rcp, fast_log2, fast_exp2
#include "ops/color_pipeline/peak_cuda.cuh"
#include "ops/tonemap/lane_lut.cuh"
#include "ops/tonemap/tile_walk.cuh"
#include "ops/tonemap/tonemap_internal.hpp"

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
  float y_mul, y_add, c_mul, c_add;  // Y' = (2^23 + 64 code) y_mul + y_add, C likewise (10-bit codes)
  float rcr, gcb, gcr, bcb;          // Y'CbCr -> R'G'B' of the source matrix
  float target;                      // cd/m2 of 1.0
  int mode;                          // SignalMode
  float ky[3];                       // source luminance coefficients
  float lum_scale;                   // luminance (target units) -> log table domain [0, 1]
  pipeline::ToneStage<float> tone;
  hd::GamutCoeffs<float> gamut;      // peak 1 (the target)
  float oetf_log_k;                  // V = (L * k)^(1/2.4) - b: log2(k) / 2.4 (b is in the offsets)
  float ey[3], ecb[3], ecr[3];       // R'G'B' -> codes / 256 (x 219, 224; chroma: of the sum of a 2x2 block)
  float ey_off, ec_off;              // (16.5, 128.5) / 256 (+0.5: rounding), less b times the row's sum
  int fast;                          // forward_fast_path: pixel_fast, else pixel_generic
  hd::PeakStateData* state;
  hd::PeakRule<float> rule;
  int dynamic_curve, measure, write;
  uint64_t curve_key;              // the curve a state's table is for (never 0: a cleared state has none)
  unsigned uniform_bias;           // kUniformBias (see lookup_uniform_half: a value, not a constant)
  const Line* peak_curves;         // with dynamic_curve: the gain tables over the peak (lut_tables.hpp), or null
  float peak_curve_q0;             // their lowest peak (PQ)
  float2 eotf_lines[kLutEntries];  // PQ -> linear light (target units)
  float2 gain_lines[kLutEntries];  // the fixed curve's gain (with dynamic_curve: the state's, if current)
};
static_assert(kLutEntries == hd::kCurveEntries, "the state holds one gain table");

// A 10-bit P010 sample (the high 10 bits of its 16) as the float 2^23 + 64 code, exactly: one
// LOP3. The parameters' scales take the 64 and their offsets the 2^23 (y_add, c_add), so the FMA
// that scales it subtracts 2^23 exactly before its one rounding (no FADD per sample); the offset,
// rounded at ~150, is off by at most 7.6e-6, 1/150 of a 10-bit step. `high`: bits 16..31.
__device__ __forceinline__ float code10x64_biased(unsigned word, bool high) {
  const unsigned bits = high ? (word >> 16) & 0xffc0u : word & 0xffc0u;
  return __uint_as_float(0x4b000000u | bits);
}

// The output codes are worked out in units of 256 codes, (code + 0.5) / 256, so that the saturate
// of the FMA that makes one is its clamp (two FMNMX fewer per code): code8_bits floors it with one
// round-down FMA by just under 256, which takes 1.0 (256 and above) to 255 and moves no other
// value's floor unless it lies within 3e-5 codes of the next; the byte is the low 8 bits.
constexpr float kCodeFloorScale = 256.0f - 1.0f / 32768.0f;
__device__ __forceinline__ unsigned code8_bits(float unit) {
  return __float_as_uint(floor_bits(unit, kCodeFloorScale));
}
// Luma in code units / 256, saturated: the last FMA carries the clamp.
__device__ __forceinline__ float luma_unit(const ForwardParams& p, float vr, float vg, float vb) {
  return __saturatef(fmaf(p.ey[2], vb, fmaf(p.ey[1], vg, fmaf(p.ey[0], vr, p.ey_off))));
}

// BT.1886's inverse without the black offset (folded into the code offsets): (L k)^(1/2.4) as
// exp2(log2(L) / 2.4 + log2(k) / 2.4) for L >= 0, two bare MUFU operations (flush-to-zero: L = 0
// gives log2 = -inf and V = 0). The accurate library calls spend five more instructions per
// channel on denormal and range fix-ups that cannot matter for 8-bit codes.
__device__ __forceinline__ float oetf(float l, float log_k) {
  return fast_exp2(fmaf(fast_log2(l), 1.0f / 2.4f, log_k));
}

struct Out {
  float y, r, g, b;  // luma (luma_unit) and R'G'B' (for the chroma mean; without the black offset)
};

// The tables and this lane's copy of them.
struct Tables {
  const char* eotf;
  const char* gain;
  unsigned copy;         // this lane's copy (lookup_log_half)
  unsigned biased_copy;  // the same less kUniformBias (lookup_uniform_half)
};

// The fast path: the max-RGB gain table and soft compression, peak 1 (what HDR10 -> SDR runs by
// default). The stages of hd::map_gamut, reduced for what holds here:
// - the source light is >= 0 (table values of saturated signals), and compression maps the most
//   distant colour of the source gamut to the boundary, so no channel ends below 0 (up to
//   rounding, which the final saturate takes): desaturation toward black never applies;
// - the tone curve keeps max-RGB <= 1 (the saturate of the gain product keeps it through the
//   table's error, see pixel_generic), so only desaturation at the peak can follow compression;
//   with D = max - y, compression (factor f) gives max' = y + f D, and desaturation then scales
//   the distance again by (1 - y) / (f D): together y + s (c - y) with s = min(f, (1 - y) / D),
//   clamped to [0, 1] (y >= 1: white; a grey: s from the min of infinities is 1).
__device__ __forceinline__ Out pixel_fast(const ForwardParams& p, const Tables& tb, float r, float g, float b) {
  const float mp = fmaxf(fmaxf(r, g), b);  // max-RGB in the PQ domain (PQ is monotonic)
  const float k = lookup_uniform_half(tb.gain, tb.biased_copy, mp);
  float lr = __saturatef(lookup_uniform_half(tb.eotf, tb.biased_copy, r) * k);
  float lg = __saturatef(lookup_uniform_half(tb.eotf, tb.biased_copy, g) * k);
  float lb = __saturatef(lookup_uniform_half(tb.eotf, tb.biased_copy, b) * k);
  const hd::GamutCoeffs<float>& c = p.gamut;
  c.m.apply(lr, lg, lb);  // unconditionally: a per-pixel branch splits the unrolled loop (an identity is exact, see forward_params)
  const float y = c.ky[0] * lr + c.ky[1] * lg + c.ky[2] * lb;
  const float d = y - fminf(fminf(lr, lg), lb), h = fmaxf(fmaxf(lr, lg), lb) - y;
  const float u = fmaxf(d - c.threshold * y, 0.0f);  // past the knee (0: f comes out >= 1, then 1)
  const float w = (1.0f - c.threshold) * y, den = fmaf(c.k, u, w);
  // Each bound saturated in the multiply that makes it (the min of the two saturated is the
  // saturated min); the mix as s c + (1 - s) y, one FMA per channel on a shared (1 - s) y, which
  // also keeps a channel that ends near black free of the cancellation of y + s (c - y).
  const float f = __saturatef((c.threshold * y * den + w * u) * fast_rcp(d * den));
  const float s = fminf(f, __saturatef((1.0f - y) * fast_rcp(h)));
  const float rest = fmaf(-s, y, y);
  lr = __saturatef(fmaf(s, lr, rest)), lg = __saturatef(fmaf(s, lg, rest)), lb = __saturatef(fmaf(s, lb, rest));
  const float vr = oetf(lr, p.oetf_log_k), vg = oetf(lg, p.oetf_log_k), vb = oetf(lb, p.oetf_log_k);
  return {luma_unit(p, vr, vg, vb), vr, vg, vb};
}

// Every other curve, signal and gamut mapping: the stages as the reference runs them.
__device__ __forceinline__ Out pixel_generic(const ForwardParams& p, const Tables& tb, float r, float g, float b) {
  const float mp = fmaxf(fmaxf(r, g), b);
  float lr = lookup_uniform_half(tb.eotf, tb.biased_copy, r), lg = lookup_uniform_half(tb.eotf, tb.biased_copy, g),
        lb = lookup_uniform_half(tb.eotf, tb.biased_copy, b);
  lr = fmaxf(lr, 0.0f), lg = fmaxf(lg, 0.0f), lb = fmaxf(lb, 0.0f);
  float k;
  switch (p.mode) {
    case kMaxRgbTable:
      // The curve never takes max-RGB above the target; the tables' error can, by ~1e-3, and the
      // gamut stage then desaturates a colour the reference leaves alone, lifting its channels at
      // black by up to 7 codes (BT.2020 destination). So the bound the curve keeps is kept here.
      k = fminf(lookup_uniform_half(tb.gain, tb.biased_copy, mp), fast_rcp(fmaxf(fmaxf(lr, lg), lb)));
      break;
    case kLuminanceTable:
      k = lookup_log_half(tb.gain, tb.copy, (p.ky[0] * lr + p.ky[1] * lg + p.ky[2] * lb) * p.lum_scale);
      break;
    case kMaxRgbClip: k = fminf(1.0f, fast_rcp(fmaxf(fmaxf(lr, lg), lb))); break;
    default: k = fminf(1.0f, fast_rcp(p.ky[0] * lr + p.ky[1] * lg + p.ky[2] * lb)); break;
  }
  lr *= k, lg *= k, lb *= k;
  hd::map_gamut(p.gamut, lr, lg, lb);
  const float vr = oetf(fmaxf(lr, 0.0f), p.oetf_log_k), vg = oetf(fmaxf(lg, 0.0f), p.oetf_log_k),
              vb = oetf(fmaxf(lb, 0.0f), p.oetf_log_k);
  return {luma_unit(p, vr, vg, vb), vr, vg, vb};
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
  replicate_lut_half(lines, eotf, t, kThreads);
  replicate_lut_half(lines + kLutEntries, gain, t, kThreads);
  __syncthreads();
}

// The block's tables from built lines (the parameters', or the state's gain table).
__device__ void copy_tables(const float2* eotf_lines, const float2* gain_lines, float2* eotf, float2* gain, int t) {
  replicate_lut_half(eotf_lines, eotf, t, kThreads);
  replicate_lut_half(gain_lines, gain, t, kThreads);
  __syncthreads();
}

// The block's tables from the parameters' PQ lines and the state's gain lines, if those are for
// this curve and frame (else false, and the block builds them). This thread's gain lines load
// together with the state's key, so that the check costs no round trip of its own (every block
// waits on it before its first tile).
__device__ bool copy_state_tables(const ForwardParams& p, float2* eotf, float2* gain, int t) {
  constexpr int kSlots = kLutEntries * kLutCopies, kRounds = (kSlots + kThreads - 1) / kThreads;
  const hd::PeakStateData* st = p.state;
  const float2* lines = reinterpret_cast<const float2*>(st->curve_lines);
  float2 mine[kRounds];
#pragma unroll
  for (int j = 0; j < kRounds; ++j)
    if (t + j * kThreads < kSlots) mine[j] = lines[(t + j * kThreads) / kLutCopies];
  if (st->curve_key != p.curve_key || st->curve_frames != st->frames) return false;  // the same for every thread
#pragma unroll
  for (int j = 0; j < kRounds; ++j)
    if (t + j * kThreads < kSlots) gain[t + j * kThreads] = mine[j];
  replicate_lut_half(p.eotf_lines, eotf, t, kThreads);
  __syncthreads();
  return true;
}

// The last block of a measuring pass, after its fold: the gain table of the new peak, for the
// next frame (every thread of the block calls it).
__device__ void store_next_curve(const ForwardParams& p, float* values, const pipeline::PeakUpdate& update, int t) {
  __syncthreads();  // thread 0's update is visible to the block
  const float peak_pq = update.peak_pq;
  if (p.peak_curves) {  // the two rows around the peak, interpolated
    if (t < kLutEntries) {
      const Line l = peak_curve_line(p.peak_curves, p.peak_curve_q0, peak_pq, t);
      p.state->curve_lines[2 * t] = l.a, p.state->curve_lines[2 * t + 1] = l.b;
    }
  } else {  // the curve of the peak, evaluated
    const hd::ToneCoeffs<float> tone = pipeline::tone_coeffs_for_peak(p.tone, peak_pq);
    const bool log_domain = p.mode == kLuminanceTable;
    if (t < kLutEntries) values[t] = gain_table_value(t, tone, log_domain, p.lum_scale, p.target);
    __syncthreads();
    if (t < kLutEntries) {
      const Line l = table_line(t, values[t], values[t < kLutSegments ? t + 1 : t], log_domain);
      p.state->curve_lines[2 * t] = l.a, p.state->curve_lines[2 * t + 1] = l.b;
    }
  }
  if (t == 0) p.state->curve_key = p.curve_key, p.state->curve_frames = update.frames;
}

// The tiles of this thread. kFast: pixel_fast, else pixel_generic (a template, so that neither
// carries the other's branches through its pixels).
template <bool kMeasure, bool kWrite, bool kFast>
__device__ __forceinline__ void forward_tiles(const ForwardParams& p, const Tables& tb, uint32_t* s_hist, int t) {
  // The tile's column and row advance by the grid's stride without a division per tile (the
  // 32-bit division and remainder were 30 instructions of every 16 pixels).
  const int stride = gridDim.x * kThreads, stride_y = stride / p.tiles_x, stride_x = stride - stride_y * p.tiles_x;
  // The measuring pass keeps the tiles numbered block by block: dealt out by warps (first_tile),
  // its blocks all finished together and their histogram flushes met at the end, in front of the
  // last block's fold (H200, 4K: 41.3 -> 42.1 us, and 79.5 -> 85.1 for the generic path), while
  // the pass without measurement gains 34.5 -> 33.7 us from it.
  int tile = kMeasure ? static_cast<int>(blockIdx.x) * kThreads + t : first_tile(t);
  int ty = tile / p.tiles_x, tx = tile - ty * p.tiles_x;
  for (; tile < p.tiles; tile += stride, tx += stride_x, ty += stride_y) {
    if (tx >= p.tiles_x) tx -= p.tiles_x, ++ty;
    const int x0 = tx * kTileW, y0 = ty * 2;
    const bool full = p.vec && x0 + kTileW <= p.width && y0 + 2 <= p.height;
    // The tile's samples: 2 x 8 luma words and 4 chroma pairs. A partial tile's luma samples
    // outside the image repeat the nearest inside one of their 2x2 block (the last column, the
    // last row), so every block holds four samples whose mean is its inside pixels' mean and
    // whose max is theirs: the pixel loop then needs no test of which pixels are inside (their
    // predicates and branches were ~5 instructions per pixel, and split the unrolled loop into
    // basic blocks). Blocks wholly outside are neither measured nor stored.
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
        const uint16_t* row = reinterpret_cast<const uint16_t*>(p.sy + p.sy_pitch * min(y0 + j, p.height - 1));
        for (int i = 0; i < kTileW; ++i)
          yw[j][i / 2] |= static_cast<uint32_t>(__ldg(row + min(x0 + i, p.width - 1))) << (16 * (i & 1));
      }
      const uint16_t* crow = reinterpret_cast<const uint16_t*>(p.suv + p.suv_pitch * cy);
      for (int k = 0; k < 4 && x0 + 2 * k < p.width; ++k)
        cw[k] = __ldg(crow + x0 + 2 * k) | static_cast<uint32_t>(__ldg(crow + x0 + 2 * k + 1)) << 16;
    }
    // Each 2x2 block's codes are packed as it is done: two bytes per row, then the chroma pair.
    uint32_t ypair[2][4], cpair[4];
#pragma unroll
    for (int k = 0; k < 4; ++k) {  // the 2x2 block of chroma sample k
      const float cb = fmaf(code10x64_biased(cw[k], false), p.c_mul, p.c_add);
      const float cr = fmaf(code10x64_biased(cw[k], true), p.c_mul, p.c_add);
      // R'G'B' = Y' + (dr, dg, db): the luma offset and the chroma terms are one addend per block.
      const float ar = fmaf(p.rcr, cr, p.y_add), ag = fmaf(p.gcb, cb, fmaf(p.gcr, cr, p.y_add)), ab = fmaf(p.bcb, cb, p.y_add);
      float sr = 0, sg = 0, sb = 0, block_max = 0;
      uint32_t ybits[2][2];
#pragma unroll
      for (int j = 0; j < 2; ++j)
#pragma unroll
        for (int i = 0; i < 2; ++i) {
          const float code = code10x64_biased(yw[j][k], i != 0);
          // Saturated: the PQ signal the EOTF clamps to [0, 1] (and the measurement too).
          const float r = __saturatef(fmaf(code, p.y_mul, ar)), g = __saturatef(fmaf(code, p.y_mul, ag)),
                      b = __saturatef(fmaf(code, p.y_mul, ab));
          // (The first pixel starts the max and the sums: adding to 0.0f is no identity for
          // the compiler, which keeps -0.)
          const bool first = j == 0 && i == 0;
          if (kMeasure) block_max = first ? fmaxf(fmaxf(r, g), b) : fmaxf(block_max, fmaxf(fmaxf(r, g), b));
          if (kWrite) {
            const Out o = kFast ? pixel_fast(p, tb, r, g, b) : pixel_generic(p, tb, r, g, b);
            ybits[j][i] = code8_bits(o.y);
            if (first) sr = o.r, sg = o.g, sb = o.b;
            else sr += o.r, sg += o.g, sb += o.b;
          }
        }
      if (kMeasure && (full || (x0 + 2 * k < p.width))) {
        // hd::peak_bin of a value in [0, 1]: floor(v * 256) (exact), at most 255.
        const unsigned bin = __float_as_uint(floor_bits(block_max, static_cast<float>(hd::kPeakBins))) & 0x1ffu;
        atomicAdd(&s_hist[min(bin, static_cast<unsigned>(hd::kPeakBins - 1))], 1u);
      }
      if (kWrite) {
        // The chroma of the block's mean (the rows take the 1/4).
        const uint32_t ccb = code8_bits(__saturatef(fmaf(p.ecb[2], sb, fmaf(p.ecb[1], sg, fmaf(p.ecb[0], sr, p.ec_off)))));
        const uint32_t ccr = code8_bits(__saturatef(fmaf(p.ecr[2], sb, fmaf(p.ecr[1], sg, fmaf(p.ecr[0], sr, p.ec_off)))));
        ypair[0][k] = __byte_perm(ybits[0][0], ybits[0][1], 0x0040);  // bytes (left, right) in the low half
        ypair[1][k] = __byte_perm(ybits[1][0], ybits[1][1], 0x0040);
        cpair[k] = __byte_perm(ccb, ccr, 0x0040);
      }
    }
    if (!kWrite) continue;
    auto pack = [](uint32_t lo, uint32_t hi) { return __byte_perm(lo, hi, 0x5410); };
    if (full) {
#pragma unroll
      for (int j = 0; j < 2; ++j)
        *reinterpret_cast<uint2*>(p.dy + p.dy_pitch * (y0 + j) + x0) =
            make_uint2(pack(ypair[j][0], ypair[j][1]), pack(ypair[j][2], ypair[j][3]));
      *reinterpret_cast<uint2*>(p.duv + p.duv_pitch * cy + x0) =
          make_uint2(pack(cpair[0], cpair[1]), pack(cpair[2], cpair[3]));
    } else {
      for (int j = 0; j < 2; ++j) {
        if (y0 + j >= p.height) continue;
        uint8_t* row = p.dy + p.dy_pitch * (y0 + j);
        for (int i = 0; i < kTileW && x0 + i < p.width; ++i) row[x0 + i] = static_cast<uint8_t>(ypair[j][i / 2] >> (8 * (i & 1)));
      }
      uint8_t* crow = p.duv + p.duv_pitch * cy;
      for (int k = 0; k < 4 && x0 + 2 * k < p.width; ++k) {
        crow[x0 + 2 * k] = static_cast<uint8_t>(cpair[k]);
        crow[x0 + 2 * k + 1] = static_cast<uint8_t>(cpair[k] >> 8);
      }
    }
  }
}

// Which pixel path the parameters take (forward_params sets ForwardParams::fast from it).
inline bool forward_fast_path(int mode, const hd::GamutCoeffs<float>& g) {
  return mode == kMaxRgbTable && g.mode == hd::kGamutCompress && g.peak == 1.0f;
}

// Blocks of 256 threads, 4 per SM (64 registers) but 3 for the pass that measures and writes: in 64
// registers its histogram's few extra values spilled and sent ~6 of its ~107 instructions per pixel
// to reloading parameters from the constant bank (H200: 44.2 us at 4K; with 80 registers and 3
// blocks 42.2 us, while the pass without measurement is as fast with 3 blocks as with 4). Shared
// memory: 33 KiB of tables + 6 KiB per block. The parameters stay in the constant bank
// (__grid_constant__): the tables' lines are read from there by address, which would otherwise
// copy the 2 KiB of them into every thread's local memory.
// Launched as a programmatic dependent launch (core/dependent_launch.cuh): a block copies the
// tables of its parameters while the previous kernel on the stream (the previous frame's, in a
// video) still finishes, and reads the frame and the peak state only after it has.
template <bool kMeasure, bool kWrite>
__global__ void __launch_bounds__(kThreads, (kMeasure && kWrite) ? 3 : 4)
    fused_forward_kernel(const __grid_constant__ ForwardParams p) {
  // Static shared memory (39 KiB in all, under the 48 KiB that needs no opt-in); the measuring
  // pre-pass, which builds no tables, holds only the histogram and the values of the next curve.
  __shared__ float2 s_tables[2 * kLutEntries * kLutCopies];  // eotf [129][16], gain [129][16]
  __shared__ float2 s_lines[2 * kLutEntries];
  __shared__ float s_values[2 * kLutEntries];
  __shared__ uint32_t s_hist[hd::kPeakBins];
  const int t = threadIdx.x;
  float2* eotf = s_tables;
  float2* gain = s_tables + kLutEntries * kLutCopies;
  if (kMeasure) s_hist[t] = 0;
  if (kWrite && !p.dynamic_curve) copy_tables(p.eotf_lines, p.gain_lines, eotf, gain, t);  // from the parameters
  wait_for_previous_grid();
  if (kWrite && p.dynamic_curve && !copy_state_tables(p, eotf, gain, t))
    build_tables(p, pipeline::tone_coeffs_for_peak(p.tone, p.state->peak_pq), eotf, gain, s_values, s_lines, t);
  if (!kWrite) __syncthreads();
  const unsigned copy = lut_copy_offset(t & 31);
  const Tables tb{reinterpret_cast<const char*>(eotf), reinterpret_cast<const char*>(gain), copy, copy - p.uniform_bias};
  if (kWrite && p.fast) forward_tiles<kMeasure, kWrite, true>(p, tb, s_hist, t);
  else forward_tiles<kMeasure, kWrite, false>(p, tb, s_hist, t);
  allow_dependent_launch();  // the next kernel may set up while this block (or the last one's fold) ends
  __shared__ pipeline::PeakUpdate s_update;
  if (kMeasure && pipeline::finish_block_histogram(s_hist, p.state, p.rule, t, blockIdx.x, gridDim.x, &s_update) &&
      p.dynamic_curve)
    store_next_curve(p, s_values, s_update, t);
}

constexpr size_t kForwardDynamic = 0;  // the kernel's dynamic shared memory (its 39 KiB are static)

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

// 64-bit FNV-1a over the bytes of `data` (the structs hashed have only 4-byte fields: no padding).
inline uint64_t fnv1a(uint64_t h, const void* data, size_t n) {
  const auto* b = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ull;
  return h;
}

// What a dynamic curve's gain table depends on besides the peak: the curve and its parameters, the
// table's domain and the target.
inline uint64_t dynamic_curve_key(const ForwardParams& p) {
  const pipeline::ToneStage<float>& t = p.tone;
  const float f[5] = {t.target, t.target_black, t.param, p.lum_scale, p.target};
  const int i[2] = {t.curve, p.mode};
  uint64_t h = fnv1a(fnv1a(14695981039346656037ull, f, sizeof f), i, sizeof i);
  return h | 1;  // never 0, the key of a cleared state
}

// The PQ and (fixed curve) gain tables' lines, built once per curve: 258 lines take ~500 PQ
// evaluations, tens of microseconds of CPU per frame otherwise.
inline void fill_lines(ForwardParams& p) {
  struct Lines {
    float2 eotf[kLutEntries], gain[kLutEntries];
  };
  const hd::ToneCoeffs<float>& tone = p.tone.coeffs;
  const bool log_domain = p.mode == kLuminanceTable;
  const float f[2] = {p.lum_scale, p.target};
  const uint64_t key = fnv1a(fnv1a(fnv1a(14695981039346656037ull, &tone, sizeof tone), f, sizeof f), &p.mode, sizeof p.mode);
  static std::mutex mutex;
  static std::map<uint64_t, std::shared_ptr<const Lines>> cache;
  std::shared_ptr<const Lines> lines;
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (auto it = cache.find(key); it != cache.end()) lines = it->second;
  }
  if (!lines) {
    auto built = std::make_shared<Lines>();
    for (int i = 0; i < kLutEntries; ++i) {
      const Line e = eotf_table_line(i, p.target), g = gain_table_line(i, tone, log_domain, p.lum_scale, p.target);
      built->eotf[i] = make_float2(e.a, e.b), built->gain[i] = make_float2(g.a, g.b);
    }
    lines = built;
    std::lock_guard<std::mutex> lock(mutex);
    if (cache.size() >= 64) cache.clear();  // a process that runs many curves rebuilds now and then
    cache.emplace(key, lines);
  }
  std::memcpy(p.eotf_lines, lines->eotf, sizeof p.eotf_lines);
  std::memcpy(p.gain_lines, lines->gain, sizeof p.gain_lines);
}

// Whether p's last block takes the next frame's table from gain tables over the peak: a dynamic
// curve read from a table (the clip modes compute the curve and read none).
inline bool uses_peak_curves(const ForwardParams& p) {
  return p.dynamic_curve && (p.mode == kMaxRgbTable || p.mode == kLuminanceTable);
}

// The gain tables of p's dynamic curve over the source peak (lut_tables.hpp), once per curve
// (PeakCurves keeps them on the device).
inline PeakCurveTable peak_curve_table_for(const ForwardParams& p) {
  return build_peak_curve_table(p.tone, p.mode == kLuminanceTable, p.lum_scale, p.target);
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
  // The kernel reads 64 x the code (the P010 sample with its low 6 bits cleared): exact scalings.
  // The offsets take the samples' 2^23 (code10x64_biased), at the scales as rounded to float.
  p.y_mul = static_cast<float>(1 / (64 * sl.y_scale));
  p.y_add = static_cast<float>(-sl.y_off / sl.y_scale - 8388608.0 * static_cast<double>(p.y_mul));
  p.c_mul = static_cast<float>(1 / (64 * sl.c_scale));
  p.c_add = static_cast<float>(-sl.c_off / sl.c_scale - 8388608.0 * static_cast<double>(p.c_mul));
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
  // pixel_fast applies the matrix without testing `identity`: make that one exact (1 x + 0 y + 0 z
  // is x for the finite values it sees).
  if (p.gamut.identity) p.gamut.m = hd::Mat3<float>{{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}};
  p.oetf_log_k = static_cast<float>(std::log2(static_cast<double>(st.tone.target) / st.dst.bt1886.a) / 2.4);
  const double oetf_b = st.dst.bt1886.b;
  const double dkr = dl.kr, dkb = dl.kb, dkg = 1 - dkr - dkb;
  const double ky[3] = {dkr, dkg, dkb};
  for (int i = 0; i < 3; ++i) {
    p.ey[i] = static_cast<float>(ky[i] * dl.y_scale / 256);
    p.ecb[i] = static_cast<float>(((i == 2 ? 1.0 : 0.0) - ky[i]) / (2 * (1 - dkb)) * dl.c_scale / (4 * 256));
    p.ecr[i] = static_cast<float>(((i == 0 ? 1.0 : 0.0) - ky[i]) / (2 * (1 - dkr)) * dl.c_scale / (4 * 256));
  }
  // The kernel's V has no black offset b: the luma offset takes -b times its row's sum (y_scale);
  // the chroma rows sum to 0, so b cancels there. All in units of 256 codes (code8_bits).
  p.ey_off = static_cast<float>((dl.y_off + 0.5 - oetf_b * dl.y_scale) / 256);
  p.ec_off = static_cast<float>((dl.c_off + 0.5) / 256);
  p.state = peak.state;
  p.rule = peak.rule;
  p.dynamic_curve = peak.dynamic_curve;
  p.measure = peak.state != nullptr;
  p.write = write;
  p.fast = forward_fast_path(p.mode, p.gamut);
  p.curve_key = dynamic_curve_key(p);
  p.uniform_bias = kUniformBias;
  fill_lines(p);
  return p;
}

}  // namespace
}  // namespace caldera::tonemap_detail
