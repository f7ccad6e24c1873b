// The model-input and model-output paths, each one fused kernel:
//   input:  NV12 / P010 / RGB-family image -> resize -> planar float (f32 or f16), normalised
//           per channel: out = (rgb - mean) / std with rgb in [0, 1]
//   output: planar float -> de-normalise -> clamp to [0, 1] -> NV12 / P010 / RGB-family image
// The fused path never rounds to 8 bits between steps, so it is also more exact than the chain
// of separate operators it replaces.
#pragma once

#include "caldera/context.hpp"
#include "caldera/image.hpp"
#include "caldera/memory.hpp"
#include "caldera/ops/color_convert.hpp"
#include "caldera/ops/resize.hpp"
#include "caldera/status.hpp"

namespace caldera {

struct Normalization {
  float mean[3] = {0.f, 0.f, 0.f};
  float std[3] = {1.f, 1.f, 1.f};
};

struct ModelInputParams {
  Interp interp = Interp::Bilinear;  // Nearest, Bilinear or Bicubic
  float cubic_a = -0.5f;
  ChromaFilter chroma = ChromaFilter::Linear;
  Normalization norm{};
};

struct ModelOutputParams {
  ChromaFilter chroma = ChromaFilter::Linear;  // how 4:2:0 outputs average chroma
  Normalization norm{};                        // undone before clamping: rgb = x * std + mean
};

Status check_model_input(const ImageDesc& src, const ImageDesc& dst, const ModelInputParams& p);
Status model_input_reference(ConstImageView src, ImageView dst, const ModelInputParams& p);
Status model_input_cuda(ConstImageView src, ImageView dst, const ModelInputParams& p, StreamHandle stream);
Status model_input(ConstImageView src, ImageView dst, const ModelInputParams& p, Context& ctx);

Status check_model_output(const ImageDesc& src, const ImageDesc& dst, const ModelOutputParams& p);
Status model_output_reference(ConstImageView src, ImageView dst, const ModelOutputParams& p);
Status model_output_cuda(ConstImageView src, ImageView dst, const ModelOutputParams& p, StreamHandle stream);
Status model_output(ConstImageView src, ImageView dst, const ModelOutputParams& p, Context& ctx);

}  // namespace caldera
