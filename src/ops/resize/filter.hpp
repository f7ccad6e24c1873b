// Internal: the resampling filters of every resize mode, one axis at a time. The same code runs on
// the host (reference, in double) and on the device (weight tables and the gather kernel), so both
// pick identical taps. Never include from public headers.
//
// An output index o of an axis with n_in source and n_out destination samples reads the source
// taps start .. start + taps - 1 (indices clamped to [0, n_in - 1]: edges replicate) with weights
// raw_weight(..) normalised to sum 1.
#pragma once

#include <cmath>
#include <cstdint>

#include "caldera/ops/resize.hpp"

#if defined(__CUDACC__)
#define CALDERA_HD __host__ __device__
#else
#define CALDERA_HD
#endif

namespace caldera::resize_detail {

struct AxisFilter {
  int n_in = 1, n_out = 1;
  int interp = 0;         // Interp as int
  double scale = 1;       // n_in / n_out: source pixels per output pixel
  double stretch = 1;     // filter widening: scale on antialiased downscale, else 1
  double radius = 1;      // kernel support in kernel units (1 bilinear, 2 bicubic, 3 lanczos)
  double cubic_a = -0.5;
  int taps = 1;           // source samples one output reads (the table width)
};

CALDERA_HD inline double cubic_kernel(double t, double a) {
  t = fabs(t);
  if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
  return 0;
}

CALDERA_HD inline double lanczos3_kernel(double t) {
  t = fabs(t);
  if (t >= 3) return 0;
  if (t == 0) return 1;
  if (t == floor(t)) return 0;  // exact zeros at the integers, so identity resizes are exact
  const double pi = 3.14159265358979323846;
  const double x = pi * t;
  return 3 * sin(x) * sin(x / 3) / (x * x);
}

// Filter parameters of one axis (host and device).
CALDERA_HD inline AxisFilter make_axis(int n_in, int n_out, Interp interp, bool antialias, double cubic_a) {
  AxisFilter f;
  f.n_in = n_in;
  f.n_out = n_out;
  f.interp = static_cast<int>(interp);
  f.scale = static_cast<double>(n_in) / n_out;
  f.cubic_a = cubic_a;
  switch (interp) {
    case Interp::Nearest:
      f.taps = 1;
      break;
    case Interp::Area:
      // An output pixel covers [o*scale, (o+1)*scale) of the source: `scale` pixels when that is
      // an integer (the interval starts on a pixel edge), else at most ceil(scale) + 1.
      f.taps = n_in % n_out == 0 ? n_in / n_out : static_cast<int>(ceil(f.scale)) + 1;
      break;
    default: {
      f.radius = interp == Interp::Bilinear ? 1 : interp == Interp::Bicubic ? 2 : 3;
      f.stretch = antialias && f.scale > 1 ? f.scale : 1;
      // Taps lie in the open interval (c - W, c + W), W = radius * stretch: at most ceil(2W).
      const double width = 2 * f.radius * f.stretch;
      int t = static_cast<int>(ceil(width - 1e-9));
      f.taps = t < 1 ? 1 : t;
      break;
    }
  }
  return f;
}

// Source position of output o's centre (half-pixel convention).
CALDERA_HD inline double axis_center(const AxisFilter& f, int o) { return (o + 0.5) * f.scale - 0.5; }

// First source tap of output o (may be negative or past the end: indices are clamped when read).
CALDERA_HD inline int first_tap(const AxisFilter& f, int o) {
  if (f.interp == static_cast<int>(Interp::Nearest)) {
    // floor((o + 0.5) * n_in / n_out) in exact integer arithmetic, clamped.
    const long long s = ((2LL * o + 1) * f.n_in) / (2LL * f.n_out);
    return s < f.n_in ? static_cast<int>(s) : f.n_in - 1;
  }
  if (f.interp == static_cast<int>(Interp::Area)) return static_cast<int>((static_cast<long long>(o) * f.n_in) / f.n_out);
  return static_cast<int>(floor(axis_center(f, o) - f.radius * f.stretch)) + 1;
}

// Unnormalised weight of source index i for output o. WithLanczos = false leaves the (large,
// double sin) lanczos branch out of kernels that never take it.
template <bool WithLanczos = true>
CALDERA_HD inline double raw_weight(const AxisFilter& f, int o, int i) {
  switch (static_cast<Interp>(f.interp)) {
    case Interp::Nearest:
      return 1;
    case Interp::Area: {
      const double lo = static_cast<double>(o) * f.n_in / f.n_out;
      const double hi = static_cast<double>(o + 1) * f.n_in / f.n_out;
      const double a = i > lo ? i : lo, b = i + 1 < hi ? i + 1 : hi;
      return b > a ? b - a : 0;
    }
    case Interp::Bilinear: {
      const double t = fabs((i - axis_center(f, o)) / f.stretch);
      return t < 1 ? 1 - t : 0;
    }
    case Interp::Bicubic:
      return cubic_kernel((i - axis_center(f, o)) / f.stretch, f.cubic_a);
    case Interp::Lanczos3:
      if constexpr (WithLanczos) return lanczos3_kernel((i - axis_center(f, o)) / f.stretch);
      return 0;
  }
  return 0;
}

// Normalised weights of output o into w[0 .. f.taps); returns the first tap. MaxTaps > 0 bounds
// the loop at compile time for the device gather kernel (f.taps <= MaxTaps there); 0: any taps.
template <int MaxTaps = 0, bool WithLanczos = true>
CALDERA_HD inline int axis_weights(const AxisFilter& f, int o, double* w) {
  const int start = first_tap(f, o);
  double sum = 0;
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
  for (int k = 0; k < (MaxTaps > 0 ? MaxTaps : f.taps); ++k) {
    if (k < f.taps) {
      w[k] = raw_weight<WithLanczos>(f, o, start + k);
      sum += w[k];
    }
  }
  const double inv = sum != 0 ? 1 / sum : 0;
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
  for (int k = 0; k < (MaxTaps > 0 ? MaxTaps : f.taps); ++k)
    if (k < f.taps) w[k] *= inv;
  return start;
}

CALDERA_HD inline int clamp_index(int i, int n) { return i < 0 ? 0 : i >= n ? n - 1 : i; }

}  // namespace caldera::resize_detail
