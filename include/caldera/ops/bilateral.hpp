// Bilateral filter (edge-preserving smoothing) on 8-bit formats, as OpenCV's bilateralFilter
// defines it: each output is the mean of a circular window weighted by a spatial Gaussian of the
// offset and a range Gaussian of the colour distance, the sum of absolute channel differences of
// the plane's pixel (gray: one channel; packed RGB/BGR(A): all channels together; each plane of
// YUV on its own grid, or luma only with PlaneSet::LumaOnly). The weights are fixed-point
// integers, so the CPU and GPU give the same codes (docs/ops/bilateral.md).
#pragma once

#include "caldera/context.hpp"
#include "caldera/image.hpp"
#include "caldera/memory.hpp"
#include "caldera/ops/filter_border.hpp"
#include "caldera/status.hpp"

namespace caldera {

struct BilateralParams {
  int diameter = 0;          // window diameter, 1..31; <= 0: radius round(1.5 sigma_space) (at least 1)
  double sigma_color = 25;   // range sigma in codes; <= 0 means 1 (OpenCV)
  double sigma_space = 3;    // spatial sigma in pixels; <= 0 means 1
  FilterBorder border = FilterBorder::Reflect101;
  double border_value = 0;
  PlaneSet planes = PlaneSet::All;
};

Status check_bilateral(const ImageDesc& src, const ImageDesc& dst, const BilateralParams& params);
Status bilateral_reference(ConstImageView src, ImageView dst, const BilateralParams& params);
Status bilateral_cuda(ConstImageView src, ImageView dst, const BilateralParams& params, StreamHandle stream);
Status bilateral(ConstImageView src, ImageView dst, const BilateralParams& params, Context& ctx);

}  // namespace caldera
