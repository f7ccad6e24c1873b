// Canny edge detection on 8-bit gray images, as OpenCV's cv::Canny computes it: Sobel (3, 5 or 7
// taps) or Scharr derivatives with a replicated border, L1 (|gx| + |gy|) or L2 gradient
// magnitude, non-maximum suppression along the gradient direction quantised to four sectors in
// OpenCV's integer arithmetic, and hysteresis with two thresholds (8-connected). The output is
// gray8 with 255 on edges and 0 elsewhere; the CUDA version gives exactly the reference's edges
// (docs/ops/canny.md says how).
#pragma once

#include <cstddef>

#include "caldera/context.hpp"
#include "caldera/image.hpp"
#include "caldera/memory.hpp"
#include "caldera/ops/gradient.hpp"
#include "caldera/status.hpp"

namespace caldera {

struct CannyParams {
  // Magnitude thresholds (>= 0; swapped when low > high, as OpenCV): a pixel that survives
  // non-maximum suppression is an edge if its magnitude is above `high`, or above `low` and
  // 8-connected to one above `high` through such pixels. With l2_gradient they compare with
  // sqrt(gx^2 + gy^2); with aperture 7 OpenCV's derivatives are divided by 16 and so are they.
  double low = 50;
  double high = 150;
  DerivKernel kernel = DerivKernel::Sobel;
  int aperture = 3;  // Sobel 3, 5 or 7; Scharr 3
  bool l2_gradient = false;
  // Optional Gaussian pre-blur (reflect101 border) before the derivatives, enabled by either
  // value: GaussianParams' rules (ksize 0 derives it from sigma; sigma 0 with ksize 3, 5 or 7
  // takes OpenCV's fixed binomial kernels, so it equals cv::GaussianBlur(ksize, 0) exactly).
  double blur_sigma = 0;
  int blur_ksize = 0;
};

// src gray8, dst gray8 of the same size.
Status check_canny(const ImageDesc& src, const ImageDesc& dst, const CannyParams& params);
Status canny_reference(ConstImageView src, ImageView dst, const CannyParams& params);
// Device scratch canny_cuda takes from its workspace for a frame of this size.
size_t canny_workspace_bytes(int width, int height, const CannyParams& params);
Status canny_cuda(ConstImageView src, ImageView dst, const CannyParams& params, Workspace ws, StreamHandle stream);
Status canny(ConstImageView src, ImageView dst, const CannyParams& params, Context& ctx);

}  // namespace caldera
