// Internal: what the model-input/-output reference and CUDA kernels share: which formats they
// take and the YUV coefficients of a color description, for one source of truth.
#pragma once

#include "caldera/color.hpp"
#include "caldera/pixel_format.hpp"

namespace caldera::model_io {

// Formats the fused paths read (input) and write (output).
inline bool is_yuv420_io_format(PixelFormat f) {
  return f == PixelFormat::NV12 || f == PixelFormat::NV21 || f == PixelFormat::I420 || f == PixelFormat::P010;
}
inline bool is_rgb_io_format(PixelFormat f) {
  return f == PixelFormat::RGB24 || f == PixelFormat::BGR24 || f == PixelFormat::RGBA || f == PixelFormat::BGRA ||
         f == PixelFormat::RGB48;
}
inline bool is_io_format(PixelFormat f) { return is_yuv420_io_format(f) || is_rgb_io_format(f); }
inline bool is_tensor_format(PixelFormat f) {
  return f == PixelFormat::RGBPlanarF32 || f == PixelFormat::RGBPlanarF16;
}

// Normalised Y' = (code - y_off) * y_scale, C = (code - c_off) * c_scale for codes of the format's
// bit depth; RGB from Y'CbCr: R = Y' + rv Cr, G = Y' + gu Cb + gv Cr, B = Y' + bu Cb.
struct YuvCoeffs {
  float y_off, y_scale, c_off, c_scale;
  float rv, gu, gv, bu;
  // Inverse (RGB -> Y'CbCr) and encoding: code = Y' / y_scale + y_off.
  float kr, kg, kb;
  float max_code;
};

inline YuvCoeffs yuv_coeffs(const ColorDesc& c, int bit_depth) {
  const LumaCoefficients k = luma_coefficients(c.matrix);
  const double kr = k.kr, kb = k.kb, kg = 1.0 - kr - kb;
  const double s = static_cast<double>(1 << (bit_depth - 8));
  const double maxc = static_cast<double>((1 << bit_depth) - 1);
  YuvCoeffs y{};
  if (c.range == Range::Limited) {
    y.y_off = static_cast<float>(16 * s);
    y.y_scale = static_cast<float>(1.0 / (219 * s));
    y.c_off = static_cast<float>(128 * s);
    y.c_scale = static_cast<float>(1.0 / (224 * s));
  } else {
    y.y_off = 0.f;
    y.y_scale = static_cast<float>(1.0 / maxc);
    y.c_off = static_cast<float>(1 << (bit_depth - 1));
    y.c_scale = static_cast<float>(1.0 / maxc);
  }
  y.rv = static_cast<float>(2 * (1 - kr));
  y.bu = static_cast<float>(2 * (1 - kb));
  y.gu = static_cast<float>(-2 * kb * (1 - kb) / kg);
  y.gv = static_cast<float>(-2 * kr * (1 - kr) / kg);
  y.kr = static_cast<float>(kr);
  y.kg = static_cast<float>(kg);
  y.kb = static_cast<float>(kb);
  y.max_code = static_cast<float>(maxc);
  return y;
}

}  // namespace caldera::model_io
