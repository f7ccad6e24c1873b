// Derivative filters on 8-bit gray images: Sobel (1, 3, 5, 7 taps), Scharr (3 taps) and the
// Laplacian, with OpenCV's kernels and sign convention (dx > 0 responds positively where the
// image gets brighter to the right). The response v (an exact integer) is mapped to the
// destination's codes as
//     out = saturate(round(|v * scale + delta|))   with absolute (OpenCV's convertScaleAbs)
//     out = saturate(round(v * scale + delta))     without it (OpenCV's Sobel with an 8U/16U ddepth)
// and the gradient magnitude as saturate(round(m * scale + delta)), m = sqrt(gx^2 + gy^2) (L2) or
// |gx| + |gy| (L1) of the first derivatives. Rounding is half up. A gray16 destination with
// delta = 32768 and absolute off holds the signed response losslessly (offset binary).
#pragma once

#include <vector>

#include "caldera/context.hpp"
#include "caldera/image.hpp"
#include "caldera/memory.hpp"
#include "caldera/ops/filter_border.hpp"
#include "caldera/status.hpp"

namespace caldera {

enum class DerivKernel : uint8_t { Sobel, Scharr };
enum class GradientOutput : uint8_t { Derivative, Magnitude, MagnitudeL1 };

struct SobelParams {
  DerivKernel kernel = DerivKernel::Sobel;
  int ksize = 3;       // Sobel: 1 (no smoothing; 3-tap derivative), 3, 5 or 7. Scharr: 3.
  int dx = 1, dy = 0;  // derivative orders for GradientOutput::Derivative: 0..2, dx + dy >= 1
                       // (Scharr: one of them 1, the other 0)
  GradientOutput output = GradientOutput::Derivative;
  double scale = 1, delta = 0;
  bool absolute = true;
  FilterBorder border = FilterBorder::Reflect101;
  double border_value = 0;
};

struct LaplacianParams {
  int ksize = 1;  // 1 ([0 1 0; 1 -4 1; 0 1 0]), 3 ([2 0 2; 0 -8 0; 2 0 2]), 5 or 7 (Sobel d2x + d2y)
  double scale = 1, delta = 0;
  bool absolute = true;
  FilterBorder border = FilterBorder::Reflect101;
  double border_value = 0;
};

// OpenCV's separable derivative kernels (getDerivKernels): {horizontal, vertical} integer taps
// for the given orders; the horizontal one is applied along x. An error names a bad combination.
struct DerivKernels {
  std::vector<int> kx, ky;
};
Result<DerivKernels> deriv_kernels(DerivKernel kernel, int ksize, int dx, int dy);

// src gray8, dst gray8 or gray16 of the same size.
Status check_sobel(const ImageDesc& src, const ImageDesc& dst, const SobelParams& params);
Status sobel_reference(ConstImageView src, ImageView dst, const SobelParams& params);
Status sobel_cuda(ConstImageView src, ImageView dst, const SobelParams& params, StreamHandle stream);
Status sobel(ConstImageView src, ImageView dst, const SobelParams& params, Context& ctx);

Status check_laplacian(const ImageDesc& src, const ImageDesc& dst, const LaplacianParams& params);
Status laplacian_reference(ConstImageView src, ImageView dst, const LaplacianParams& params);
Status laplacian_cuda(ConstImageView src, ImageView dst, const LaplacianParams& params, StreamHandle stream);
Status laplacian(ConstImageView src, ImageView dst, const LaplacianParams& params, Context& ctx);

}  // namespace caldera
