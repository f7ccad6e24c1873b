// Tone mapping: the curves' properties (monotonic, black stays black, the source peak lands on the
// target, nothing above the target, no NaN/Inf for any input), the operator on whole frames
// including every out-of-range code, the HDR10 metadata it reads and writes, and CUDA (generic
// and fused kernels) against the reference.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "caldera/ops/tonemap.hpp"
#include "core/sample_io.hpp"
#include "ops/color_pipeline/tone_math.hpp"
#include "ops/tonemap/tonemap_internal.hpp"
#include "support/image_testing.hpp"

namespace caldera {
namespace {

constexpr ToneCurve kCurves[] = {ToneCurve::Bt2390, ToneCurve::Hable, ToneCurve::Reinhard, ToneCurve::Mobius,
                                 ToneCurve::Clip};

hd::ToneCoeffs<double> coeffs(ToneCurve c, double source, double target = 100, double param = NAN) {
  return hd::make_tone_coeffs<double>(static_cast<int>(c), source, target, 0.0, param);
}

// ---- the curves ---------------------------------------------------------------------------------

TEST(ToneCurves, MonotonicBlackStaysBlackPeakLandsOnTarget) {
  for (ToneCurve c : kCurves)
    for (double source : {400.0, 1000.0, 4000.0, 10000.0})
      for (double target : {100.0, 203.0}) {
        const auto k = coeffs(c, source, target);
        const std::string what = std::string(tone_curve_name(c)) + " " + std::to_string(source) + " -> " + std::to_string(target);
        EXPECT_EQ(hd::tone_curve(k, 0.0), 0.0) << what;
        EXPECT_NEAR(hd::tone_curve(k, source), target, 1e-9 * target) << what;
        double last = 0;
        for (int i = 0; i <= 4000; ++i) {
          const double l = 1e-4 * std::pow(10.0, i / 500.0);  // 1e-4 .. 1e4 cd/m2, log spaced
          const double out = hd::tone_curve(k, l);
          EXPECT_GE(out, last) << what << " at " << l;
          EXPECT_LE(out, target * (1 + 1e-12)) << what << " at " << l;
          // Reinhard (FFmpeg's form) lifts the shadows by (p + c) / p; the others never brighten.
          if (c != ToneCurve::Reinhard) EXPECT_LE(out, l * (1 + 1e-9)) << what << " never brightens, at " << l;
          last = out;
        }
      }
}

TEST(ToneCurves, Bt2390IsTheIdentityBelowTheKnee) {
  const auto k = coeffs(ToneCurve::Bt2390, 1000);
  // KS = 1.5 * PQ(100)/PQ(1000) - 0.5 in the source's PQ range.
  const double ks = 1.5 * pq_inverse_eotf(100) / pq_inverse_eotf(1000) - 0.5 + 0.0;
  EXPECT_NEAR(k.ks, 1.5 * (pq_inverse_eotf(100) - k.pq_black) / k.pq_range - 0.5, 1e-12);
  EXPECT_NEAR(ks, k.ks, 1e-3);
  for (double l : {0.01, 0.5, 5.0, 20.0}) {
    ASSERT_LT(pq_inverse_eotf(l) / pq_inverse_eotf(1000), k.ks);
    EXPECT_NEAR(hd::tone_curve(k, l), l, 1e-9 * l) << l;
  }
}

TEST(ToneCurves, MatchFfmpegsFormulas) {
  // vf_tonemap's curves on x in units of 100 cd/m2 with peak p: hable(x) / hable(p),
  // x / (x + 1) * (p + 1) / p (Reinhard, default), Moebius with j = 0.3.
  const double p = 10;
  auto hable = [](double x) {
    return (x * (x * 0.15 + 0.05) + 0.004) / (x * (x * 0.15 + 0.5) + 0.06) - 0.02 / 0.3;
  };
  for (double x : {0.01, 0.2, 0.5, 1.0, 3.0, 9.9}) {
    EXPECT_NEAR(hd::tone_curve(coeffs(ToneCurve::Hable, 1000), 100 * x), 100 * hable(x) / hable(p), 1e-9);
    EXPECT_NEAR(hd::tone_curve(coeffs(ToneCurve::Reinhard, 1000), 100 * x), 100 * x / (x + 1) * (p + 1) / p, 1e-9);
    const double j = 0.3, a = -j * j * (p - 1) / (j * j - 2 * j + p), b = (j * j - 2 * j * p + p) / (p - 1);
    const double mob = x <= j ? x : (b * b + 2 * b * j + j * j) / (b - a) * (x + a) / (x + b);
    EXPECT_NEAR(hd::tone_curve(coeffs(ToneCurve::Mobius, 1000), 100 * x), 100 * mob, 1e-9);
  }
}

TEST(ToneCurves, NoNanOrInfForAnyInput) {
  const double odd[] = {-1.0, -0.0, 0.0, 1e-30, 1e-300, 5e3, 1e4, 2e4, 1e30, std::numeric_limits<double>::infinity(),
                        -std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()};
  for (ToneCurve c : kCurves)
    for (double source : {100.0, 101.0, 1000.0, 10000.0}) {
      const auto k = coeffs(c, source);
      for (double s : odd) {
        const double gain = hd::tone_gain(k, s);
        EXPECT_TRUE(std::isfinite(gain)) << tone_curve_name(c) << " s=" << s;
        EXPECT_GE(gain, 0) << tone_curve_name(c) << " s=" << s;
        EXPECT_TRUE(std::isfinite(hd::tone_curve(k, s))) << tone_curve_name(c) << " s=" << s;
      }
      // Float too: the kernels' arithmetic.
      const auto kf = hd::make_tone_coeffs<float>(static_cast<int>(c), static_cast<float>(source), 100.0f, 0.0f, NAN);
      for (float s : {-1.0f, 0.0f, 1e-30f, 1e-38f, 5e3f, 1e4f, 1e30f, std::numeric_limits<float>::infinity(),
                      std::numeric_limits<float>::quiet_NaN()}) {
        const float gain = hd::tone_gain(kf, s);
        EXPECT_TRUE(std::isfinite(gain)) << tone_curve_name(c) << " float s=" << s;
      }
    }
}

TEST(ToneCurves, ASourceThatFitsIsLeftAlone) {
  for (ToneCurve c : kCurves) {
    const auto k = coeffs(c, 100);
    for (double l : {0.0, 1.0, 50.0, 100.0}) EXPECT_NEAR(hd::tone_curve(k, l), l, 1e-12) << tone_curve_name(c);
    EXPECT_EQ(hd::tone_curve(k, 300.0), 100.0) << tone_curve_name(c);  // above the claimed peak: clipped
  }
}

TEST(ToneCurves, NamesRoundTrip) {
  for (ToneCurve c : kCurves) EXPECT_EQ(*parse_tone_curve(tone_curve_name(c)), c);
  EXPECT_EQ(*parse_tone_signal("luminance"), ToneSignal::Luminance);
  auto bad = parse_tone_curve("aces");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.status().message().find("aces"), std::string::npos);
}

// ---- frames ----------------------------------------------------------------------------------------

ColorDesc hdr10() {
  ColorDesc c;
  c.transfer = Transfer::PQ, c.primaries = Primaries::BT2020, c.matrix = Matrix::BT2020NCL;
  return c;
}
ColorDesc sdr() { return ColorDesc{}; }  // BT.709 matrix, limited, BT.1886, BT.709 primaries
ColorDesc linear709() {
  ColorDesc c;
  c.transfer = Transfer::Linear;
  return c;
}

// A P010 frame whose 2x2 blocks take (Y, Cb, Cr) codes from `codes` in turn.
struct Code3 {
  int y, cb, cr;
};
Image p010_frame(int w, int h, const std::vector<Code3>& codes, ColorDesc c = hdr10()) {
  Image img = testing::filled_image({w, h, PixelFormat::P010, c}, 0);
  size_t n = 0;
  for (int by = 0; by < (h + 1) / 2; ++by)
    for (int bx = 0; bx < (w + 1) / 2; ++bx, ++n) {
      const Code3& k = codes[n % codes.size()];
      for (int y = 2 * by; y < std::min(h, 2 * by + 2); ++y)
        for (int x = 2 * bx; x < std::min(w, 2 * bx + 2); ++x) write_code(img.view(), 0, x, y, 0, k.y);
      write_code(img.view(), 1, bx, by, 0, k.cb);
      write_code(img.view(), 1, bx, by, 1, k.cr);
    }
  return img;
}

int pq_code(double nits) { return static_cast<int>(std::lround(64 + 876 * pq_inverse_eotf(nits))); }

float f32(ConstImageView img, int plane, int x, int y) {
  float v;
  std::memcpy(&v, img.row(plane, y) + 4 * x, 4);
  return v;
}

TEST(TonemapOp, EveryCodeGivesAFiniteInRangeResult) {
  // Every luma code with chroma from the whole code range, out-of-range codes included.
  std::vector<Code3> codes;
  for (int y = 0; y < 1024; y += 3)
    for (int c : {0, 64, 300, 512, 700, 960, 1023}) codes.push_back({y, c, 1023 - c});
  Image src = p010_frame(128, 2 * static_cast<int>((codes.size() + 63) / 64), codes);
  for (ToneCurve curve : kCurves)
    for (ToneSignal signal : {ToneSignal::MaxRgb, ToneSignal::Luminance})
      for (GamutMapping g : {GamutMapping::Compress, GamutMapping::Desaturate, GamutMapping::Clip}) {
        ToneMapParams p;
        p.curve = curve, p.signal = signal, p.gamut.mapping = g, p.source_peak = 4000;
        Image out = testing::filled_image({src.width(), src.height(), PixelFormat::RGBPlanarF32, linear709()}, 0);
        ASSERT_TRUE(tonemap_reference(src.view(), out.view(), p));
        for (int c = 0; c < 3; ++c)
          for (int y = 0; y < out.height(); ++y)
            for (int x = 0; x < out.width(); ++x) {
              const float v = f32(out.view(), c, x, y);
              ASSERT_TRUE(std::isfinite(v)) << tone_curve_name(curve) << " " << x << "," << y;
              ASSERT_GE(v, -1e-6f) << tone_curve_name(curve) << " " << gamut_mapping_name(g);
              ASSERT_LE(v, 1 + 1e-6f) << tone_curve_name(curve) << " " << gamut_mapping_name(g);
            }
      }
}

TEST(TonemapOp, BlackStaysBlackAndThePeakIsWhite) {
  for (ToneCurve curve : kCurves) {
    ToneMapParams p;
    p.curve = curve;
    p.source_peak = 2000;
    Image src = p010_frame(6, 4, {{64, 512, 512}, {pq_code(2000), 512, 512}});
    Image lin = testing::filled_image({6, 4, PixelFormat::RGBPlanarF32, linear709()}, 0);
    ASSERT_TRUE(tonemap_reference(src.view(), lin.view(), p));
    for (int c = 0; c < 3; ++c) {
      EXPECT_EQ(f32(lin.view(), c, 0, 0), 0.0f) << tone_curve_name(curve);
      EXPECT_NEAR(f32(lin.view(), c, 2, 0), 1.0f, 2e-3) << tone_curve_name(curve);  // code rounding of the peak
    }
    Image nv12 = testing::filled_image({6, 4, PixelFormat::NV12, sdr()}, 0);
    ASSERT_TRUE(tonemap_reference(src.view(), nv12.view(), p));
    EXPECT_EQ(read_code(nv12.view(), 0, 0, 0, 0), 16);
    EXPECT_EQ(read_code(nv12.view(), 1, 0, 0, 0), 128);
    EXPECT_EQ(read_code(nv12.view(), 1, 0, 0, 1), 128);
    EXPECT_EQ(read_code(nv12.view(), 0, 2, 0, 0), 235) << tone_curve_name(curve);
  }
}

TEST(TonemapOp, GreyRampStaysMonotonic) {
  std::vector<Code3> ramp;
  for (int y = 64; y <= 940; ++y) ramp.push_back({y, 512, 512});
  Image src = p010_frame(2 * static_cast<int>(ramp.size()), 2, ramp);
  for (ToneCurve curve : kCurves) {
    ToneMapParams p;
    p.curve = curve;
    Image out = testing::filled_image({src.width(), 2, PixelFormat::NV12, sdr()}, 0);
    ASSERT_TRUE(tonemap_reference(src.view(), out.view(), p));
    for (int x = 2; x < out.width(); x += 2)
      EXPECT_GE(read_code(out.view(), 0, x, 0, 0), read_code(out.view(), 0, x - 2, 0, 0)) << tone_curve_name(curve) << " " << x;
  }
}

TEST(TonemapOp, SourcePeakComesFromTheMetadata) {
  ToneMapParams p;
  ColorDesc c = hdr10();
  EXPECT_EQ(resolve_source_peak(p, c), 1000);  // PQ without metadata
  c.hdr.mastering = MasteringDisplay{0.68, 0.32, 0.265, 0.69, 0.15, 0.06, 0.3127, 0.329, 4000, 0.005};
  EXPECT_EQ(resolve_source_peak(p, c), 4000);
  c.hdr.content_light = ContentLightLevel{1500, 400};
  EXPECT_EQ(resolve_source_peak(p, c), 1500);  // MaxCLL first
  p.source_peak = 600;
  EXPECT_EQ(resolve_source_peak(p, c), 600);
  ColorDesc hlg = hdr10();
  hlg.transfer = Transfer::HLG;
  EXPECT_EQ(resolve_source_peak(ToneMapParams{}, hlg), 1000);
  // And the frame follows it: with MaxCLL 1500, 1500 cd/m2 is the target white.
  Image src = p010_frame(2, 2, {{pq_code(1500), 512, 512}}, c);
  Image out = testing::filled_image({2, 2, PixelFormat::RGBPlanarF32, linear709()}, 0);
  ASSERT_TRUE(tonemap_reference(src.view(), out.view(), ToneMapParams{}));
  EXPECT_NEAR(f32(out.view(), 0, 0, 0), 1.0f, 2e-3);
}

TEST(TonemapOp, OutputColourSaysWhatItIs) {
  ColorDesc in = hdr10();
  in.hdr.content_light = ContentLightLevel{4000, 800};
  ToneMapParams p;
  const ColorDesc out = tonemapped_color(in, sdr(), p);
  EXPECT_EQ(out.transfer, Transfer::BT1886);
  EXPECT_EQ(out.primaries, Primaries::BT709);
  EXPECT_TRUE(out.hdr.empty());
  // HDR -> HDR (a 1000 cd/m2 display): metadata of what the output now is.
  ColorDesc to = hdr10();
  p.target_peak = 1000;
  const ColorDesc hdr = tonemapped_color(in, to, p);
  ASSERT_TRUE(hdr.hdr.mastering && hdr.hdr.content_light);
  EXPECT_EQ(hdr.hdr.mastering->max_luminance, 1000);
  EXPECT_EQ(hdr.hdr.mastering->red_x, 0.708);
  EXPECT_EQ(hdr.hdr.content_light->max_cll, 1000);
  EXPECT_EQ(hdr.hdr.content_light->max_fall, 800);
}

TEST(TonemapOp, ChecksNameTheProblem) {
  const ImageDesc s{8, 8, PixelFormat::P010, hdr10()}, d{8, 8, PixelFormat::NV12, sdr()};
  ToneMapParams p;
  p.target_peak = 5;
  EXPECT_NE(check_tonemap(s, d, p).message().find("target_peak"), std::string::npos);
  p = {};
  p.curve = ToneCurve::Mobius, p.curve_param = 0.9;
  EXPECT_NE(check_tonemap(s, d, p).message().find("knee"), std::string::npos);
  p = {};
  p.peak_detection.enabled = true;
  Image src = p010_frame(8, 8, {{64, 512, 512}});
  Image dst = testing::filled_image(d, 0);
  EXPECT_NE(tonemap_reference(src.view(), dst.view(), p).message().find("ToneMapper"), std::string::npos);
}

// ---- CUDA against the reference ------------------------------------------------------------------------

// The fused kernel's tables are within half a code of the exact functions (FusedTables.*); but
// where a channel lands near black after the BT.2020 -> BT.709 matrix (BT.1886 is steepest there)
// or the desaturation's two bounds nearly tie, their relative error of ~5e-4 moves a few codes.
// Measured on the host emulation of the kernel over every curve, signal and mapping on random
// frames: at most 5 codes to a BT.709 destination (7 to a BT.2020 one), and at most 2.1e-4 of the
// samples beyond 1 code (FusedHdr10SdrEmulated.*).
constexpr double kFusedFraction = 1e-3, kFusedHardTol = 8;

void expect_cuda_matches(const ImageDesc& sd, const ImageDesc& dd, const ToneMapParams& p, uint64_t seed, double tol,
                         bool fused = false) {
  Context& gpu = *testing::gpu_context();
  Image src = testing::random_image(sd, seed);
  Image want = testing::filled_image(dd, 0);
  ASSERT_TRUE(tonemap_reference(src.view(), want.view(), p));
  Image dsrc = testing::to_device(src.view(), gpu);
  Image ddst = testing::filled_image(dd, 0xA5, MemoryKind::Device, &gpu);
  Status s = tonemap_cuda(dsrc.view(), ddst.view(), p, gpu.workspace(), gpu.stream());
  ASSERT_TRUE(s) << s.to_string();
  Image got = testing::to_host(ddst.view(), gpu);
  if (fused) EXPECT_IMAGES_MOSTLY_CLOSE(got.view(), want.view(), tol, kFusedFraction, kFusedHardTol)
      << format_name(sd.format) << " " << tone_curve_name(p.curve) << " " << tone_signal_name(p.signal) << " "
      << gamut_mapping_name(p.gamut.mapping) << " " << sd.width << "x" << sd.height;
  else EXPECT_IMAGES_CLOSE(got.view(), want.view(), tol)
      << format_name(sd.format) << " -> " << format_name(dd.format) << " " << tone_curve_name(p.curve) << " "
      << tone_signal_name(p.signal) << " " << gamut_mapping_name(p.gamut.mapping) << " " << sd.width << "x" << sd.height;
}

TEST(TonemapCuda, FusedHdr10ToNv12MatchesReference) {
  CALDERA_REQUIRE_GPU();
  const int sizes[][2] = {{1, 1}, {3, 5}, {41, 39}, {8, 2}, {1921, 1081}};
  for (auto [w, h] : sizes)
    for (ToneCurve c : kCurves)
      for (ToneSignal s : {ToneSignal::MaxRgb, ToneSignal::Luminance})
        for (GamutMapping g : {GamutMapping::Compress, GamutMapping::Desaturate, GamutMapping::Clip, GamutMapping::None}) {
          if (w > 100 && g != GamutMapping::Compress) continue;  // the big frame: the default mapping only
          ToneMapParams p;
          p.curve = c, p.signal = s, p.gamut.mapping = g, p.source_peak = 4000;
          expect_cuda_matches({w, h, PixelFormat::P010, hdr10()}, {w, h, PixelFormat::NV12, sdr()}, p, 17, 1, true);
        }
  // BT.2390 with a black lift: the fused kernel's tables cannot hold its gain near black, so the
  // pair runs the generic kernel (within 1 code; FusedHdr10SdrEmulated.ABlackLiftIsLeftToTheGenericKernel).
  for (auto [w, h] : sizes) {
    ToneMapParams p;
    p.target_black = 0.5, p.source_peak = 4000;
    for (ToneSignal s : {ToneSignal::MaxRgb, ToneSignal::Luminance}) {
      p.signal = s;
      expect_cuda_matches({w, h, PixelFormat::P010, hdr10()}, {w, h, PixelFormat::NV12, sdr()}, p, 18, 1);
    }
  }
}

TEST(TonemapCuda, GenericKernelMatchesReference) {
  CALDERA_REQUIRE_GPU();
  ColorDesc hlg = hdr10();
  hlg.transfer = Transfer::HLG;
  for (auto [w, h] : {std::pair{1, 1}, std::pair{3, 5}, std::pair{41, 39}, std::pair{1921, 1081}})
    for (ToneCurve c : kCurves) {
      ToneMapParams p;
      p.curve = c, p.source_peak = 1500;
      expect_cuda_matches({w, h, PixelFormat::RGB48, hdr10()}, {w, h, PixelFormat::RGB24, sdr()}, p, 5, 1);
      expect_cuda_matches({w, h, PixelFormat::YUV420P10, hlg}, {w, h, PixelFormat::RGBPlanarF32, linear709()}, p, 6, 2e-4);
      expect_cuda_matches({w, h, PixelFormat::RGBPlanarF32, hdr10()}, {w, h, PixelFormat::I420, sdr()}, p, 7, 1);
    }
}

// The fused kernels fall back to the generic one where the device cannot give them their shared
// memory; the tests above would pass either way, so this one says which ran: on a device with the
// shared memory (sm_80 and newer for the forward kernel's 71 KB, sm_80/sm_90 for the inverse's
// 102 KB), the fused kernels must launch.
TEST(TonemapCuda, FusedKernelsLaunchWhereTheDeviceHoldsTheirTables) {
  CALDERA_REQUIRE_GPU();
  Context& gpu = *testing::gpu_context();
  int optin = 0;
  ASSERT_EQ(cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, gpu.device()), cudaSuccess);
  Image src = testing::to_device(testing::random_image({64, 32, PixelFormat::P010, hdr10()}, 3).view(), gpu);
  Image dst = testing::filled_image({64, 32, PixelFormat::NV12, sdr()}, 0, MemoryKind::Device, &gpu);
  ToneMapParams p;
  const auto st = pipeline::cast_stages<float>(tonemap_detail::tonemap_stages(hdr10(), sdr(), p, 1000, false));
  bool launched = false;
  ASSERT_TRUE(tonemap_detail::launch_fused_forward(src.view(), dst.view(), st, {}, true, gpu.stream(), &launched));
  // 39 KiB of static shared memory (tables for 16 lanes): every GPU Caldera builds for holds it.
  EXPECT_EQ(launched, optin >= 40 * 1024) << "opt-in shared memory per block: " << optin;
  Image sdr_src = testing::to_device(testing::random_image({64, 32, PixelFormat::NV12, sdr()}, 4).view(), gpu);
  Image hdr_dst = testing::filled_image({64, 32, PixelFormat::P010, hdr10()}, 0, MemoryKind::Device, &gpu);
  const auto ist = pipeline::cast_stages<float>(tonemap_detail::inverse_stages(sdr(), hdr10(), InverseToneMapParams{}));
  ASSERT_TRUE(tonemap_detail::launch_fused_inverse(sdr_src.view(), hdr_dst.view(), ist, gpu.stream(), &launched));
  EXPECT_EQ(launched, optin >= 103 * 1024) << "opt-in shared memory per block: " << optin;
  ASSERT_TRUE(gpu.synchronize());
}

// A crop at x = 6 (rows not 16-byte aligned), 62 wide (not a multiple of 8) and reaching the bottom
// of a 61-row frame (an odd height, so the last chroma row covers one luma row).
const Rect kCrop{6, 4, 62, 57};

TEST(TonemapCuda, CropTheFusedKernelTestUsesIsAValidView) {
  Image src = testing::random_image(100, 61, PixelFormat::P010, 31, hdr10());
  auto view = src.view().sub_view(kCrop);
  ASSERT_TRUE(view) << view.status().to_string();
  EXPECT_EQ(view->height(), 57);
}

TEST(TonemapCuda, FusedKernelTakesCroppedAndUnalignedViews) {
  CALDERA_REQUIRE_GPU();
  Context& gpu = *testing::gpu_context();
  Image src = testing::random_image(100, 61, PixelFormat::P010, 31, hdr10());
  ToneMapParams p;
  auto host_crop = ConstImageView(src.view()).sub_view(kCrop);
  ASSERT_TRUE(host_crop) << host_crop.status().to_string();
  Image want = testing::filled_image({kCrop.width, kCrop.height, PixelFormat::NV12, sdr()}, 0);
  ASSERT_TRUE(tonemap_reference(*host_crop, want.view(), p));
  Image dsrc = testing::to_device(src.view(), gpu);
  auto dev_crop = ConstImageView(dsrc.view()).sub_view(kCrop);
  ASSERT_TRUE(dev_crop) << dev_crop.status().to_string();
  Image ddst = testing::filled_image({kCrop.width, kCrop.height, PixelFormat::NV12, sdr()}, 0xA5, MemoryKind::Device, &gpu);
  ASSERT_TRUE(tonemap(*dev_crop, ddst.view(), p, gpu));
  EXPECT_IMAGES_MOSTLY_CLOSE(testing::to_host(ddst.view(), gpu).view(), want.view(), 1, kFusedFraction, kFusedHardTol);
}

}  // namespace
}  // namespace caldera
