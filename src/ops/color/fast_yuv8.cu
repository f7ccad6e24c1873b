// 8-bit warp-row kernels: NV12/NV21/I420 <-> RGB24/BGR24/RGBA/BGRA and the 8-bit 4:2:0 repacks.
// One warp converts a 32P-pixel segment of a row pair (one chroma row): each lane takes P pixels
// of both rows (P = 8 or 16, below), so luma and chroma rows move as P-byte vectors that cover whole lines
// per warp, and packed RGB goes through shared memory so that global stores and loads are the
// warp's contiguous bytes rather than 48- or 64-byte strided pieces. Chroma neighbours come from
// the adjacent lanes (shuffles); only the two lanes at a segment's ends read one extra sample.
// The arithmetic is cut to what the formula needs: the matrix, ranges and rounding offset fold
// into per-channel coefficients, interpolation runs on the chroma contributions, and the clamp and
// round are one saturating FMA (t = (x + 0.5) / 255.5 in [0, 1]) and one FMA rounding down onto
// 1.5 * 2^23 (code = floor(t * 255.5) in the low byte), with bytes packed by PRMT.

#include "core/cuda_check.hpp"
#include "ops/color/cuda_common.cuh"

namespace caldera::color_cuda {
namespace {

// P, pixels per lane, is 16 (512-pixel segments, 16-byte luma I/O) or 8 (256-pixel segments,
// 8-byte luma I/O: twice the warps at 40-48 registers). Measured on an H100 (docs/ops/color.md),
// 8 is ahead for linear YUV -> RGB and for RGB -> YUV, 16 for nearest YUV -> RGB and the repacks.
constexpr int kWarps = 8;             // warps (row pairs) per block
constexpr unsigned kFull = 0xffffffffu;
constexpr double kUnit = 1.0 / 255.5;  // t = (code + 0.5) * kUnit

// Byte i of w plus 2^15 as a float: one PRMT puts the byte in bits 8..15 under the exponent of
// 2^15 (ulp 1/256, so filtered values keep their fractions). The kernels fold the 2^15 offsets
// into their constants: t = k . (2^15 + code) + (off - 2^15 sum(k)); that costs under 0.02 code of
// float rounding and saves the float add of each decoded byte.
constexpr double kBias = 32768.0;
__device__ __forceinline__ float byte_b(uint32_t w, unsigned i) {
  return __uint_as_float(__byte_perm(w, 0x47000000u, 0x7604u | (i << 4)));
}
__device__ __forceinline__ float code_b(unsigned v) { return __uint_as_float(0x47000000u | (v << 8)); }
// The 8-bit code of t = ys * luma + c (t clamped to [0, 1]) in the low byte of the result.
__device__ __forceinline__ uint32_t code8(float t) {
  return __float_as_uint(__fmaf_rd(__saturatef(t), 255.5f, 12582912.0f));
}
// Low bytes of a, b, c, d as one word.
__device__ __forceinline__ uint32_t pack4(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  return __byte_perm(__byte_perm(a, b, 0x0040), __byte_perm(c, d, 0x0040), 0x5410);
}
__device__ __forceinline__ uint4 ldg16(const uint8_t* p) { return __ldg(reinterpret_cast<const uint4*>(p)); }
__device__ __forceinline__ uint2 ldg8(const uint8_t* p) { return __ldg(reinterpret_cast<const uint2*>(p)); }
// NB (16, 8 or 4) bytes as NB / 4 words, and back.
template <int NB>
__device__ __forceinline__ void ldgw(const uint8_t* p, uint32_t* w) {
  if constexpr (NB == 16) {
    const uint4 q = ldg16(p);
    w[0] = q.x, w[1] = q.y, w[2] = q.z, w[3] = q.w;
  } else if constexpr (NB == 8) {
    const uint2 q = ldg8(p);
    w[0] = q.x, w[1] = q.y;
  } else {
    w[0] = __ldg(reinterpret_cast<const uint32_t*>(p));
  }
}
template <int NB>
__device__ __forceinline__ void stw(uint8_t* p, const uint32_t* w) {
  if constexpr (NB == 16) *reinterpret_cast<uint4*>(p) = make_uint4(w[0], w[1], w[2], w[3]);
  else if constexpr (NB == 8) *reinterpret_cast<uint2*>(p) = make_uint2(w[0], w[1]);
  else *reinterpret_cast<uint32_t*>(p) = w[0];
}

// Shared-memory chunk (16 bytes) of a staged row: the warp's contiguous bytes are chunk s*32 + l;
// lane l's own P * CH bytes are chunks n*l .. n*l+n-1 (n = P * CH / 16), or for P = 8, CH = 3
// the 8-byte pieces 3l .. 3l+2. With CH = 3 both patterns are free of bank conflicts; with CH = 4
// the XOR swizzle makes the lane-owned pattern so too (P = 16 and 8).
template <int CH>
__device__ __forceinline__ int swz(int c) {
  return CH == 4 ? c ^ ((c >> 3) & 7) : c;
}
template <int P, int CH>
__device__ __forceinline__ void stage_put(uint4* st, int lane, const uint32_t (&w)[P * CH / 4]) {
  if constexpr (P == 8 && CH == 3) {
#pragma unroll
    for (int s = 0; s < 3; ++s) reinterpret_cast<uint2*>(st)[3 * lane + s] = make_uint2(w[2 * s], w[2 * s + 1]);
  } else {
    constexpr int n = P * CH / 16;
#pragma unroll
    for (int s = 0; s < n; ++s) st[swz<CH>(n * lane + s)] = make_uint4(w[4 * s], w[4 * s + 1], w[4 * s + 2], w[4 * s + 3]);
  }
}
template <int P, int CH>
__device__ __forceinline__ void stage_get(const uint4* st, int lane, uint32_t (&w)[P * CH / 4]) {
  if constexpr (P == 8 && CH == 3) {
#pragma unroll
    for (int s = 0; s < 3; ++s) {
      const uint2 v = reinterpret_cast<const uint2*>(st)[3 * lane + s];
      w[2 * s] = v.x, w[2 * s + 1] = v.y;
    }
  } else {
    constexpr int n = P * CH / 16;
#pragma unroll
    for (int s = 0; s < n; ++s) {
      const uint4 v = st[swz<CH>(n * lane + s)];
      w[4 * s] = v.x, w[4 * s + 1] = v.y, w[4 * s + 2] = v.z, w[4 * s + 3] = v.w;
    }
  }
}
// 16-byte chunks of a warp segment's packed row, and the passes of 32 lanes over them.
template <int P, int CH> constexpr int kChunks = 2 * P * CH;
template <int P, int CH> constexpr int kPasses = (kChunks<P, CH> + 31) / 32;

// ---- 4:2:0 -> RGB -------------------------------------------------------------------------------

// Horizontal chroma filter of a launch: block nearest; linear with left siting (even columns take
// sample i, odd columns the mean of i and i + 1: no left neighbour, no even-column FMA); any taps
// {a, 1 - a, 0} / {0, 1 - b, b} (center siting).
enum class HFilter { Nearest, Left, Taps };

// Chroma A is the one memory channel 0 uses (Cr before R, Cb before B), B the one channel 2 uses:
// channel 0 needs one FMA per sample, channel 2 one, channel 1 two.
struct Yuv8RgbParams {
  DevPlane y, a, b, out;           // semi-planar: a == b
  uint32_t nv_perm = 0x3210;      // semi-planar: the PRMT that puts A in the even bytes (0x2301 swaps)
  int width16 = 0, pairs = 0;      // this launch: columns [0, width16), row pairs [0, pairs)
  int cw = 0, ch = 0;              // chroma plane size (neighbours clamp to it)
  float nwe = 0, wo = 0, va = 0, vb = 0;  // even column: c - nwe (c - c[-1]); odd: c + wo (c[+1] - c); rows alike
  // t = ys * L + ka * A + kb * B + off per memory channel, on biased codes (byte_b); ka[2] = kb[0] = 0.
  float ys = 0;
  float ka[3] = {0, 0, 0}, kb[3] = {0, 0, 0}, off[3] = {0, 0, 0};
  uint32_t alpha = 255;
};

// P / 2 chroma samples of row j from c0: raw words (NV: P bytes of pairs, A first; planar: A's
// P / 2 bytes, then B's).
template <Yuv420 IN, int P>
__device__ __forceinline__ void load_chroma_raw(const Yuv8RgbParams& p, int j, int c0, uint32_t (&w)[P / 4]) {
  if constexpr (IN == Yuv420::NV8) {
    ldgw<P>(row_ptr(p.a, j) + 2 * c0, w);
#pragma unroll
    for (int k = 0; k < P / 4; ++k) w[k] = __byte_perm(w[k], 0, p.nv_perm);
  } else {
    ldgw<P / 2>(row_ptr(p.a, j) + c0, w);
    ldgw<P / 2>(row_ptr(p.b, j) + c0, w + P / 8);
  }
}
template <Yuv420 IN, int P>
__device__ __forceinline__ void decode_chroma(const Yuv8RgbParams& p, const uint32_t (&w)[P / 4], float (&a)[P / 2],
                                              float (&b)[P / 2]) {
#pragma unroll
  for (int i = 0; i < P / 2; ++i) {
    if constexpr (IN == Yuv420::NV8) {
      a[i] = byte_b(w[i >> 1], 2 * (i & 1));  // A even, B odd (load_chroma_raw)
      b[i] = byte_b(w[i >> 1], 2 * (i & 1) + 1);
    } else {
      a[i] = byte_b(w[i >> 2], i & 3);
      b[i] = byte_b(w[P / 8 + (i >> 2)], i & 3);
    }
  }
}
// One chroma sample (i) of row j, raw: A in byte 0, B in byte 1.
template <Yuv420 IN>
__device__ __forceinline__ uint32_t load_sample_raw(const Yuv8RgbParams& p, int j, int i) {
  if constexpr (IN == Yuv420::NV8)
    return __byte_perm(__ldg(reinterpret_cast<const unsigned short*>(row_ptr(p.a, j) + 2 * i)), 0, p.nv_perm);
  else return __byte_perm(__ldg(row_ptr(p.a, j) + i), __ldg(row_ptr(p.b, j) + i), 0x0040);
}
// That sample of row j (raw c) filtered toward row jn (raw n) with weight w.
__device__ __forceinline__ void filter_sample(uint32_t c, uint32_t n, float w, float& a, float& b) {
  const float ac = byte_b(c, 0), bc = byte_b(c, 1), an = byte_b(n, 0), bn = byte_b(n, 1);
  a = fmaf(w, an - ac, ac), b = fmaf(w, bn - bc, bc);
}
// The three channels' chroma contributions (memory order) of one sample.
__device__ __forceinline__ void contrib(const Yuv8RgbParams& p, float a, float b, float& c0, float& c1, float& c2) {
  c0 = fmaf(p.ka[0], a, p.off[0]);
  c1 = fmaf(p.ka[1], a, fmaf(p.kb[1], b, p.off[1]));
  c2 = fmaf(p.kb[2], b, p.off[2]);
}

// Pixel k's three codes (low bytes of o0..o2) into the row's packed words, each word built as
// soon as its last byte is known (k is a constant after unrolling), so few codes stay live.
template <int P, int CH>
__device__ __forceinline__ void put_pixel(uint32_t (&w)[P * CH / 4], uint32_t (&b)[3 * P], int k, uint32_t o0,
                                          uint32_t o1, uint32_t o2, uint32_t alpha) {
  if constexpr (CH == 4) {
    w[k] = pack4(o0, o1, o2, alpha);
  } else {
    b[3 * k] = o0, b[3 * k + 1] = o1, b[3 * k + 2] = o2;
#pragma unroll
    for (int m = 0; m < 3 * P / 4; ++m)
      if (4 * m + 3 >= 3 * k && 4 * m + 3 <= 3 * k + 2) w[m] = pack4(b[4 * m], b[4 * m + 1], b[4 * m + 2], b[4 * m + 3]);
  }
}

// P = 16: 64 registers (4 blocks of 8 warps per SM) where that spills nothing or a word; else 80.
// P = 8: 40 registers (6 blocks), 48 (5) for any taps.
constexpr int yuv8_min_blocks(Yuv420 in, int ch, HFilter h, int P) {
  return P == 8 ? (h == HFilter::Taps ? 5 : 6) : h == HFilter::Taps && in == Yuv420::P8 && ch == 4 ? 3 : 4;
}

template <Yuv420 IN, int CH, HFilter H, int P>
__global__ void __launch_bounds__(256, yuv8_min_blocks(IN, CH, H, P)) yuv8_to_rgb8_kernel(const Yuv8RgbParams p) {
  constexpr int NC = P / 2, NW = P / 4, KC = kChunks<P, CH>;  // chroma samples, luma words, staged chunks
  __shared__ uint4 stage[kWarps][2 * KC];
  const int lane = threadIdx.x, warp = threadIdx.y;
  const int j = blockIdx.y * kWarps + warp;
  if (j >= p.pairs) return;  // the whole warp
  const int seg0 = blockIdx.x * 32 * P, x0 = seg0 + lane * P;
  const int xl = min(x0, p.width16 - P);  // lanes past the end read valid memory and store nothing
  const int c0 = xl / 2;

  uint32_t yq[2][NW];
  ldgw<P>(row_ptr(p.y, 2 * j) + xl, yq[0]);
  ldgw<P>(row_ptr(p.y, 2 * j + 1) + xl, yq[1]);
  uint32_t cur[NW];
  load_chroma_raw<IN, P>(p, j, c0, cur);

  uint4* st = stage[warp];
  if constexpr (H == HFilter::Nearest) {
    float c[3][NC];
    {
      float a[NC], b[NC];
      decode_chroma<IN, P>(p, cur, a, b);
#pragma unroll
      for (int i = 0; i < NC; ++i) contrib(p, a[i], b[i], c[0][i], c[1][i], c[2][i]);
    }
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      const uint32_t* yw = yq[r];
      uint32_t w[P * CH / 4], b[3 * P];
#pragma unroll
      for (int k = 0; k < P; ++k) {
        const float l = byte_b(yw[k >> 2], k & 3);
        put_pixel<P, CH>(w, b, k, code8(fmaf(l, p.ys, c[0][k >> 1])), code8(fmaf(l, p.ys, c[1][k >> 1])),
                         code8(fmaf(l, p.ys, c[2][k >> 1])), p.alpha);
      }
      stage_put<P, CH>(st + r * KC, lane, w);
    }
  } else {
    const int jm = max(j - 1, 0), jp = min(j + 1, p.ch - 1);
    uint32_t nb[2][NW];  // chroma rows j - 1 and j + 1 (clamped)
    load_chroma_raw<IN, P>(p, jm, c0, nb[0]);
    load_chroma_raw<IN, P>(p, jp, c0, nb[1]);
    // Samples c0 + NC and c0 - 1 (clamped to the plane) where no neighbouring lane has them: read
    // now (rows j, j - 1, j + 1), so that these loads overlap the others.
    const bool need_r = lane == 31 || x0 + P >= p.width16;
    const bool need_l = H == HFilter::Taps && lane == 0;
    uint32_t er[3] = {0, 0, 0}, el[3] = {0, 0, 0};
    if (need_r) {
      const int i = min(c0 + NC, p.cw - 1);
      er[0] = load_sample_raw<IN>(p, j, i), er[1] = load_sample_raw<IN>(p, jm, i), er[2] = load_sample_raw<IN>(p, jp, i);
    }
    if (need_l) {
      const int i = max(c0 - 1, 0);
      el[0] = load_sample_raw<IN>(p, j, i), el[1] = load_sample_raw<IN>(p, jm, i), el[2] = load_sample_raw<IN>(p, jp, i);
    }
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      // A, B of the 8 samples filtered vertically for row 2j + r, then the neighbours.
      const float vw = r == 0 ? p.va : p.vb;
      float A[NC], B[NC];
      {
        float ac[NC], bc[NC], an[NC], bn[NC];  // row j decoded again: fewer live registers
        decode_chroma<IN, P>(p, cur, ac, bc);
        decode_chroma<IN, P>(p, nb[r], an, bn);
#pragma unroll
        for (int i = 0; i < NC; ++i) A[i] = fmaf(vw, an[i] - ac[i], ac[i]), B[i] = fmaf(vw, bn[i] - bc[i], bc[i]);
      }
      float Ar = __shfl_down_sync(kFull, A[0], 1), Br = __shfl_down_sync(kFull, B[0], 1);
      if (need_r) filter_sample(er[0], er[1 + r], vw, Ar, Br);
      const uint32_t* yw = yq[r];
      uint32_t w[P * CH / 4], b[3 * P];
      if constexpr (H == HFilter::Left) {
        float c[3][NC + 1];  // samples c0 .. c0 + NC
#pragma unroll
        for (int s = 0; s <= NC; ++s) contrib(p, s == NC ? Ar : A[s], s == NC ? Br : B[s], c[0][s], c[1][s], c[2][s]);
#pragma unroll
        for (int i = 0; i < NC; ++i) {
          const float l0 = byte_b(yw[(2 * i) >> 2], (2 * i) & 3), l1 = byte_b(yw[(2 * i + 1) >> 2], (2 * i + 1) & 3);
          uint32_t e[3], q[3];
#pragma unroll
          for (int ch = 0; ch < 3; ++ch) {
            e[ch] = code8(fmaf(l0, p.ys, c[ch][i]));
            q[ch] = code8(fmaf(l1, p.ys, 0.5f * (c[ch][i] + c[ch][i + 1])));
          }
          put_pixel<P, CH>(w, b, 2 * i, e[0], e[1], e[2], p.alpha);
          put_pixel<P, CH>(w, b, 2 * i + 1, q[0], q[1], q[2], p.alpha);
        }
      } else {
        float Al = __shfl_up_sync(kFull, A[NC - 1], 1), Bl = __shfl_up_sync(kFull, B[NC - 1], 1);
        if (need_l) filter_sample(el[0], el[1 + r], vw, Al, Bl);
        float c[3][NC + 2];  // samples c0 - 1 .. c0 + NC
#pragma unroll
        for (int s = 0; s < NC + 2; ++s) {
          const float aa = s == 0 ? Al : s == NC + 1 ? Ar : A[s - 1];
          const float bb = s == 0 ? Bl : s == NC + 1 ? Br : B[s - 1];
          contrib(p, aa, bb, c[0][s], c[1][s], c[2][s]);
        }
        float dl[3];  // c[s] - c[s - 1] at the pixel pair's sample, carried from the previous pair
#pragma unroll
        for (int ch = 0; ch < 3; ++ch) dl[ch] = c[ch][1] - c[ch][0];
#pragma unroll
        for (int i = 0; i < NC; ++i) {
          const float l0 = byte_b(yw[(2 * i) >> 2], (2 * i) & 3), l1 = byte_b(yw[(2 * i + 1) >> 2], (2 * i + 1) & 3);
          uint32_t e[3], q[3];
#pragma unroll
          for (int ch = 0; ch < 3; ++ch) {
            const float dr = c[ch][i + 2] - c[ch][i + 1];
            e[ch] = code8(fmaf(l0, p.ys, fmaf(p.nwe, dl[ch], c[ch][i + 1])));
            q[ch] = code8(fmaf(l1, p.ys, fmaf(p.wo, dr, c[ch][i + 1])));
            dl[ch] = dr;
          }
          put_pixel<P, CH>(w, b, 2 * i, e[0], e[1], e[2], p.alpha);
          put_pixel<P, CH>(w, b, 2 * i + 1, q[0], q[1], q[2], p.alpha);
        }
      }
      stage_put<P, CH>(st + r * KC, lane, w);
    }
  }
  __syncwarp();
  const int valid = min(32 * P, p.width16 - seg0) * CH;  // bytes of this segment's row
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    uint8_t* row = row_ptr_mut(p.out, 2 * j + r) + seg0 * CH;
#pragma unroll
    for (int s = 0; s < kPasses<P, CH>; ++s) {
      const int c = s * 32 + lane;
      if (c * 16 < valid && (KC % 32 == 0 || c < KC)) reinterpret_cast<uint4*>(row)[c] = st[r * KC + swz<CH>(c)];
    }
  }
}

// ---- RGB -> 4:2:0 -------------------------------------------------------------------------------

struct Rgb8YuvParams {
  DevPlane in, y, u, v;  // semi-planar: u == v, chroma pairs (a, b)
  int width16 = 0, pairs = 0;
  int triangle = 0;  // [1 2 1] across columns 2i-1 .. 2i+1 (left siting), else the 2x2 box
  // On biased codes (byte_b): t = ky . (memory-order codes) + yoff; the chroma outputs on the
  // filter's sums of 4 or 8 biased codes, first / second output.
  float ky[3] = {0, 0, 0}, yoff = 0;
  float ka[3] = {0, 0, 0}, kb[3] = {0, 0, 0}, aoff = 0, boff = 0;
};

// P = 16: 80 registers (3 blocks per SM); P = 8: 5 blocks.
template <int CH, Yuv420 OUT, int P>
__global__ void __launch_bounds__(256, P == 8 ? 5 : 3) rgb8_to_yuv8_kernel(const Rgb8YuvParams p) {
  constexpr int NC = P / 2, KC = kChunks<P, CH>, NS = kPasses<P, CH>;
  __shared__ uint4 stage[kWarps][2 * KC];
  const int lane = threadIdx.x, warp = threadIdx.y;
  const int j = blockIdx.y * kWarps + warp;
  if (j >= p.pairs) return;
  const int seg0 = blockIdx.x * 32 * P, x0 = seg0 + lane * P;
  const bool active = x0 < p.width16;
  uint4* st = stage[warp];
  const int valid = min(32 * P, p.width16 - seg0) * CH;
  uint4 q[2][NS];
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    const uint8_t* row = row_ptr(p.in, 2 * j + r) + seg0 * CH;
#pragma unroll
    for (int s = 0; s < NS; ++s) {
      const int c = s * 32 + lane;
      q[r][s] = c * 16 < valid ? ldg16(row + 16 * c) : make_uint4(0, 0, 0, 0);
    }
  }
#pragma unroll
  for (int r = 0; r < 2; ++r)
#pragma unroll
    for (int s = 0; s < NS; ++s)
      if (KC % 32 == 0 || s * 32 + lane < KC) st[r * KC + swz<CH>(s * 32 + lane)] = q[r][s];
  __syncwarp();

  float sum[3][P];  // the two rows added
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    uint32_t w[P * CH / 4];
    stage_get<P, CH>(st + r * KC, lane, w);
    uint32_t yc[P];
#pragma unroll
    for (int k = 0; k < P; ++k) {
      float px[3];
#pragma unroll
      for (int ch = 0; ch < 3; ++ch) {
        px[ch] = byte_b(w[(CH * k + ch) >> 2], (CH * k + ch) & 3);
        sum[ch][k] = r == 0 ? px[ch] : sum[ch][k] + px[ch];
      }
      yc[k] = code8(fmaf(p.ky[0], px[0], fmaf(p.ky[1], px[1], fmaf(p.ky[2], px[2], p.yoff))));
    }
    uint32_t yw[P / 4];
#pragma unroll
    for (int m = 0; m < P / 4; ++m) yw[m] = pack4(yc[4 * m], yc[4 * m + 1], yc[4 * m + 2], yc[4 * m + 3]);
    if (active) stw<P>(row_ptr_mut(p.y, 2 * j + r) + x0, yw);
  }

  // Column x0 - 1 (clamped) for the [1 2 1] filter: the previous lane's last, or read at a segment start.
  float left[3];
#pragma unroll
  for (int ch = 0; ch < 3; ++ch) left[ch] = __shfl_up_sync(kFull, sum[ch][P - 1], 1);
  if (lane == 0) {
    if (x0 > 0) {
#pragma unroll
      for (int ch = 0; ch < 3; ++ch)
        left[ch] = code_b(__ldg(row_ptr(p.in, 2 * j) + (x0 - 1) * CH + ch)) +
                   code_b(__ldg(row_ptr(p.in, 2 * j + 1) + (x0 - 1) * CH + ch));
    } else {
#pragma unroll
      for (int ch = 0; ch < 3; ++ch) left[ch] = sum[ch][0];
    }
  }
  if (!active) return;
  uint32_t a[NC], b[NC];
#pragma unroll
  for (int i = 0; i < NC; ++i) {
    float f[3];
#pragma unroll
    for (int ch = 0; ch < 3; ++ch) {
      const float l = i == 0 ? left[ch] : sum[ch][2 * i - 1];
      f[ch] = p.triangle ? fmaf(2.0f, sum[ch][2 * i], l + sum[ch][2 * i + 1]) : sum[ch][2 * i] + sum[ch][2 * i + 1];
    }
    a[i] = code8(fmaf(p.ka[0], f[0], fmaf(p.ka[1], f[1], fmaf(p.ka[2], f[2], p.aoff))));
    b[i] = code8(fmaf(p.kb[0], f[0], fmaf(p.kb[1], f[1], fmaf(p.kb[2], f[2], p.boff))));
  }
  const int c0 = x0 / 2;
  if constexpr (OUT == Yuv420::NV8) {
    uint32_t cw[P / 4];
#pragma unroll
    for (int m = 0; m < P / 4; ++m) cw[m] = pack4(a[2 * m], b[2 * m], a[2 * m + 1], b[2 * m + 1]);
    stw<P>(row_ptr_mut(p.u, j) + x0, cw);
  } else {
    uint32_t aw[P / 8], bw[P / 8];
#pragma unroll
    for (int m = 0; m < P / 8; ++m) {
      aw[m] = pack4(a[4 * m], a[4 * m + 1], a[4 * m + 2], a[4 * m + 3]);
      bw[m] = pack4(b[4 * m], b[4 * m + 1], b[4 * m + 2], b[4 * m + 3]);
    }
    stw<P / 2>(row_ptr_mut(p.u, j) + c0, aw);
    stw<P / 2>(row_ptr_mut(p.v, j) + c0, bw);
  }
}

// ---- 8-bit 4:2:0 repacks (byte moves only) ------------------------------------------------------

struct Repack8Params {
  DevPlane iy, iu, iv, oy, ou, ov;
  int in_swap = 0, out_swap = 0;  // semi-planar with V first (NV21)
  int width16 = 0, pairs = 0;
};

template <Yuv420 IN, Yuv420 OUT, int P>
__global__ void __launch_bounds__(256) repack8_kernel(const Repack8Params p) {
  constexpr int NW = P / 4;
  const int j = blockIdx.y * kWarps + threadIdx.y;
  const int x0 = blockIdx.x * 32 * P + threadIdx.x * P;
  if (j >= p.pairs || x0 >= p.width16) return;
  uint32_t y0[NW], y1[NW];
  ldgw<P>(row_ptr(p.iy, 2 * j) + x0, y0);
  ldgw<P>(row_ptr(p.iy, 2 * j + 1) + x0, y1);
  const int c0 = x0 / 2;
  uint32_t u[NW / 2], v[NW / 2];
  if constexpr (IN == Yuv420::NV8) {
    uint32_t q[NW];
    ldgw<P>(row_ptr(p.iu, j) + x0, q);
#pragma unroll
    for (int m = 0; m < NW / 2; ++m) {
      const uint32_t e = __byte_perm(q[2 * m], q[2 * m + 1], 0x6420), o = __byte_perm(q[2 * m], q[2 * m + 1], 0x7531);
      u[m] = p.in_swap ? o : e, v[m] = p.in_swap ? e : o;
    }
  } else {
    ldgw<P / 2>(row_ptr(p.iu, j) + c0, u);
    ldgw<P / 2>(row_ptr(p.iv, j) + c0, v);
  }
  stw<P>(row_ptr_mut(p.oy, 2 * j) + x0, y0);
  stw<P>(row_ptr_mut(p.oy, 2 * j + 1) + x0, y1);
  if constexpr (OUT == Yuv420::NV8) {
    uint32_t o[NW];
#pragma unroll
    for (int m = 0; m < NW / 2; ++m) {
      const uint32_t f = p.out_swap ? v[m] : u[m], s = p.out_swap ? u[m] : v[m];
      o[2 * m] = __byte_perm(f, s, 0x5140), o[2 * m + 1] = __byte_perm(f, s, 0x7362);
    }
    stw<P>(row_ptr_mut(p.ou, j) + x0, o);
  } else {
    stw<P / 2>(row_ptr_mut(p.ou, j) + c0, u);
    stw<P / 2>(row_ptr_mut(p.ov, j) + c0, v);
  }
}

dim3 warp_row_grid(int width16, int pairs, int P) { return dim3(ceil_div(width16, 32 * P), ceil_div(pairs, kWarps)); }

dim3 warp_row_block() { return dim3(32, kWarps); }
bool is8(Yuv420 l) { return l == Yuv420::NV8 || l == Yuv420::P8; }

}  // namespace

Status launch_yuv8_to_rgb8(const YuvToRgbParams& p, Yuv420 in, RgbLayout out, StreamHandle stream, bool* launched) {
  *launched = false;
  const int width16 = p.width / 16 * 16, pairs = p.height / 2;
  if (!p.vec || width16 == 0 || pairs == 0 || !is8(in) || p.out_max != 255.0f ||
      (out != RgbLayout::C3U8 && out != RgbLayout::C4U8))
    return Status::ok();
  // Every tap set is {a, 1 - a, 0} (even) and {0, 1 - b, b} (odd); see cuda.cu.
  if (p.hw[0][2] != 0 || p.hw[1][0] != 0 || p.vw[0][2] != 0 || p.vw[1][0] != 0) return Status::ok();
  // Source channel s of memory channel m: R = Y + rcr Cr, G = Y + gcb Cb + gcr Cr, B = Y + bcb Cb,
  // with Y = ys luma + yo, Cb = cs U + co, Cr = cs V + co (output codes), all times kUnit with the
  // rounding's + 0.5. A is Cr for RGB order (memory channel 0 is R), Cb for BGR.
  const bool a_is_cb = p.swap_rb;
  Yuv8RgbParams q;
  q.y = p.in.y, q.out = p.out[0];
  q.a = a_is_cb ? p.in.u : p.in.v, q.b = a_is_cb ? p.in.v : p.in.u;
  q.nv_perm = (a_is_cb ? p.in.u_ch : p.in.v_ch) == 0 ? 0x3210u : 0x2301u;
  q.width16 = width16, q.pairs = pairs, q.cw = p.cw, q.ch = p.ch;
  q.nwe = -p.hw[0][0], q.wo = p.hw[1][2], q.va = p.vw[0][0], q.vb = p.vw[1][2];
  const double mcb[3] = {0, p.gcb, p.bcb}, mcr[3] = {p.rcr, p.gcr, 0};
  const double ys = kUnit * p.ys;
  for (int m = 0; m < 3; ++m) {
    const int s = p.swap_rb ? 2 - m : m;
    const double ka = kUnit * (a_is_cb ? mcb[s] : mcr[s]) * p.cs, kb = kUnit * (a_is_cb ? mcr[s] : mcb[s]) * p.cs;
    q.ka[m] = static_cast<float>(ka), q.kb[m] = static_cast<float>(kb);
    const double off = kUnit * (static_cast<double>(p.yo) + (mcb[s] + mcr[s]) * p.co + 0.5);
    q.off[m] = static_cast<float>(off - kBias * (ys + ka + kb));
  }
  q.ys = static_cast<float>(ys);
  q.alpha = p.alpha_code;
  const bool left = p.hw[0][0] == 0 && p.hw[0][1] == 1 && p.hw[1][1] == 0.5f && p.hw[1][2] == 0.5f;
  const HFilter h = !p.linear ? HFilter::Nearest : left ? HFilter::Left : HFilter::Taps;
  const int P = h == HFilter::Nearest ? 16 : 8;
  const dim3 grid = warp_row_grid(width16, pairs, P), block = warp_row_block();
  using Y = Yuv420;
  using F = HFilter;
  auto run = [&](auto kernel) { kernel<<<grid, block, 0, stream>>>(q); };
  const bool c3 = out == RgbLayout::C3U8;
  if (in == Y::NV8) {
    if (c3) h == F::Nearest ? run(yuv8_to_rgb8_kernel<Y::NV8, 3, F::Nearest, 16>)
            : h == F::Left  ? run(yuv8_to_rgb8_kernel<Y::NV8, 3, F::Left, 8>)
                            : run(yuv8_to_rgb8_kernel<Y::NV8, 3, F::Taps, 8>);
    else h == F::Nearest ? run(yuv8_to_rgb8_kernel<Y::NV8, 4, F::Nearest, 16>)
         : h == F::Left  ? run(yuv8_to_rgb8_kernel<Y::NV8, 4, F::Left, 8>)
                         : run(yuv8_to_rgb8_kernel<Y::NV8, 4, F::Taps, 8>);
  } else {
    if (c3) h == F::Nearest ? run(yuv8_to_rgb8_kernel<Y::P8, 3, F::Nearest, 16>)
            : h == F::Left  ? run(yuv8_to_rgb8_kernel<Y::P8, 3, F::Left, 8>)
                            : run(yuv8_to_rgb8_kernel<Y::P8, 3, F::Taps, 8>);
    else h == F::Nearest ? run(yuv8_to_rgb8_kernel<Y::P8, 4, F::Nearest, 16>)
         : h == F::Left  ? run(yuv8_to_rgb8_kernel<Y::P8, 4, F::Left, 8>)
                         : run(yuv8_to_rgb8_kernel<Y::P8, 4, F::Taps, 8>);
  }
  *launched = true;
  return check_launch("convert_cuda: yuv8_to_rgb8 kernel");
}

Status launch_rgb8_to_yuv8(const RgbToYuvParams& p, RgbLayout in, Yuv420 out, StreamHandle stream, bool* launched) {
  *launched = false;
  const int width16 = p.width / 16 * 16, pairs = p.height / 2;
  if (!p.vec || width16 == 0 || pairs == 0 || !is8(out) || p.y_max != 255.0f ||
      (in != RgbLayout::C3U8 && in != RgbLayout::C4U8))
    return Status::ok();
  Rgb8YuvParams q;
  q.in = p.in[0], q.y = p.out.y, q.u = p.out.u, q.v = p.out.v;
  q.width16 = width16, q.pairs = pairs, q.triangle = p.triangle;
  // Sums of 4 (box) or 8 ([1 2 1] over two rows) pixels; the first chroma output is V for NV21.
  const double n = p.triangle ? 8 : 4, f = 1 / n;
  const bool v_first = out == Yuv420::NV8 && p.out.u_ch != 0;
  double ysum = 0, asum = 0, bsum = 0;
  for (int m = 0; m < 3; ++m) {
    const int s = p.swap_rb ? 2 - m : m;
    const double ky = kUnit * p.ky[s];
    const double ka = kUnit * f * (v_first ? p.kcr[s] : p.kcb[s]), kb = kUnit * f * (v_first ? p.kcb[s] : p.kcr[s]);
    q.ky[m] = static_cast<float>(ky), q.ka[m] = static_cast<float>(ka), q.kb[m] = static_cast<float>(kb);
    ysum += ky, asum += ka, bsum += kb;
  }
  q.yoff = static_cast<float>(kUnit * (static_cast<double>(p.yo) + 0.5) - kBias * ysum);
  const double coff = kUnit * (static_cast<double>(p.co) + 0.5);
  q.aoff = static_cast<float>(coff - n * kBias * asum);
  q.boff = static_cast<float>(coff - n * kBias * bsum);
  constexpr int P = 8;
  const dim3 grid = warp_row_grid(width16, pairs, P), block = warp_row_block();
  using Y = Yuv420;
  if (in == RgbLayout::C3U8) {
    out == Y::NV8 ? rgb8_to_yuv8_kernel<3, Y::NV8, P><<<grid, block, 0, stream>>>(q)
                  : rgb8_to_yuv8_kernel<3, Y::P8, P><<<grid, block, 0, stream>>>(q);
  } else {
    out == Y::NV8 ? rgb8_to_yuv8_kernel<4, Y::NV8, P><<<grid, block, 0, stream>>>(q)
                  : rgb8_to_yuv8_kernel<4, Y::P8, P><<<grid, block, 0, stream>>>(q);
  }
  *launched = true;
  return check_launch("convert_cuda: rgb8_to_yuv8 kernel");
}

Status launch_repack8(const RepackParams& p, Yuv420 in, Yuv420 out, StreamHandle stream, bool* launched) {
  *launched = false;
  const int width16 = p.width / 16 * 16, pairs = p.height / 2;
  const bool identity = p.ls == 1.0f && p.lo == 0.0f && p.cs == 1.0f && p.co == 0.0f && p.out_max == 255.0f;
  if (!p.vec || width16 == 0 || pairs == 0 || !is8(in) || !is8(out) || !identity ||
      (in == Yuv420::P8 && out == Yuv420::P8))
    return Status::ok();
  Repack8Params q;
  q.iy = p.in.y, q.iu = p.in.u, q.iv = p.in.v, q.oy = p.out.y, q.ou = p.out.u, q.ov = p.out.v;
  q.in_swap = in == Yuv420::NV8 && p.in.u_ch != 0;
  q.out_swap = out == Yuv420::NV8 && p.out.u_ch != 0;
  q.width16 = width16, q.pairs = pairs;
  constexpr int P = 16;
  const dim3 grid = warp_row_grid(width16, pairs, P), block = warp_row_block();
  using Y = Yuv420;
  if (in == Y::NV8 && out == Y::P8) repack8_kernel<Y::NV8, Y::P8, P><<<grid, block, 0, stream>>>(q);
  else if (in == Y::P8 && out == Y::NV8) repack8_kernel<Y::P8, Y::NV8, P><<<grid, block, 0, stream>>>(q);
  else repack8_kernel<Y::NV8, Y::NV8, P><<<grid, block, 0, stream>>>(q);
  *launched = true;
  return check_launch("convert_cuda: repack8 kernel");
}

}  // namespace caldera::color_cuda
