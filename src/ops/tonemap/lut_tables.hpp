// Internal: the geometry of the fused kernels' piecewise-linear tables (lane_lut.cuh does the
// lookups): segment boundaries and each segment's line, for the device and for the host tests that
// check the tables' error against the exact functions.
#pragma once

#include <math.h>

#include "ops/color_pipeline/tone_math.hpp"

namespace caldera::tonemap_detail {

inline constexpr int kLutSegments = 128;
inline constexpr int kLutEntries = kLutSegments + 1;
inline constexpr int kLogOctaves = 16;  // the log domain: 8 segments per octave below 1

struct Line {
  float a, b;  // value = a + b * x
};

// Segment i of the uniform domain covers x in [i, i+1) / kLutSegments.
CALDERA_HD float uniform_segment_start(int i) { return static_cast<float>(i) / kLutSegments; }
// Segment i of the log domain starts at 2^(i/8 - 16) * (1 + (i % 8) / 8): the float's exponent and
// top three mantissa bits.
CALDERA_HD float log_segment_start(int i) { return ldexpf(1.0f + static_cast<float>(i % 8) / 8.0f, i / 8 - kLogOctaves); }

// The line through the values at the ends of segment i (the last entry: a constant).
CALDERA_HD Line uniform_line(int i, float v0, float v1) {
  if (i >= kLutSegments) return {v0, 0.0f};
  const float b = (v1 - v0) * kLutSegments;  // exact scalings by powers of two: the slope per unit of x
  return {v0 - b * uniform_segment_start(i), b};
}
CALDERA_HD Line log_line(int i, float v0, float v1) {
  if (i >= kLutSegments) return {v0, 0.0f};
  const float x0 = log_segment_start(i), x1 = log_segment_start(i + 1);
  const float b = (v1 - v0) / (x1 - x0);
  return {v0 - b * x0, b};
}

// ---- what the fused kernels' tables hold (built per block on the device; checked on the host) ----

// HDR10 -> SDR: PQ signal -> light in units of the target peak, at the start of segment k.
CALDERA_HD float eotf_table_value(int k, float target) { return hd::pq_eotf(uniform_segment_start(k)) / target; }
// HDR10 -> SDR: the tone gain at a max-RGB PQ signal (uniform) or at a luminance x = Y * lum_scale
// (log domain; lum_scale = target / 10000), at the start of segment k.
CALDERA_HD float gain_table_value(int k, const hd::ToneCoeffs<float>& tone, bool log_domain, float lum_scale, float target) {
  const float s = log_domain ? log_segment_start(k) / lum_scale : hd::pq_eotf(uniform_segment_start(k)) / target;
  return hd::tone_gain(tone, fmaxf(s, 1e-9f) * target);
}
// The line of entry i from the values at its two ends (the kernels compute each value once).
CALDERA_HD Line table_line(int i, float v0, float v1, bool log_domain) {
  return log_domain ? log_line(i, v0, v1) : uniform_line(i, v0, v1);
}
CALDERA_HD Line eotf_table_line(int i, float target) {
  return table_line(i, eotf_table_value(i, target), eotf_table_value(i < kLutSegments ? i + 1 : i, target), false);
}
CALDERA_HD Line gain_table_line(int i, const hd::ToneCoeffs<float>& tone, bool log_domain, float lum_scale, float target) {
  return table_line(i, gain_table_value(i, tone, log_domain, lum_scale, target),
                    gain_table_value(i < kLutSegments ? i + 1 : i, tone, log_domain, lum_scale, target), log_domain);
}
// SDR -> HDR10: BT.1886's x^2.4, BT.2446 A's Y_HDR(Y'), and PQ(1000 v^2.4) (log domain).
CALDERA_HD Line pow24_table_line(int i) {
  auto v = [](int k) { return powf(uniform_segment_start(k), 2.4f); };
  return uniform_line(i, v(i), v(i < kLutSegments ? i + 1 : i));
}
CALDERA_HD Line yhdr_table_line(int i) {
  auto v = [](int k) { return hd::bt2446a_luma(uniform_segment_start(k)); };
  return uniform_line(i, v(i), v(i < kLutSegments ? i + 1 : i));
}
CALDERA_HD Line pq_table_line(int i) {
  auto v = [](int k) { return hd::pq_inverse_eotf(static_cast<float>(hd::kItmPeak) * powf(log_segment_start(k), 2.4f)); };
  return log_line(i, v(i), v(i < kLutSegments ? i + 1 : i));
}

// The segment a lookup uses (the kernels get it from the float's bits; this is the same number).
inline int uniform_segment_of(float x) {
  const float w = fminf(fmaxf(x, 0.0f), 1.0f) * (kLutSegments * 256);
  return static_cast<int>(floorf(w)) >> 8;
}
inline int log_segment_of(float x) {
  x = fminf(fmaxf(x, 0.0f), 1.0f);
  if (x < log_segment_start(0)) return 0;
  const int e = ilogbf(x);  // x = 2^e * m, m in [1, 2)
  const int m = static_cast<int>(ldexpf(x, -e) * 8.0f) - 8;
  return (e + kLogOctaves) * 8 + m;
}
// Host lookups with the kernels' arithmetic.
inline float lookup_uniform_host(const Line* lines, float x) {
  x = fminf(fmaxf(x, 0.0f), 1.0f);
  const Line l = lines[uniform_segment_of(x)];
  return fmaf(l.b, x, l.a);
}
inline float lookup_log_host(const Line* lines, float x) {
  x = fminf(fmaxf(x, 0.0f), 1.0f);
  const Line l = lines[log_segment_of(x)];
  return fmaf(l.b, x, l.a);
}

}  // namespace caldera::tonemap_detail
