// Derivative filters: OpenCV's kernels, parameter checks, the resolved plans, and dispatch.
#include "caldera/ops/gradient.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "ops/gradient/gradient_internal.hpp"

namespace caldera {

namespace {

// Taps of one axis: binomial smoothing of k - 1 - order steps, then `order` differences, with the
// [-1, 1] difference so that the first derivative kernel is -1 0 1 (OpenCV's getSobelKernels).
std::vector<int> sobel_axis(int k, int order) {
  std::vector<int> v{1};
  auto conv = [&v](int a, int b) {
    std::vector<int> r(v.size() + 1, 0);
    for (size_t i = 0; i < v.size(); ++i) {
      r[i] += v[i] * a;
      r[i + 1] += v[i] * b;
    }
    v = r;
  };
  for (int i = 0; i < k - 1 - order; ++i) conv(1, 1);
  for (int i = 0; i < order; ++i) conv(-1, 1);
  return v;
}

}  // namespace

Result<DerivKernels> deriv_kernels(DerivKernel kernel, int ksize, int dx, int dy) {
  if (dx < 0 || dy < 0 || dx > 2 || dy > 2 || dx + dy < 1)
    return invalid_argument("sobel: derivative orders dx " + std::to_string(dx) + ", dy " + std::to_string(dy) +
                            " must each be 0..2 with dx + dy >= 1");
  DerivKernels k;
  if (kernel == DerivKernel::Scharr) {
    if (ksize != 3) return invalid_argument("scharr: ksize " + std::to_string(ksize) + " must be 3");
    if (dx + dy != 1) return invalid_argument("scharr: needs dx = 1, dy = 0 or dx = 0, dy = 1");
    const std::vector<int> smooth{3, 10, 3}, deriv{-1, 0, 1};
    k.kx = dx ? deriv : smooth;
    k.ky = dy ? deriv : smooth;
    return k;
  }
  if (kernel != DerivKernel::Sobel) return invalid_argument("sobel: kernel value is out of range");
  if (ksize != 1 && ksize != 3 && ksize != 5 && ksize != 7)
    return invalid_argument("sobel: ksize " + std::to_string(ksize) + " must be 1, 3, 5 or 7");
  const int kx = ksize == 1 && dx > 0 ? 3 : ksize, ky = ksize == 1 && dy > 0 ? 3 : ksize;
  if (dx >= kx || dy >= ky)
    return invalid_argument("sobel: a derivative of order " + std::to_string(std::max(dx, dy)) + " needs ksize > " +
                            std::to_string(std::max(dx, dy)));
  k.kx = sobel_axis(kx, dx);
  k.ky = sobel_axis(ky, dy);
  return k;
}

namespace gradient_detail {

namespace {
Status check_common(double scale, double delta, FilterBorder b, double value, const char* name) {
  if (!std::isfinite(scale) || !std::isfinite(delta))
    return invalid_argument(std::string(name) + ": scale and delta must be finite");
  if (static_cast<int>(b) > static_cast<int>(FilterBorder::Constant))
    return invalid_argument(std::string(name) + ": border value " + std::to_string(static_cast<int>(b)) + " is out of range");
  if (!std::isfinite(value)) return invalid_argument(std::string(name) + ": border_value is not finite");
  return Status::ok();
}
int code_of(double v) { return static_cast<int>(std::clamp(std::floor(v + 0.5), 0.0, 255.0)); }
}  // namespace

Result<Plan> plan_sobel(const SobelParams& p) {
  const char* name = p.kernel == DerivKernel::Scharr ? "scharr" : "sobel";
  CALDERA_RETURN_IF_ERROR(check_common(p.scale, p.delta, p.border, p.border_value, name));
  Plan plan;
  plan.scale = p.scale;
  plan.delta = p.delta;
  plan.absolute = p.absolute;
  plan.border = p.border;
  plan.border_value = code_of(p.border_value);
  switch (p.output) {
    case GradientOutput::Derivative: {
      CALDERA_ASSIGN_OR_RETURN(DerivKernels k, deriv_kernels(p.kernel, p.ksize, p.dx, p.dy));
      plan.kxa = k.kx;
      plan.kya = k.ky;
      plan.combine = Combine::A;
      return plan;
    }
    case GradientOutput::Magnitude:
    case GradientOutput::MagnitudeL1: {
      CALDERA_ASSIGN_OR_RETURN(DerivKernels a, deriv_kernels(p.kernel, p.ksize, 1, 0));
      CALDERA_ASSIGN_OR_RETURN(DerivKernels b, deriv_kernels(p.kernel, p.ksize, 0, 1));
      plan.npairs = 2;
      plan.kxa = a.kx;
      plan.kya = a.ky;
      plan.kxb = b.kx;
      plan.kyb = b.ky;
      plan.combine = p.output == GradientOutput::Magnitude ? Combine::MagL2 : Combine::MagL1;
      return plan;
    }
  }
  return invalid_argument(std::string(name) + ": output value is out of range");
}

Result<Plan> plan_laplacian(const LaplacianParams& p) {
  CALDERA_RETURN_IF_ERROR(check_common(p.scale, p.delta, p.border, p.border_value, "laplacian"));
  if (p.ksize != 1 && p.ksize != 3 && p.ksize != 5 && p.ksize != 7)
    return invalid_argument("laplacian: ksize " + std::to_string(p.ksize) + " must be 1, 3, 5 or 7");
  Plan plan;
  plan.npairs = 2;
  plan.combine = Combine::Sum;
  plan.scale = p.scale;
  plan.delta = p.delta;
  plan.absolute = p.absolute;
  plan.border = p.border;
  plan.border_value = code_of(p.border_value);
  if (p.ksize == 1) {
    // [0 1 0; 1 -4 1; 0 1 0] = [1 -2 1] along x + [1 -2 1] along y.
    plan.kxa = {1, -2, 1};
    plan.kya = {1};
    plan.kxb = {1};
    plan.kyb = {1, -2, 1};
    return plan;
  }
  CALDERA_ASSIGN_OR_RETURN(DerivKernels a, deriv_kernels(DerivKernel::Sobel, p.ksize, 2, 0));
  CALDERA_ASSIGN_OR_RETURN(DerivKernels b, deriv_kernels(DerivKernel::Sobel, p.ksize, 0, 2));
  plan.kxa = a.kx;
  plan.kya = a.ky;
  plan.kxb = b.kx;
  plan.kyb = b.ky;
  return plan;
}

Status check_gradient_formats(const ImageDesc& src, const ImageDesc& dst, const char* name) {
  CALDERA_RETURN_IF_ERROR(validate_desc(src, (std::string(name) + ": src").c_str()));
  CALDERA_RETURN_IF_ERROR(validate_desc(dst, (std::string(name) + ": dst").c_str()));
  if (src.format != PixelFormat::Gray8)
    return invalid_argument(std::string(name) + ": src is " + format_name(src.format) +
                            "; derivative filters take gray8 (convert first, or filter the Y plane of YUV)");
  if (dst.format != PixelFormat::Gray8 && dst.format != PixelFormat::Gray16)
    return invalid_argument(std::string(name) + ": dst is " + format_name(dst.format) + "; it must be gray8 or gray16");
  if (src.width != dst.width || src.height != dst.height)
    return invalid_argument(std::string(name) + ": src is " + std::to_string(src.width) + "x" + std::to_string(src.height) +
                            " but dst is " + std::to_string(dst.width) + "x" + std::to_string(dst.height));
  return Status::ok();
}

}  // namespace gradient_detail

// ---- checks and dispatch ----------------------------------------------------------------------------

namespace {

using gradient_detail::Plan;

Status where(ConstImageView src, ImageView dst, const char* name, int need) {  // need: 0 any, 1 host, 2 device
  if (src.empty() || dst.empty())
    return invalid_argument(std::string(name) + ": " + (src.empty() ? "src" : "dst") + " view is empty");
  if (filter_detail::views_overlap(src, dst))
    return invalid_argument(std::string(name) + ": src and dst overlap; the filter cannot run in place");
  if (need == 1 && (src.on_device() || dst.on_device()))
    return invalid_argument(std::string(name) + ": needs host images, src is in " + memory_kind_name(src.memory()) +
                            " memory and dst in " + memory_kind_name(dst.memory()));
  if (need == 2 && (!src.on_device() || !dst.on_device()))
    return invalid_argument(std::string(name) + ": needs device images, src is in " + memory_kind_name(src.memory()) +
                            " memory and dst in " + memory_kind_name(dst.memory()));
  if (need == 0 && src.on_device() != dst.on_device())
    return invalid_argument(std::string(name) + ": src is in " + memory_kind_name(src.memory()) + " memory but dst is in " +
                            memory_kind_name(dst.memory()) + " memory; copy one of them first");
  return Status::ok();
}

Status dispatch(ConstImageView src, ImageView dst, const Plan& plan, Context& ctx, const char* name) {
  CALDERA_RETURN_IF_ERROR(where(src, dst, name, 0));
  if (!src.on_device()) return gradient_detail::gradient_reference(src, dst, plan);
  if (!ctx.is_cuda())
    return invalid_argument(std::string(name) + ": the images are in device memory but the context is the CPU; pass a CUDA context");
  return gradient_detail::gradient_cuda(src, dst, plan, ctx.stream());
}

const char* sobel_name(const SobelParams& p) { return p.kernel == DerivKernel::Scharr ? "scharr" : "sobel"; }

}  // namespace

Status check_sobel(const ImageDesc& src, const ImageDesc& dst, const SobelParams& params) {
  CALDERA_RETURN_IF_ERROR(gradient_detail::check_gradient_formats(src, dst, sobel_name(params)));
  return gradient_detail::plan_sobel(params).status();
}

Status sobel_reference(ConstImageView src, ImageView dst, const SobelParams& params) {
  CALDERA_RETURN_IF_ERROR(check_sobel(src.desc(), dst.desc(), params));
  CALDERA_RETURN_IF_ERROR(where(src, dst, "sobel_reference", 1));
  CALDERA_ASSIGN_OR_RETURN(Plan plan, gradient_detail::plan_sobel(params));
  return gradient_detail::gradient_reference(src, dst, plan);
}

Status sobel_cuda(ConstImageView src, ImageView dst, const SobelParams& params, StreamHandle stream) {
  CALDERA_RETURN_IF_ERROR(check_sobel(src.desc(), dst.desc(), params));
  CALDERA_RETURN_IF_ERROR(where(src, dst, "sobel_cuda", 2));
  CALDERA_ASSIGN_OR_RETURN(Plan plan, gradient_detail::plan_sobel(params));
  return gradient_detail::gradient_cuda(src, dst, plan, stream);
}

Status sobel(ConstImageView src, ImageView dst, const SobelParams& params, Context& ctx) {
  CALDERA_RETURN_IF_ERROR(check_sobel(src.desc(), dst.desc(), params));
  CALDERA_ASSIGN_OR_RETURN(Plan plan, gradient_detail::plan_sobel(params));
  return dispatch(src, dst, plan, ctx, sobel_name(params));
}

Status check_laplacian(const ImageDesc& src, const ImageDesc& dst, const LaplacianParams& params) {
  CALDERA_RETURN_IF_ERROR(gradient_detail::check_gradient_formats(src, dst, "laplacian"));
  return gradient_detail::plan_laplacian(params).status();
}

Status laplacian_reference(ConstImageView src, ImageView dst, const LaplacianParams& params) {
  CALDERA_RETURN_IF_ERROR(check_laplacian(src.desc(), dst.desc(), params));
  CALDERA_RETURN_IF_ERROR(where(src, dst, "laplacian_reference", 1));
  CALDERA_ASSIGN_OR_RETURN(Plan plan, gradient_detail::plan_laplacian(params));
  return gradient_detail::gradient_reference(src, dst, plan);
}

Status laplacian_cuda(ConstImageView src, ImageView dst, const LaplacianParams& params, StreamHandle stream) {
  CALDERA_RETURN_IF_ERROR(check_laplacian(src.desc(), dst.desc(), params));
  CALDERA_RETURN_IF_ERROR(where(src, dst, "laplacian_cuda", 2));
  CALDERA_ASSIGN_OR_RETURN(Plan plan, gradient_detail::plan_laplacian(params));
  return gradient_detail::gradient_cuda(src, dst, plan, stream);
}

Status laplacian(ConstImageView src, ImageView dst, const LaplacianParams& params, Context& ctx) {
  CALDERA_RETURN_IF_ERROR(check_laplacian(src.desc(), dst.desc(), params));
  CALDERA_ASSIGN_OR_RETURN(Plan plan, gradient_detail::plan_laplacian(params));
  return dispatch(src, dst, plan, ctx, "laplacian");
}

}  // namespace caldera
