// Resizing any pixel format, each plane at its own size (so NV12 -> NV12 scaling needs no RGB
// round trip). Pixel centres are aligned (the half-pixel convention of OpenCV, NPP and PyTorch
// with align_corners=false).
#pragma once

#include "caldera/context.hpp"
#include "caldera/image.hpp"
#include "caldera/memory.hpp"
#include "caldera/status.hpp"

namespace caldera {

enum class Interp : uint8_t { Nearest, Bilinear, Bicubic, Area, Lanczos3 };
const char* interp_name(Interp i);
Result<Interp> parse_interp(std::string_view s);

struct ResizeParams {
  Interp interp = Interp::Bilinear;
  // On downscale, widen the filter by the scale factor so every source pixel contributes
  // (no aliasing). Area always averages exactly; Nearest never filters.
  bool antialias = true;
  float cubic_a = -0.5f;  // Keys' cubic parameter: -0.5 (Catmull-Rom, NPP), -0.75 (OpenCV, PyTorch)
};

Status check_resize(const ImageDesc& src, const ImageDesc& dst, const ResizeParams& params);
Status resize_reference(ConstImageView src, ImageView dst, const ResizeParams& params);
Status resize_cuda(ConstImageView src, ImageView dst, const ResizeParams& params, Workspace ws, StreamHandle stream);
Status resize(ConstImageView src, ImageView dst, const ResizeParams& params, Context& ctx);

}  // namespace caldera
