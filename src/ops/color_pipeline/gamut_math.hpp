// Internal: the gamut stage in linear light (cd/m2): the 3x3 matrix from the source primaries to
// the destination's, then one of four mappings of what falls outside [0, peak] in the
// destination: none, per-channel clipping, desaturation toward the luminance axis (the nearest
// colour of the same luminance on the gamut's surface), and soft compression (colours near the
// boundary desaturated gradually so that the source gamut's most saturated colours land on the
// boundary, then desaturation for whatever is still outside). docs/ops/gamut.md states the math.
#pragma once

#include "ops/color_pipeline/hd.hpp"

namespace caldera::hd {

enum GamutModeKind : int { kGamutNone = 0, kGamutClip = 1, kGamutDesaturate = 2, kGamutCompress = 3 };  // = caldera::GamutMapping

template <class T>
struct GamutCoeffs {
  Mat3<T> m{{{T(1), T(0), T(0)}, {T(0), T(1), T(0)}, {T(0), T(0), T(1)}}};
  int identity = 1;  // m is the identity (the stage only bounds)
  int mode = kGamutCompress;
  T ky[3] = {T(0.2126), T(0.7152), T(0.0722)};  // destination luminance coefficients
  T peak = T(1e30);  // upper bound in cd/m2 (none: very large)
  // Compression: distance d = (Y - min) / Y from the luminance axis; d <= threshold is untouched,
  // d = limit (the source gamut's most distant primary) lands on d = 1 (the boundary).
  T threshold = T(0.8);
  T k = T(0);        // (s - 1) / s with s = (limit - threshold) / (1 - threshold); 0: nothing to compress
};

template <class To, class From>
GamutCoeffs<To> cast_gamut(const GamutCoeffs<From>& g) {
  GamutCoeffs<To> o;
  o.m = cast_mat<To>(g.m);
  o.identity = g.identity;
  o.mode = g.mode;
  for (int i = 0; i < 3; ++i) o.ky[i] = static_cast<To>(g.ky[i]);
  o.peak = static_cast<To>(g.peak);
  o.threshold = static_cast<To>(g.threshold);
  o.k = static_cast<To>(g.k);
  return o;
}

// Moves (r, g, b) toward (y, y, y) so that every channel is in [0, peak], keeping y: the largest
// t <= 1 with y + t (c - y) inside. y <= 0 gives black and y >= peak gives the peak's white.
template <class T>
CALDERA_HD void desaturate_into_range(T y, T peak, T& r, T& g, T& b) {
  if (!(y > T(0))) {
    r = g = b = T(0);
    return;
  }
  if (!(y < peak)) {
    r = g = b = peak;
    return;
  }
  const T lo = min3_(r, g, b), hi = max3_(r, g, b);
  T t = T(1);
  bool to_black = false;  // the lowest channel is what stops the move: it lands on 0
  if (lo < T(0)) t = div_(y, y - lo), to_black = true;
  if (hi > peak) {
    const T th = div_(peak - y, hi - y);
    if (th < t) t = th, to_black = false;
  }
  if (to_black) {
    // y + t (c - y) with t = y / (y - lo), written as y (c - lo) / (y - lo): the same value, but
    // the lowest channel is exactly 0 (c - lo = 0). From y + t (c - y) it is a rounding residue of
    // the order of y * 2^-24, and a transfer as steep as PQ near black turns 1e-4 cd/m2 into
    // hundreds of 16-bit codes (float kernels against the double reference).
    r = (r - lo) * t, g = (g - lo) * t, b = (b - lo) * t;
    r = clamp_(r, T(0), peak), g = clamp_(g, T(0), peak), b = clamp_(b, T(0), peak);
  } else if (t < T(1)) {
    r = y + t * (r - y), g = y + t * (g - y), b = y + t * (b - y);
    // The projection lands on the boundary; rounding must not leave a channel a hair outside.
    r = clamp_(r, T(0), peak), g = clamp_(g, T(0), peak), b = clamp_(b, T(0), peak);
  }
}

// The soft compression toward the luminance axis. With D = y - min and u = D - threshold * y
// (how far past the knee), the new distance is threshold * y + w u / (w + k u) with w =
// (1 - threshold) y: slope 1 at the knee, and d = limit lands on d = 1.
template <class T>
CALDERA_HD void compress_toward_axis(const GamutCoeffs<T>& c, T y, T& r, T& g, T& b) {
  if (!(y > T(0)) || c.k <= T(0)) return;
  const T d = y - min3_(r, g, b);
  const T u = d - c.threshold * y;
  if (!(u > T(0))) return;
  const T w = (T(1) - c.threshold) * y;
  const T den = w + c.k * u;
  const T f = div_(c.threshold * y * den + w * u, d * den);  // new distance / old distance, < 1
  r = y + f * (r - y), g = y + f * (g - y), b = y + f * (b - y);
}

template <class T>
CALDERA_HD void map_gamut(const GamutCoeffs<T>& c, T& r, T& g, T& b) {
  if (!c.identity) c.m.apply(r, g, b);
  switch (c.mode) {
    case kGamutNone: return;
    case kGamutClip:
      r = clamp_(r, T(0), c.peak), g = clamp_(g, T(0), c.peak), b = clamp_(b, T(0), c.peak);
      return;
    default: {
      const T y = c.ky[0] * r + c.ky[1] * g + c.ky[2] * b;
      if (c.mode == kGamutCompress) compress_toward_axis(c, y, r, g, b);
      desaturate_into_range(y, c.peak, r, g, b);
      return;
    }
  }
}

}  // namespace caldera::hd
