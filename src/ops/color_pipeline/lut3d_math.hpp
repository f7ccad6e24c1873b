// Internal: 3D LUT lookup with trilinear or tetrahedral interpolation, for the reference (double)
// and the kernels (float). The table holds size^3 entries of 4 floats (R, G, B, unused), red
// varying fastest as in .cube files; the padding lets the kernels load an entry in one 16-byte read.
#pragma once

#include "ops/color_pipeline/hd.hpp"

namespace caldera::hd {

template <class T>
struct LutView {
  const float* table = nullptr;  // size^3 * 4 floats (host or device memory, as the caller runs)
  int size = 0;
  int tetrahedral = 1;
  T dmin[3] = {T(0), T(0), T(0)};
  T dscale[3] = {T(1), T(1), T(1)};  // (size - 1) / (domain max - domain min)
};

template <class T>
CALDERA_HD void lut_entry(const LutView<T>& l, int r, int g, int b, T out[3]) {
  const float* e = l.table + 4 * (static_cast<long>(r) + static_cast<long>(l.size) * (g + static_cast<long>(l.size) * b));
#if defined(__CUDA_ARCH__)
  const float4 v = __ldg(reinterpret_cast<const float4*>(e));
  out[0] = v.x, out[1] = v.y, out[2] = v.z;
#else
  out[0] = e[0], out[1] = e[1], out[2] = e[2];
#endif
}

// One axis: the input mapped onto the grid (clamped to the domain), the cell's lower index and
// the fraction inside it (the top edge is the upper end of the last cell).
template <class T>
CALDERA_HD void lut_axis(const LutView<T>& l, int axis, T v, int& i, T& f) {
  const T u = clamp_((v - l.dmin[axis]) * l.dscale[axis], T(0), T(l.size - 1));
  i = imin_(static_cast<int>(u), l.size - 2);
  f = u - T(i);
}

template <class T>
CALDERA_HD void apply_lut(const LutView<T>& l, T& r, T& g, T& b) {
  int i, j, k;
  T fr, fg, fb;
  lut_axis(l, 0, r, i, fr);
  lut_axis(l, 1, g, j, fg);
  lut_axis(l, 2, b, k, fb);
  T c000[3], c111[3], out[3];
  lut_entry(l, i, j, k, c000);
  lut_entry(l, i + 1, j + 1, k + 1, c111);
  if (l.tetrahedral) {
    // The cube splits into six tetrahedra along its diagonal; the order of the fractions picks
    // one, whose vertices are 000, one corner with a single axis set, one with two, and 111.
    int a1[3] = {0, 0, 0}, a2[3] = {0, 0, 0};
    T w0, w1, w2, w3;  // weights of 000, the 1-corner, the 2-corner, 111
    if (fr > fg) {
      if (fg > fb) {         // r > g > b
        a1[0] = 1, a2[0] = a2[1] = 1;
        w1 = fr - fg, w2 = fg - fb, w3 = fb;
      } else if (fr > fb) {  // r > b >= g
        a1[0] = 1, a2[0] = a2[2] = 1;
        w1 = fr - fb, w2 = fb - fg, w3 = fg;
      } else {               // b >= r > g
        a1[2] = 1, a2[0] = a2[2] = 1;
        w1 = fb - fr, w2 = fr - fg, w3 = fg;
      }
    } else {
      if (fb > fg) {         // b > g >= r
        a1[2] = 1, a2[1] = a2[2] = 1;
        w1 = fb - fg, w2 = fg - fr, w3 = fr;
      } else if (fb > fr) {  // g >= b > r
        a1[1] = 1, a2[1] = a2[2] = 1;
        w1 = fg - fb, w2 = fb - fr, w3 = fr;
      } else {               // g >= r >= b
        a1[1] = 1, a2[0] = a2[1] = 1;
        w1 = fg - fr, w2 = fr - fb, w3 = fb;
      }
    }
    w0 = T(1) - w1 - w2 - w3;
    T c1[3], c2[3];
    lut_entry(l, i + a1[0], j + a1[1], k + a1[2], c1);
    lut_entry(l, i + a2[0], j + a2[1], k + a2[2], c2);
    for (int c = 0; c < 3; ++c) out[c] = w0 * c000[c] + w1 * c1[c] + w2 * c2[c] + w3 * c111[c];
  } else {
    T c100[3], c010[3], c110[3], c001[3], c101[3], c011[3];
    lut_entry(l, i + 1, j, k, c100);
    lut_entry(l, i, j + 1, k, c010);
    lut_entry(l, i + 1, j + 1, k, c110);
    lut_entry(l, i, j, k + 1, c001);
    lut_entry(l, i + 1, j, k + 1, c101);
    lut_entry(l, i, j + 1, k + 1, c011);
    for (int c = 0; c < 3; ++c) {
      const T x00 = c000[c] + fr * (c100[c] - c000[c]), x10 = c010[c] + fr * (c110[c] - c010[c]);
      const T x01 = c001[c] + fr * (c101[c] - c001[c]), x11 = c011[c] + fr * (c111[c] - c011[c]);
      const T y0 = x00 + fg * (x10 - x00), y1 = x01 + fg * (x11 - x01);
      out[c] = y0 + fb * (y1 - y0);
    }
  }
  r = out[0], g = out[1], b = out[2];
}

}  // namespace caldera::hd
