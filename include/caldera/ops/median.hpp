// Median filter (3x3, 5x5) on 8-bit formats, each channel on its own: gray, packed RGB/BGR with or
// without alpha, and every plane of 8-bit YUV on its own grid (chroma in chroma pixels), or luma
// only with PlaneSet::LumaOnly. Exact: the output is a sample of the window, the same on the CPU
// and the GPU. Source and destination have the same size and format and must not overlap.
#pragma once

#include "caldera/context.hpp"
#include "caldera/image.hpp"
#include "caldera/memory.hpp"
#include "caldera/ops/filter_border.hpp"
#include "caldera/status.hpp"

namespace caldera {

struct MedianParams {
  int ksize = 3;  // 3 or 5
  FilterBorder border = FilterBorder::Replicate;  // OpenCV's medianBlur replicates
  double border_value = 0;                        // Constant border, in codes
  PlaneSet planes = PlaneSet::All;
};

Status check_median(const ImageDesc& src, const ImageDesc& dst, const MedianParams& params);
Status median_reference(ConstImageView src, ImageView dst, const MedianParams& params);
Status median_cuda(ConstImageView src, ImageView dst, const MedianParams& params, StreamHandle stream);
Status median(ConstImageView src, ImageView dst, const MedianParams& params, Context& ctx);

}  // namespace caldera
