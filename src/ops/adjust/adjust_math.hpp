// Internal: the adjustment on normalised Y' and Cb/Cr, for the reference (double) and the kernel
// (float).
#pragma once

#include <cmath>

#include "caldera/ops/adjust.hpp"
#include "ops/color_pipeline/hd.hpp"

namespace caldera::adjust_detail {

template <class T>
struct Coeffs {
  T contrast = T(1), offset = T(0);  // y * contrast + offset = (y - 0.5) * contrast + 0.5 + brightness
  T inv_gamma = T(1);
  int gamma_on = 0;
  T m[2][2] = {{T(1), T(0)}, {T(0), T(1)}};  // saturation * rotation by hue, on (Cb, Cr)
};

template <class T>
Coeffs<T> make_coeffs(const AdjustParams& p) {
  Coeffs<T> c;
  c.contrast = static_cast<T>(p.contrast);
  c.offset = static_cast<T>(0.5 - 0.5 * p.contrast + p.brightness);
  c.gamma_on = p.gamma != 1;
  c.inv_gamma = static_cast<T>(1 / p.gamma);
  const double h = p.hue * 3.14159265358979323846 / 180;
  const double cs = std::cos(h) * p.saturation, sn = std::sin(h) * p.saturation;
  c.m[0][0] = static_cast<T>(cs), c.m[0][1] = static_cast<T>(-sn);
  c.m[1][0] = static_cast<T>(sn), c.m[1][1] = static_cast<T>(cs);
  return c;
}

template <class T>
CALDERA_HD T adjust_luma(const Coeffs<T>& c, T y) {
  y = y * c.contrast + c.offset;
  return c.gamma_on ? hd::pow_(hd::max_(y, T(0)), c.inv_gamma) : y;
}

template <class T>
CALDERA_HD void adjust_chroma(const Coeffs<T>& c, T& cb, T& cr) {
  const T b = c.m[0][0] * cb + c.m[0][1] * cr;
  const T r = c.m[1][0] * cb + c.m[1][1] * cr;
  cb = b, cr = r;
}

}  // namespace caldera::adjust_detail

namespace caldera::adjust_detail {

// Where the samples of one image are and how codes become normalised values.
struct Layout {
  int family = 0;            // ColorFamily
  double y_scale = 1, y_off = 0, c_scale = 1, c_off = 0;  // code = normalised * scale + off (YUV; gray: luma)
  double max = 1;            // RGB: code of 1.0 (1 for float)
  double kr = 0.2126, kb = 0.0722;
  int rgb_planar = 0, channels0 = 3, ri = 0, gi = 1, bi = 2, ai = -1;
  int u_plane = 1, u_ch = 0, v_plane = 2, v_ch = 0, c_channels = 1;
};
Layout layout_of(const ImageDesc& d);

}  // namespace caldera::adjust_detail
