// The fused HDR10 -> SDR kernel (ops/tonemap/fused_hdr10_sdr_kernel.cuh) run on the host through
// the CUDA emulation: every tile of odd and tiny frames, aligned (vector) and unaligned (scalar)
// rows, persistent grids smaller and larger than the tile count, against the reference; loads only
// inside the source's pixels, stores only inside the destination's; the measuring passes against
// the host ToneMapper over a stream of frames.
#include "emu/header_kernels.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "core/sample_io.hpp"
#include "emu/laid_out_image.hpp"
#include "ops/tonemap/fused_hdr10_sdr_kernel.cuh"
#include "support/image_testing.hpp"

namespace caldera {
namespace {

using namespace tonemap_detail;
using testing::LaidOutImage;
using testing::Rows;

ColorDesc hdr10() {
  ColorDesc c;
  c.transfer = Transfer::PQ, c.primaries = Primaries::BT2020, c.matrix = Matrix::BT2020NCL;
  return c;
}

// TonemapCuda's criterion for the fused kernel (tonemap_test.cpp says why): what this emulation
// measures is what it rests on.
constexpr double kFusedFraction = 1e-3, kFusedHardTol = 8;

emu::HostGrid& grid() {
  static emu::HostGrid g(kThreads);
  return g;
}

// Launches the kernel as launch_fused_forward does, with `resident` blocks standing in for the
// device's persistent grid; blocks run in a shuffled order. `curves`: the gain tables over the
// peak (built on first use, as launch_fused_forward keeps them for a ToneMapper); null: the last
// block evaluates the curve.
void run_forward(ConstImageView src, const LaidOutImage& src_layout, ImageView dst, const pipeline::Stages<float>& st,
                 const pipeline::DevicePeak& peak, bool write, int resident, uint32_t seed,
                 PeakCurveTable* curves = nullptr) {
  auto p = forward_params(src, dst, st, peak, write);
  ASSERT_TRUE(p) << p.status().to_string();
  if (curves && uses_peak_curves(*p)) {
    if (curves->lines.empty()) *curves = peak_curve_table_for(*p);
    p->peak_curves = curves->lines.data(), p->peak_curve_q0 = curves->q0;
  }
  src_layout.allow_pixel_reads([](const void* a, size_t n) { emu::allow_reads(a, n); });
  if (peak.state) emu::allow_reads(peak.state, sizeof(*peak.state));
  const int wanted = (p->tiles + kThreads - 1) / kThreads;
  const int blocks = std::max(1, std::min(wanted, resident));
  std::vector<int> order(blocks);
  for (int b = 0; b < blocks; ++b) order[b] = b;
  std::shuffle(order.begin(), order.end(), std::mt19937(seed));
  const ForwardParams params = *p;
  std::function<void()> body;
  if (!write) body = [&] { fused_forward_kernel<true, false>(params); };
  else if (params.measure) body = [&] { fused_forward_kernel<true, true>(params); };
  else body = [&] { fused_forward_kernel<false, true>(params); };
  grid().run(dim3(blocks), dim3(kThreads), kForwardDynamic, body, order);
  emu::stop_checking_reads();
  for (const std::string& e : emu::take_errors()) ADD_FAILURE() << e;
}

// One frame with a fixed curve: the emulated kernel's output against tonemap_reference.
void expect_matches_reference(int w, int h, Rows rows, const ToneMapParams& params, int resident, uint64_t seed,
                              const ColorDesc& sc = hdr10(), const ColorDesc& dc = ColorDesc{}) {
  SCOPED_TRACE(::testing::Message() << w << "x" << h << " rows " << static_cast<int>(rows) << " "
                                    << tone_curve_name(params.curve) << " " << tone_signal_name(params.signal) << " "
                                    << gamut_mapping_name(params.gamut.mapping) << ", " << resident << " blocks, seed "
                                    << seed);
  const ImageDesc sd{w, h, PixelFormat::P010, sc}, dd{w, h, PixelFormat::NV12, dc};
  Image random = testing::random_image(sd, seed);
  LaidOutImage src(sd, rows, 0x3C), dst(dd, rows, 0xA5);
  src.copy_pixels_from(random.view());
  Image want = testing::filled_image(dd, 0);
  ASSERT_TRUE(tonemap_reference(src.cview(), want.view(), params));
  const auto st = pipeline::cast_stages<float>(
      tonemap_stages(sd.color, dd.color, params, resolve_source_peak(params, sd.color), false));
  ASSERT_TRUE(fused_forward_fits(src.cview(), dst.cview()));
  run_forward(src.cview(), src, dst.view(), st, {}, true, resident, static_cast<uint32_t>(seed));
  EXPECT_IMAGES_MOSTLY_CLOSE(dst.cview(), want.view(), 1, kFusedFraction, kFusedHardTol);
  EXPECT_TRUE(dst.untouched_outside_pixels(0xA5));
}

TEST(FusedHdr10SdrEmulated, EveryTileOfOddAndTinyFramesMatchesTheReference) {
  ToneMapParams p;
  p.source_peak = 4000;
  const int sizes[][2] = {{1, 1}, {2, 2}, {3, 5}, {7, 3}, {8, 2}, {9, 3}, {16, 4}, {17, 5}, {24, 1}, {41, 39}, {130, 9}};
  for (auto [w, h] : sizes)
    for (Rows rows : {Rows::Aligned, Rows::Tight, Rows::Odd})
      for (int resident : {1, 3, 1000}) expect_matches_reference(w, h, rows, p, resident, 17 + w * h);
}

TEST(FusedHdr10SdrEmulated, EveryCurveSignalAndMappingMatchesTheReference) {
  for (ToneCurve c : {ToneCurve::Bt2390, ToneCurve::Hable, ToneCurve::Reinhard, ToneCurve::Mobius, ToneCurve::Clip})
    for (ToneSignal s : {ToneSignal::MaxRgb, ToneSignal::Luminance})
      for (GamutMapping g : {GamutMapping::Compress, GamutMapping::Desaturate, GamutMapping::Clip, GamutMapping::None}) {
        ToneMapParams p;
        p.curve = c, p.signal = s, p.gamut.mapping = g, p.source_peak = 4000;
        expect_matches_reference(41, 39, Rows::Aligned, p, 2, 5);
      }
  ToneMapParams fits;  // a source no brighter than the target: the clip path of a fixed curve
  fits.source_peak = 100;
  expect_matches_reference(41, 39, Rows::Aligned, fits, 2, 6);
}

TEST(FusedHdr10SdrEmulated, ParametersAcrossTheirRangesMatchTheReference) {
  for (double target : {20.0, 100.0, 203.0, 1000.0})
    for (double source : {101.0, 400.0, 10000.0}) {
      SCOPED_TRACE(::testing::Message() << "target " << target << " source " << source);
      ToneMapParams p;
      p.target_peak = target, p.source_peak = source;
      for (ToneCurve c : {ToneCurve::Bt2390, ToneCurve::Hable, ToneCurve::Reinhard, ToneCurve::Mobius})
        for (ToneSignal s : {ToneSignal::MaxRgb, ToneSignal::Luminance}) {
          p.curve = c, p.signal = s;
          expect_matches_reference(41, 39, Rows::Aligned, p, 2, 9);
        }
    }
  ToneMapParams p;
  p.source_peak = 4000;
  p.curve = ToneCurve::Reinhard, p.curve_param = 0.3;
  expect_matches_reference(41, 39, Rows::Aligned, p, 2, 10);
  p.curve = ToneCurve::Mobius, p.curve_param = 0.5;
  expect_matches_reference(41, 39, Rows::Aligned, p, 2, 11);
  p.curve = ToneCurve::Bt2390, p.curve_param = NAN, p.gamut.threshold = 0.5;
  expect_matches_reference(41, 39, Rows::Aligned, p, 2, 12);
  p.gamut.threshold = 0.8, p.transfer.sdr_black = 0.1;  // BT.1886 with a black level on the output
  expect_matches_reference(41, 39, Rows::Aligned, p, 2, 13);
  // Full-range source and destination, a BT.2020 and a P3 destination, another source matrix.
  ColorDesc full_src = hdr10(), full_dst, wide_dst, p3_dst, src709 = hdr10();
  full_src.range = Range::Full, full_dst.range = Range::Full;
  wide_dst.primaries = Primaries::BT2020, wide_dst.matrix = Matrix::BT2020NCL;
  p3_dst.primaries = Primaries::DisplayP3;
  src709.matrix = Matrix::BT709;
  p.transfer.sdr_black = 0;
  expect_matches_reference(41, 39, Rows::Aligned, p, 2, 14, full_src, full_dst);
  expect_matches_reference(41, 39, Rows::Aligned, p, 2, 15, hdr10(), wide_dst);
  expect_matches_reference(41, 39, Rows::Aligned, p, 2, 16, hdr10(), p3_dst);
  expect_matches_reference(41, 39, Rows::Aligned, p, 2, 17, src709, ColorDesc{});
}

TEST(FusedHdr10SdrEmulated, A1080pFrameMatchesTheReference) {
  ToneMapParams p;
  p.source_peak = 4000;
  expect_matches_reference(1921, 1081, Rows::Aligned, p, 4, 23);
  expect_matches_reference(1920, 1080, Rows::Tight, p, 4, 24);
}

// BT.2390 with a black lift: its gain grows without bound towards black, which the gain table
// cannot follow (emulated, the kernel gave near-black pixels code 235 for 23), so the dispatch
// runs the generic kernel (PipelineKernelEmulated.TonemapCasesMatchTheReference has that case).
TEST(FusedHdr10SdrEmulated, ABlackLiftIsLeftToTheGenericKernel) {
  const ImageDesc sd{8, 8, PixelFormat::P010, hdr10()}, dd{8, 8, PixelFormat::NV12, ColorDesc{}};
  for (ToneCurve c : {ToneCurve::Bt2390, ToneCurve::Hable, ToneCurve::Reinhard, ToneCurve::Mobius, ToneCurve::Clip})
    for (double black : {0.0, 0.05, 5.0})
      for (bool measure : {false, true}) {
        ToneMapParams p;
        p.curve = c, p.target_black = black, p.source_peak = 4000;
        const auto st = pipeline::cast_stages<float>(tonemap_stages(sd.color, dd.color, p, 4000, measure));
        EXPECT_EQ(fused_forward_takes(st), !(c == ToneCurve::Bt2390 && black > 0)) << tone_curve_name(c) << " " << black;
      }
  // Where it does take the curve, a small black level of another curve (unused by it) is exact.
  ToneMapParams hable;
  hable.curve = ToneCurve::Hable, hable.target_black = 5, hable.source_peak = 4000;
  expect_matches_reference(41, 39, Rows::Aligned, hable, 2, 7);
}

// ---- peak detection -------------------------------------------------------------------------------

int pq_code(double nits) { return static_cast<int>(std::lround(64 + 876 * pq_inverse_eotf(nits))); }

Image grey_frame(int w, int h, double base, double bright, int bright_blocks) {
  Image img = testing::filled_image({w, h, PixelFormat::P010, hdr10()}, 0);
  int n = 0;
  for (int by = 0; by < (h + 1) / 2; ++by)
    for (int bx = 0; bx < (w + 1) / 2; ++bx, ++n) {
      const int code = pq_code(n < bright_blocks ? bright : base);
      for (int y = 2 * by; y < std::min(h, 2 * by + 2); ++y)
        for (int x = 2 * bx; x < std::min(w, 2 * bx + 2); ++x) write_code(img.view(), 0, x, y, 0, code);
      write_code(img.view(), 1, bx, by, 0, 512);
      write_code(img.view(), 1, bx, by, 1, 512);
    }
  return img;
}

// What ToneMapper::run_device queues for a frame, with the emulated kernel.
struct EmulatedToneMapper {
  ToneMapParams params;
  hd::PeakStateData state{};
  bool started = false;
  PeakCurveTable curves;
  void run(const LaidOutImage& src, LaidOutImage& dst, int resident, uint32_t seed) {
    if (!started) state = hd::PeakStateData{};  // the cudaMemsetAsync
    const auto rule = peak_rule(params.peak_detection);
    pipeline::DevicePeak peak;
    peak.state = &state;
    peak.rule.quantile = static_cast<float>(rule.quantile);
    peak.rule.alpha = static_cast<float>(rule.alpha);
    peak.rule.scene_threshold = static_cast<float>(rule.scene_threshold);
    peak.dynamic_curve = 1;
    const auto st = pipeline::cast_stages<float>(tonemap_stages(src.cview().color(), dst.cview().color(), params,
                                                                resolve_source_peak(params, src.cview().color()), true));
    if (!started) run_forward(src.cview(), src, dst.view(), st, peak, false, resident, seed, &curves);
    started = true;
    run_forward(src.cview(), src, dst.view(), st, peak, true, resident, seed + 1, &curves);
  }
};

void expect_stream_matches_host(int w, int h, int resident) {
  SCOPED_TRACE(::testing::Message() << w << "x" << h << ", " << resident << " blocks");
  ToneMapParams p;
  p.peak_detection.enabled = true;
  p.peak_detection.percentile = 99.9;
  p.peak_detection.smoothing_frames = 4;
  auto host = ToneMapper::create(p);
  ASSERT_TRUE(host);
  EmulatedToneMapper emulated{p};
  Context cpu;
  std::vector<Image> frames;
  for (int i = 0; i < 3; ++i) frames.push_back(testing::random_image(w, h, PixelFormat::P010, 40 + i, hdr10()));
  for (int i = 0; i < 3; ++i) frames.push_back(grey_frame(w, h, 300, 3000 + 200 * i, 50));
  frames.push_back(grey_frame(w, h, 1, 10, 5));
  int n = 0;
  for (const Image& f : frames) {
    SCOPED_TRACE(::testing::Message() << "frame " << n);
    const ImageDesc dd{w, h, PixelFormat::NV12, ColorDesc{}};
    Image want = testing::filled_image(dd, 0);
    ASSERT_TRUE(host->run(f.view(), want.view(), cpu));
    LaidOutImage src(f.desc(), Rows::Aligned, 0x3C), dst(dd, Rows::Aligned, 0xA5);
    src.copy_pixels_from(f.view());
    emulated.run(src, dst, resident, 100 + n++);
    EXPECT_IMAGES_MOSTLY_CLOSE(dst.cview(), want.view(), 1, kFusedFraction, kFusedHardTol);
    EXPECT_TRUE(dst.untouched_outside_pixels(0xA5));
    const ToneMapStats hs = *host->stats(cpu);
    EXPECT_EQ(emulated.state.frames, static_cast<uint32_t>(hs.frames));
    EXPECT_EQ(emulated.state.scene_cuts, static_cast<uint32_t>(hs.scene_cuts));
    EXPECT_NEAR(emulated.state.peak_pq, pq_inverse_eotf(hs.peak_nits), 1.0 / 256);
    EXPECT_NEAR(emulated.state.average_pq, hs.average_pq, 1.0 / 256);
    EXPECT_EQ(emulated.state.blocks_done, 0u);
  }
}

TEST(FusedHdr10SdrEmulated, PeakDetectionStreamMatchesTheHostToneMapper) {
  expect_stream_matches_host(41, 39, 3);
  expect_stream_matches_host(3, 5, 2);
  expect_stream_matches_host(130, 67, 7);
}

// The last block leaves the gain table of the new peak in the state (interpolated from the tables
// over the peak), and the next frame maps with it when it is for this curve and frame; a stale one
// (another kernel updated the state, or it was built for another curve) is rebuilt from the peak
// instead.
TEST(FusedHdr10SdrEmulated, TheStateCarriesTheNextFramesCurveAndAStaleOneIsRebuilt) {
  constexpr int w = 41, h = 39;
  ToneMapParams p;
  p.peak_detection.enabled = true;
  EmulatedToneMapper emulated{p};
  const ImageDesc dd{w, h, PixelFormat::NV12, ColorDesc{}};
  const Image frame = grey_frame(w, h, 200, 2500, 40);
  LaidOutImage src(frame.desc(), Rows::Aligned, 0x3C);
  src.copy_pixels_from(frame.view());
  for (uint32_t n = 0; n < 2; ++n) {
    LaidOutImage dst(dd, Rows::Aligned, 0xA5);
    emulated.run(src, dst, 3, 10 * n);
  }
  // The stored table is the gain table of the state's peak, for this curve and frame.
  const auto st = pipeline::cast_stages<float>(
      tonemap_stages(frame.desc().color, dd.color, p, resolve_source_peak(p, frame.desc().color), true));
  LaidOutImage scratch(dd, Rows::Aligned, 0);
  auto params = forward_params(src.cview(), scratch.view(), st, {}, true);
  ASSERT_TRUE(params);
  const hd::PeakStateData good = emulated.state;
  EXPECT_EQ(good.curve_key, params->curve_key);
  EXPECT_EQ(good.curve_frames, good.frames);
  ASSERT_EQ(emulated.curves.lines.size(), static_cast<size_t>(kPeakCurveRows) * kLutEntries);
  for (int i = 0; i < kLutEntries; ++i) {
    const Line l = peak_curve_line(emulated.curves.lines.data(), emulated.curves.q0, good.peak_pq, i);
    EXPECT_FLOAT_EQ(good.curve_lines[2 * i], l.a) << i;
    EXPECT_FLOAT_EQ(good.curve_lines[2 * i + 1], l.b) << i;
  }
  // Without the tables the last block evaluates the curve of the peak: the same state, the exact table.
  EmulatedToneMapper evaluating{p};
  for (uint32_t n = 0; n < 2; ++n) {
    LaidOutImage dst(dd, Rows::Aligned, 0xA5);
    evaluating.curves.lines.clear();
    const auto rule = peak_rule(p.peak_detection);
    pipeline::DevicePeak dp;
    dp.state = &evaluating.state;
    dp.rule.quantile = static_cast<float>(rule.quantile);
    dp.rule.alpha = static_cast<float>(rule.alpha);
    dp.rule.scene_threshold = static_cast<float>(rule.scene_threshold);
    dp.dynamic_curve = 1;
    if (n == 0) run_forward(src.cview(), src, dst.view(), st, dp, false, 3, 10 * n);
    run_forward(src.cview(), src, dst.view(), st, dp, true, 3, 10 * n + 1);
  }
  EXPECT_EQ(evaluating.state.peak_pq, good.peak_pq);
  const auto tone = pipeline::tone_coeffs_for_peak(st.tone, good.peak_pq);
  for (int i = 0; i < kLutEntries; ++i) {
    const Line l = gain_table_line(i, tone, false, params->lum_scale, params->target);
    EXPECT_FLOAT_EQ(evaluating.state.curve_lines[2 * i], l.a) << i;
    EXPECT_FLOAT_EQ(evaluating.state.curve_lines[2 * i + 1], l.b) << i;
  }
  // One write pass over the frame from a given state (its measurement is not looked at).
  hd::PeakStateData state{};
  pipeline::DevicePeak peak;
  peak.state = &state;
  peak.dynamic_curve = 1;
  auto map_from = [&](const hd::PeakStateData& from, LaidOutImage& dst) {
    state = from;
    run_forward(src.cview(), src, dst.view(), st, peak, true, 3, 7);
  };
  LaidOutImage want(dd, Rows::Aligned, 0xA5);
  map_from(good, want);
  // The reference with the curve of the same peak: the stored table is the right one.
  const auto st_ref = tonemap_stages(frame.desc().color, dd.color, p, resolve_source_peak(p, frame.desc().color), true);
  Image reference = testing::filled_image(dd, 0);
  ASSERT_TRUE(pipeline::run_pipeline_reference(frame.view(), reference.view(), st_ref,
                                               pipeline::tone_coeffs_for_peak(st_ref.tone, double{good.peak_pq}), nullptr,
                                               true, "tonemap"));
  EXPECT_IMAGES_MOSTLY_CLOSE(want.cview(), reference.view(), 1, kFusedFraction, kFusedHardTol);
  auto poisoned = [&](uint64_t key, uint32_t frames) {
    hd::PeakStateData bad = good;
    std::fill(std::begin(bad.curve_lines), std::end(bad.curve_lines), 0.0f);
    bad.curve_key = key, bad.curve_frames = frames;
    return bad;
  };
  {  // current: mapped with the (zeroed) stored table, so no gain: black
    LaidOutImage dst(dd, Rows::Aligned, 0xA5);
    map_from(poisoned(good.curve_key, good.curve_frames), dst);
    EXPECT_LE(testing::sample_at(dst.cview(), 0, w / 2, h / 2, 0), 17);
    EXPECT_GT(testing::sample_at(want.cview(), 0, w / 2, h / 2, 0), 30);
  }
  for (const auto& [key, frames] : {std::pair{good.curve_key, good.curve_frames - 1}, std::pair{good.curve_key ^ 2, good.curve_frames}}) {
    SCOPED_TRACE(::testing::Message() << "stale: key " << key << " frames " << frames);
    LaidOutImage dst(dd, Rows::Aligned, 0xA5);
    map_from(poisoned(key, frames), dst);
    EXPECT_IMAGES_MOSTLY_CLOSE(dst.cview(), want.cview(), 1, kFusedFraction, kFusedHardTol);
  }
}

TEST(FusedHdr10SdrEmulated, TheMeasuringPrePassWritesNothing) {
  const ImageDesc sd{17, 5, PixelFormat::P010, hdr10()}, dd{17, 5, PixelFormat::NV12, ColorDesc{}};
  Image random = testing::random_image(sd, 3);
  LaidOutImage src(sd, Rows::Aligned, 0x3C), dst(dd, Rows::Aligned, 0xA5);
  src.copy_pixels_from(random.view());
  ToneMapParams p;
  p.peak_detection.enabled = true;
  hd::PeakStateData state{};
  pipeline::DevicePeak peak;
  peak.state = &state;
  const auto st = pipeline::cast_stages<float>(tonemap_stages(sd.color, dd.color, p, 1000, true));
  run_forward(src.cview(), src, dst.view(), st, peak, false, 2, 1);
  Image poison = testing::filled_image(dd, 0xA5);
  EXPECT_IMAGES_CLOSE(dst.cview(), poison.view(), 0);
  EXPECT_EQ(state.frames, 1u);
}

}  // namespace
}  // namespace caldera
