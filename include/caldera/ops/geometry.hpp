// Geometry: crop (a view, or a copy), flip, pad and letterbox.
#pragma once

#include "caldera/context.hpp"
#include "caldera/image.hpp"
#include "caldera/memory.hpp"
#include "caldera/ops/resize.hpp"
#include "caldera/status.hpp"

namespace caldera {

enum class FlipMode : uint8_t { Horizontal, Vertical, Both };

// Flip into dst (same size and format; src and dst must not overlap).
Status check_flip(const ImageDesc& src, const ImageDesc& dst);
Status flip_reference(ConstImageView src, ImageView dst, FlipMode mode);
Status flip_cuda(ConstImageView src, ImageView dst, FlipMode mode, StreamHandle stream);
Status flip(ConstImageView src, ImageView dst, FlipMode mode, Context& ctx);

enum class BorderMode : uint8_t { Constant, Replicate, Reflect };

struct PadParams {
  int left = 0, top = 0;  // where src lands inside dst; the rest of dst is border
  BorderMode border = BorderMode::Constant;
  // Constant border colour in the destination's own code values, per plane channel order:
  // RGB formats (r, g, b, a), YUV formats (y, u, v), gray (y). Floats take it as is.
  double value[4] = {0, 0, 0, 0};
};

Status check_pad(const ImageDesc& src, const ImageDesc& dst, const PadParams& params);
Status pad_reference(ConstImageView src, ImageView dst, const PadParams& params);
Status pad_cuda(ConstImageView src, ImageView dst, const PadParams& params, StreamHandle stream);
Status pad(ConstImageView src, ImageView dst, const PadParams& params, Context& ctx);

// The rectangle of a dst_w x dst_h frame that a src_w x src_h picture fills when scaled to fit
// with its aspect ratio kept, centred (offsets rounded to the format's subsampling).
Rect letterbox_rect(int src_w, int src_h, int dst_w, int dst_h, PixelFormat format);
// Resize to fit, centre, fill the bars with `bar` (constant border values as in PadParams).
Status letterbox(ConstImageView src, ImageView dst, const ResizeParams& resize_params, const double bar[4],
                 Context& ctx);

}  // namespace caldera
