// Transfer functions against the standards' formulas written out here in double and their
// reference points; round trips; the operator on images (reference, and CUDA against it).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "caldera/ops/transfer.hpp"
#include "ops/color_pipeline/transfer_math.hpp"
#include "support/image_testing.hpp"

namespace caldera {
namespace {

using testing::random_image;

// ---- the standards' formulas, written again from the documents -------------------------------------

// SMPTE ST 2084: Y = ((max(E'^(1/m2) - c1, 0)) / (c2 - c3 E'^(1/m2)))^(1/m1), L = 10000 Y.
double st2084_eotf(double e) {
  const double m1 = 0.1593017578125, m2 = 78.84375, c1 = 0.8359375, c2 = 18.8515625, c3 = 18.6875;
  const double p = std::pow(e, 1 / m2);
  return 10000 * std::pow(std::max(p - c1, 0.0) / (c2 - c3 * p), 1 / m1);
}
double st2084_inverse(double l) {
  const double m1 = 0.1593017578125, m2 = 78.84375, c1 = 0.8359375, c2 = 18.8515625, c3 = 18.6875;
  const double y = std::pow(l / 10000, m1);
  return std::pow((c1 + c2 * y) / (1 + c3 * y), m2);
}
// BT.2100 HLG OETF.
double bt2100_hlg_oetf(double e) {
  const double a = 0.17883277, b = 1 - 4 * a, c = 0.5 - a * std::log(4 * a);
  return e <= 1.0 / 12 ? std::sqrt(3 * e) : a * std::log(12 * e - b) + c;
}

TEST(TransferFunctions, PqReferencePoints) {
  EXPECT_EQ(pq_eotf(0), 0);
  EXPECT_NEAR(pq_eotf(1), 10000, 1e-9);
  EXPECT_NEAR(pq_inverse_eotf(10000), 1.0, 1e-12);
  EXPECT_NEAR(pq_inverse_eotf(100), 0.5081, 1e-4);   // the SDR-white level of BT.2100's tables
  EXPECT_NEAR(pq_inverse_eotf(1000), 0.7518, 1e-4);
  EXPECT_NEAR(pq_inverse_eotf(203), 0.5806, 1e-4);   // BT.2408 reference white: 58% PQ
  // Code 0 of a full-range signal is not exactly 0 cd/m2 in the inverse: c1^m2.
  EXPECT_NEAR(pq_inverse_eotf(0), std::pow(0.8359375, 78.84375), 1e-15);
  // Out-of-range inputs clamp.
  EXPECT_EQ(pq_eotf(-0.5), 0);
  EXPECT_NEAR(pq_eotf(1.5), 10000, 1e-9);
  EXPECT_NEAR(pq_inverse_eotf(20000), 1.0, 1e-12);
}

TEST(TransferFunctions, PqMatchesTheFormulaEverywhere) {
  for (int i = 0; i <= 4096; ++i) {
    const double e = i / 4096.0;
    EXPECT_NEAR(pq_eotf(e), st2084_eotf(e), 1e-9 * std::max(1.0, st2084_eotf(e))) << e;
    const double l = 10000 * std::pow(i / 4096.0, 3);
    EXPECT_NEAR(pq_inverse_eotf(l), st2084_inverse(l), 1e-12) << l;
  }
}

// The kernels evaluate pq_eotf in float: written in 1 - E'^(1/m2), it keeps the light to a few
// float ulps over every 16-bit code (its textbook form, t - c1 and c2 - c3 t from a rounded t, lost
// up to 5.7e-5 of it, 2 codes of a 16-bit linear output and a flipped desaturation).
TEST(TransferFunctions, PqEotfKeepsItsPrecisionInFloat) {
  double worst = 0;
  for (int i = 1; i <= 65535; ++i) {
    const double e = i / 65535.0, want = hd::pq_eotf<double>(e);
    if (want < 1e-3) continue;  // below 0.001 cd/m2 the relative error of any float form grows
    worst = std::max(worst, std::fabs(hd::pq_eotf<float>(static_cast<float>(e)) - want) / want);
  }
  EXPECT_LT(worst, 4e-6);
  EXPECT_EQ(hd::pq_eotf<float>(0.0f), 0.0f);
  EXPECT_NEAR(hd::pq_eotf<float>(1.0f), 10000.0f, 0.01f);
}

TEST(TransferFunctions, PqRoundTrips) {
  for (int i = 0; i <= 10000; ++i) {
    const double e = i / 10000.0;
    EXPECT_NEAR(pq_inverse_eotf(pq_eotf(e)), std::max(e, pq_inverse_eotf(0)), 2e-9) << e;
  }
  for (double l : {1e-4, 0.005, 0.1, 1.0, 48.0, 100.0, 203.0, 1000.0, 4000.0, 10000.0})
    EXPECT_NEAR(pq_eotf(pq_inverse_eotf(l)), l, 1e-9 * l) << l;
}

TEST(TransferFunctions, HlgReferencePointsAndRoundTrip) {
  EXPECT_NEAR(hlg_oetf(1.0 / 12), 0.5, 1e-12);  // the knee between the square root and the log
  EXPECT_NEAR(hlg_oetf(1.0), 1.0, 1e-7);         // a is rounded to 8 digits in BT.2100
  EXPECT_EQ(hlg_oetf(0), 0);
  for (int i = 0; i <= 1000; ++i) {
    const double e = i / 1000.0;
    EXPECT_NEAR(hlg_oetf(e), bt2100_hlg_oetf(e), 1e-12) << e;
    EXPECT_NEAR(hlg_oetf(hlg_inverse_oetf(e)), e, 1e-12) << e;
  }
  EXPECT_NEAR(hlg_system_gamma(1000), 1.2, 1e-12);
  EXPECT_NEAR(hlg_system_gamma(2000), 1.2 + 0.42 * std::log10(2.0), 1e-12);
  EXPECT_NEAR(hlg_system_gamma(400), 1.2 + 0.42 * std::log10(0.4), 1e-12);
  EXPECT_NEAR(hlg_system_gamma(4000), 1.2 * std::pow(1.111, 2.0), 1e-12);  // BT.2390's extension
}

TEST(TransferFunctions, HlgDisplayFollowsTheOotf) {
  // White E' = 1 on every channel shows the display's peak; the OOTF scales achromatic light by
  // alpha * Y_S^gamma; a black level lifts code 0 to L_B.
  TransferParams p;
  p.hlg_peak = 1000;
  double white[3] = {1, 1, 1};
  signal_to_nits(Transfer::HLG, Primaries::BT2020, p, white);
  for (double v : white) EXPECT_NEAR(v, 1000, 1e-4);  // a's 8 digits: E(E' = 1) = 1 + 3e-8
  double grey[3] = {0.5, 0.5, 0.5};  // scene light 1/12
  signal_to_nits(Transfer::HLG, Primaries::BT2020, p, grey);
  for (double v : grey) EXPECT_NEAR(v, 1000 * std::pow(1.0 / 12, 1.2), 1e-6);
  // A colour: F_D = alpha * Y_S^(gamma - 1) * E per channel, Y_S with BT.2020's coefficients.
  double c[3] = {0.8, 0.4, 0.2};
  const double e[3] = {hlg_inverse_oetf(0.8), hlg_inverse_oetf(0.4), hlg_inverse_oetf(0.2)};
  const double ys = 0.2627 * e[0] + 0.6780 * e[1] + 0.0593 * e[2];
  signal_to_nits(Transfer::HLG, Primaries::BT2020, p, c);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(c[i], 1000 * std::pow(ys, 0.2) * e[i], 2e-3) << i;  // 2e-3: derived vs rounded Kr/Kb
  p.hlg_black = 0.1;
  double black[3] = {0, 0, 0};
  signal_to_nits(Transfer::HLG, Primaries::BT2020, p, black);
  for (double v : black) EXPECT_NEAR(v, 0.1, 1e-9);
  // And back: the inverse OOTF and OETF return the signal.
  for (double s : {0.0, 0.1, 0.3, 0.5, 0.75, 1.0}) {
    double px[3] = {s, s * 0.7, 1 - s};
    const double want[3] = {px[0], px[1], px[2]};
    signal_to_nits(Transfer::HLG, Primaries::BT2020, p, px);
    nits_to_signal(Transfer::HLG, Primaries::BT2020, p, px);
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(px[i], want[i], 1e-9) << s << " " << i;
  }
}

TEST(TransferFunctions, Bt1886AndSrgb) {
  EXPECT_NEAR(bt1886_eotf(1, 100, 0), 100, 1e-12);
  EXPECT_NEAR(bt1886_eotf(0.5, 100, 0), 100 * std::pow(0.5, 2.4), 1e-12);
  EXPECT_EQ(bt1886_eotf(0, 100, 0), 0);
  // With a black level, code 0 is L_B and code 1 is L_W (BT.1886 Annex 1).
  EXPECT_NEAR(bt1886_eotf(0, 300, 0.01), 0.01, 1e-12);
  EXPECT_NEAR(bt1886_eotf(1, 300, 0.01), 300, 1e-9);
  for (double v : {0.0, 0.01, 0.2, 0.5, 0.9, 1.0}) EXPECT_NEAR(bt1886_inverse_eotf(bt1886_eotf(v, 300, 0.01), 300, 0.01), v, 1e-12);
  EXPECT_NEAR(srgb_eotf(0.04045), 0.04045 / 12.92, 1e-15);
  EXPECT_NEAR(srgb_eotf(0.5), std::pow((0.5 + 0.055) / 1.055, 2.4), 1e-15);
  EXPECT_NEAR(srgb_eotf(1), 1, 1e-15);
  EXPECT_NEAR(srgb_inverse_eotf(0.0031308), 0.0031308 * 12.92, 1e-15);
  // The standard's two knees (0.04045 and 0.0031308) do not quite meet: 3e-8 at the knee itself.
  for (double v : {0.0, 0.02, 0.04045, 0.3, 1.0}) EXPECT_NEAR(srgb_inverse_eotf(srgb_eotf(v)), v, 5e-8);
}

// ---- the operator ---------------------------------------------------------------------------------

ColorDesc tagged(Transfer t, Primaries p = Primaries::BT2020, Matrix m = Matrix::BT2020NCL) {
  ColorDesc c;
  c.transfer = t, c.primaries = p, c.matrix = m;
  return c;
}

float f32_at(ConstImageView img, int plane, int x, int y) {
  float v;
  std::memcpy(&v, img.row(plane, y) + 4 * x, 4);
  return v;
}

TEST(TransferOp, PqRgb48ToLinearFloatIsTheEotf) {
  Image src = random_image(37, 5, PixelFormat::RGB48, 3, tagged(Transfer::PQ));
  Image dst = testing::filled_image({37, 5, PixelFormat::RGBPlanarF32, tagged(Transfer::Linear)}, 0);
  ASSERT_TRUE(transfer_reference(src.view(), dst.view(), TransferParams{}));
  for (int y = 0; y < 5; ++y)
    for (int x = 0; x < 37; ++x)
      for (int c = 0; c < 3; ++c) {
        const double code = testing::sample_at(src.view(), 0, x, y, c);
        EXPECT_NEAR(f32_at(dst.view(), c, x, y), st2084_eotf(code / 65535) / 100, 1e-5 * (1 + st2084_eotf(code / 65535) / 100));
      }
}

TEST(TransferOp, RoundTripsThroughEveryTransfer) {
  // PQ -> X -> PQ for X in every transfer returns the input where X can hold the light.
  Image src = testing::filled_image({8, 4, PixelFormat::RGBPlanarF32, tagged(Transfer::PQ)}, 0);
  for (int p = 0; p < 3; ++p)
    for (int y = 0; y < 4; ++y)
      for (int x = 0; x < 8; ++x) {
        const float v = 0.05f + 0.45f * (x + 8 * y) / 32.0f;  // up to 0.5 PQ (~92 cd/m2), inside SDR white
        std::memcpy(src.view().row(p, y) + 4 * x, &v, 4);
      }
  for (Transfer t : {Transfer::BT1886, Transfer::SRGB, Transfer::Linear, Transfer::HLG}) {
    Image mid = testing::filled_image({8, 4, PixelFormat::RGBPlanarF32, tagged(t)}, 0);
    Image back = testing::filled_image({8, 4, PixelFormat::RGBPlanarF32, tagged(Transfer::PQ)}, 0);
    ASSERT_TRUE(transfer_reference(src.view(), mid.view(), TransferParams{}));
    ASSERT_TRUE(transfer_reference(mid.view(), back.view(), TransferParams{}));
    EXPECT_IMAGES_CLOSE(back.view(), src.view(), 2e-6) << transfer_name(t);
  }
}

TEST(TransferOp, ChecksNameTheProblem) {
  TransferParams p;
  Status s = check_transfer({8, 8, PixelFormat::P010, tagged(Transfer::PQ)},
                            {8, 8, PixelFormat::P010, tagged(Transfer::HLG, Primaries::BT709)}, p);
  EXPECT_NE(s.message().find("use gamut"), std::string::npos) << s.message();
  s = check_transfer({8, 8, PixelFormat::Gray8}, {8, 8, PixelFormat::Gray8}, p);
  EXPECT_NE(s.message().find("gray8"), std::string::npos) << s.message();
  s = check_transfer({8, 8, PixelFormat::RGB24}, {8, 6, PixelFormat::RGB24}, p);
  EXPECT_NE(s.message().find("does not scale"), std::string::npos) << s.message();
  p.sdr_white = -1;
  s = check_transfer({8, 8, PixelFormat::RGB24}, {8, 8, PixelFormat::RGB24}, p);
  EXPECT_NE(s.message().find("sdr_white"), std::string::npos) << s.message();
}

TEST(TransferOp, MetadataFollowsTheTransfer) {
  ColorDesc c = tagged(Transfer::PQ);
  c.hdr.content_light = ContentLightLevel{1000, 400};
  EXPECT_EQ(with_transfer(c, Transfer::HLG).hdr, c.hdr);
  EXPECT_TRUE(with_transfer(c, Transfer::BT1886).hdr.empty());
}

// ---- CUDA against the reference ----------------------------------------------------------------------

void expect_cuda_matches(PixelFormat sf, Transfer st, PixelFormat df, Transfer dt, int w, int h, uint64_t seed) {
  Context& gpu = *testing::gpu_context();
  Image src = random_image(w, h, sf, seed, tagged(st));
  Image want = testing::filled_image({w, h, df, tagged(dt)}, 0);
  ASSERT_TRUE(transfer_reference(src.view(), want.view(), TransferParams{}));
  Image dsrc = testing::to_device(src.view(), gpu);
  Image ddst = testing::filled_image({w, h, df, tagged(dt)}, 0xA5, MemoryKind::Device, &gpu);
  Status s = transfer_cuda(dsrc.view(), ddst.view(), TransferParams{}, gpu.workspace(), gpu.stream());
  ASSERT_TRUE(s) << s.to_string();
  Image got = testing::to_host(ddst.view(), gpu);
  // f16 keeps 11 bits: a value that float and double round to neighbouring halves differs by one
  // half ulp, 4.9e-4 in [0.5, 1).
  const double tol = format_info(df).sample == SampleType::F16 ? 1e-3
                     : is_float(df)                            ? 2e-4
                                                               : (format_info(df).msb_shift ? 64 : 1);
  EXPECT_IMAGES_CLOSE(got.view(), want.view(), tol) << format_name(sf) << " " << transfer_name(st) << " -> "
                                                     << format_name(df) << " " << transfer_name(dt) << " " << w << "x" << h;
}

TEST(TransferCuda, MatchesReference) {
  CALDERA_REQUIRE_GPU();
  const int sizes[][2] = {{1, 1}, {3, 5}, {41, 39}, {1921, 1081}};
  for (auto [w, h] : sizes) {
    expect_cuda_matches(PixelFormat::P010, Transfer::PQ, PixelFormat::P010, Transfer::HLG, w, h, 1);
    expect_cuda_matches(PixelFormat::YUV420P10, Transfer::HLG, PixelFormat::RGBPlanarF32, Transfer::Linear, w, h, 2);
    expect_cuda_matches(PixelFormat::RGB48, Transfer::PQ, PixelFormat::RGB48, Transfer::Linear, w, h, 3);
    expect_cuda_matches(PixelFormat::RGBPlanarF32, Transfer::Linear, PixelFormat::P010, Transfer::PQ, w, h, 4);
    expect_cuda_matches(PixelFormat::NV12, Transfer::BT1886, PixelFormat::RGB24, Transfer::SRGB, w, h, 5);
    expect_cuda_matches(PixelFormat::I444, Transfer::SRGB, PixelFormat::RGBPlanarF16, Transfer::PQ, w, h, 6);
  }
}

}  // namespace
}  // namespace caldera
