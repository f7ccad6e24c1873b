// Blur: Gaussian kernels, parameter checks, the resolved plans both implementations share, and
// dispatch (reference for host images, CUDA for device ones).
#include "caldera/ops/blur.hpp"

#include <cmath>
#include <string>

#include "ops/blur/blur_internal.hpp"
#include "ops/blur/border.hpp"
#include "core/number_text.hpp"

namespace caldera {

std::vector<double> gaussian_kernel(int ksize, double sigma) {
  // OpenCV's fixed kernels for small sizes without a sigma (binomial, except 7 taps).
  static const double kFixed[4][7] = {{1},
                                      {0.25, 0.5, 0.25},
                                      {0.0625, 0.25, 0.375, 0.25, 0.0625},
                                      {0.03125, 0.109375, 0.21875, 0.28125, 0.21875, 0.109375, 0.03125}};
  std::vector<double> w(static_cast<size_t>(std::max(ksize, 1)));
  if (ksize % 2 == 1 && ksize <= 7 && sigma <= 0) {
    for (int i = 0; i < ksize; ++i) w[i] = kFixed[ksize / 2][i];
    return w;
  }
  const double s = sigma > 0 ? sigma : ((ksize - 1) * 0.5 - 1) * 0.3 + 0.8;
  const double scale = -0.5 / (s * s);
  double sum = 0;
  for (int i = 0; i < ksize; ++i) {
    const double x = i - (ksize - 1) * 0.5;
    w[i] = std::exp(scale * x * x);
    sum += w[i];
  }
  for (double& v : w) v /= sum;
  return w;
}

namespace {

bool is_8bit(PixelFormat f) { return format_info(f).sample == SampleType::U8; }

int ksize_from_sigma(double sigma, PixelFormat f) {
  return static_cast<int>(std::lround(sigma * (is_8bit(f) ? 3 : 4) * 2 + 1)) | 1;
}

Status check_ksize(int k, const char* what) {
  if (k < 1 || k % 2 == 0 || k > 2 * blur_detail::kMaxRadius + 1)
    return invalid_argument(std::string(what) + " " + std::to_string(k) + " must be odd, in 1.." +
                            std::to_string(2 * blur_detail::kMaxRadius + 1));
  return Status::ok();
}

Status check_sigma(double s, const char* what) {
  if (!std::isfinite(s) || s > 1000)
    return invalid_argument(std::string(what) + " " + number_text(s) + " is not a finite value up to 1000");
  return Status::ok();
}

}  // namespace

Result<GaussianShape> resolve_gaussian(const GaussianParams& p, PixelFormat format) {
  CALDERA_RETURN_IF_ERROR(check_sigma(p.sigma_x, "gaussian: sigma_x"));
  CALDERA_RETURN_IF_ERROR(check_sigma(p.sigma_y, "gaussian: sigma_y"));
  GaussianShape g;
  g.sigma_x = std::max(p.sigma_x, 0.0);
  g.sigma_y = p.sigma_y > 0 ? p.sigma_y : g.sigma_x;
  g.ksize_x = p.ksize_x;
  g.ksize_y = p.ksize_y;
  if (g.ksize_x <= 0 && g.sigma_x > 0) g.ksize_x = ksize_from_sigma(g.sigma_x, format);
  if (g.ksize_y <= 0) {
    if (p.sigma_y > 0) g.ksize_y = ksize_from_sigma(g.sigma_y, format);
    else g.ksize_y = g.ksize_x;
  }
  if (g.ksize_x <= 0) return invalid_argument("gaussian: give sigma_x > 0 or an odd ksize_x");
  CALDERA_RETURN_IF_ERROR(check_ksize(g.ksize_x, "gaussian: ksize_x"));
  CALDERA_RETURN_IF_ERROR(check_ksize(g.ksize_y, "gaussian: ksize_y"));
  return g;
}

namespace blur_detail {

std::vector<uint32_t> quantize_q16(const std::vector<double>& w) {
  std::vector<uint32_t> q(w.size());
  const size_t c = w.size() / 2;
  int64_t sum = 0;
  for (size_t i = 0; i < w.size(); ++i) {
    if (i == c) continue;
    q[i] = static_cast<uint32_t>(std::lround(w[i] * 65536.0));
    sum += q[i];
  }
  q[c] = static_cast<uint32_t>(65536 - sum);
  return q;
}

namespace {
Status check_border(FilterBorder b, double value, const char* name) {
  if (static_cast<int>(b) > static_cast<int>(FilterBorder::Constant))
    return invalid_argument(std::string(name) + ": border value " + std::to_string(static_cast<int>(b)) + " is out of range");
  if (!std::isfinite(value)) return invalid_argument(std::string(name) + ": border_value is not finite");
  return Status::ok();
}
}  // namespace

Result<Plan> plan_gaussian(const GaussianParams& p, PixelFormat format) {
  CALDERA_ASSIGN_OR_RETURN(GaussianShape g, resolve_gaussian(p, format));
  CALDERA_RETURN_IF_ERROR(check_border(p.border, p.border_value, "gaussian"));
  Plan plan;
  plan.op = Op::Gaussian;
  plan.kx = g.ksize_x;
  plan.ky = g.ksize_y;
  plan.ax = plan.kx / 2;
  plan.ay = plan.ky / 2;
  // A sigma derived from ksize is passed on as "none", so the fixed small kernels apply.
  plan.wx = gaussian_kernel(plan.kx, p.sigma_x > 0 ? g.sigma_x : 0);
  plan.wy = gaussian_kernel(plan.ky, p.sigma_y > 0 ? g.sigma_y : (p.sigma_x > 0 ? g.sigma_x : 0));
  plan.wx_q16 = quantize_q16(plan.wx);
  plan.wy_q16 = quantize_q16(plan.wy);
  plan.border = p.border;
  plan.border_value = p.border_value;
  plan.planes = p.planes;
  return plan;
}

Result<Plan> plan_box(const BoxParams& p) {
  const int ky = p.ksize_y > 0 ? p.ksize_y : p.ksize_x;
  for (auto [k, what] : {std::pair{p.ksize_x, "ksize_x"}, std::pair{ky, "ksize_y"}})
    if (k < 1 || k > 2 * kMaxRadius + 1)
      return invalid_argument(std::string("box: ") + what + " " + std::to_string(k) + " must be in 1.." +
                              std::to_string(2 * kMaxRadius + 1));
  CALDERA_RETURN_IF_ERROR(check_border(p.border, p.border_value, "box"));
  Plan plan;
  plan.op = Op::Box;
  plan.kx = p.ksize_x;
  plan.ky = ky;
  plan.ax = plan.kx / 2;
  plan.ay = plan.ky / 2;
  plan.wx.assign(plan.kx, 1.0 / plan.kx);
  plan.wy.assign(plan.ky, 1.0 / plan.ky);
  plan.border = p.border;
  plan.border_value = p.border_value;
  plan.planes = p.planes;
  return plan;
}

Result<Plan> plan_unsharp(const UnsharpParams& p, PixelFormat format) {
  if (!std::isfinite(p.amount) || p.amount < -10 || p.amount > 10)
    return invalid_argument("unsharp: amount " + number_text(p.amount) + " is outside [-10, 10]");
  if (!std::isfinite(p.threshold) || p.threshold < 0 || p.threshold > 255)
    return invalid_argument("unsharp: threshold " + number_text(p.threshold) + " is outside [0, 255]");
  GaussianParams g;
  g.sigma_x = p.sigma;
  g.ksize_x = p.ksize;
  g.border = p.border;
  auto plan = plan_gaussian(g, format);
  if (!plan) return plan.status().with_context("unsharp");
  plan->op = Op::Unsharp;
  plan->amount_q8 = static_cast<int>(std::lround(p.amount * 256));
  plan->threshold_q8 = static_cast<int>(std::lround(p.threshold * 256));
  plan->planes = p.planes;
  return plan;
}

Status check_blur_formats(const ImageDesc& src, const ImageDesc& dst, Op op, const char* name) {
  CALDERA_RETURN_IF_ERROR(validate_desc(src, (std::string(name) + ": src").c_str()));
  CALDERA_RETURN_IF_ERROR(validate_desc(dst, (std::string(name) + ": dst").c_str()));
  if (src.format != dst.format)
    return invalid_argument(std::string(name) + ": src is " + format_name(src.format) + " but dst is " +
                            format_name(dst.format) + "; the filter keeps the format, convert first");
  if (src.width != dst.width || src.height != dst.height)
    return invalid_argument(std::string(name) + ": src is " + std::to_string(src.width) + "x" +
                            std::to_string(src.height) + " but dst is " + std::to_string(dst.width) + "x" +
                            std::to_string(dst.height) + "; the filter keeps the size");
  const SampleType s = format_info(src.format).sample;
  if (op == Op::Unsharp && s != SampleType::U8)
    return invalid_argument(std::string(name) + ": " + format_name(src.format) +
                            " is not supported (8-bit gray, RGB and YUV formats only)");
  return Status::ok();
}

bool filters_plane(const Plan& plan, PixelFormat format, int plane) {
  return plane == 0 || plan.planes == PlaneSet::All || !is_yuv(format);
}

}  // namespace blur_detail

// ---- checks and dispatch --------------------------------------------------------------------------

namespace {

using blur_detail::Op;
using blur_detail::Plan;

Status check_views(ConstImageView src, ImageView dst, const char* name) {
  if (src.empty() || dst.empty())
    return invalid_argument(std::string(name) + ": " + (src.empty() ? "src" : "dst") + " view is empty");
  if (filter_detail::views_overlap(src, dst))
    return invalid_argument(std::string(name) + ": src and dst overlap; the filter cannot run in place");
  return Status::ok();
}

Status dispatch(ConstImageView src, ImageView dst, const Plan& plan, Context& ctx, const char* name) {
  CALDERA_RETURN_IF_ERROR(check_views(src, dst, name));
  if (src.on_device() != dst.on_device())
    return invalid_argument(std::string(name) + ": src is in " + memory_kind_name(src.memory()) +
                            " memory but dst is in " + memory_kind_name(dst.memory()) + " memory; copy one of them first");
  if (!src.on_device()) return blur_detail::blur_reference(src, dst, plan);
  if (!ctx.is_cuda())
    return invalid_argument(std::string(name) +
                            ": the images are in device memory but the context is the CPU; pass a CUDA context");
  return blur_detail::blur_cuda(src, dst, plan, ctx.stream());
}

Status need_host(ConstImageView src, ImageView dst, const char* name) {
  CALDERA_RETURN_IF_ERROR(check_views(src, dst, name));
  if (src.on_device() || dst.on_device())
    return invalid_argument(std::string(name) + ": needs host images, src is in " + memory_kind_name(src.memory()) +
                            " memory and dst in " + memory_kind_name(dst.memory()));
  return Status::ok();
}

Status need_device(ConstImageView src, ImageView dst, const char* name) {
  CALDERA_RETURN_IF_ERROR(check_views(src, dst, name));
  if (!src.on_device() || !dst.on_device())
    return invalid_argument(std::string(name) + ": needs device images, src is in " + memory_kind_name(src.memory()) +
                            " memory and dst in " + memory_kind_name(dst.memory()));
  return Status::ok();
}

}  // namespace

Status check_gaussian_blur(const ImageDesc& src, const ImageDesc& dst, const GaussianParams& params) {
  CALDERA_RETURN_IF_ERROR(blur_detail::check_blur_formats(src, dst, Op::Gaussian, "gaussian"));
  return blur_detail::plan_gaussian(params, src.format).status();
}

Status gaussian_blur_reference(ConstImageView src, ImageView dst, const GaussianParams& params) {
  CALDERA_RETURN_IF_ERROR(check_gaussian_blur(src.desc(), dst.desc(), params));
  CALDERA_RETURN_IF_ERROR(need_host(src, dst, "gaussian_blur_reference"));
  CALDERA_ASSIGN_OR_RETURN(Plan plan, blur_detail::plan_gaussian(params, src.format()));
  return blur_detail::blur_reference(src, dst, plan);
}

Status gaussian_blur_cuda(ConstImageView src, ImageView dst, const GaussianParams& params, StreamHandle stream) {
  CALDERA_RETURN_IF_ERROR(check_gaussian_blur(src.desc(), dst.desc(), params));
  CALDERA_RETURN_IF_ERROR(need_device(src, dst, "gaussian_blur_cuda"));
  CALDERA_ASSIGN_OR_RETURN(Plan plan, blur_detail::plan_gaussian(params, src.format()));
  return blur_detail::blur_cuda(src, dst, plan, stream);
}

Status gaussian_blur(ConstImageView src, ImageView dst, const GaussianParams& params, Context& ctx) {
  CALDERA_RETURN_IF_ERROR(check_gaussian_blur(src.desc(), dst.desc(), params));
  CALDERA_ASSIGN_OR_RETURN(Plan plan, blur_detail::plan_gaussian(params, src.format()));
  return dispatch(src, dst, plan, ctx, "gaussian");
}

Status check_box_blur(const ImageDesc& src, const ImageDesc& dst, const BoxParams& params) {
  CALDERA_RETURN_IF_ERROR(blur_detail::check_blur_formats(src, dst, Op::Box, "box"));
  return blur_detail::plan_box(params).status();
}

Status box_blur_reference(ConstImageView src, ImageView dst, const BoxParams& params) {
  CALDERA_RETURN_IF_ERROR(check_box_blur(src.desc(), dst.desc(), params));
  CALDERA_RETURN_IF_ERROR(need_host(src, dst, "box_blur_reference"));
  CALDERA_ASSIGN_OR_RETURN(Plan plan, blur_detail::plan_box(params));
  return blur_detail::blur_reference(src, dst, plan);
}

Status box_blur_cuda(ConstImageView src, ImageView dst, const BoxParams& params, StreamHandle stream) {
  CALDERA_RETURN_IF_ERROR(check_box_blur(src.desc(), dst.desc(), params));
  CALDERA_RETURN_IF_ERROR(need_device(src, dst, "box_blur_cuda"));
  CALDERA_ASSIGN_OR_RETURN(Plan plan, blur_detail::plan_box(params));
  return blur_detail::blur_cuda(src, dst, plan, stream);
}

Status box_blur(ConstImageView src, ImageView dst, const BoxParams& params, Context& ctx) {
  CALDERA_RETURN_IF_ERROR(check_box_blur(src.desc(), dst.desc(), params));
  CALDERA_ASSIGN_OR_RETURN(Plan plan, blur_detail::plan_box(params));
  return dispatch(src, dst, plan, ctx, "box");
}

Status check_unsharp_mask(const ImageDesc& src, const ImageDesc& dst, const UnsharpParams& params) {
  CALDERA_RETURN_IF_ERROR(blur_detail::check_blur_formats(src, dst, Op::Unsharp, "unsharp"));
  return blur_detail::plan_unsharp(params, src.format).status();
}

Status unsharp_mask_reference(ConstImageView src, ImageView dst, const UnsharpParams& params) {
  CALDERA_RETURN_IF_ERROR(check_unsharp_mask(src.desc(), dst.desc(), params));
  CALDERA_RETURN_IF_ERROR(need_host(src, dst, "unsharp_mask_reference"));
  CALDERA_ASSIGN_OR_RETURN(Plan plan, blur_detail::plan_unsharp(params, src.format()));
  return blur_detail::blur_reference(src, dst, plan);
}

Status unsharp_mask_cuda(ConstImageView src, ImageView dst, const UnsharpParams& params, StreamHandle stream) {
  CALDERA_RETURN_IF_ERROR(check_unsharp_mask(src.desc(), dst.desc(), params));
  CALDERA_RETURN_IF_ERROR(need_device(src, dst, "unsharp_mask_cuda"));
  CALDERA_ASSIGN_OR_RETURN(Plan plan, blur_detail::plan_unsharp(params, src.format()));
  return blur_detail::blur_cuda(src, dst, plan, stream);
}

Status unsharp_mask(ConstImageView src, ImageView dst, const UnsharpParams& params, Context& ctx) {
  CALDERA_RETURN_IF_ERROR(check_unsharp_mask(src.desc(), dst.desc(), params));
  CALDERA_ASSIGN_OR_RETURN(Plan plan, blur_detail::plan_unsharp(params, src.format()));
  return dispatch(src, dst, plan, ctx, "unsharp");
}

}  // namespace caldera
