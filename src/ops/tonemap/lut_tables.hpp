// Internal: the geometry of the fused kernels' piecewise-linear tables (lane_lut.cuh does the
// lookups): segment boundaries and each segment's line, for the device and for the host tests that
// check the tables' error against the exact functions.
#pragma once

#include <math.h>

#include <cmath>
#include <vector>

#include "ops/color_pipeline/pipeline.hpp"
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

// HDR10 -> SDR with peak detection: the gain table sampled over the source peak, so that the
// fused kernel's last block makes the next frame's table by interpolating two rows instead of
// evaluating the curve (a chain of about ten powf per entry, ~7 us on one SM while the others idle).
// Rows 0..kPeakCurveNodes are the tables at PQ peaks q0 + (1 - q0) j / kPeakCurveNodes, q0 the PQ
// of the lowest source peak the curve does not leave alone (row 0 is that curve, the limit from
// above: Hable and Reinhard jump there); the last row is the table of a peak no brighter than
// the target (the identity). Interpolated rows are within 5e-3 of the exact table's gain
// (FusedTables.PeakSampledCurvesAreCloseToTheExactCurve; the worst are entries where the source
// peak crosses them, a kink the interpolation rounds off).
inline constexpr int kPeakCurveNodes = 256;
inline constexpr int kPeakCurveRows = kPeakCurveNodes + 2;
CALDERA_HD Line peak_curve_line(const Line* table, float q0, float peak_pq, int i) {
  if (!(peak_pq > q0)) return table[(kPeakCurveNodes + 1) * kLutEntries + i];
  const float u = fminf((peak_pq - q0) / (1.0f - q0), 1.0f) * kPeakCurveNodes;
  const int j = u < kPeakCurveNodes - 1 ? static_cast<int>(u) : kPeakCurveNodes - 1;
  const float f = u - static_cast<float>(j);
  const Line l0 = table[j * kLutEntries + i], l1 = table[(j + 1) * kLutEntries + i];
  return {fmaf(f, l1.a - l0.a, l0.a), fmaf(f, l1.b - l0.b, l0.b)};
}

// The table of peak_curve_line for a dynamic curve: ~33 k curve evaluations, a few milliseconds of CPU.
struct PeakCurveTable {
  std::vector<Line> lines;  // kPeakCurveRows x kLutEntries
  float q0 = 0;
};
inline PeakCurveTable build_peak_curve_table(const pipeline::ToneStage<float>& ts, bool log_domain, float lum_scale,
                                             float target) {
  PeakCurveTable out;
  out.lines.resize(static_cast<size_t>(kPeakCurveRows) * kLutEntries);
  auto fill_row = [&](int j, const hd::ToneCoeffs<float>& tone) {
    float values[kLutEntries];
    for (int i = 0; i < kLutEntries; ++i) values[i] = gain_table_value(i, tone, log_domain, lum_scale, target);
    for (int i = 0; i < kLutEntries; ++i)
      out.lines[static_cast<size_t>(j) * kLutEntries + i] = table_line(i, values[i], values[i < kLutSegments ? i + 1 : i], log_domain);
  };
  auto coeffs_at = [&](float peak) { return hd::make_tone_coeffs<float>(ts.curve, peak, ts.target, ts.target_black, ts.param); };
  const hd::ToneCoeffs<float> identity = pipeline::tone_coeffs_for_peak(ts, 0.0f);  // a peak below the target
  if (coeffs_at(2 * fmaxf(ts.target, static_cast<float>(hd::kPqPeak))).identity) {
    // A curve that leaves every peak alone (clip): every row the identity, q0 above every PQ peak.
    for (int j = 0; j < kPeakCurveRows; ++j) fill_row(j, identity);
    out.q0 = 1.0f;
    return out;
  }
  // The lowest source peak make_tone_coeffs does not leave alone (a few float steps above the
  // target's 1/1024 of slack); row 0 is its curve, the limit from above.
  float lowest = ts.target * 1.0009765625f;
  while (coeffs_at(lowest).identity) lowest = std::nextafter(lowest, INFINITY);
  out.q0 = hd::pq_inverse_eotf(lowest);
  fill_row(0, coeffs_at(lowest));
  for (int j = 1; j <= kPeakCurveNodes; ++j)
    fill_row(j, pipeline::tone_coeffs_for_peak(ts, out.q0 + (1.0f - out.q0) * j / kPeakCurveNodes));
  fill_row(kPeakCurveNodes + 1, identity);
  return out;
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
