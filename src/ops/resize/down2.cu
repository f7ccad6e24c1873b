// Exact 2x downscale of 8-bit planes (4K -> 1080p, 1080p -> 540p): the hot case, specialised.
//
// When n_in == 2 * n_out on both axes, every output reads the same K weights per axis starting at
// source 2o + kOffset (the half-pixel centre 2o + 0.5 sits at the same place in every output's
// footprint), so the weights are kernel parameters (computed once on the host in double by
// filter.hpp, rounded to float, exactly what the general kernels use) and no tap tables exist.
//
// Filters (4, 6, 8, 12 taps: bicubic and bilinear-aa, lanczos, bicubic-aa, lanczos-aa): one warp
// makes 128 adjacent output pixels of R rows (R = 2 for 4 taps, 4 for wider), 4 per thread per row.
// The rows share source rows (2(R-1) + K of them: 6 instead of 8 for 4 taps, 18 instead of 48 for
// 12): the warp loads each one's segment with coalesced 16-byte loads (all rows in flight before
// the first use; cp.async, global -> shared without registers, for 6+ taps) into shared memory,
// then each thread reads its footprint back as 8-byte words, picks the bytes at compile-time
// positions and filters it horizontally once, adding the result into every output row that reads
// it. Outputs go back through shared memory and leave as 16-byte stores. Threads whose footprint
// crosses the image edge (the first and last outputs of a row) read their bytes from global memory
// with clamped indices instead.
//
// Nearest (source pixel 2o + 1 of row 2o + 1) and the 2x2 mean (area, bilinear without antialias:
// integer sums, (s + 2) >> 2, the reference's floor(s / 4 + 0.5) exactly) take a register-only
// kernel (pick2_kernel): one thread = 8 outputs of one row, C 16-byte loads per source row straight
// into registers, bytes picked at compile-time positions, C 8-byte stores; no shared memory
// (14.1 us vs 14.6 for the warp kernel's box path in the same run at 4K RGB).
#include <cuda_runtime.h>

#include <cstdint>
#include <utility>

#include "core/cuda_check.hpp"
#include "ops/resize/kernels.cuh"

namespace caldera::resize_detail {
namespace {

constexpr int kOutPerThread = 4;
constexpr int kSegment = 32 * kOutPerThread;  // output pixels per warp
constexpr int kMaxWarps = 4;                  // warps per block (fewer for wide filters)
constexpr int kMaxTaps = 12;
// Output rows per warp: two for 4 taps (they share 2 of their 4 source rows: 6 loads and
// horizontal passes instead of 8: 26.8 -> 23 us at 4K), four for 6+ taps.
template <int K>
constexpr int kRowsPerWarp = K == 4 ? 2 : K >= 6 ? 4 : 1;

constexpr int floor16(int v) { return v >= 0 ? v / 16 * 16 : -((-v + 15) / 16 * 16); }

template <int C, int K>
struct Down2Shape {
  static constexpr int kOffset = K == 1 ? 1 : 1 - K / 2;  // output o's first tap is 2o + kOffset
  static constexpr int kFootPx = 2 * (kOutPerThread - 1) + K;    // source pixels a thread reads per row
  static constexpr int kFootBytes = kFootPx * C;
  // A segment starting at output x0 reads row bytes [2*x0*C + kLo, 2*x0*C + kLo + kSpan); 2*x0*C
  // is a multiple of 16, so the 16-byte chunks start at 2*x0*C + kBase.
  static constexpr int kLo = kOffset * C;
  static constexpr int kSpan = (2 * kSegment - 2 + K) * C;
  static constexpr int kBase = floor16(kLo);
  static constexpr int kChunks = (kLo + kSpan - kBase + 15) / 16;
  static constexpr int kChunksPerLane = (kChunks + 31) / 32;
  // Thread t's footprint starts at shared byte kFirst + 8*C*t: 8-byte word kFirst/8 + C*t, byte kLead.
  static constexpr int kFirst = kLo - kBase;
  static constexpr int kLead = kFirst % 8;
  static constexpr int kWords = (kLead + kFootBytes + 7) / 8;  // 8-byte shared reads per row
  static constexpr int kRows = 2 * (kRowsPerWarp<K> - 1) + K;  // source rows a warp reads
  // Warps per block: as many as fit 44 KB of static shared memory, at most 4.
  static constexpr int kWarpBytes = kRows * kChunksPerLane * 32 * 16;
  static constexpr int kWarps = 45056 / kWarpBytes >= kMaxWarps ? kMaxWarps : 45056 / kWarpBytes < 1 ? 1 : 45056 / kWarpBytes;
};

// The kernel parameters: N weights per axis. The kernels take N = max(K, 4): with 12 for every K
// the 4-tap kernel compiled to 60 instead of 80 registers and ran 2.2 us slower (25.1 vs 22.9 us).
template <int N>
struct Down2ArgsN {
  PlaneArgs a;
  float wx[N];
  float wy[N];
};
using Down2Args = Down2ArgsN<kMaxTaps>;
template <int K>
constexpr int kArgTaps = K > 4 ? K : 4;

__device__ __forceinline__ void cp_async16(void* smem, const void* gmem) {
  const unsigned s = static_cast<unsigned>(__cvta_generic_to_shared(smem));
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"(s), "l"(gmem) : "memory");
}
__device__ __forceinline__ void cp_async_wait_all() { asm volatile("cp.async.wait_all;\n" ::: "memory"); }

template <int C, int K>
__global__ void __launch_bounds__(Down2Shape<C, K>::kWarps * 32) down2_kernel(const Down2ArgsN<kArgTaps<K>> d) {
  using S = Down2Shape<C, K>;
  constexpr int kWarps = S::kWarps;
  // Window row m is source row 2*oy0 + kOffset + m; output row oy0 + r reads rows 2r .. 2r + K - 1.
  constexpr int kRows = S::kRows;
  auto used = [](int m) {
    for (int r = 0; r < kRowsPerWarp<K>; ++r)
      if (m - 2 * r >= 0 && m - 2 * r < K) return true;
    return false;
  };
  __shared__ uint4 smem[kWarps][kRows][S::kChunksPerLane * 32];
  const PlaneArgs& a = d.a;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int oy0 = (blockIdx.y * kWarps + warp) * kRowsPerWarp<K>;
  if (oy0 >= a.dh) return;  // whole warps only: the barriers below are per warp
  const int x0 = blockIdx.x * kSegment;
  const int seg = 2 * x0 * C;
  const int need_lo = max(0, seg + S::kLo), need_hi = min(a.sw * C, seg + S::kLo + S::kSpan);

  const uint8_t* rows[kRows];
#pragma unroll
  for (int m = 0; m < kRows; ++m) rows[m] = a.src + static_cast<size_t>(clamp_index(2 * oy0 + S::kOffset + m, a.sh)) * a.src_pitch;

  // Every row's chunks in flight, then into shared memory.
  if constexpr (K >= 6) {
#pragma unroll
    for (int m = 0; m < kRows; ++m)
#pragma unroll
      for (int j = 0; j < S::kChunksPerLane; ++j) {
        const int i = lane + 32 * j;
        const int b = seg + S::kBase + 16 * i;
        if (i < S::kChunks && b + 16 > need_lo && b < need_hi) cp_async16(&smem[warp][m][i], rows[m] + b);
      }
    cp_async_wait_all();
  } else {
    uint4 v[kRows][S::kChunksPerLane];
#pragma unroll
    for (int m = 0; m < kRows; ++m)
#pragma unroll
      for (int j = 0; j < S::kChunksPerLane; ++j) {
        const int i = lane + 32 * j;
        const int b = seg + S::kBase + 16 * i;
        v[m][j] = make_uint4(0, 0, 0, 0);
        if (used(m) && i < S::kChunks && b + 16 > need_lo && b < need_hi) v[m][j] = __ldg(reinterpret_cast<const uint4*>(rows[m] + b));
      }
#pragma unroll
    for (int m = 0; m < kRows; ++m)
#pragma unroll
      for (int j = 0; j < S::kChunksPerLane; ++j)
        if (used(m)) smem[warp][m][lane + 32 * j] = v[m][j];
  }
  __syncwarp();

  const int ox = x0 + kOutPerThread * lane;
  const int fp = 2 * ox + S::kOffset;  // first footprint pixel
  const bool inside = fp >= 0 && fp + S::kFootPx <= a.sw;

  float acc[kRowsPerWarp<K>][kOutPerThread * C];
#pragma unroll
  for (int r = 0; r < kRowsPerWarp<K>; ++r)
#pragma unroll
    for (int i = 0; i < kOutPerThread * C; ++i) acc[r][i] = 0.0f;
#pragma unroll
  for (int m = 0; m < kRows; ++m) {
    if (!used(m)) continue;
    // The footprint's bytes: byte b is byte (kLead + b) of w.
    uint32_t w[2 * S::kWords];
    if (inside) {
      const uint2* q = reinterpret_cast<const uint2*>(&smem[warp][m][0]) + S::kFirst / 8 + C * lane;
#pragma unroll
      for (int k = 0; k < S::kWords; ++k) {
        const uint2 u = q[k];
        w[2 * k] = u.x;
        w[2 * k + 1] = u.y;
      }
    } else {
#pragma unroll
      for (int k = 0; k < 2 * S::kWords; ++k) w[k] = 0;
#pragma unroll
      for (int b = 0; b < S::kFootBytes; ++b) {
        const int px = clamp_index(fp + b / C, a.sw);
        const uint32_t byte = __ldg(rows[m] + static_cast<size_t>(px) * C + b % C);
        w[(S::kLead + b) / 4] |= byte << (8 * ((S::kLead + b) % 4));
      }
    }
    auto byte_at = [&](int b) -> uint32_t { return (w[(S::kLead + b) / 4] >> (8 * ((S::kLead + b) % 4))) & 0xFFu; };
    // Horizontal once per source row, shared by the output rows that read it.
    float f[S::kFootBytes];
#pragma unroll
    for (int b = 0; b < S::kFootBytes; ++b) f[b] = int_to_float(byte_at(b));
    float h[kOutPerThread * C];
#pragma unroll
    for (int p = 0; p < kOutPerThread; ++p)
#pragma unroll
      for (int c = 0; c < C; ++c) {
        float t = 0.0f;
#pragma unroll
        for (int k = 0; k < K; ++k) t = fmaf(d.wx[k], f[(2 * p + k) * C + c], t);
        h[p * C + c] = t;
      }
#pragma unroll
    for (int r = 0; r < kRowsPerWarp<K>; ++r) {
      const int k = m - 2 * r;
      if (k < 0 || k >= K) continue;
#pragma unroll
      for (int i = 0; i < kOutPerThread * C; ++i) acc[r][i] = fmaf(d.wy[k], h[i], acc[r][i]);
    }
  }

#pragma unroll
  for (int r = 0; r < kRowsPerWarp<K>; ++r) {
    const int oy = oy0 + r;
    if (oy >= a.dh) break;
    // Pack the 4*C output bytes into C words.
    uint32_t out[C];
#pragma unroll
    for (int i = 0; i < C; ++i) out[i] = 0;
#pragma unroll
    for (int i = 0; i < kOutPerThread * C; ++i) {
      const uint32_t code = round_clamp(acc[r][i], a.max_code);
      out[i / 4] |= code << (8 * (i % 4));
    }
    uint8_t* drow = a.dst + static_cast<size_t>(oy) * a.dst_pitch;
    if (x0 + kSegment <= a.dw) {
      // Whole segment: through shared memory (window row 0's buffer, 128*C bytes) to 16-byte stores.
      __syncwarp();
      uint32_t* so = reinterpret_cast<uint32_t*>(&smem[warp][0][0]);
#pragma unroll
      for (int i = 0; i < C; ++i) so[C * lane + i] = out[i];
      __syncwarp();
      if (lane < kSegment * C / 16)
        reinterpret_cast<uint4*>(drow + static_cast<size_t>(x0) * C)[lane] = smem[warp][0][lane];
    } else {
#pragma unroll
      for (int i = 0; i < kOutPerThread * C; ++i)
        if (ox + i / C < a.dw) drow[static_cast<size_t>(ox) * C + i] = static_cast<uint8_t>(out[i / 4] >> (8 * (i % 4)));
    }
  }
}

// Nearest (Box = false: pixel 2o + 1 of row 2oy + 1) or the 2x2 mean (Box = true), registers
// only. Thread idx makes outputs 8g .. 8g + 7 of row oy (g = idx % groups): source bytes
// [16Cg, 16C(g + 1)) of its row(s) as C 16-byte loads, C 8-byte stores. A row's last group, when
// the width is not a multiple of 8, goes byte by byte (2o + 1 < sw and 2oy + 1 < sh always).
template <int C, bool Box>
__global__ void __launch_bounds__(256) pick2_kernel(const PlaneArgs a, int groups) {
  constexpr int kRows = Box ? 2 : 1;
  const int idx = blockIdx.x * 256 + threadIdx.x;
  const int oy = idx / groups, g = idx - oy * groups;
  if (oy >= a.dh) return;
  const int ox = 8 * g;
  const uint8_t* rows[kRows];
#pragma unroll
  for (int m = 0; m < kRows; ++m) rows[m] = a.src + static_cast<size_t>(2 * oy + (Box ? m : 1)) * a.src_pitch;
  uint8_t* drow = a.dst + static_cast<size_t>(oy) * a.dst_pitch + static_cast<size_t>(ox) * C;
  if (ox + 8 <= a.dw) {
    uint32_t v[kRows][4 * C];
#pragma unroll
    for (int m = 0; m < kRows; ++m)
#pragma unroll
      for (int q = 0; q < C; ++q) {
        const uint4 u = __ldg(reinterpret_cast<const uint4*>(rows[m] + static_cast<size_t>(16 * C) * g) + q);
        v[m][4 * q] = u.x;
        v[m][4 * q + 1] = u.y;
        v[m][4 * q + 2] = u.z;
        v[m][4 * q + 3] = u.w;
      }
    auto byte_at = [&](int m, int b) -> uint32_t { return (v[m][b / 4] >> (8 * (b % 4))) & 0xFFu; };
    uint32_t out[2 * C];
#pragma unroll
    for (int i = 0; i < 2 * C; ++i) out[i] = 0;
#pragma unroll
    for (int b = 0; b < 8 * C; ++b) {
      const int p = b / C, c = b % C;
      uint32_t code;
      if constexpr (Box)
        code = (byte_at(0, 2 * p * C + c) + byte_at(0, (2 * p + 1) * C + c) + byte_at(1, 2 * p * C + c) +
                byte_at(1, (2 * p + 1) * C + c) + 2) >> 2;
      else
        code = byte_at(0, (2 * p + 1) * C + c);
      out[b / 4] |= code << (8 * (b % 4));
    }
#pragma unroll
    for (int q = 0; q < C; ++q) reinterpret_cast<uint2*>(drow)[q] = make_uint2(out[2 * q], out[2 * q + 1]);
  } else {
    for (int p = 0; ox + p < a.dw; ++p)
#pragma unroll
      for (int c = 0; c < C; ++c) {
        uint32_t code;
        if constexpr (Box)
          code = (__ldg(rows[0] + 2 * p * C + c + 16 * C * g) + __ldg(rows[0] + (2 * p + 1) * C + c + 16 * C * g) +
                  __ldg(rows[1] + 2 * p * C + c + 16 * C * g) + __ldg(rows[1] + (2 * p + 1) * C + c + 16 * C * g) + 2) >> 2;
        else
          code = __ldg(rows[0] + (2 * p + 1) * C + c + 16 * C * g);
        drow[p * C + c] = static_cast<uint8_t>(code);
      }
  }
}

template <int C, bool Box>
Status launch_pick2(const PlaneArgs& a, cudaStream_t stream) {
  const int groups = (a.dw + 7) / 8;
  const long long threads = static_cast<long long>(groups) * a.dh;
  pick2_kernel<C, Box><<<static_cast<unsigned>((threads + 255) / 256), 256, 0, stream>>>(a, groups);
  return check_launch("resize pick2_kernel");
}

template <int C, int K>
Status launch(const Down2Args& d, cudaStream_t stream) {
  using S = Down2Shape<C, K>;
  const int rows_per_block = S::kWarps * kRowsPerWarp<K>;
  const dim3 grid((d.a.dw + kSegment - 1) / kSegment, (d.a.dh + rows_per_block - 1) / rows_per_block);
  Down2ArgsN<kArgTaps<K>> dk;
  dk.a = d.a;
  for (int k = 0; k < kArgTaps<K>; ++k) {
    dk.wx[k] = d.wx[k];
    dk.wy[k] = d.wy[k];
  }
  down2_kernel<C, K><<<grid, S::kWarps * 32, 0, stream>>>(dk);
  return check_launch("resize down2_kernel");
}

template <int C>
Status launch_channels(const Down2Args& d, int k, bool box, cudaStream_t stream) {
  if (box) return launch_pick2<C, true>(d.a, stream);
  switch (k) {
    case 1: return launch_pick2<C, false>(d.a, stream);
    case 4: return launch<C, 4>(d, stream);
    case 6: return launch<C, 6>(d, stream);
    case 8: return launch<C, 8>(d, stream);
    default: return launch<C, 12>(d, stream);
  }
}

// The axis's common weights, or false when they are not the same for every output (they are
// whenever n_in == 2 * n_out; checked anyway at both ends and the middle).
bool common_weights(const AxisFilter& f, int offset, float* wf, double* wd) {
  double w[kMaxTaps];
  for (int o : {0, f.n_out / 2, f.n_out - 1}) {
    if (axis_weights(f, o, w) != 2 * o + offset) return false;
    for (int k = 0; k < f.taps; ++k) {
      if (o == 0) wd[k] = w[k];
      else if (w[k] != wd[k]) return false;
    }
  }
  for (int k = 0; k < kMaxTaps; ++k) wf[k] = k < f.taps ? static_cast<float>(wd[k]) : 0.0f;
  return true;
}

}  // namespace

Result<bool> launch_down2_u8(const PlaneArgs& a, int channels, const AxisFilter& fx, const AxisFilter& fy,
                             cudaStream_t stream) {
  if (a.sw != 2 * a.dw || a.sh != 2 * a.dh || fx.taps != fy.taps) return false;
  const int k = fx.taps;
  if (k != 1 && k != 2 && k != 4 && k != 6 && k != 8 && k != 12) return false;
  for (auto [ptr, pitch] : {std::pair{reinterpret_cast<uintptr_t>(a.src), a.src_pitch},
                            std::pair{reinterpret_cast<uintptr_t>(a.dst), a.dst_pitch}})
    if (ptr % 16 || pitch % 16) return false;
  const int offset = k == 1 ? 1 : 1 - k / 2;  // Down2Shape::kOffset
  Down2Args d;
  d.a = a;
  double wdx[kMaxTaps], wdy[kMaxTaps];
  if (!common_weights(fx, offset, d.wx, wdx) || !common_weights(fy, offset, d.wy, wdy)) return false;
  const bool box = k == 2 && wdx[0] == 0.5 && wdx[1] == 0.5 && wdy[0] == 0.5 && wdy[1] == 0.5;
  if (k == 2 && !box) return false;
  switch (channels) {
    case 1: CALDERA_RETURN_IF_ERROR(launch_channels<1>(d, k, box, stream)); break;
    case 2: CALDERA_RETURN_IF_ERROR(launch_channels<2>(d, k, box, stream)); break;
    case 3: CALDERA_RETURN_IF_ERROR(launch_channels<3>(d, k, box, stream)); break;
    case 4: CALDERA_RETURN_IF_ERROR(launch_channels<4>(d, k, box, stream)); break;
    default: return false;
  }
  return true;
}

}  // namespace caldera::resize_detail
