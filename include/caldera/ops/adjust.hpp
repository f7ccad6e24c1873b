// Colour adjustment for grading: brightness, contrast, saturation, hue and gamma, on Y'CbCr
// (the image's own planes for YUV, so 4:2:0 stays exact; R'G'B' -> Y'CbCr with the image's
// matrix and back for RGB; luma only for gray). docs/ops/adjust.md has the formulas.
#pragma once

#include "caldera/context.hpp"
#include "caldera/image.hpp"
#include "caldera/memory.hpp"
#include "caldera/status.hpp"

namespace caldera {

struct AdjustParams {
  double brightness = 0;  // added to Y' (normalised: 1 is black to white), -1..1
  double contrast = 1;    // Y' scaled around mid grey 0.5, 0..4
  double saturation = 1;  // Cb, Cr scaled, 0..4 (0: grey)
  double hue = 0;         // Cb, Cr rotated by this many degrees (Cb toward Cr), -360..360
  double gamma = 1;       // Y' -> Y'^(1/gamma) after contrast and brightness, 0.1..10 (above 1 brightens)
};

// Same size and format on both sides; any format.
Status check_adjust(const ImageDesc& src, const ImageDesc& dst, const AdjustParams& params);
Status adjust_reference(ConstImageView src, ImageView dst, const AdjustParams& params);
Status adjust_cuda(ConstImageView src, ImageView dst, const AdjustParams& params, Workspace ws, StreamHandle stream);
Status adjust(ConstImageView src, ImageView dst, const AdjustParams& params, Context& ctx);

}  // namespace caldera
