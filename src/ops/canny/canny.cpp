// Canny: the thresholds and kernels a CannyParams resolves to (OpenCV's rules), checks,
// workspace size and dispatch.
#include "caldera/ops/canny.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "caldera/ops/blur.hpp"
#include "ops/canny/canny_internal.hpp"
#include "ops/canny/hysteresis.hpp"
#include "ops/blur/border.hpp"
#include "core/number_text.hpp"

namespace caldera {

namespace canny_detail {

Result<Plan> plan_canny(const CannyParams& p) {
  if (!std::isfinite(p.low) || !std::isfinite(p.high) || p.low < 0 || p.high < 0)
    return invalid_argument("canny: thresholds low " + number_text(p.low) + " and high " + number_text(p.high) +
                            " must be finite and >= 0");
  if (p.kernel == DerivKernel::Scharr && p.aperture != 3)
    return invalid_argument("canny: the Scharr kernel needs aperture 3, not " + std::to_string(p.aperture));
  if (p.kernel == DerivKernel::Sobel && p.aperture != 3 && p.aperture != 5 && p.aperture != 7)
    return invalid_argument("canny: aperture " + std::to_string(p.aperture) + " must be 3, 5 or 7");
  if (p.blur_sigma < 0 || !std::isfinite(p.blur_sigma))
    return invalid_argument("canny: blur_sigma must be finite and >= 0");
  if (p.blur_ksize < 0) return invalid_argument("canny: blur_ksize must be >= 0");
  Plan plan;
  CALDERA_ASSIGN_OR_RETURN(DerivKernels gx, deriv_kernels(p.kernel, p.aperture, 1, 0));
  CALDERA_ASSIGN_OR_RETURN(DerivKernels gy, deriv_kernels(p.kernel, p.aperture, 0, 1));
  plan.kx_dx = gx.kx;
  plan.ky_dx = gx.ky;
  plan.kx_dy = gy.kx;
  plan.ky_dy = gy.ky;
  plan.radius = p.aperture / 2;
  plan.div16 = p.kernel == DerivKernel::Sobel && p.aperture == 7;
  // OpenCV: thresholds / 16 for aperture 7, swapped if needed, squared (capped at 32767 first) for
  // L2, then floored; magnitudes are integers, so m > floor(t) is m > t.
  double lo = p.low, hi = p.high;
  if (plan.div16) {
    lo /= 16;
    hi /= 16;
  }
  if (lo > hi) std::swap(lo, hi);
  plan.l2 = p.l2_gradient;
  if (plan.l2) {
    lo = std::min(32767.0, lo);
    hi = std::min(32767.0, hi);
    lo *= lo;
    hi *= hi;
  }
  // Capped at INT_MAX before the conversion: a larger threshold would not fit an int (and wrapped
  // to INT_MIN, making every pixel strong); no magnitude reaches it (at most about 1.2e9), so the
  // cap keeps the meaning.
  constexpr double kIntMax = 2147483647.0;
  plan.low = static_cast<int>(std::floor(std::min(lo, kIntMax)));
  plan.high = static_cast<int>(std::floor(std::min(hi, kIntMax)));
  return plan;
}

}  // namespace canny_detail

namespace {

Status check_blur(const CannyParams& p, const ImageDesc& src) {
  if (!canny_detail::has_pre_blur(p)) return Status::ok();
  GaussianParams g;
  g.sigma_x = p.blur_sigma;
  g.ksize_x = p.blur_ksize;
  return check_gaussian_blur(src, src, g).with_context("canny pre-blur");
}

}  // namespace

Status check_canny(const ImageDesc& src, const ImageDesc& dst, const CannyParams& params) {
  CALDERA_RETURN_IF_ERROR(validate_desc(src, "canny: src"));
  CALDERA_RETURN_IF_ERROR(validate_desc(dst, "canny: dst"));
  if (src.format != PixelFormat::Gray8 || dst.format != PixelFormat::Gray8)
    return invalid_argument(std::string("canny: src is ") + format_name(src.format) + " and dst " + format_name(dst.format) +
                            "; both must be gray8 (convert first, or use the Y plane of YUV)");
  if (src.width != dst.width || src.height != dst.height)
    return invalid_argument("canny: src is " + std::to_string(src.width) + "x" + std::to_string(src.height) +
                            " but dst is " + std::to_string(dst.width) + "x" + std::to_string(dst.height));
  CALDERA_RETURN_IF_ERROR(canny_detail::plan_canny(params).status());
  return check_blur(params, src);
}

size_t canny_workspace_bytes(int width, int height, const CannyParams& params) {
  using namespace canny_detail;
  const size_t tiles = static_cast<size_t>((width + kTile - 1) / kTile) * ((height + kTile - 1) / kTile);
  auto up = [](size_t b) { return (b + 255) / 256 * 256; };
  // cuda.cu: the ring nodes' parents (and the strong node's), the candidate and strong-reached bit
  // masks (a word per tile row), the ring's candidate and weak masks.
  size_t bytes = up((tiles * kSlots + 1) * sizeof(int)) + 2 * up(tiles * kTile * sizeof(uint32_t)) +
                 2 * up(tiles * sizeof(RingMasks));
  if (has_pre_blur(params)) bytes += up(up(static_cast<size_t>(width)) * height);
  return bytes + 256;  // alignment of the first piece
}

Status canny(ConstImageView src, ImageView dst, const CannyParams& params, Context& ctx) {
  CALDERA_RETURN_IF_ERROR(check_canny(src.desc(), dst.desc(), params));
  if (src.empty() || dst.empty()) return invalid_argument("canny: src or dst view is empty");
  if (filter_detail::views_overlap(src, dst))
    return invalid_argument("canny: src and dst overlap; the filter cannot run in place");
  if (src.on_device() != dst.on_device())
    return invalid_argument(std::string("canny: src is in ") + memory_kind_name(src.memory()) + " memory but dst is in " +
                            memory_kind_name(dst.memory()) + " memory; copy one of them first");
  if (!src.on_device()) return canny_reference(src, dst, params);
  if (!ctx.is_cuda())
    return invalid_argument("canny: the images are in device memory but the context is the CPU; pass a CUDA context");
  return canny_cuda(src, dst, params, ctx.workspace(), ctx.stream());
}

}  // namespace caldera
