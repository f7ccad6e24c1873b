// Color conversion between pixel formats: YUV <-> RGB (8, 10, 16 bit), YUV layout changes
// (NV12 <-> I420, P010 <-> YUV420P10, 4:4:4 <-> 4:2:0), RGB channel orders and depths, gray, and
// the planar float model-tensor formats. The matrix, range and chroma siting come from the
// source's and destination's color descriptions.
#pragma once

#include "caldera/context.hpp"
#include "caldera/image.hpp"
#include "caldera/memory.hpp"
#include "caldera/status.hpp"

namespace caldera {

// How subsampled chroma is brought to full resolution (YUV -> RGB) and back.
//   Linear:  interpolates between chroma samples at their true positions (the siting); the
//            downsampler averages with the matching filter. The default, and the correct one.
//   Nearest: each chroma sample covers its 2x2 (or 2x1) block as it is, and downsampling
//            averages the block: what libyuv and NPP do.
enum class ChromaFilter : uint8_t { Linear, Nearest };

struct ConvertParams {
  ChromaFilter chroma = ChromaFilter::Linear;
  float alpha = 1.0f;  // alpha written when the destination has alpha and the source has none (0..1)
};

Status check_convert(const ImageDesc& src, const ImageDesc& dst, const ConvertParams& params);
Status convert_reference(ConstImageView src, ImageView dst, const ConvertParams& params);
Status convert_cuda(ConstImageView src, ImageView dst, const ConvertParams& params, Workspace ws, StreamHandle stream);
// Runs on the CPU for host images and on ctx's stream for device images.
Status convert(ConstImageView src, ImageView dst, const ConvertParams& params, Context& ctx);

}  // namespace caldera
