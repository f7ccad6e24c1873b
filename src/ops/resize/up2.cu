// Exact 2x upscale of 8-bit planes (1080p -> 4K, 540p -> 1080p): the write-bound case, specialised.
//
// When n_out == 2 * n_in on an axis, output 2i and output 2i + 1 (the two phases) each read the
// same weights for every i: phase 0 the K taps from source i - H, phase 1 the K taps from
// i - H + (W - K), inside a window of W source pixels centred on i (W = 1 nearest and area,
// 3 bilinear, 5 bicubic, 7 lanczos; K = 1, 2, 4, 6). The weights are computed once on the host in double by
// filter.hpp and rounded to float, as the general kernels do, and checked equal at both ends and
// the middle of each axis.
//
// One warp makes 2R output rows (source rows j .. j + R - 1) of 256 output pixels (128 source
// pixels, 4 per thread). It loads the R + W - 1 source row segments with coalesced 16-byte loads
// (all in flight before the first use) into shared memory; each thread reads its footprint back as
// 4-byte words, picks bytes at compile-time positions, filters vertically first (two phases per
// source row), then horizontally, and its 8 output pixels per row leave through shared memory as
// 16-byte stores. Threads whose footprint crosses the image edge read clamped bytes from global
// memory instead.
//
// Modes: Copy (W = 1: pixel and row duplication), Bilinear (weights 1/4, 3/4 on both axes:
// integer (9a + 3b + 3c + d + 8) >> 4, the reference's floor(s / 16 + 0.5) exactly), Float
// (W = 5, any 4-tap weights: bicubic) and Float6 (W = 7, 6 taps: lanczos).
#include <cuda_runtime.h>

#include <cstdint>
#include <utility>

#include "core/cuda_check.hpp"
#include "ops/resize/kernels.cuh"

namespace caldera::resize_detail {
namespace {

constexpr int kP = 4;             // source pixels per thread (8 output pixels per output row)
constexpr int kSeg = 32 * kP;     // source pixels per warp
constexpr int kUpWarps = 4;       // warps per block

enum Mode { kCopy = 0, kBilinear = 1, kFloat = 2, kFloat6 = 3 };
constexpr int kMaxK = 6, kMaxW = 7, kMaxH = 3;

constexpr int floor16(int v) { return v >= 0 ? v / 16 * 16 : -((-v + 15) / 16 * 16); }

template <int C, int M, int R>
struct Up2Shape {
  static constexpr int kW = M == kCopy ? 1 : M == kBilinear ? 3 : M == kFloat ? 5 : 7;  // window of source pixels
  static constexpr int kK = M == kCopy ? 1 : M == kBilinear ? 2 : M == kFloat ? 4 : 6;  // taps per phase
  static constexpr int kH = (kW - 1) / 2;
  static constexpr int kPhase1 = kW - kK;  // phase 1's first window position (phase 0: 0)
  static constexpr int kRows = R + kW - 1;
  static constexpr int kFootPx = kP + kW - 1;
  static constexpr int kFootBytes = kFootPx * C;
  // A segment starting at source pixel x0 reads row bytes [x0*C + kLo, x0*C + kLo + kSpan); x0*C
  // is a multiple of 16 (x0 a multiple of 128), so the chunks start at x0*C + kBase.
  static constexpr int kLo = -kH * C;
  static constexpr int kSpan = (kSeg + kW - 1) * C;
  static constexpr int kBase = floor16(kLo);
  static constexpr int kChunks = (kLo + kSpan - kBase + 15) / 16;
  static constexpr int kChunksPerLane = (kChunks + 31) / 32;
  // Thread t's footprint starts at shared byte kFirst + 4*C*t: word kFirst/4 + C*t, byte kLead.
  static constexpr int kFirst = kLo - kBase;
  static constexpr int kLead = kFirst % 4;
  static constexpr int kWords = (kLead + kFootBytes + 3) / 4;
  static constexpr int kOutRowBytes = 2 * kSeg * C;  // one output row of the warp
  static constexpr int kInRowUint4 = kChunksPerLane * 32;
  static constexpr int kOutUint4 = kOutRowBytes / 16;
  static_assert(kK >= 1 && kPhase1 >= 0 && kOutRowBytes % 16 == 0);
};

struct Up2Args {
  PlaneArgs a;
  float wx[2][kMaxK];  // [phase][tap]
  float wy[2][kMaxK];
};

// floor(h) clamped to [0, 255] as the low byte, for h = value + 0.5 (|h| < 2^22): adding 2^23
// rounding down puts floor(h) in the mantissa; negative h lands below 2^23.
__device__ __forceinline__ uint32_t round_byte(float h) {
  const int bits = __float_as_int(__fadd_rd(h, 8388608.0f));
  return static_cast<uint32_t>(min(max(bits, 0x4B000000), 0x4B0000FF)) & 0xFFu;
}

template <int C, int M, int R>
__global__ void __launch_bounds__(kUpWarps * 32) up2_kernel(const Up2Args d) {
  using S = Up2Shape<C, M, R>;
  __shared__ uint4 in_smem[kUpWarps][S::kRows][S::kInRowUint4];
  __shared__ uint4 out_smem[kUpWarps][C >= 3 ? S::kOutUint4 : 1];
  const PlaneArgs& a = d.a;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int j0 = (blockIdx.y * kUpWarps + warp) * R;  // first source row
  if (j0 >= a.sh) return;  // whole warps only: the barriers below are per warp
  const int x0 = blockIdx.x * kSeg;
  const int seg = x0 * C;
  const int need_lo = max(0, seg + S::kLo), need_hi = min(a.sw * C, seg + S::kLo + S::kSpan);

  const uint8_t* rows[S::kRows];
#pragma unroll
  for (int r = 0; r < S::kRows; ++r)
    rows[r] = a.src + static_cast<size_t>(clamp_index(j0 - S::kH + r, a.sh)) * a.src_pitch;
  {
    uint4 v[S::kRows][S::kChunksPerLane];
#pragma unroll
    for (int r = 0; r < S::kRows; ++r)
#pragma unroll
      for (int c = 0; c < S::kChunksPerLane; ++c) {
        const int i = lane + 32 * c;
        const int b = seg + S::kBase + 16 * i;
        v[r][c] = make_uint4(0, 0, 0, 0);
        if (i < S::kChunks && b + 16 > need_lo && b < need_hi) v[r][c] = __ldg(reinterpret_cast<const uint4*>(rows[r] + b));
      }
#pragma unroll
    for (int r = 0; r < S::kRows; ++r)
#pragma unroll
      for (int c = 0; c < S::kChunksPerLane; ++c) in_smem[warp][r][lane + 32 * c] = v[r][c];
  }
  __syncwarp();

  const int sx = x0 + kP * lane;  // first source pixel of the thread
  const int fp = sx - S::kH;      // first footprint pixel
  const bool inside = fp >= 0 && fp + S::kFootPx <= a.sw;

  // Footprint bytes of window row r: byte b is byte (kLead + b) of w.
  auto load_row = [&](int r, uint32_t (&w)[S::kWords]) {
    if (inside) {
      const uint32_t* q = reinterpret_cast<const uint32_t*>(&in_smem[warp][r][0]) + S::kFirst / 4 + C * lane;
#pragma unroll
      for (int k = 0; k < S::kWords; ++k) w[k] = q[k];
    } else {
#pragma unroll
      for (int k = 0; k < S::kWords; ++k) w[k] = 0;
#pragma unroll
      for (int b = 0; b < S::kFootBytes; ++b) {
        const int px = clamp_index(fp + b / C, a.sw);
        const uint32_t byte = __ldg(rows[r] + static_cast<size_t>(px) * C + b % C);
        w[(S::kLead + b) / 4] |= byte << (8 * ((S::kLead + b) % 4));
      }
    }
  };
  auto byte_of = [](const uint32_t (&w)[S::kWords], int b) -> uint32_t {
    return (w[(S::kLead + b) / 4] >> (8 * ((S::kLead + b) % 4))) & 0xFFu;
  };

  // Output bytes of the 2R rows, packed: row q, word i holds output bytes 4i .. 4i + 3.
  constexpr int kOutWords = 2 * kP * C / 4;
  uint32_t out[2 * R][kOutWords];
#pragma unroll
  for (int q = 0; q < 2 * R; ++q)
#pragma unroll
    for (int i = 0; i < kOutWords; ++i) out[q][i] = 0;
  // Output byte (2p + ph) * C + c of row q.
  auto put = [&](int q, int p, int ph, int c, uint32_t v) {
    const int i = (2 * p + ph) * C + c;
    out[q][i / 4] |= v << (8 * (i % 4));
  };

  if constexpr (M == kCopy) {
#pragma unroll
    for (int r = 0; r < R; ++r) {
      uint32_t w[S::kWords];
      load_row(r, w);
#pragma unroll
      for (int p = 0; p < kP; ++p)
#pragma unroll
        for (int c = 0; c < C; ++c) {
          const uint32_t v = byte_of(w, p * C + c);
          put(2 * r, p, 0, c, v);
          put(2 * r, p, 1, c, v);
        }
#pragma unroll
      for (int i = 0; i < kOutWords; ++i) out[2 * r + 1][i] = out[2 * r][i];
    }
  } else if constexpr (M == kBilinear) {
    // Vertical: phase 0 = row(j-1) + 3 row(j), phase 1 = 3 row(j) + row(j+1); then horizontally
    // the same with pixels, and (s + 8) >> 4.
    int prev[S::kFootBytes], cur[S::kFootBytes];
    {
      uint32_t w[S::kWords];
      load_row(0, w);
#pragma unroll
      for (int b = 0; b < S::kFootBytes; ++b) prev[b] = static_cast<int>(byte_of(w, b));
      load_row(1, w);
#pragma unroll
      for (int b = 0; b < S::kFootBytes; ++b) cur[b] = static_cast<int>(byte_of(w, b));
    }
#pragma unroll
    for (int r = 0; r < R; ++r) {
      uint32_t w[S::kWords];
      load_row(r + 2, w);
      int next[S::kFootBytes], v0[S::kFootBytes], v1[S::kFootBytes];
#pragma unroll
      for (int b = 0; b < S::kFootBytes; ++b) {
        next[b] = static_cast<int>(byte_of(w, b));
        const int c3 = 3 * cur[b];
        v0[b] = c3 + prev[b];
        v1[b] = c3 + next[b];
      }
#pragma unroll
      for (int ph = 0; ph < 2; ++ph) {
        const int(&v)[S::kFootBytes] = ph == 0 ? v0 : v1;
#pragma unroll
        for (int p = 0; p < kP; ++p)
#pragma unroll
          for (int c = 0; c < C; ++c) {
            // Source pixel p sits at footprint pixel p + 1.
            const int m3 = 3 * v[(p + 1) * C + c] + 8;
            put(2 * r + ph, p, 0, c, static_cast<uint32_t>(m3 + v[p * C + c]) >> 4);
            put(2 * r + ph, p, 1, c, static_cast<uint32_t>(m3 + v[(p + 2) * C + c]) >> 4);
          }
      }
#pragma unroll
      for (int b = 0; b < S::kFootBytes; ++b) {
        prev[b] = cur[b];
        cur[b] = next[b];
      }
    }
  } else {
    // Vertical first: each window row adds into the phases of the output rows that read it.
    float v[2 * R][S::kFootBytes];
#pragma unroll
    for (int q = 0; q < 2 * R; ++q)
#pragma unroll
      for (int b = 0; b < S::kFootBytes; ++b) v[q][b] = 0.0f;
#pragma unroll
    for (int m = 0; m < S::kRows; ++m) {
      uint32_t w[S::kWords];
      load_row(m, w);
      float f[S::kFootBytes];
#pragma unroll
      for (int b = 0; b < S::kFootBytes; ++b) f[b] = int_to_float(byte_of(w, b));
#pragma unroll
      for (int r = 0; r < R; ++r)
#pragma unroll
        for (int ph = 0; ph < 2; ++ph) {
          const int k = m - r - (ph == 0 ? 0 : S::kPhase1);  // tap of window row m
          if (k < 0 || k >= S::kK) continue;
#pragma unroll
          for (int b = 0; b < S::kFootBytes; ++b) v[2 * r + ph][b] = fmaf(d.wy[ph][k], f[b], v[2 * r + ph][b]);
        }
    }
#pragma unroll
    for (int q = 0; q < 2 * R; ++q)
#pragma unroll
      for (int p = 0; p < kP; ++p)
#pragma unroll
        for (int ph = 0; ph < 2; ++ph)
#pragma unroll
          for (int c = 0; c < C; ++c) {
            float h = 0.5f;
#pragma unroll
            for (int k = 0; k < S::kK; ++k)
              h = fmaf(d.wx[ph][k], v[q][(p + k + (ph == 0 ? 0 : S::kPhase1)) * C + c], h);
            put(q, p, ph, c, round_byte(h));
          }
  }

  // Stores: whole segments through shared memory as 16-byte stores, the last one byte by byte.
  const bool whole = x0 + kSeg <= a.sw;
  const size_t ox_bytes = static_cast<size_t>(2 * x0) * C;
#pragma unroll
  for (int q = 0; q < 2 * R; ++q) {
    const int oy = 2 * j0 + q;
    if (oy >= a.dh) break;
    uint8_t* drow = a.dst + static_cast<size_t>(oy) * a.dst_pitch + ox_bytes;
    if (whole && C == 1) {  // 8 contiguous bytes per thread: the warp's store is coalesced
      reinterpret_cast<uint2*>(drow)[lane] = make_uint2(out[q][0], out[q][kOutWords - 1]);
    } else if (whole && C == 2) {
      reinterpret_cast<uint4*>(drow)[lane] = make_uint4(out[q][0], out[q][1 % kOutWords], out[q][2 % kOutWords], out[q][3 % kOutWords]);
    } else if (whole) {  // 24 or 32 bytes per thread: through shared memory (8-byte writes)
      uint2* so = reinterpret_cast<uint2*>(&out_smem[warp][0]);
#pragma unroll
      for (int i = 0; i < kOutWords / 2; ++i) so[kOutWords / 2 * lane + i] = make_uint2(out[q][2 * i], out[q][2 * i + 1]);
      __syncwarp();
#pragma unroll
      for (int i = lane; i < S::kOutUint4; i += 32) reinterpret_cast<uint4*>(drow)[i] = out_smem[warp][i];
      __syncwarp();
    } else {
#pragma unroll
      for (int i = 0; i < 2 * kP * C; ++i)
        if (2 * sx + i / C < a.dw) drow[static_cast<size_t>(2 * kP * C) * lane + i] = static_cast<uint8_t>(out[q][i / 4] >> (8 * (i % 4)));
    }
  }
}

template <int C, int M, int R>
Status launch(const Up2Args& d, cudaStream_t stream) {
  const int rows_per_block = kUpWarps * R;
  const dim3 grid((d.a.sw + kSeg - 1) / kSeg, (d.a.sh + rows_per_block - 1) / rows_per_block);
  up2_kernel<C, M, R><<<grid, kUpWarps * 32, 0, stream>>>(d);
  return check_launch("resize up2_kernel");
}

template <int C>
Status launch_channels(const Up2Args& d, int mode, cudaStream_t stream) {
  if (mode == kCopy) return launch<C, kCopy, 2>(d, stream);
  if (mode == kBilinear) return launch<C, kBilinear, 2>(d, stream);
  if (mode == kFloat) return launch<C, kFloat, C == 4 ? 1 : 2>(d, stream);
  return launch<C, kFloat6, C >= 3 ? 1 : 2>(d, stream);
}

// The axis's two phases as weights over the window offsets -3 .. 3 from source i
// (w[phase][off + 3]), or false when they differ between outputs (they cannot when
// n_out == 2 * n_in; checked anyway at both ends and the middle) or reach past the window.
bool phase_weights(const AxisFilter& f, double (&win)[2][kMaxW]) {
  if (f.taps > kMaxK) return false;
  const int n_in = f.n_in;
  for (int i : {0, n_in / 2, n_in - 1})
    for (int ph = 0; ph < 2; ++ph) {
      double w[kMaxK], cur[kMaxW] = {};
      const int start = axis_weights(f, 2 * i + ph, w);
      for (int k = 0; k < f.taps; ++k) {
        const int off = start + k - i;
        if (w[k] == 0) continue;
        if (off < -kMaxH || off > kMaxH) return false;
        cur[off + kMaxH] = w[k];
      }
      for (int o = 0; o < kMaxW; ++o) {
        if (i == 0) win[ph][o] = cur[o];
        else if (win[ph][o] != cur[o]) return false;
      }
    }
  return true;
}

// Nonzero weights of phase ph only at window offsets lo .. hi.
bool only(const double (&win)[2][kMaxW], int ph, int lo, int hi) {
  for (int o = -kMaxH; o <= kMaxH; ++o)
    if ((o < lo || o > hi) && win[ph][o + kMaxH] != 0) return false;
  return true;
}

// The narrowest mode whose structure holds the weights (phase 0 taps at offsets -H .. -H + K - 1,
// phase 1 at -H + W - K ..), or -1.
int axis_mode(const double (&win)[2][kMaxW]) {
  if (only(win, 0, 0, 0) && only(win, 1, 0, 0) && win[0][kMaxH] == 1 && win[1][kMaxH] == 1) return kCopy;
  if (only(win, 0, -1, 0) && only(win, 1, 0, 1) && win[0][kMaxH - 1] == 0.25 && win[0][kMaxH] == 0.75 &&
      win[1][kMaxH] == 0.75 && win[1][kMaxH + 1] == 0.25)
    return kBilinear;
  if (only(win, 0, -2, 1) && only(win, 1, -1, 2)) return kFloat;
  if (only(win, 0, -3, 2) && only(win, 1, -2, 3)) return kFloat6;
  return -1;
}

// The float taps of a float mode: phase 0 from offset -H, phase 1 from -H + 1 (W - K = 1).
void float_taps(const double (&win)[2][kMaxW], int mode, float (&wf)[2][kMaxK]) {
  const int h = mode == kFloat ? 2 : 3, k_taps = mode == kFloat ? 4 : 6;
  for (int ph = 0; ph < 2; ++ph)
    for (int k = 0; k < kMaxK; ++k) wf[ph][k] = k < k_taps ? static_cast<float>(win[ph][kMaxH - h + ph + k]) : 0.0f;
}

}  // namespace

Result<bool> launch_up2_u8(const PlaneArgs& a, int channels, const AxisFilter& fx, const AxisFilter& fy,
                           cudaStream_t stream) {
  if (a.dw != 2 * a.sw || a.dh != 2 * a.sh || a.max_code != 255 || a.shift != 0) return false;
  for (auto [ptr, pitch] : {std::pair{reinterpret_cast<uintptr_t>(a.src), a.src_pitch},
                            std::pair{reinterpret_cast<uintptr_t>(a.dst), a.dst_pitch}})
    if (ptr % 16 || pitch % 16) return false;
  double winx[2][kMaxW], winy[2][kMaxW];
  if (!phase_weights(fx, winx) || !phase_weights(fy, winy)) return false;
  Up2Args d;
  d.a = a;
  const int mx = axis_mode(winx), my = axis_mode(winy);
  if (mx < 0 || my < 0) return false;
  // Both axes take the widest mode of the two (the narrower one's weights fit the wider window).
  const int mode = mx > my ? mx : my;
  if (mode >= kFloat) {
    float_taps(winx, mode, d.wx);
    float_taps(winy, mode, d.wy);
  } else if (mx != my) {
    return false;  // copy on one axis, bilinear on the other: not a case resize produces
  }
  switch (channels) {
    case 1: CALDERA_RETURN_IF_ERROR(launch_channels<1>(d, mode, stream)); break;
    case 2: CALDERA_RETURN_IF_ERROR(launch_channels<2>(d, mode, stream)); break;
    case 3: CALDERA_RETURN_IF_ERROR(launch_channels<3>(d, mode, stream)); break;
    case 4: CALDERA_RETURN_IF_ERROR(launch_channels<4>(d, mode, stream)); break;
    default: return false;
  }
  return true;
}

}  // namespace caldera::resize_detail
