// Blur on the GPU, one launch per filtered plane (unfiltered planes are copied):
//  * fast 8-bit kernels (fast8.cu) for planes of 1 to 4 interleaved channels with small kernels:
//    the 4K benchmarks.
//  * a generic fused separable kernel for everything else: each block filters a tile of 128
//    samples x 16 rows. Its threads first run the vertical pass for the tile's columns and the
//    horizontal halo into shared memory (V8 or column sums for 8-bit samples, floats otherwise),
//    then the horizontal pass from there, so nothing goes through global memory in between.
// 8-bit arithmetic is the reference's integer arithmetic, so results are identical; 16-bit and
// float samples are filtered in float.
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <string>

#include "core/cuda_check.hpp"
#include "ops/blur/blur_cuda.cuh"
#include "ops/blur/blur_internal.hpp"
#include "ops/blur/border.hpp"

namespace caldera::blur_detail {
namespace {

using filter_detail::border_index;

constexpr int kTileSamples = 128;  // samples per tile row = threads per block
constexpr int kTileRows = 16;

__device__ __forceinline__ int floor_div(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

__device__ __forceinline__ float load_f(const uint8_t* row, int i, int sample_type, int shift) {
  switch (sample_type) {
    case 1: return static_cast<float>(__ldg(reinterpret_cast<const uint16_t*>(row) + i) >> shift);
    case 2: return __half2float(__ldg(reinterpret_cast<const __half*>(row) + i));
    default: return __ldg(reinterpret_cast<const float*>(row) + i);
  }
}

__device__ __forceinline__ void store_f(uint8_t* row, int i, float v, int sample_type, int shift, float max_code) {
  switch (sample_type) {
    case 1: {
      const float t = fminf(fmaxf(floorf(v + 0.5f), 0.0f), max_code);  // NaN -> 0 via fmaxf
      reinterpret_cast<uint16_t*>(row)[i] = static_cast<uint16_t>(static_cast<unsigned>(t) << shift);
      break;
    }
    case 2: reinterpret_cast<__half*>(row)[i] = __float2half_rn(v); break;
    default: reinterpret_cast<float*>(row)[i] = v; break;
  }
}

// The tile's source rows (border-mapped; -1 for Constant outside), computed once per block.
__device__ void tile_rows(const SepArgs& a, int y0, int* rows) {
  for (int r = threadIdx.x; r < kTileRows + a.ky - 1; r += blockDim.x)
    rows[r] = border_index(y0 + r - a.ay, a.h, static_cast<FilterBorder>(a.border));
}

// U8: integer path; otherwise float path with `sample_type` 1 (u16), 2 (f16), 3 (f32).
template <bool U8>
__global__ void __launch_bounds__(kTileSamples) generic_kernel(const SepArgs a, int sample_type) {
  extern __shared__ uint32_t smem[];
  __shared__ int rows[kTileRows + 2 * kMaxRadius];
  const int halo = (a.kx - 1) * a.ch;
  const int width = kTileSamples + halo;  // vbuf row length
  uint32_t* vbuf = smem;                   // [kTileRows][width], floats in the float path
  const int s0 = blockIdx.x * kTileSamples, y0 = blockIdx.y * kTileRows;
  const int n = a.w * a.ch;
  const int nrows = min(kTileRows, a.h - y0);
  tile_rows(a, y0, rows);
  __syncthreads();
  const FilterBorder border = static_cast<FilterBorder>(a.border);

  // Vertical pass over the tile's columns and halo.
  for (int i = threadIdx.x; i < width; i += blockDim.x) {
    const int s = s0 - a.ax * a.ch + i;  // sample column
    const int x = floor_div(s, a.ch);
    const int bx = border_index(x, a.w, border);
    const int sidx = bx * a.ch + (s - x * a.ch);
    for (int r = 0; r < nrows; ++r) {
      if (U8) {
        uint32_t acc;
        if (bx < 0) {
          acc = a.op == static_cast<int>(Op::Box) ? a.ky * a.cv_u8 : a.cv_u8 << 8;
        } else {
          acc = 0;
          for (int j = 0; j < a.ky; ++j) {
            const int sy = rows[r + j];
            const uint32_t px = sy < 0 ? a.cv_u8 : __ldg(a.src + static_cast<size_t>(sy) * a.src_pitch + sidx);
            acc += (a.op == static_cast<int>(Op::Box) ? 1u : a.wy_q16[j]) * px;
          }
          if (a.op != static_cast<int>(Op::Box)) acc = (acc + 128) >> 8;
        }
        vbuf[r * width + i] = acc;
      } else {
        float acc = 0;
        if (bx < 0) {
          acc = a.cv_f;  // the weights sum to 1
        } else {
          for (int j = 0; j < a.ky; ++j) {
            const int sy = rows[r + j];
            const float px = sy < 0 ? a.cv_f : load_f(a.src + static_cast<size_t>(sy) * a.src_pitch, sidx, sample_type, a.shift);
            acc = fmaf(a.wy_f[j], px, acc);
          }
        }
        reinterpret_cast<float*>(vbuf)[r * width + i] = acc;
      }
    }
  }
  __syncthreads();

  // Horizontal pass and epilogue: thread t makes sample s0 + t of every tile row.
  const int t = threadIdx.x;
  const int s = s0 + t;
  if (s >= n) return;  // no barrier below
  const uint32_t n_box = static_cast<uint32_t>(a.kx * a.ky);
  for (int r = 0; r < nrows; ++r) {
    const int y = y0 + r;
    uint8_t* out = a.dst + static_cast<size_t>(y) * a.dst_pitch;
    if (U8) {
      const uint32_t* vr = vbuf + r * width + t;
      uint32_t acc = 0;
      for (int i = 0; i < a.kx; ++i) acc += (a.op == static_cast<int>(Op::Box) ? 1u : a.wx_q16[i]) * vr[i * a.ch];
      uint8_t o;
      if (a.op == static_cast<int>(Op::Gaussian)) {
        o = static_cast<uint8_t>((acc + (1u << 23)) >> 24);
      } else if (a.op == static_cast<int>(Op::Box)) {
        o = static_cast<uint8_t>((2 * acc + n_box) / (2 * n_box));
      } else {
        const int in = __ldg(a.src + static_cast<size_t>(y) * a.src_pitch + s);
        const int blur8 = static_cast<int>((acc + (1u << 15)) >> 16);
        const int d = 256 * in - blur8;
        o = abs(d) < a.threshold_q8 ? static_cast<uint8_t>(in)
                                    : static_cast<uint8_t>(min(max((65536 * in + a.amount_q8 * d + 32768) >> 16, 0), 255));
      }
      out[s] = o;
    } else {
      const float* vr = reinterpret_cast<const float*>(vbuf) + r * width + t;
      float acc = 0;
      for (int i = 0; i < a.kx; ++i) acc = fmaf(a.wx_f[i], vr[i * a.ch], acc);
      store_f(out, s, acc, sample_type, a.shift, a.max_code);
    }
  }
}

}  // namespace

size_t generic_shared_bytes(int kx, int ch) {
  return static_cast<size_t>(kTileRows) * (kTileSamples + (kx - 1) * ch) * sizeof(uint32_t);
}

Status launch_generic(const SepArgs& a, SampleType sample, cudaStream_t stream) {
  const dim3 grid((a.w * a.ch + kTileSamples - 1) / kTileSamples, (a.h + kTileRows - 1) / kTileRows);
  const size_t shared = generic_shared_bytes(a.kx, a.ch);
  if (shared > 48 * 1024)
    return internal_error("blur: tile of " + std::to_string(shared) + " bytes exceeds shared memory");
  if (sample == SampleType::U8) {
    generic_kernel<true><<<grid, kTileSamples, shared, stream>>>(a, 0);
  } else {
    const int st = sample == SampleType::U16 ? 1 : sample == SampleType::F16 ? 2 : 3;
    generic_kernel<false><<<grid, kTileSamples, shared, stream>>>(a, st);
  }
  return check_launch("blur generic_kernel");
}

Status blur_cuda(ConstImageView src, ImageView dst, const Plan& plan, StreamHandle stream) {
  const PixelFormat f = src.format();
  const FormatInfo& fi = format_info(f);
  for (int p = 0; p < fi.num_planes; ++p) {
    const int bps = fi.planes[p].bytes_per_sample;
    for (auto [ptr, pitch] : {std::pair{reinterpret_cast<uintptr_t>(src.plane(p).data), src.plane(p).pitch},
                              std::pair{reinterpret_cast<uintptr_t>(dst.plane(p).data), dst.plane(p).pitch}})
      if (ptr % bps || pitch % bps)
        return invalid_argument("blur: plane " + std::to_string(p) + " data or pitch is not aligned to its " +
                                std::to_string(bps) + "-byte samples");
  }
  for (int p = 0; p < fi.num_planes; ++p) {
    const int w = plane_width(f, p, src.width()), h = plane_height(f, p, src.height());
    const int ch = fi.planes[p].channels;
    if (!filters_plane(plan, f, p)) {
      CALDERA_CUDA_TRY(cudaMemcpy2DAsync(dst.plane(p).data, dst.plane(p).pitch, src.plane(p).data, src.plane(p).pitch,
                                         static_cast<size_t>(w) * ch * fi.planes[p].bytes_per_sample, h,
                                         cudaMemcpyDeviceToDevice, stream));
      continue;
    }
    SepArgs a = make_sep_args(plan, src.plane(p).data, src.plane(p).pitch, dst.plane(p).data, dst.plane(p).pitch, w,
                              h, ch, fi.msb_shift, static_cast<float>(max_code(f)));
    CALDERA_ASSIGN_OR_RETURN(bool done, fi.sample == SampleType::U8 ? launch_fast8(a, stream) : Result<bool>(false));
    if (!done) CALDERA_RETURN_IF_ERROR(launch_generic(a, fi.sample, stream));
  }
  return Status::ok();
}

}  // namespace caldera::blur_detail
