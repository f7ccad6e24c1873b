// The fused kernels' lookup tables (ops/tonemap/lut_tables.hpp) against the exact functions, in
// output codes: this is the error budget behind the fused kernels' 1-code tolerance against the
// reference, checked here on the host because the kernels themselves need a GPU.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <vector>

#include "caldera/ops/tonemap.hpp"
#include "ops/color_pipeline/pipeline.hpp"
#include "ops/tonemap/lut_tables.hpp"

namespace caldera {
namespace {

using namespace tonemap_detail;

// An 8-bit BT.1886 code of light v (units of the target, clamped to [0, 1]).
double code8(double v) { return 255 * std::pow(std::clamp(v, 0.0, 1.0), 1 / 2.4); }

TEST(FusedTables, PqTableIsWithinHalfACode) {
  std::vector<Line> lines(kLutEntries);
  for (int i = 0; i < kLutEntries; ++i) lines[i] = eotf_table_line(i, 100.0f);
  double worst = 0, worst_bright = 0;
  for (int k = 0; k <= 200000; ++k) {
    const float e = k / 200000.0f;
    const double exact = pq_eotf(e) / 100, table = lookup_uniform_host(lines.data(), e);
    // Light up to the target lands on codes as it is; brighter light is tone mapped down by a
    // gain, which keeps the relative error: near code 255 that is 255 / 2.4 times it.
    if (exact <= 1) worst = std::max(worst, std::fabs(code8(table) - code8(exact)));
    else worst_bright = std::max(worst_bright, 255 / 2.4 * std::fabs(table - exact) / exact);
  }
  std::printf("[tables] PQ table: %.3f code at most up to 100 cd/m2, %.3f above\n", worst, worst_bright);
  EXPECT_LT(worst, 0.5);
  EXPECT_LT(worst_bright, 0.1);
}

TEST(FusedTables, GainTablesAreWithinFourTenthsOfACode) {
  for (ToneCurve c : {ToneCurve::Bt2390, ToneCurve::Hable, ToneCurve::Reinhard, ToneCurve::Mobius})
    for (float source : {1000.0f, 4000.0f})
      for (bool log_domain : {false, true}) {
        const auto tone = hd::make_tone_coeffs<float>(static_cast<int>(c), source, 100.0f, 0.0f, NAN);
        const float lum_scale = 100.0f / 10000.0f;
        std::vector<Line> lines(kLutEntries);
        for (int i = 0; i < kLutEntries; ++i) lines[i] = gain_table_line(i, tone, log_domain, lum_scale, 100.0f);
        double worst = 0;
        for (int k = 1; k <= 100000; ++k) {
          // The signal in target units: over the PQ range (uniform) or over 16 octaves (log).
          const double s = log_domain ? std::pow(2.0, -16.0 + 16.0 * k / 100000) / lum_scale : pq_eotf(k / 100000.0) / 100;
          const double gain = hd::tone_gain(hd::make_tone_coeffs<double>(static_cast<int>(c), source, 100, 0, NAN), s * 100);
          const double table = log_domain ? lookup_log_host(lines.data(), static_cast<float>(s * lum_scale))
                                          : lookup_uniform_host(lines.data(), static_cast<float>(pq_inverse_eotf(s * 100)));
          worst = std::max(worst, std::fabs(code8(table * s) - code8(gain * s)));
        }
        std::printf("[tables] %-8s source %5.0f %s gain table: %.3f code at most\n", tone_curve_name(c), source,
                    log_domain ? "luminance" : "max-RGB  ", worst);
        EXPECT_LT(worst, 0.4) << tone_curve_name(c) << " " << source << (log_domain ? " log" : " uniform");
      }
}

TEST(FusedTables, InverseTablesAreWithinHalfATenBitCode) {
  std::vector<Line> yh(kLutEntries), pq(kLutEntries), p24(kLutEntries);
  for (int i = 0; i < kLutEntries; ++i) yh[i] = yhdr_table_line(i), pq[i] = pq_table_line(i), p24[i] = pow24_table_line(i);
  double worst = 0, worst_pow = 0;
  for (int k = 0; k <= 100000; ++k) {
    const double y = k / 100000.0;
    // Grey through the method: Y_HDR, then PQ(1000 (Y_HDR / 1000)^2.4) as a 10-bit code.
    const double exact = 876 * pq_inverse_eotf(1000 * std::pow(hd::bt2446a_luma(y) / 1000, 2.4));
    const float yt = lookup_uniform_host(yh.data(), static_cast<float>(y));
    const double table = 876 * lookup_log_host(pq.data(), yt / 1000.0f);
    worst = std::max(worst, std::fabs(table - exact));
    worst_pow = std::max(worst_pow, std::fabs(lookup_uniform_host(p24.data(), static_cast<float>(y)) - std::pow(y, 2.4)));
  }
  std::printf("[tables] BT.2446A grey through the tables: %.3f 10-bit code at most; x^2.4 table: %.2g\n", worst, worst_pow);
  EXPECT_LT(worst, 0.5);
  EXPECT_LT(worst_pow, 1e-4);
}

TEST(FusedTables, SegmentsAreTheFloatBits) {
  // The kernels take the log segment from the float's exponent and top three mantissa bits.
  for (float x : {1.5258789e-05f, 2e-5f, 0.001f, 0.1f, 0.26f, 0.5f, 0.74f, 0.99f, 1.0f}) {
    uint32_t bits;
    std::memcpy(&bits, &x, 4);
    const int from_bits = std::max(static_cast<int>(bits >> 20) - ((127 - kLogOctaves) << 3), 0);
    EXPECT_EQ(log_segment_of(x), from_bits) << x;
    EXPECT_LE(log_segment_start(log_segment_of(x)), x) << x;
  }
}

// The gain tables over the source peak (a ToneMapper's last block interpolates the next frame's
// table from them) against the table of the exact curve of each peak, at every entry: peaks from
// below the target (the identity) to 10000 cd/m2, none of them on the sampled rows.
TEST(FusedTables, PeakSampledCurvesAreCloseToTheExactCurve) {
  for (ToneCurve c : {ToneCurve::Bt2390, ToneCurve::Hable, ToneCurve::Reinhard, ToneCurve::Mobius})
    for (float target : {100.0f, 1000.0f})
      for (bool log_domain : {false, true}) {
        pipeline::ToneStage<float> ts;
        ts.curve = static_cast<int>(c), ts.target = target, ts.param = NAN;
        const float lum_scale = target / 10000.0f;
        const PeakCurveTable table = build_peak_curve_table(ts, log_domain, lum_scale, target);
        ASSERT_EQ(table.lines.size(), static_cast<size_t>(kPeakCurveRows) * kLutEntries);
        double worst = 0;
        int identity_peaks = 0;
        for (int k = 0; k <= 1000; ++k) {
          const float peak_pq = 0.3f + 0.7f * (k + 0.37f) / 1001;
          const auto tone = pipeline::tone_coeffs_for_peak(ts, peak_pq);
          identity_peaks += tone.identity;
          for (int i = 0; i < kLutEntries; ++i) {
            const Line l = peak_curve_line(table.lines.data(), table.q0, peak_pq, i);
            const float x = log_domain ? log_segment_start(i) : uniform_segment_start(i);
            const double exact = gain_table_value(i, tone, log_domain, lum_scale, target);
            worst = std::max(worst, std::fabs(l.a + l.b * x - exact) / std::max(exact, 1e-6));
          }
        }
        std::printf("[tables] %-8s target %5.0f %s: peak-sampled gain within %.2e (relative)\n", tone_curve_name(c),
                    target, log_domain ? "luminance" : "max-RGB  ", worst);
        EXPECT_GT(identity_peaks, 0);  // the range covered peaks the curve leaves alone
        EXPECT_LT(worst, 5e-3) << tone_curve_name(c) << " " << target << (log_domain ? " log" : " uniform");
      }
}

// The clip curve leaves every peak alone: its table is the identity at every row (and building it
// does not walk the floats looking for a peak it would compress).
TEST(FusedTables, ThePeakSampledClipCurveIsTheIdentity) {
  pipeline::ToneStage<float> ts;
  ts.curve = static_cast<int>(ToneCurve::Clip), ts.target = 100.0f;
  const PeakCurveTable table = build_peak_curve_table(ts, false, 0.01f, 100.0f);
  EXPECT_EQ(table.q0, 1.0f);
  const auto tone = pipeline::tone_coeffs_for_peak(ts, 1.0f);
  ASSERT_TRUE(tone.identity);
  for (float peak_pq : {0.0f, 0.5f, 1.0f})
    for (int i = 0; i < kLutEntries; ++i) {
      const Line l = peak_curve_line(table.lines.data(), table.q0, peak_pq, i);
      const Line e = gain_table_line(i, tone, false, 0.01f, 100.0f);
      EXPECT_EQ(l.a, e.a) << peak_pq << " " << i;
      EXPECT_EQ(l.b, e.b) << peak_pq << " " << i;
    }
}

}  // namespace
}  // namespace caldera
