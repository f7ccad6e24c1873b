// Internal: how the colour pipeline reads and writes images, and its two runners.
//
// Formats: every RGB format (integer codes / max code, float values as they are, non-finite
// floats read as 0) and every YUV format (4:2:0, 4:2:2, 4:4:4; matrix and range from the image's
// colour description). Gray is not supported. Work goes by 2x2 blocks: a subsampled chroma
// sample is used as it is for every pixel it covers, and written back as the mean of the Cb/Cr of
// the pixels it covers (inside the image), computed from the output R'G'B' as it is (integer
// codes clamp), as convert() does. So an operator that changes nothing gives back its input.
#pragma once

#include <cstdint>
#include <string>

#include "caldera/image.hpp"
#include "caldera/memory.hpp"
#include "caldera/status.hpp"
#include "ops/color_pipeline/pipeline.hpp"

namespace caldera::pipeline {

enum FamilyKind : int { kFamilyRgb = 0, kFamilyYuv = 1 };

// One image's layout, as the runners need it.
struct Layout {
  int family = kFamilyRgb;
  int sample = 0;       // SampleType
  int shift = 0;        // P010: code = word >> 6
  double max = 1;       // largest code (1 for float formats)
  int rgb_planar = 0, channels0 = 3, ri = 0, gi = 1, bi = 2, ai = -1;
  int sub_x = 0, sub_y = 0, u_plane = 1, u_ch = 0, v_plane = 2, v_ch = 0, c_channels = 1;
  double y_scale = 1, y_off = 0, c_scale = 1, c_off = 0;  // code = normalised * scale + off
  double kr = 0.2126, kb = 0.0722;                         // the Y'CbCr matrix
};

// The layout of `d`, or an error naming `what` and the unsupported format.
Result<Layout> pipeline_layout(const ImageDesc& d, const char* what, const char* op);

// Checks shared by the operators: sizes equal, formats supported.
Status check_pipeline_images(const ImageDesc& src, const ImageDesc& dst, const char* op);

// Runs the stages over host images (double). `tone` is the tone curve to use (fixed or from a
// measured peak). `histogram` (256 bins, may be null) receives the blocks' measurements when the
// stages measure; with write == false nothing is written (the measuring pre-pass).
Status run_pipeline_reference(ConstImageView src, ImageView dst, const Stages<double>& stages,
                              const hd::ToneCoeffs<double>& tone, uint32_t* histogram, bool write, const char* op);

// How a device launch finds its tone curve and where it puts its measurement.
struct DevicePeak {
  hd::PeakStateData* state = nullptr;  // null: fixed curve, no measurement
  hd::PeakRule<float> rule{};
  int dynamic_curve = 0;               // rebuild the curve from state->peak_pq
};

// Runs the stages over device images (float) on `stream`; asynchronous. With write == false only
// the measurement is made.
Status run_pipeline_cuda(ConstImageView src, ImageView dst, const Stages<float>& stages, const DevicePeak& peak,
                         bool write, StreamHandle stream, const char* op);

}  // namespace caldera::pipeline
