// Resize on the GPU. Exact 2x downscales of 8-bit planes go to down2.cu, exact 2x upscales to
// up2.cu; otherwise two kernels, both per plane, all channels of a pixel per thread:
//  * gather: when both axes read at most 4 taps (nearest, bilinear and bicubic without
//    antialias or on upscale, area on upscale and 2x/3x/4x downscale). One pass; each block
//    computes its 32 columns' and 64 rows' taps (in double, exactly as the
//    reference) into shared memory once per block, then reads the source straight through the
//    read-only cache. No scratch, no extra launch.
//  * fused separable: everything wider (antialiased downscale, lanczos, large area boxes).
//    Tap tables are computed on the device into the workspace by a small kernel; each block
//    filters the source rows its 32x16 output tile needs horizontally into shared memory, then
//    filters them vertically, so the horizontal result never goes through global memory. Tiles
//    whose source rows do not fit in shared memory stream them through in chunks.
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <string>
#include <type_traits>

#include "caldera/ops/resize.hpp"
#include "core/cuda_check.hpp"
#include "ops/resize/filter.hpp"
#include "ops/resize/kernels.cuh"

namespace caldera {
namespace {

using namespace resize_detail;  // AxisFilter, PlaneArgs, sample loads and stores

// ---- gather: one pass, at most 4x4 taps --------------------------------------------------------

constexpr int kGatherTaps = 4;
constexpr int kBlockX = 32, kBlockY = 8;
constexpr int kGatherRowsPerThread = 8;  // a block covers 32 x 64 outputs

// K: taps read per axis (1 nearest, 2 bilinear/area 2x, 4 up to bicubic); an axis with fewer
// taps pads with zero weights on clamped, valid indices, so the loops carry no predicates.
template <class T, int C, int K>
__global__ void __launch_bounds__(kBlockX* kBlockY) gather_kernel(PlaneArgs a, AxisFilter fx, AxisFilter fy) {
  constexpr int kTileRows = kBlockY * kGatherRowsPerThread;
  // The block's taps, computed once in double by its first 64 threads: clamped source column
  // offsets (in samples) and row indices, and float weights (0 past the axis's tap count).
  __shared__ int s_xi[kBlockX][K];
  __shared__ float s_wx[kBlockX][K];
  __shared__ int s_yi[kTileRows][K];
  __shared__ float s_wy[kTileRows][K];
  const int t = threadIdx.y * kBlockX + threadIdx.x;
  const int x0 = blockIdx.x * kBlockX, y0 = blockIdx.y * kTileRows;
  if (t < kBlockX + kTileRows) {
    const bool is_x = t < kBlockX;
    const int o = is_x ? x0 + t : y0 + (t - kBlockX);
    if (o < (is_x ? a.dw : a.dh)) {
      double w[K];
      const int start = resize_detail::axis_weights<K, false>(is_x ? fx : fy, o, w);  // lanczos never gathers
      const int taps = is_x ? fx.taps : fy.taps;
#pragma unroll
      for (int k = 0; k < K; ++k) {
        const float wk = k < taps ? static_cast<float>(w[k]) : 0.0f;
        if (is_x) {
          s_wx[t][k] = wk;
          s_xi[t][k] = clamp_index(start + k, a.sw) * C;
        } else {
          s_wy[t - kBlockX][k] = wk;
          s_yi[t - kBlockX][k] = clamp_index(start + k, a.sh);
        }
      }
    }
  }
  __syncthreads();
  const int ox = x0 + threadIdx.x;
  if (ox >= a.dw) return;  // no barriers below
  float wx[K];
  int xi[K];
#pragma unroll
  for (int k = 0; k < K; ++k) {
    wx[k] = s_wx[threadIdx.x][k];
    xi[k] = s_xi[threadIdx.x][k];
  }
  // Rows past the bottom recompute the last row and skip the store: no early exit, so the
  // unrolled rows' loads are independent and all in flight together.
  const int last_ly = a.dh - 1 - y0;
#pragma unroll
  for (int m = 0; m < kGatherRowsPerThread; ++m) {
    const int ly_store = threadIdx.y + m * kBlockY;
    const int ly = min(ly_store, last_ly);
    const int oy = y0 + ly_store;
    float acc[C];
#pragma unroll
    for (int c = 0; c < C; ++c) acc[c] = 0.0f;
#pragma unroll
    for (int j = 0; j < K; ++j) {
      {
        const T* row = reinterpret_cast<const T*>(a.src + static_cast<size_t>(s_yi[ly][j]) * a.src_pitch);
        float h[C];
#pragma unroll
        for (int c = 0; c < C; ++c) h[c] = 0.0f;
#pragma unroll
        for (int k = 0; k < K; ++k) {
#pragma unroll
          for (int c = 0; c < C; ++c) h[c] = fmaf(wx[k], load_sample(row + xi[k] + c, a.shift), h[c]);
        }
        const float wy = s_wy[ly][j];
#pragma unroll
        for (int c = 0; c < C; ++c) acc[c] = fmaf(wy, h[c], acc[c]);
      }
    }
    if (oy < a.dh) {
      T* out = reinterpret_cast<T*>(a.dst + static_cast<size_t>(oy) * a.dst_pitch) + static_cast<size_t>(ox) * C;
#pragma unroll
      for (int c = 0; c < C; ++c) store_sample(out + c, acc[c], a.max_code, a.shift);
    }
  }
}

// ---- tap tables for the fused kernel -----------------------------------------------------------

// Threads [0, fx.n_out) fill the x table, the next fy.n_out the y table. Weights are computed in
// double like the reference and normalised before rounding to float.
__global__ void weights_kernel(AxisFilter fx, int* xs, float* xw, AxisFilter fy, int* ys, float* yw) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  const bool is_x = i < fx.n_out;
  const AxisFilter f = is_x ? fx : fy;
  const int o = is_x ? i : i - fx.n_out;
  if (o >= f.n_out) return;
  int* starts = is_x ? xs : ys;
  // x weights are tap-major (a warp's 32 columns read one line per tap), y weights row-major
  // (a warp shares its row).
  float* w = is_x ? xw + o : yw + static_cast<size_t>(o) * f.taps;
  const size_t step = is_x ? static_cast<size_t>(f.n_out) : 1;
  const int start = resize_detail::first_tap(f, o);
  double sum = 0;
  for (int k = 0; k < f.taps; ++k) sum += resize_detail::raw_weight(f, o, start + k);
  const double inv = sum != 0 ? 1 / sum : 0;
  for (int k = 0; k < f.taps; ++k) w[k * step] = static_cast<float>(resize_detail::raw_weight(f, o, start + k) * inv);
  starts[o] = start;
}

// ---- fused separable: horizontal pass into shared memory, vertical pass out --------------------

constexpr int kFusedRows = 16;  // output rows per block; each thread produces two
constexpr int kFusedRowsPerThread = kFusedRows / kBlockY;
constexpr int kSharedBytes = 48 * 1024;

template <class T, int C>
__global__ void __launch_bounds__(kBlockX* kBlockY)
    fused_kernel(PlaneArgs a, const int* __restrict__ xs, const float* __restrict__ xw, int kx,
                 const int* __restrict__ ys, const float* __restrict__ yw, int ky, int chunk_rows) {
  extern __shared__ float hbuf[];  // [chunk_rows][C][32]: conflict-free for every C
  const int tx = threadIdx.x, ty = threadIdx.y;
  const int y0 = blockIdx.y * kFusedRows;
  const int ylast = min(y0 + kFusedRows, a.dh) - 1;
  const int r_begin = __ldg(ys + y0), r_end = __ldg(ys + ylast) + ky;  // source rows, unclamped
  const int ox = blockIdx.x * kBlockX + tx;
  const bool col_ok = ox < a.dw;
  const int sx0 = col_ok ? __ldg(xs + ox) : 0;
  const float* wxo = xw + (col_ok ? ox : 0);  // tap k at wxo[k * dw]

  bool row_ok[kFusedRowsPerThread];
  int sy[kFusedRowsPerThread];
  float acc[kFusedRowsPerThread][C];
#pragma unroll
  for (int m = 0; m < kFusedRowsPerThread; ++m) {
    const int oy = y0 + ty + m * kBlockY;
    row_ok[m] = col_ok && oy < a.dh;
    sy[m] = row_ok[m] ? __ldg(ys + oy) : 0;
#pragma unroll
    for (int c = 0; c < C; ++c) acc[m][c] = 0.0f;
  }

  for (int c0 = r_begin; c0 < r_end; c0 += chunk_rows) {
    const int nr = min(chunk_rows, r_end - c0);
    for (int r = ty; r < nr; r += kBlockY) {
      float h[C];
#pragma unroll
      for (int c = 0; c < C; ++c) h[c] = 0.0f;
      if (col_ok) {
        const T* row = reinterpret_cast<const T*>(a.src + static_cast<size_t>(clamp_index(c0 + r, a.sh)) * a.src_pitch);
        for (int k = 0; k < kx; ++k) {
          const float w = __ldg(wxo + static_cast<size_t>(k) * a.dw);
          const T* px = row + static_cast<size_t>(clamp_index(sx0 + k, a.sw)) * C;
#pragma unroll
          for (int c = 0; c < C; ++c) h[c] = fmaf(w, load_sample(px + c, a.shift), h[c]);
        }
      }
#pragma unroll
      for (int c = 0; c < C; ++c) hbuf[(r * C + c) * kBlockX + tx] = h[c];
    }
    __syncthreads();
#pragma unroll
    for (int m = 0; m < kFusedRowsPerThread; ++m) {
      if (!row_ok[m]) continue;
      const int oy = y0 + ty + m * kBlockY;
      const float* wy = yw + static_cast<size_t>(oy) * ky;
      const int jlo = max(0, c0 - sy[m]), jhi = min(ky, c0 + nr - sy[m]);
      for (int j = jlo; j < jhi; ++j) {
        const float w = __ldg(wy + j);
        const float* hb = hbuf + (sy[m] + j - c0) * C * kBlockX + tx;
#pragma unroll
        for (int c = 0; c < C; ++c) acc[m][c] = fmaf(w, hb[c * kBlockX], acc[m][c]);
      }
    }
    __syncthreads();
  }
#pragma unroll
  for (int m = 0; m < kFusedRowsPerThread; ++m) {
    if (!row_ok[m]) continue;
    const int oy = y0 + ty + m * kBlockY;
    T* out = reinterpret_cast<T*>(a.dst + static_cast<size_t>(oy) * a.dst_pitch) + static_cast<size_t>(ox) * C;
#pragma unroll
    for (int c = 0; c < C; ++c) store_sample(out + c, acc[m][c], a.max_code, a.shift);
  }
}

// ---- host side ---------------------------------------------------------------------------------

unsigned ceil_div(int a, int b) { return static_cast<unsigned>((a + b - 1) / b); }

template <class T>
Result<T*> take_array(Workspace& ws, size_t n) {
  auto r = ws.take(n * sizeof(T));
  if (!r) return r.status().with_context("resize_cuda: tap tables");
  return static_cast<T*>(*r);
}

template <class T, int C>
Status launch_plane(const PlaneArgs& a, const AxisFilter& fx, const AxisFilter& fy, Workspace& ws, StreamHandle stream) {
  if constexpr (std::is_same_v<T, uint8_t>) {
    CALDERA_ASSIGN_OR_RETURN(const bool down2, launch_down2_u8(a, C, fx, fy, stream));
    if (down2) return Status::ok();
    CALDERA_ASSIGN_OR_RETURN(const bool up2, launch_up2_u8(a, C, fx, fy, stream));
    if (up2) return Status::ok();
  }
  const dim3 block(kBlockX, kBlockY);
  const int k = std::max(fx.taps, fy.taps);
  if (k <= kGatherTaps) {
    const dim3 grid(ceil_div(a.dw, kBlockX), ceil_div(a.dh, kBlockY * kGatherRowsPerThread));
    // 8-bit planes get tap-count variants (the hot formats); others share the 4-tap kernel.
    if (sizeof(T) == 1 && k == 1) gather_kernel<T, C, sizeof(T) == 1 ? 1 : 4><<<grid, block, 0, stream>>>(a, fx, fy);
    else if (sizeof(T) == 1 && k == 2) gather_kernel<T, C, sizeof(T) == 1 ? 2 : 4><<<grid, block, 0, stream>>>(a, fx, fy);
    else gather_kernel<T, C, kGatherTaps><<<grid, block, 0, stream>>>(a, fx, fy);
    return check_launch("resize gather_kernel");
  }
  CALDERA_ASSIGN_OR_RETURN(int* xs, take_array<int>(ws, a.dw));
  CALDERA_ASSIGN_OR_RETURN(float* xw, take_array<float>(ws, static_cast<size_t>(a.dw) * fx.taps));
  CALDERA_ASSIGN_OR_RETURN(int* ys, take_array<int>(ws, a.dh));
  CALDERA_ASSIGN_OR_RETURN(float* yw, take_array<float>(ws, static_cast<size_t>(a.dh) * fy.taps));
  const int n = a.dw + a.dh;
  weights_kernel<<<ceil_div(n, 256), 256, 0, stream>>>(fx, xs, xw, fy, ys, yw);
  CALDERA_RETURN_IF_ERROR(check_launch("resize weights_kernel"));
  const int cap_rows = kSharedBytes / (C * kBlockX * static_cast<int>(sizeof(float)));
  const double span = std::ceil((kFusedRows - 1) * fy.scale) + fy.taps + 1;
  const int chunk_rows = static_cast<int>(std::min<double>(span, cap_rows));
  const size_t smem = static_cast<size_t>(chunk_rows) * C * kBlockX * sizeof(float);
  const dim3 grid(ceil_div(a.dw, kBlockX), ceil_div(a.dh, kFusedRows));
  fused_kernel<T, C><<<grid, block, smem, stream>>>(a, xs, xw, fx.taps, ys, yw, fy.taps, chunk_rows);
  return check_launch("resize fused_kernel");
}

Status launch_plane_typed(SampleType s, int channels, const PlaneArgs& a, const AxisFilter& fx, const AxisFilter& fy,
                          Workspace& ws, StreamHandle stream) {
  switch (s) {
    case SampleType::U8:
      switch (channels) {
        case 1: return launch_plane<uint8_t, 1>(a, fx, fy, ws, stream);
        case 2: return launch_plane<uint8_t, 2>(a, fx, fy, ws, stream);
        case 3: return launch_plane<uint8_t, 3>(a, fx, fy, ws, stream);
        case 4: return launch_plane<uint8_t, 4>(a, fx, fy, ws, stream);
      }
      break;
    case SampleType::U16:
      switch (channels) {
        case 1: return launch_plane<uint16_t, 1>(a, fx, fy, ws, stream);
        case 2: return launch_plane<uint16_t, 2>(a, fx, fy, ws, stream);
        case 3: return launch_plane<uint16_t, 3>(a, fx, fy, ws, stream);
      }
      break;
    case SampleType::F16:
      if (channels == 1) return launch_plane<__half, 1>(a, fx, fy, ws, stream);
      break;
    case SampleType::F32:
      if (channels == 1) return launch_plane<float, 1>(a, fx, fy, ws, stream);
      break;
  }
  return internal_error("resize_cuda: no kernel for a plane of " + std::to_string(channels) + " channels of this sample type");
}

}  // namespace

Status resize_cuda(ConstImageView src, ImageView dst, const ResizeParams& params, Workspace ws, StreamHandle stream) {
  CALDERA_RETURN_IF_ERROR(check_resize(src.desc(), dst.desc(), params));
  if (src.empty() || dst.empty()) return invalid_argument("resize_cuda: src or dst view is empty");
  if (!src.on_device() || !dst.on_device())
    return invalid_argument(std::string("resize_cuda: needs device images, src is in ") + memory_kind_name(src.memory()) +
                            " memory and dst in " + memory_kind_name(dst.memory()));
  const PixelFormat fmt = src.format();
  const FormatInfo& fi = format_info(fmt);
  for (int p = 0; p < fi.num_planes; ++p) {
    const size_t align = static_cast<size_t>(fi.planes[p].bytes_per_sample);
    for (auto [ptr, pitch] : {std::pair{reinterpret_cast<uintptr_t>(src.plane(p).data), src.plane(p).pitch},
                              std::pair{reinterpret_cast<uintptr_t>(dst.plane(p).data), dst.plane(p).pitch}})
      if (ptr % align || pitch % align)
        return invalid_argument("resize_cuda: plane " + std::to_string(p) + " data or pitch is not aligned to its " +
                                std::to_string(align) + "-byte samples");
  }
  for (int p = 0; p < fi.num_planes; ++p) {
    PlaneArgs a;
    a.src = src.plane(p).data;
    a.src_pitch = src.plane(p).pitch;
    a.sw = plane_width(fmt, p, src.width());
    a.sh = plane_height(fmt, p, src.height());
    a.dst = dst.plane(p).data;
    a.dst_pitch = dst.plane(p).pitch;
    a.dw = plane_width(fmt, p, dst.width());
    a.dh = plane_height(fmt, p, dst.height());
    a.shift = fi.msb_shift;
    a.max_code = static_cast<float>(max_code(fmt));
    const AxisFilter fx = resize_detail::make_axis(a.sw, a.dw, params.interp, params.antialias, params.cubic_a);
    const AxisFilter fy = resize_detail::make_axis(a.sh, a.dh, params.interp, params.antialias, params.cubic_a);
    CALDERA_RETURN_IF_ERROR(launch_plane_typed(fi.sample, fi.planes[p].channels, a, fx, fy, ws, stream));
  }
  return Status::ok();
}

}  // namespace caldera
