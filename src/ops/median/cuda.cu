// Median on the GPU, one launch per filtered plane (unfiltered planes are copied). A block
// (32 x 8 threads) makes a tile of 32 samples x 32 rows: it loads the tile and its halo
// (border-mapped per pixel, so interleaved channels stay apart) into shared memory, then each
// thread takes four rows of one sample column: the window's samples of its channel go to
// registers and median_select.hpp's networks pick the median (exact, like the reference's sort).
#include <cuda_runtime.h>

#include <string>

#include "core/cuda_check.hpp"
#include "ops/blur/border.hpp"
#include "ops/median/median_internal.hpp"
#include "ops/median/median_select.hpp"

namespace caldera {
namespace {

using filter_detail::border_index;

constexpr int kTileW = 32, kTileH = 32;
constexpr int kMaxHaloW = kTileW + 2 * 2 * 4;  // radius 2, up to 4 channels

struct MedianArgs {
  const uint8_t* src = nullptr;
  size_t src_pitch = 0;
  uint8_t* dst = nullptr;
  size_t dst_pitch = 0;
  int w = 0, h = 0, ch = 1;
  int border = 0;
  int cv = 0;
};

__device__ __forceinline__ int floor_div(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

template <int R>
__global__ void __launch_bounds__(256) median_kernel(const MedianArgs a) {
  constexpr int K = 2 * R + 1;
  __shared__ uint8_t tile[kTileH + 2 * R][kMaxHaloW];
  const int n = a.w * a.ch;
  const int halo = R * a.ch;
  const int width = kTileW + 2 * halo;
  const int s0 = blockIdx.x * kTileW, y0 = blockIdx.y * kTileH;
  const FilterBorder border = static_cast<FilterBorder>(a.border);
  for (int i = threadIdx.y * 32 + threadIdx.x; i < width * (kTileH + 2 * R); i += 256) {
    const int ty = i / width, tx = i % width;
    const int s = s0 - halo + tx;
    const int x = floor_div(s, a.ch);
    const int bx = border_index(x, a.w, border), by = border_index(y0 - R + ty, a.h, border);
    tile[ty][tx] = bx < 0 || by < 0 ? static_cast<uint8_t>(a.cv)
                                    : __ldg(a.src + static_cast<size_t>(by) * a.src_pitch + bx * a.ch + (s - x * a.ch));
  }
  __syncthreads();
  const int ls = threadIdx.x;
  if (s0 + ls >= n) return;  // no barrier below
#pragma unroll
  for (int k = 0; k < kTileH / 8; ++k) {
    const int ly = threadIdx.y + 8 * k;
    const int y = y0 + ly;
    if (y >= a.h) break;
    uint32_t v[K * K];
#pragma unroll
    for (int dx = 0; dx < K; ++dx)
#pragma unroll
      for (int dy = 0; dy < K; ++dy) v[dx * K + dy] = tile[ly + dy][ls + halo + (dx - R) * a.ch];
    const uint32_t m = R == 1 ? median_detail::median9(v) : median_detail::median25(v);
    a.dst[static_cast<size_t>(y) * a.dst_pitch + s0 + ls] = static_cast<uint8_t>(m);
  }
}

}  // namespace

Status median_cuda(ConstImageView src, ImageView dst, const MedianParams& params, StreamHandle stream) {
  CALDERA_RETURN_IF_ERROR(check_median(src.desc(), dst.desc(), params));
  if (src.empty() || dst.empty()) return invalid_argument("median_cuda: src or dst view is empty");
  if (filter_detail::views_overlap(src, dst))
    return invalid_argument("median_cuda: src and dst overlap; the filter cannot run in place");
  if (!src.on_device() || !dst.on_device())
    return invalid_argument(std::string("median_cuda: needs device images, src is in ") + memory_kind_name(src.memory()) +
                            " memory and dst in " + memory_kind_name(dst.memory()));
  const PixelFormat f = src.format();
  const FormatInfo& fi = format_info(f);
  for (int p = 0; p < fi.num_planes; ++p) {
    MedianArgs a;
    a.src = src.plane(p).data;
    a.src_pitch = src.plane(p).pitch;
    a.dst = dst.plane(p).data;
    a.dst_pitch = dst.plane(p).pitch;
    a.w = plane_width(f, p, src.width());
    a.h = plane_height(f, p, src.height());
    a.ch = fi.planes[p].channels;
    a.border = static_cast<int>(params.border);
    a.cv = median_detail::border_code(params.border_value);
    if (!median_detail::filters_plane(params, f, p)) {
      CALDERA_CUDA_TRY(cudaMemcpy2DAsync(a.dst, a.dst_pitch, a.src, a.src_pitch, static_cast<size_t>(a.w) * a.ch, a.h,
                                         cudaMemcpyDeviceToDevice, stream));
      continue;
    }
    const dim3 block(32, 8), grid((a.w * a.ch + kTileW - 1) / kTileW, (a.h + kTileH - 1) / kTileH);
    if (params.ksize == 3) median_kernel<1><<<grid, block, 0, stream>>>(a);
    else median_kernel<2><<<grid, block, 0, stream>>>(a);
    CALDERA_RETURN_IF_ERROR(check_launch("median_kernel"));
  }
  return Status::ok();
}

}  // namespace caldera
