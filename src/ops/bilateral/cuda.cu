// Bilateral on the GPU, one launch per filtered plane. A block of 16 x 16 threads makes 16 x 16
// pixels: it loads the pixels of its tile and halo (border-mapped) and both weight tables into
// shared memory, then each thread runs the window sums of bilateral_internal.hpp for its pixel in
// the same integer arithmetic as the reference (64-bit sums; the rounding division in double
// precision, exact for these operands: round_quotient), so the codes agree.
#include <cuda_runtime.h>

#include <string>

#include "core/cuda_check.hpp"
#include "ops/bilateral/bilateral_internal.hpp"
#include "ops/blur/border.hpp"

namespace caldera {
namespace {

using bilateral_detail::kMaxRadius;
using filter_detail::border_index;

constexpr int kTile = 16;
constexpr int kMaxSpan = kTile + 2 * kMaxRadius;
constexpr int kMaxWc = 255 * 4 + 1;

struct BilateralArgs {
  const uint8_t* src = nullptr;
  size_t src_pitch = 0;
  uint8_t* dst = nullptr;
  size_t dst_pitch = 0;
  int w = 0, h = 0, ch = 1, radius = 1;
  int border = 0, cv = 0;
  uint16_t ws[(kMaxRadius + 1) * (kMaxRadius + 1)] = {};
  uint16_t wc[kMaxWc] = {};
};

// floor((2 num + den) / (2 den)), the reference's integer rounding, in double precision: with w <
// 2^30 per tap and at most 961 taps, den < 2^40 and num <= 255 den, so both operands are below
// 2^53 and convert exactly; the correctly rounded quotient (<= 255.5) is within 2^-45 of the
// exact one, which, when not an integer, is at least 1 / (2 den) > 2^-41 from one, so the floor is
// the same - without the long software sequence of a 64-bit integer division per channel.
__device__ __forceinline__ uint32_t round_quotient(unsigned long long num, unsigned long long den) {
  const double x = static_cast<double>(2 * num + den), d = static_cast<double>(2 * den);
  return static_cast<uint32_t>(floor(__ddiv_rn(x, d)));
}

template <int C>
__global__ void __launch_bounds__(kTile* kTile) bilateral_kernel(const BilateralArgs a) {
  __shared__ uint8_t s_px[kMaxSpan * kMaxSpan * C];
  __shared__ uint16_t s_ws[(kMaxRadius + 1) * (kMaxRadius + 1)];
  __shared__ uint16_t s_wc[255 * C + 1];
  const int r = a.radius, span = kTile + 2 * r;
  const int x0 = blockIdx.x * kTile, y0 = blockIdx.y * kTile;
  const int tid = threadIdx.y * kTile + threadIdx.x;
  const FilterBorder border = static_cast<FilterBorder>(a.border);
  for (int i = tid; i < span * span; i += kTile * kTile) {
    const int bx = border_index(x0 - r + i % span, a.w, border), by = border_index(y0 - r + i / span, a.h, border);
    const bool outside = bx < 0 || by < 0;  // Constant border
    const uint8_t* p = outside ? a.src : a.src + static_cast<size_t>(by) * a.src_pitch + bx * C;
#pragma unroll
    for (int c = 0; c < C; ++c) s_px[i * C + c] = outside ? static_cast<uint8_t>(a.cv) : __ldg(p + c);
  }
  for (int i = tid; i < (r + 1) * (r + 1); i += kTile * kTile) s_ws[i] = a.ws[i];
  for (int i = tid; i < 255 * C + 1; i += kTile * kTile) s_wc[i] = a.wc[i];
  __syncthreads();
  const int x = x0 + threadIdx.x, y = y0 + threadIdx.y;
  if (x >= a.w || y >= a.h) return;
  const uint8_t* centre = s_px + ((threadIdx.y + r) * span + threadIdx.x + r) * C;
  int c0[C];
#pragma unroll
  for (int c = 0; c < C; ++c) c0[c] = centre[c];
  unsigned long long num[C], den = 0;
#pragma unroll
  for (int c = 0; c < C; ++c) num[c] = 0;
  for (int dy = -r; dy <= r; ++dy) {
    const uint8_t* row = s_px + ((threadIdx.y + r + dy) * span + threadIdx.x + r) * C;
    const uint16_t* wrow = s_ws + abs(dy) * (r + 1);
    for (int dx = -r; dx <= r; ++dx) {
      const uint32_t ws = wrow[abs(dx)];
      if (ws == 0) continue;  // outside the circle: the same for every thread
      const uint8_t* q = row + dx * C;
      int v[C], dist = 0;
#pragma unroll
      for (int c = 0; c < C; ++c) {
        v[c] = q[c];
        dist += abs(v[c] - c0[c]);
      }
      const uint32_t wgt = ws * s_wc[dist];
      den += wgt;
#pragma unroll
      for (int c = 0; c < C; ++c) num[c] += static_cast<unsigned long long>(wgt) * static_cast<uint32_t>(v[c]);
    }
  }
  uint8_t* out = a.dst + static_cast<size_t>(y) * a.dst_pitch + x * C;
#pragma unroll
  for (int c = 0; c < C; ++c) out[c] = static_cast<uint8_t>(round_quotient(num[c], den));
}

}  // namespace

Status bilateral_cuda(ConstImageView src, ImageView dst, const BilateralParams& params, StreamHandle stream) {
  CALDERA_RETURN_IF_ERROR(check_bilateral(src.desc(), dst.desc(), params));
  if (src.empty() || dst.empty()) return invalid_argument("bilateral_cuda: src or dst view is empty");
  if (filter_detail::views_overlap(src, dst))
    return invalid_argument("bilateral_cuda: src and dst overlap; the filter cannot run in place");
  if (!src.on_device() || !dst.on_device())
    return invalid_argument(std::string("bilateral_cuda: needs device images, src is in ") + memory_kind_name(src.memory()) +
                            " memory and dst in " + memory_kind_name(dst.memory()));
  CALDERA_ASSIGN_OR_RETURN(bilateral_detail::Plan plan, bilateral_detail::plan_bilateral(params, 4));
  const PixelFormat f = src.format();
  const FormatInfo& fi = format_info(f);
  BilateralArgs a;
  a.radius = plan.radius;
  a.border = static_cast<int>(plan.border);
  a.cv = plan.border_value;
  for (size_t i = 0; i < plan.ws.size(); ++i) a.ws[i] = plan.ws[i];
  for (size_t i = 0; i < plan.wc.size() && i < static_cast<size_t>(kMaxWc); ++i) a.wc[i] = plan.wc[i];
  for (int p = 0; p < fi.num_planes; ++p) {
    a.src = src.plane(p).data;
    a.src_pitch = src.plane(p).pitch;
    a.dst = dst.plane(p).data;
    a.dst_pitch = dst.plane(p).pitch;
    a.w = plane_width(f, p, src.width());
    a.h = plane_height(f, p, src.height());
    a.ch = fi.planes[p].channels;
    if (!bilateral_detail::filters_plane(plan, f, p)) {
      CALDERA_CUDA_TRY(cudaMemcpy2DAsync(a.dst, a.dst_pitch, a.src, a.src_pitch, static_cast<size_t>(a.w) * a.ch, a.h,
                                         cudaMemcpyDeviceToDevice, stream));
      continue;
    }
    const dim3 block(kTile, kTile), grid((a.w + kTile - 1) / kTile, (a.h + kTile - 1) / kTile);
    switch (a.ch) {
      case 1: bilateral_kernel<1><<<grid, block, 0, stream>>>(a); break;
      case 2: bilateral_kernel<2><<<grid, block, 0, stream>>>(a); break;
      case 3: bilateral_kernel<3><<<grid, block, 0, stream>>>(a); break;
      default: bilateral_kernel<4><<<grid, block, 0, stream>>>(a); break;
    }
    CALDERA_RETURN_IF_ERROR(check_launch("bilateral_kernel"));
  }
  return Status::ok();
}

}  // namespace caldera
