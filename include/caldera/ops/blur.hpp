// Linear smoothing filters: Gaussian blur (separable, any sigma), box blur, and unsharp masking
// (sharpen). Every plane is filtered on its own grid with the same parameters: the chroma planes
// of subsampled YUV are filtered in chroma pixels (see docs/ops/blur.md), or left as they are with
// PlaneSet::LumaOnly. Source and destination have the same size and format and must not overlap.
//
// 8-bit samples are filtered in exact integer fixed point (docs/ops/blur.md gives the arithmetic;
// the CUDA kernels produce the very same codes as the reference); 16-bit and float samples in
// floating point (the reference in double).
#pragma once

#include <vector>

#include "caldera/context.hpp"
#include "caldera/image.hpp"
#include "caldera/memory.hpp"
#include "caldera/ops/filter_border.hpp"
#include "caldera/status.hpp"

namespace caldera {

struct GaussianParams {
  // Standard deviations in pixels of each plane's grid. sigma_x <= 0 takes it from ksize_x as
  // OpenCV does (0.3 * ((k - 1) / 2 - 1) + 0.8); sigma_y <= 0 means sigma_x.
  double sigma_x = 1.0;
  double sigma_y = 0;
  // Odd kernel sizes, or 0 to derive them from sigma: round(2 * 3 sigma + 1) | 1 for 8-bit
  // samples, round(2 * 4 sigma + 1) | 1 otherwise (OpenCV's rule). ksize_y 0 with sigma_y <= 0
  // means ksize_x.
  int ksize_x = 0;
  int ksize_y = 0;
  FilterBorder border = FilterBorder::Reflect101;
  double border_value = 0;  // Constant border, in code values (floats as they are)
  PlaneSet planes = PlaneSet::All;
};

struct BoxParams {
  int ksize_x = 3;  // any size >= 1; even sizes put the extra tap on the left/top, as OpenCV
  int ksize_y = 0;  // 0: ksize_x
  FilterBorder border = FilterBorder::Reflect101;
  double border_value = 0;
  PlaneSet planes = PlaneSet::All;
};

struct UnsharpParams {
  double sigma = 1.0;     // of the Gaussian that is subtracted
  int ksize = 0;          // 0: from sigma
  double amount = 1.0;    // out = src + amount * (src - blur); in [-10, 10], steps of 1/256
  double threshold = 0;   // |src - blur| below this (in codes) leaves the pixel unchanged
  FilterBorder border = FilterBorder::Reflect101;
  PlaneSet planes = PlaneSet::LumaOnly;  // sharpening chroma only adds colour noise
};

// The normalised 1-D Gaussian weights (double, sum 1) for a kernel of `ksize` taps, as OpenCV's
// getGaussianKernel: the fixed binomial kernels for ksize <= 7 when sigma <= 0, else
// exp(-x^2 / (2 sigma^2)) with sigma from ksize when sigma <= 0.
std::vector<double> gaussian_kernel(int ksize, double sigma);
// The kernel sizes and sigmas a GaussianParams resolves to for a format: {ksize_x, ksize_y,
// sigma_x, sigma_y}, or an error naming the bad parameter.
struct GaussianShape {
  int ksize_x = 1, ksize_y = 1;
  double sigma_x = 0, sigma_y = 0;
};
Result<GaussianShape> resolve_gaussian(const GaussianParams& params, PixelFormat format);

Status check_gaussian_blur(const ImageDesc& src, const ImageDesc& dst, const GaussianParams& params);
Status gaussian_blur_reference(ConstImageView src, ImageView dst, const GaussianParams& params);
Status gaussian_blur_cuda(ConstImageView src, ImageView dst, const GaussianParams& params, StreamHandle stream);
Status gaussian_blur(ConstImageView src, ImageView dst, const GaussianParams& params, Context& ctx);

Status check_box_blur(const ImageDesc& src, const ImageDesc& dst, const BoxParams& params);
Status box_blur_reference(ConstImageView src, ImageView dst, const BoxParams& params);
Status box_blur_cuda(ConstImageView src, ImageView dst, const BoxParams& params, StreamHandle stream);
Status box_blur(ConstImageView src, ImageView dst, const BoxParams& params, Context& ctx);

// 8-bit formats only.
Status check_unsharp_mask(const ImageDesc& src, const ImageDesc& dst, const UnsharpParams& params);
Status unsharp_mask_reference(ConstImageView src, ImageView dst, const UnsharpParams& params);
Status unsharp_mask_cuda(ConstImageView src, ImageView dst, const UnsharpParams& params, StreamHandle stream);
Status unsharp_mask(ConstImageView src, ImageView dst, const UnsharpParams& params, Context& ctx);

}  // namespace caldera
