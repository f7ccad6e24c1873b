// The colour pipeline's generic kernel (ops/color_pipeline/pipeline_kernel.cuh) run on the host
// through the CUDA emulation, on the cases, seeds and tolerances of the GPU tests that launch it
// (TransferCuda, GamutCuda, Lut3dCuda, TonemapCuda.Generic*, InverseTonemapCuda's generic pairs):
// what those tests will see, up to the device's own float functions. Also: loads only inside the
// source's pixels, stores only inside the destination's, and the measuring pass's histogram.
#include "emu/header_kernels.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "caldera/ops/gamut.hpp"
#include "caldera/ops/lut3d.hpp"
#include "caldera/ops/tonemap.hpp"
#include "caldera/ops/transfer.hpp"
#include "core/sample_io.hpp"
#include "emu/laid_out_image.hpp"
#include "ops/color_pipeline/pipeline_kernel.cuh"
#include "ops/color_pipeline/stage_setup.hpp"
#include "ops/tonemap/tonemap_internal.hpp"
#include "support/image_testing.hpp"

namespace caldera {
namespace {

using testing::LaidOutImage;
using testing::Rows;

emu::HostGrid& grid() {
  static emu::HostGrid g(pipeline::kPeakThreads);
  return g;
}

// Runs the kernel as run_pipeline_cuda does, on laid-out copies of src and dst, and returns dst.
Image run_generic(ConstImageView src, const ImageDesc& dd, const pipeline::Stages<float>& st,
                  const pipeline::DevicePeak& peak, bool write, Rows rows) {
  LaidOutImage s(src.desc(), rows, 0x3C), d(dd, rows, 0xA5);
  s.copy_pixels_from(src);
  auto sl = pipeline::pipeline_layout(src.desc(), "src", "test");
  auto dl = pipeline::pipeline_layout(dd, "dst", "test");
  EXPECT_TRUE(sl && dl);
  const pipeline::GenericLaunch p = pipeline::generic_launch(s.cview(), d.view(), *sl, *dl, st, peak, write);
  s.allow_pixel_reads([](const void* a, size_t n) { emu::allow_reads(a, n); });
  const dim3 g = pipeline::generic_grid(src.width(), src.height()), b = pipeline::generic_block();
  if (p.measure) {
    emu::allow_reads(peak.state, sizeof(*peak.state));
    grid().run(g, b, 0, [&] { pipeline::pipeline_kernel(p); });
  } else {
    emu::HostGrid().run(g, b, 0, [&] { pipeline::pipeline_kernel(p); });
  }
  emu::stop_checking_reads();
  for (const std::string& e : emu::take_errors()) ADD_FAILURE() << e;
  EXPECT_TRUE(d.untouched_outside_pixels(0xA5));
  Image out = testing::filled_image(dd, 0);
  for (int pl = 0; pl < format_info(dd.format).num_planes; ++pl)
    for (int y = 0; y < plane_height(dd.format, pl, dd.height); ++y)
      std::memcpy(out.view().row(pl, y), d.cview().row(pl, y), plane_row_bytes(dd.format, pl, dd.width));
  return out;
}

const std::pair<int, int> kSizes[] = {{1, 1}, {3, 5}, {41, 39}, {1921, 1081}};
Rows rows_for(int w) { return w == 3 ? Rows::Odd : (w == 41 ? Rows::Tight : Rows::Aligned); }

// ---- transfer (TransferCuda.MatchesReference) ----------------------------------------------------

ColorDesc transfer_tag(Transfer t) {
  ColorDesc c;
  c.transfer = t, c.primaries = Primaries::BT2020, c.matrix = Matrix::BT2020NCL;
  return c;
}

void expect_transfer(PixelFormat sf, Transfer st, PixelFormat df, Transfer dt, int w, int h, uint64_t seed) {
  SCOPED_TRACE(::testing::Message() << format_name(sf) << " " << transfer_name(st) << " -> " << format_name(df) << " "
                                    << transfer_name(dt) << " " << w << "x" << h);
  Image src = testing::random_image(w, h, sf, seed, transfer_tag(st));
  const ImageDesc dd{w, h, df, transfer_tag(dt)};
  Image want = testing::filled_image(dd, 0);
  ASSERT_TRUE(transfer_reference(src.view(), want.view(), TransferParams{}));
  // transfer.cpp's stages.
  const TransferParams tp;
  pipeline::Stages<double> sd;
  sd.flags = pipeline::kStageToLinear | pipeline::kStageToSignal;
  sd.src = pipeline::transfer_side(st, Primaries::BT2020, tp, tp.sdr_white);
  sd.dst = pipeline::transfer_side(dt, Primaries::BT2020, tp, tp.sdr_white);
  Image got = run_generic(src.view(), dd, pipeline::cast_stages<float>(sd), {}, true, rows_for(w));
  const double tol = format_info(df).sample == SampleType::F16 ? 1e-3
                     : is_float(df)                            ? 2e-4
                                                               : (format_info(df).msb_shift ? 64 : 1);
  EXPECT_IMAGES_CLOSE(got.view(), want.view(), tol);
}

TEST(PipelineKernelEmulated, TransferCasesMatchTheReference) {
  for (auto [w, h] : kSizes) {
    expect_transfer(PixelFormat::P010, Transfer::PQ, PixelFormat::P010, Transfer::HLG, w, h, 1);
    expect_transfer(PixelFormat::YUV420P10, Transfer::HLG, PixelFormat::RGBPlanarF32, Transfer::Linear, w, h, 2);
    expect_transfer(PixelFormat::RGB48, Transfer::PQ, PixelFormat::RGB48, Transfer::Linear, w, h, 3);
    expect_transfer(PixelFormat::RGBPlanarF32, Transfer::Linear, PixelFormat::P010, Transfer::PQ, w, h, 4);
    expect_transfer(PixelFormat::NV12, Transfer::BT1886, PixelFormat::RGB24, Transfer::SRGB, w, h, 5);
    expect_transfer(PixelFormat::I444, Transfer::SRGB, PixelFormat::RGBPlanarF16, Transfer::PQ, w, h, 6);
  }
}

// ---- gamut (GamutCuda.MatchesReference) ----------------------------------------------------------

ColorDesc gamut_tag(Primaries p) {
  ColorDesc c;
  c.transfer = Transfer::PQ, c.primaries = p, c.matrix = p == Primaries::BT2020 ? Matrix::BT2020NCL : Matrix::BT709;
  return c;
}

TEST(PipelineKernelEmulated, GamutCasesMatchTheReference) {
  struct Case {
    PixelFormat sf, df;
    Primaries sp, dp;
    GamutMapping m;
  };
  const Case cases[] = {{PixelFormat::P010, PixelFormat::P010, Primaries::BT2020, Primaries::BT709, GamutMapping::Compress},
                        {PixelFormat::RGB48, PixelFormat::RGB48, Primaries::BT2020, Primaries::DisplayP3, GamutMapping::Desaturate},
                        {PixelFormat::RGBPlanarF32, PixelFormat::RGBPlanarF32, Primaries::BT2020, Primaries::BT709, GamutMapping::None},
                        {PixelFormat::YUV420P10, PixelFormat::RGB24, Primaries::DisplayP3, Primaries::BT709, GamutMapping::Clip},
                        {PixelFormat::NV12, PixelFormat::NV12, Primaries::BT709, Primaries::BT2020, GamutMapping::Compress}};
  for (const Case& c : cases)
    for (auto [w, h] : kSizes) {
      SCOPED_TRACE(::testing::Message() << format_name(c.sf) << " " << gamut_mapping_name(c.m) << " " << w << "x" << h);
      GamutParams g;
      g.mapping = c.m;
      Image src = testing::random_image(w, h, c.sf, 11, gamut_tag(c.sp));
      const ImageDesc dd{w, h, c.df, gamut_tag(c.dp)};
      Image want = testing::filled_image(dd, 0);
      ASSERT_TRUE(gamut_reference(src.view(), want.view(), g, TransferParams{}));
      // gamut.cpp's stages.
      const TransferParams tp;
      pipeline::Stages<double> sd;
      sd.flags = pipeline::kStageToLinear | pipeline::kStageGamut | pipeline::kStageToSignal;
      sd.src = pipeline::transfer_side(Transfer::PQ, c.sp, tp, tp.sdr_white);
      sd.dst = pipeline::transfer_side(Transfer::PQ, c.dp, tp, tp.sdr_white);
      sd.gamut = pipeline::gamut_coeffs(c.sp, c.dp, g, pipeline::nominal_peak(Transfer::PQ, tp, tp.sdr_white));
      Image got = run_generic(src.view(), dd, pipeline::cast_stages<float>(sd), {}, true, rows_for(w));
      const double tol = is_float(c.df) ? 2e-4 : (format_info(c.df).msb_shift ? 64 : 1);
      const double range = is_float(c.df) ? 1 : max_code(c.df) << format_info(c.df).msb_shift;  // as compared: P010 words
      EXPECT_IMAGES_MOSTLY_CLOSE(got.view(), want.view(), tol, 2e-4, range / 32);
    }
}

// ---- 3D LUT (Lut3dCuda.MatchesReference) ---------------------------------------------------------

void grade(const double in[3], double out[3]) {  // lut3d_test.cpp's grade
  out[0] = std::copysign(std::pow(std::fabs(in[0]), 0.8), in[0]) * 0.9 + 0.05 * in[2];
  out[1] = 0.5 + 0.5 * std::sin(2.0 * in[1] - 1.0) * 0.9;
  out[2] = in[2] * in[2] * 0.7 + 0.2 * in[0] * in[1];
}
std::string cube_text(int n) {
  std::ostringstream s;
  s << "LUT_3D_SIZE " << n << "\n";
  s.precision(9);
  for (int b = 0; b < n; ++b)
    for (int g = 0; g < n; ++g)
      for (int r = 0; r < n; ++r) {
        const double in[3] = {double(r) / (n - 1), double(g) / (n - 1), double(b) / (n - 1)};
        double out[3];
        grade(in, out);
        s << out[0] << " " << out[1] << " " << out[2] << "\n";
      }
  return s.str();
}

TEST(PipelineKernelEmulated, Lut3dCasesMatchTheReference) {
  for (int n : {17, 33, 65}) {
    auto lut = Lut3d::parse_cube(cube_text(n));
    ASSERT_TRUE(lut);
    for (Lut3dInterp interp : {Lut3dInterp::Tetrahedral, Lut3dInterp::Trilinear})
      for (PixelFormat f : {PixelFormat::RGB24, PixelFormat::RGBA, PixelFormat::P010, PixelFormat::NV12, PixelFormat::RGBPlanarF32})
        for (auto [w, h] : kSizes) {
          if (w > 100 && n != 33) continue;  // the big frame once per interpolation and format
          SCOPED_TRACE(::testing::Message() << n << " " << lut3d_interp_name(interp) << " " << format_name(f) << " " << w << "x" << h);
          Lut3dParams p;
          p.interp = interp;
          Image src = testing::random_image(w, h, f, 9);
          Image want = testing::filled_image({w, h, f}, 0);
          ASSERT_TRUE(lut3d_reference(src.view(), want.view(), *lut, p));
          // lut3d.cpp's stages, on the host table (the kernel reads it through lut_entry).
          pipeline::Stages<float> st;
          st.flags = pipeline::kStageLut3d;
          st.lut.table = lut->host_table();
          st.lut.size = lut->size();
          st.lut.tetrahedral = interp == Lut3dInterp::Tetrahedral;
          for (int c = 0; c < 3; ++c) {
            st.lut.dmin[c] = static_cast<float>(lut->domain_min()[c]);
            st.lut.dscale[c] = static_cast<float>((lut->size() - 1) / (lut->domain_max()[c] - lut->domain_min()[c]));
          }
          Image got = run_generic(src.view(), {w, h, f}, st, {}, true, rows_for(w));
          const double tol = is_float(f) ? 1e-5 : (format_info(f).msb_shift ? 64 : 1);
          EXPECT_IMAGES_CLOSE(got.view(), want.view(), tol);
        }
  }
}

// ---- tone mapping and its inverse through the generic kernel --------------------------------------

ColorDesc hdr10() { return gamut_tag(Primaries::BT2020); }
ColorDesc linear709() {
  ColorDesc c;
  c.transfer = Transfer::Linear;
  return c;
}

void expect_tonemap(const ImageDesc& sd, const ImageDesc& dd, const ToneMapParams& p, uint64_t seed, double tol) {
  SCOPED_TRACE(::testing::Message() << format_name(sd.format) << " -> " << format_name(dd.format) << " "
                                    << tone_curve_name(p.curve) << " " << sd.width << "x" << sd.height);
  Image src = testing::random_image(sd, seed);
  Image want = testing::filled_image(dd, 0);
  ASSERT_TRUE(tonemap_reference(src.view(), want.view(), p));
  const auto st = pipeline::cast_stages<float>(
      tonemap_detail::tonemap_stages(sd.color, dd.color, p, resolve_source_peak(p, sd.color), false));
  Image got = run_generic(src.view(), dd, st, {}, true, rows_for(sd.width));
  EXPECT_IMAGES_CLOSE(got.view(), want.view(), tol);
}

TEST(PipelineKernelEmulated, TonemapCasesMatchTheReference) {
  ColorDesc hlg = hdr10();
  hlg.transfer = Transfer::HLG;
  for (auto [w, h] : kSizes)
    for (ToneCurve c : {ToneCurve::Bt2390, ToneCurve::Hable, ToneCurve::Reinhard, ToneCurve::Mobius, ToneCurve::Clip}) {
      if (w > 100 && c != ToneCurve::Bt2390) continue;  // the big frame: one curve
      ToneMapParams p;
      p.curve = c, p.source_peak = 1500;
      expect_tonemap({w, h, PixelFormat::RGB48, hdr10()}, {w, h, PixelFormat::RGB24, ColorDesc{}}, p, 5, 1);
      expect_tonemap({w, h, PixelFormat::YUV420P10, hlg}, {w, h, PixelFormat::RGBPlanarF32, linear709()}, p, 6, 2e-4);
      expect_tonemap({w, h, PixelFormat::RGBPlanarF32, hdr10()}, {w, h, PixelFormat::I420, ColorDesc{}}, p, 7, 1);
      if (c == ToneCurve::Bt2390) {  // a black lift on the fused kernel's pair: the generic kernel runs it
        p.target_black = 0.5, p.source_peak = 4000;
        expect_tonemap({w, h, PixelFormat::P010, hdr10()}, {w, h, PixelFormat::NV12, ColorDesc{}}, p, 17, 1);
      }
    }
}

TEST(PipelineKernelEmulated, InverseTonemapCasesMatchTheReference) {
  ColorDesc pq2020;
  pq2020.transfer = Transfer::PQ, pq2020.primaries = Primaries::BT2020, pq2020.matrix = Matrix::BT2020NCL;
  ColorDesc hlg = pq2020;
  hlg.transfer = Transfer::HLG;
  for (auto [w, h] : kSizes)
    for (auto [sd, dd, seed] : {std::tuple{ImageDesc{w, h, PixelFormat::RGB24, ColorDesc{}}, ImageDesc{w, h, PixelFormat::RGB48, pq2020}, 5},
                                std::tuple{ImageDesc{w, h, PixelFormat::I420, ColorDesc{}}, ImageDesc{w, h, PixelFormat::YUV420P10, hlg}, 6}}) {
      SCOPED_TRACE(::testing::Message() << format_name(sd.format) << " -> " << format_name(dd.format) << " " << w << "x" << h);
      Image src = testing::random_image(sd, seed);
      Image want = testing::filled_image(dd, 0);
      ASSERT_TRUE(inverse_tonemap_reference(src.view(), want.view(), InverseToneMapParams{}));
      const auto st = pipeline::cast_stages<float>(tonemap_detail::inverse_stages(sd.color, dd.color, InverseToneMapParams{}));
      Image got = run_generic(src.view(), dd, st, {}, true, rows_for(w));
      const double tol = is_float(dd.format) ? 2e-4 : (format_info(dd.format).msb_shift ? 64 : 1);
      EXPECT_IMAGES_CLOSE(got.view(), want.view(), tol);
    }
}

// ---- peak detection through the generic kernel (ToneMapperCuda.GenericStreamMatchesTheHost) ----------

int pq_code(double nits) { return static_cast<int>(std::lround(64 + 876 * pq_inverse_eotf(nits))); }

Image grey_frame(int w, int h, PixelFormat f, double base, double bright, int bright_blocks) {
  Image img = testing::filled_image({w, h, f, hdr10()}, 0);
  int n = 0;
  for (int by = 0; by < (h + 1) / 2; ++by)
    for (int bx = 0; bx < (w + 1) / 2; ++bx, ++n) {
      const int code = pq_code(n < bright_blocks ? bright : base);
      for (int y = 2 * by; y < std::min(h, 2 * by + 2); ++y)
        for (int x = 2 * bx; x < std::min(w, 2 * bx + 2); ++x) write_code(img.view(), 0, x, y, 0, code);
      write_code(img.view(), 1, bx, by, 0, 512);
      write_code(img.view(), f == PixelFormat::P010 ? 1 : 2, bx, by, f == PixelFormat::P010 ? 1 : 0, 512);
    }
  return img;
}

void expect_stream_matches_host(PixelFormat sf, PixelFormat df, int w, int h) {
  SCOPED_TRACE(::testing::Message() << format_name(sf) << " -> " << format_name(df) << " " << w << "x" << h);
  ToneMapParams p;
  p.peak_detection.enabled = true;
  p.peak_detection.percentile = 99.9;
  p.peak_detection.smoothing_frames = 4;
  auto host = ToneMapper::create(p);
  ASSERT_TRUE(host);
  Context cpu;
  hd::PeakStateData state{};
  bool started = false;
  std::vector<Image> frames;
  for (int i = 0; i < 3; ++i) frames.push_back(testing::random_image(w, h, sf, 40 + i, hdr10()));
  for (int i = 0; i < 3; ++i) frames.push_back(grey_frame(w, h, sf, 300, 3000 + 200 * i, 50));
  frames.push_back(grey_frame(w, h, sf, 1, 10, 5));
  for (const Image& f : frames) {
    const ImageDesc dd{w, h, df, ColorDesc{}};
    Image want = testing::filled_image(dd, 0);
    ASSERT_TRUE(host->run(f.view(), want.view(), cpu));
    // What ToneMapper::run_device queues (the generic kernel: the pair is not the fused one's).
    const auto rule = tonemap_detail::peak_rule(p.peak_detection);
    pipeline::DevicePeak peak;
    peak.state = &state;
    peak.rule.quantile = static_cast<float>(rule.quantile);
    peak.rule.alpha = static_cast<float>(rule.alpha);
    peak.rule.scene_threshold = static_cast<float>(rule.scene_threshold);
    peak.dynamic_curve = 1;
    const auto st = pipeline::cast_stages<float>(
        tonemap_detail::tonemap_stages(f.desc().color, dd.color, p, resolve_source_peak(p, f.desc().color), true));
    if (!started) run_generic(f.view(), dd, st, peak, false, Rows::Aligned);
    started = true;
    Image got = run_generic(f.view(), dd, st, peak, true, Rows::Aligned);
    EXPECT_IMAGES_MOSTLY_CLOSE(got.view(), want.view(), 1, 1e-3, 8);  // ToneMapperCuda's criterion
    const ToneMapStats hs = *host->stats(cpu);
    EXPECT_EQ(state.frames, static_cast<uint32_t>(hs.frames));
    EXPECT_EQ(state.scene_cuts, static_cast<uint32_t>(hs.scene_cuts));
    EXPECT_NEAR(state.peak_pq, pq_inverse_eotf(hs.peak_nits), 1.0 / 256);
    EXPECT_NEAR(state.average_pq, hs.average_pq, 1.0 / 256);
    EXPECT_EQ(state.blocks_done, 0u);
  }
}

TEST(PipelineKernelEmulated, PeakDetectionStreamMatchesTheHostToneMapper) {
  expect_stream_matches_host(PixelFormat::P010, PixelFormat::RGB24, 130, 67);  // a 3x5 grid of blocks
  expect_stream_matches_host(PixelFormat::YUV420P10, PixelFormat::I420, 3, 5);
}

}  // namespace
}  // namespace caldera
