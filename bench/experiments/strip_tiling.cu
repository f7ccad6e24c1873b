// Standalone experiment (not part of the CMake build): the strip tilings of the 8-bit 3x3 filters
// (binomial Gaussian, Sobel dx saturated; replicate border) at 4K gray8, 8 or 16 columns per lane,
// 1..8 rows per thread, plain, persistent and one-wave grids, timed against copies of the same
// frame, every variant checked against a CPU reference over the whole frame first. On the GPU
// machine:
//   nvcc -O3 -std=c++20 -arch=sm_90 -o /tmp/strip_tiling bench/experiments/strip_tiling.cu && /tmp/strip_tiling [w h]
// It guided fast8.cu (2 rows per thread for 3x3) and gradient/cuda.cu (packed_sobel3_kernel).
// H200, 2026-12-04: 2 rows per thread, 8 columns per lane fastest for both operators (Gaussian
// 9.9-10.0 us, Sobel dx 10.6-10.8); the one-wave grids 11.5-20.9 us, the persistent ones 11.8-14.1.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#define CK(x)                                                                          \
  do {                                                                                 \
    cudaError_t e_ = (x);                                                              \
    if (e_ != cudaSuccess) {                                                           \
      std::printf("CUDA error %s at %s:%d\n", cudaGetErrorString(e_), __FILE__, __LINE__); \
      std::exit(1);                                                                    \
    }                                                                                  \
  } while (0)

struct Args {
  const uint8_t* src;
  uint8_t* dst;
  int w, h, pitch;
};

constexpr int kWarpRows = 8;

__device__ __forceinline__ int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

// NC = 8 (uint2) or 16 (uint4) columns per lane; words as 32-bit registers.
template <int NC>
struct Word;
template <>
struct Word<8> {
  using T = uint2;
  static __device__ __forceinline__ void split(T v, uint32_t* r) { r[0] = v.x, r[1] = v.y; }
  static __device__ __forceinline__ T join(const uint32_t* r) { return make_uint2(r[0], r[1]); }
};
template <>
struct Word<16> {
  using T = uint4;
  static __device__ __forceinline__ void split(T v, uint32_t* r) { r[0] = v.x, r[1] = v.y, r[2] = v.z, r[3] = v.w; }
  static __device__ __forceinline__ T join(const uint32_t* r) { return make_uint4(r[0], r[1], r[2], r[3]); }
};

template <int NC>
__device__ __forceinline__ void load_row(const Args& a, int sy, int c0, uint32_t* r) {
  constexpr int NW = NC / 4;
  sy = clampi(sy, 0, a.h - 1);
  const uint8_t* row = a.src + static_cast<size_t>(sy) * a.pitch;
  if (c0 >= 0 && c0 + NC - 1 < a.w) {
    Word<NC>::split(__ldg(reinterpret_cast<const typename Word<NC>::T*>(row + c0)), r);
  } else {
#pragma unroll
    for (int i = 0; i < NW; ++i) r[i] = 0;
#pragma unroll
    for (int q = 0; q < NC; ++q) r[q / 4] |= static_cast<uint32_t>(__ldg(row + clampi(c0 + q, 0, a.w - 1))) << (8 * (q & 3));
  }
}

template <int NC>
__device__ __forceinline__ void store_row(const Args& a, int y, int c0, const uint32_t* r) {
  uint8_t* row = a.dst + static_cast<size_t>(y) * a.pitch;
  if (c0 + NC - 1 < a.w) {
    *reinterpret_cast<typename Word<NC>::T*>(row + c0) = Word<NC>::join(r);
  } else {
#pragma unroll
    for (int q = 0; q < NC; ++q)
      if (c0 + q < a.w) row[c0 + q] = static_cast<uint8_t>(r[q / 4] >> (8 * (q & 3)));
  }
}

// OP 0: Gaussian 3x3 binomial; OP 1: Sobel dx saturated.
// Rows y0 .. y0 + cnt - 1 (cnt <= KR) of strip bx.
template <int NC, int KR, int OP>
__device__ __forceinline__ void rows_tile(const Args& a, int bx, int y0, int cnt) {
  constexpr int NW = NC / 4;
  constexpr int kLoads = KR + 2;
  const int lane = threadIdx.x;
  const int c0 = bx * (30 * NC) - NC + NC * lane;
  const bool writes = lane != 0 && lane != 31 && c0 < a.w;
  uint32_t ev[kLoads][NW], od[kLoads][NW];
#pragma unroll
  for (int i = 0; i < kLoads; ++i) {
    uint32_t r[NW];
    if (i < cnt + 2) load_row<NC>(a, y0 - 1 + i, c0, r);
    else for (int j = 0; j < NW; ++j) r[j] = 0;
#pragma unroll
    for (int j = 0; j < NW; ++j) {
      ev[i][j] = r[j] & 0x00FF00FFu;
      od[i][j] = (r[j] >> 8) & 0x00FF00FFu;
    }
  }
#pragma unroll
  for (int k = 0; k < KR; ++k) {
    const int y = y0 + k;
    if (k >= cnt || y >= a.h) break;
    uint32_t ve[NW], vo[NW];
#pragma unroll
    for (int j = 0; j < NW; ++j) {
      ve[j] = ev[k][j] + ev[k + 2][j] + (ev[k + 1][j] << 1);
      vo[j] = od[k][j] + od[k + 2][j] + (od[k + 1][j] << 1);
    }
    const uint32_t left = __shfl_up_sync(0xFFFFFFFFu, vo[NW - 1], 1);   // high half: V[-1]
    const uint32_t right = __shfl_down_sync(0xFFFFFFFFu, ve[0], 1);     // low half: V[NC]
    if (!writes) continue;
    uint32_t out[NW];
#pragma unroll
    for (int j = 0; j < NW; ++j) {
      // even (4j, 4j+2): left (4j-1, 4j+1), right (4j+1, 4j+3) = vo[j]
      const uint32_t el = __byte_perm(j == 0 ? left : vo[j - 1], vo[j], 0x5432);
      // odd (4j+1, 4j+3): left ve[j], right (4j+2, 4j+4)
      const uint32_t orr = __byte_perm(ve[j], j == NW - 1 ? right : ve[j + 1], 0x5432);
      uint32_t e, o;
      if (OP == 0) {
        e = el + vo[j] + (ve[j] << 1) + 0x00080008u;
        o = ve[j] + orr + (vo[j] << 1) + 0x00080008u;
        out[j] = ((e >> 4) & 0x00FF00FFu) | ((o << 4) & 0xFF00FF00u);
      } else {
        e = __vminu2(__vsubus2(vo[j], el), 0x00FF00FFu);
        o = __vminu2(__vsubus2(orr, ve[j]), 0x00FF00FFu);
        out[j] = e | (o << 8);
      }
    }
    store_row<NC>(a, y, c0, out);
  }
}

// One tile: a warp row of 30 * NC output columns, KR rows per thread, 8 warps stacked.
template <int NC, int KR, int OP>
__device__ __forceinline__ void tile(const Args& a, int bx, int by) {
  const int y0 = (by * kWarpRows + threadIdx.y) * KR;
  if (y0 < a.h) rows_tile<NC, KR, OP>(a, bx, y0, KR);
}

// One wave: exactly as many blocks as fit the GPU at once; warp g takes strip g % strips and the
// (g / strips)-th of `ranges` equal row ranges (at most KR rows each), so no block waits for a
// second round and every warp has the same work to within a row.
template <int NC, int KR, int OP>
__global__ void __launch_bounds__(256) wave_kernel(const Args a, int strips, int ranges) {
  const int g = blockIdx.x * kWarpRows + threadIdx.y;
  const int strip = g % strips, range = g / strips;
  if (range >= ranges) return;
  const int y0 = static_cast<int>(static_cast<long>(range) * a.h / ranges);
  const int y1 = static_cast<int>(static_cast<long>(range + 1) * a.h / ranges);
  rows_tile<NC, KR, OP>(a, strip, y0, y1 - y0);
}

template <int NC, int KR, int OP>
__global__ void __launch_bounds__(256) grid_kernel(const Args a) {
  tile<NC, KR, OP>(a, blockIdx.x, blockIdx.y);
}

template <int NC, int KR, int OP>
__global__ void __launch_bounds__(256) persistent_kernel(const Args a, int tiles_x, int tiles) {
  for (int t = blockIdx.x; t < tiles; t += gridDim.x) tile<NC, KR, OP>(a, t % tiles_x, t / tiles_x);
}

// The current Sobel design: one row per thread, 8 columns per lane, int arithmetic.
__global__ void __launch_bounds__(256) sobel_row_kernel(const Args a) {
  const int lane = threadIdx.x;
  const int y = blockIdx.y * kWarpRows + threadIdx.y;
  if (y >= a.h) return;
  const int c0 = blockIdx.x * 240 - 8 + 8 * lane;
  int v[8] = {};
#pragma unroll
  for (int o = -1; o <= 1; ++o) {
    uint32_t r[2];
    load_row<8>(a, y + o, c0, r);
#pragma unroll
    for (int q = 0; q < 8; ++q) v[q] += (o == 0 ? 2 : 1) * static_cast<int>((r[q / 4] >> (8 * (q & 3))) & 0xFF);
  }
  const int l = __shfl_up_sync(0xFFFFFFFFu, v[7], 1);
  const int rr = __shfl_down_sync(0xFFFFFFFFu, v[0], 1);
  if (lane == 0 || lane == 31 || c0 >= a.w) return;
  uint32_t out[2] = {0, 0};
#pragma unroll
  for (int q = 0; q < 8; ++q) {
    const int d = (q == 7 ? rr : v[q + 1]) - (q == 0 ? l : v[q - 1]);
    out[q / 4] |= static_cast<uint32_t>(min(max(d, 0), 255)) << (8 * (q & 3));
  }
  store_row<8>(a, y, c0, out);
}

__global__ void copy8_kernel(const uint2* s, uint2* d, size_t n) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i < n) d[i] = __ldg(s + i);
}
__global__ void copy16_kernel(const uint4* s, uint4* d, size_t n) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i < n) d[i] = __ldg(s + i);
}

static void reference(const std::vector<uint8_t>& s, std::vector<uint8_t>& d, int w, int h, int op) {
  auto P = [&](int x, int y) { return static_cast<int>(s[static_cast<size_t>(std::clamp(y, 0, h - 1)) * w + std::clamp(x, 0, w - 1)]); };
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      auto V = [&](int xx) { return P(xx, y - 1) + 2 * P(xx, y) + P(xx, y + 1); };
      int o;
      if (op == 0) o = (V(x - 1) + 2 * V(x) + V(x + 1) + 8) >> 4;
      else o = std::clamp(V(x + 1) - V(x - 1), 0, 255);
      d[static_cast<size_t>(y) * w + x] = static_cast<uint8_t>(o);
    }
}

struct Bufs {
  std::vector<uint8_t*> src, dst;
  int w, h;
};

template <class F>
static double time_us(const Bufs& b, F launch) {
  cudaEvent_t e0, e1;
  CK(cudaEventCreate(&e0));
  CK(cudaEventCreate(&e1));
  const int n = static_cast<int>(b.src.size());
  for (int i = 0; i < 2 * n; ++i) launch(i % n);
  CK(cudaGetLastError());
  std::vector<double> per;
  int k = 0;
  for (int batch = 0; batch < 25; ++batch) {
    CK(cudaEventRecord(e0));
    for (int i = 0; i < 10; ++i) launch(k++ % n);
    CK(cudaEventRecord(e1));
    CK(cudaEventSynchronize(e1));
    float ms = 0;
    CK(cudaEventElapsedTime(&ms, e0, e1));
    per.push_back(ms * 100.0);  // us per call
  }
  CK(cudaGetLastError());
  std::sort(per.begin(), per.end());
  CK(cudaEventDestroy(e0));
  CK(cudaEventDestroy(e1));
  return per[per.size() / 2];
}

static bool check(const Bufs& b, const std::vector<uint8_t>& want, const char* name) {
  std::vector<uint8_t> got(want.size());
  CK(cudaDeviceSynchronize());
  CK(cudaMemcpy(got.data(), b.dst[0], got.size(), cudaMemcpyDeviceToHost));
  size_t bad = 0, first = 0;
  for (size_t i = 0; i < got.size(); ++i)
    if (got[i] != want[i] && bad++ == 0) first = i;
  if (bad) std::printf("%-34s MISMATCH %zu pixels, first at (%zu, %zu): %d vs %d\n", name, bad, first % b.w, first / b.w, got[first], want[first]);
  CK(cudaMemset(b.dst[0], 0, got.size()));
  return bad == 0;
}

// One variant: checked against the reference, then timed; blocks and blocks per SM printed with it.
template <class Launch>
static void report(const Bufs& b, const std::vector<uint8_t>& want, double copy_us, const char* name, Launch launch,
                   long blocks, int per_sm) {
  launch(0);
  CK(cudaGetLastError());
  if (!check(b, want, name)) return;
  const double us = time_us(b, launch);
  std::printf("%-34s %7.2f us  %5.2fx copy  blocks %5ld  %d/SM\n", name, us, us / copy_us, blocks, per_sm);
}

template <int NC, int KR, int OP, bool kPersistent>
static void run_tiling(const Bufs& b, const std::vector<uint8_t>& want, double copy_us, const char* opname, int sms) {
  const int tx = (b.w + 30 * NC - 1) / (30 * NC), ty = (b.h + kWarpRows * KR - 1) / (kWarpRows * KR);
  const dim3 block(32, kWarpRows);
  char name[96];
  std::snprintf(name, sizeof name, "%s %s cols/lane %d rows %d", opname, kPersistent ? "persist" : "grid", NC, KR);
  int occ = 0;
  if (kPersistent) {
    CK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&occ, persistent_kernel<NC, KR, OP>, 256, 0));
    const int blocks = std::min(tx * ty, occ * sms);
    report(b, want, copy_us, name, [&](int i) {
      persistent_kernel<NC, KR, OP><<<blocks, block>>>(Args{b.src[i], b.dst[i], b.w, b.h, b.w}, tx, tx * ty);
    }, blocks, occ);
  } else {
    CK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&occ, grid_kernel<NC, KR, OP>, 256, 0));
    report(b, want, copy_us, name, [&](int i) {
      grid_kernel<NC, KR, OP><<<dim3(tx, ty), block>>>(Args{b.src[i], b.dst[i], b.w, b.h, b.w});
    }, static_cast<long>(tx) * ty, occ);
  }
}

// The one-wave grid: blocks = occupancy x SMs, the rows of each strip split evenly between the
// warps (more blocks only if a range would need more than KR rows).
template <int NC, int KR, int OP>
static void run_wave(const Bufs& b, const std::vector<uint8_t>& want, double copy_us, const char* opname, int sms) {
  const int strips = (b.w + 30 * NC - 1) / (30 * NC);
  int occ = 0;
  CK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&occ, wave_kernel<NC, KR, OP>, 256, 0));
  int ranges = occ * sms * kWarpRows / strips;
  if ((b.h + ranges - 1) / ranges > KR) ranges = (b.h + KR - 1) / KR;
  const int blocks = (ranges * strips + kWarpRows - 1) / kWarpRows;
  char name[96];
  std::snprintf(name, sizeof name, "%s wave cols/lane %d rows<=%d", opname, NC, KR);
  report(b, want, copy_us, name, [&](int i) {
    wave_kernel<NC, KR, OP><<<blocks, dim3(32, kWarpRows)>>>(Args{b.src[i], b.dst[i], b.w, b.h, b.w}, strips, ranges);
  }, blocks, occ);
}

// Every tiling of one operator: 8 or 16 columns per lane, 1..8 rows per thread, plain grids, and
// three persistent grids.
template <int OP>
static void run_tilings(const Bufs& b, const std::vector<uint8_t>& want, double copy_us, const char* opname, int sms) {
  run_tiling<8, 1, OP, false>(b, want, copy_us, opname, sms);
  run_tiling<8, 2, OP, false>(b, want, copy_us, opname, sms);
  run_tiling<8, 4, OP, false>(b, want, copy_us, opname, sms);
  run_tiling<8, 8, OP, false>(b, want, copy_us, opname, sms);
  run_tiling<16, 1, OP, false>(b, want, copy_us, opname, sms);
  run_tiling<16, 2, OP, false>(b, want, copy_us, opname, sms);
  run_tiling<16, 4, OP, false>(b, want, copy_us, opname, sms);
  run_tiling<16, 8, OP, false>(b, want, copy_us, opname, sms);
  run_tiling<8, 4, OP, true>(b, want, copy_us, opname, sms);
  run_tiling<16, 2, OP, true>(b, want, copy_us, opname, sms);
  run_tiling<16, 4, OP, true>(b, want, copy_us, opname, sms);
  run_wave<8, 3, OP>(b, want, copy_us, opname, sms);
  run_wave<8, 4, OP>(b, want, copy_us, opname, sms);
  run_wave<8, 5, OP>(b, want, copy_us, opname, sms);
  run_wave<8, 6, OP>(b, want, copy_us, opname, sms);
  run_wave<8, 8, OP>(b, want, copy_us, opname, sms);
  run_wave<16, 3, OP>(b, want, copy_us, opname, sms);
  run_wave<16, 4, OP>(b, want, copy_us, opname, sms);
  run_wave<16, 6, OP>(b, want, copy_us, opname, sms);
}

int main(int argc, char** argv) {
  const int w = argc > 1 ? std::atoi(argv[1]) : 3840, h = argc > 2 ? std::atoi(argv[2]) : 2160;
  cudaDeviceProp prop{};
  CK(cudaGetDeviceProperties(&prop, 0));
  const size_t bytes = static_cast<size_t>(w) * h;
  const int n = static_cast<int>(std::max<size_t>(4, (3 * static_cast<size_t>(prop.l2CacheSize)) / (2 * bytes) + 1));
  std::printf("%s, %d SMs, L2 %d MB, %dx%d gray8, %d rotating src/dst pairs\n", prop.name, prop.multiProcessorCount, prop.l2CacheSize >> 20, w, h, n);
  Bufs b{{}, {}, w, h};
  std::vector<uint8_t> host(bytes);
  std::mt19937 rng(7);
  for (int i = 0; i < n; ++i) {
    for (auto& v : host) v = static_cast<uint8_t>(rng());
    uint8_t *s, *d;
    CK(cudaMalloc(&s, bytes));
    CK(cudaMalloc(&d, bytes));
    CK(cudaMemcpy(s, host.data(), bytes, cudaMemcpyHostToDevice));
    CK(cudaMemset(d, 0, bytes));
    b.src.push_back(s), b.dst.push_back(d);
  }
  std::vector<uint8_t> s0(bytes), gauss(bytes), sobel(bytes);
  CK(cudaMemcpy(s0.data(), b.src[0], bytes, cudaMemcpyDeviceToHost));
  reference(s0, gauss, w, h, 0);
  reference(s0, sobel, w, h, 1);

  const double memcpy_us = time_us(b, [&](int i) { CK(cudaMemcpyAsync(b.dst[i], b.src[i], bytes, cudaMemcpyDeviceToDevice)); });
  const double c8 = time_us(b, [&](int i) { copy8_kernel<<<(bytes / 8 + 255) / 256, 256>>>(reinterpret_cast<const uint2*>(b.src[i]), reinterpret_cast<uint2*>(b.dst[i]), bytes / 8); });
  const double c16 = time_us(b, [&](int i) { copy16_kernel<<<(bytes / 16 + 255) / 256, 256>>>(reinterpret_cast<const uint4*>(b.src[i]), reinterpret_cast<uint4*>(b.dst[i]), bytes / 16); });
  // Large copy for the asymptotic bandwidth: all buffers' worth at once.
  uint8_t *bs, *bd;
  const size_t big = bytes * 32;
  CK(cudaMalloc(&bs, big));
  CK(cudaMalloc(&bd, big));
  CK(cudaMemset(bs, 1, big));
  Bufs one{{bs}, {bd}, w, h};
  const double big_us = time_us(one, [&](int) { CK(cudaMemcpyAsync(bd, bs, big, cudaMemcpyDeviceToDevice)); });
  const double bw = 2.0 * big / big_us / 1e3;  // GB/s
  std::printf("asymptotic copy %.0f GB/s (%.0f MB); 4K frame floor at that rate %.2f us\n", bw, big / 1e6, 2.0 * bytes / bw / 1e3);
  std::printf("%-34s %7.2f us\n%-34s %7.2f us\n%-34s %7.2f us\n", "cudaMemcpyAsync frame", memcpy_us, "copy kernel 8 B/thread", c8, "copy kernel 16 B/thread", c16);
  const double cu = std::min({memcpy_us, c8, c16});
  const int sms = prop.multiProcessorCount;

  run_tilings<0>(b, gauss, cu, "gauss", sms);
  const dim3 block(32, kWarpRows), grid((w + 239) / 240, (h + kWarpRows - 1) / kWarpRows);
  int row_occ = 0;
  CK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&row_occ, sobel_row_kernel, 256, 0));
  report(b, sobel, cu, "sobel row-per-thread int",
         [&](int i) { sobel_row_kernel<<<grid, block>>>(Args{b.src[i], b.dst[i], w, h, w}); },
         static_cast<long>(grid.x) * grid.y, row_occ);
  run_tilings<1>(b, sobel, cu, "sobel", sms);
  return 0;
}
