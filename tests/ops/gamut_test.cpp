// Gamut: the derived matrices against the values the standards publish, the mappings' properties,
// and the operator (reference, CUDA against it).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include "caldera/ops/gamut.hpp"
#include "ops/color_pipeline/gamut_math.hpp"
#include "ops/color_pipeline/stage_setup.hpp"
#include "support/image_testing.hpp"

namespace caldera {
namespace {

TEST(GamutMatrix, MatchesBt2087AndTheLumaCoefficients) {
  // ITU-R BT.2087-0, equation (4): linear BT.709 RGB -> BT.2020 RGB, published to 4 decimals.
  const double bt2087[3][3] = {{0.6274, 0.3293, 0.0433}, {0.0691, 0.9195, 0.0114}, {0.0164, 0.0880, 0.8956}};
  const Matrix3 m = gamut_matrix(Primaries::BT709, Primaries::BT2020);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) EXPECT_NEAR(m[i][j], bt2087[i][j], 5e-5) << i << j;
  // The Y row of RGB -> XYZ is the luma coefficients BT.709 and BT.2020 publish (4 decimals).
  const auto k709 = luminance_coefficients(Primaries::BT709), k2020 = luminance_coefficients(Primaries::BT2020);
  const double want709[3] = {0.2126, 0.7152, 0.0722}, want2020[3] = {0.2627, 0.6780, 0.0593};
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(k709[i], want709[i], 5e-5) << i;
    EXPECT_NEAR(k2020[i], want2020[i], 5e-5) << i;
  }
  // BT.709's RGB -> XYZ (IEC 61966-2-1 publishes the same matrix for sRGB, 4 decimals).
  const Matrix3 xyz = rgb_to_xyz_matrix(primaries_chromaticities(Primaries::BT709));
  const double srgb[3][3] = {{0.4124, 0.3576, 0.1805}, {0.2126, 0.7152, 0.0722}, {0.0193, 0.1192, 0.9505}};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) EXPECT_NEAR(xyz[i][j], srgb[i][j], 5e-5) << i << j;
}

TEST(GamutMatrix, WhiteStaysWhiteAndInversesCompose) {
  const Primaries all[] = {Primaries::BT709, Primaries::BT601_525, Primaries::BT601_625, Primaries::BT2020,
                           Primaries::DisplayP3};
  for (Primaries a : all)
    for (Primaries b : all) {
      const Matrix3 ab = gamut_matrix(a, b), ba = gamut_matrix(b, a);
      for (int i = 0; i < 3; ++i) {
        EXPECT_NEAR(ab[i][0] + ab[i][1] + ab[i][2], 1.0, 1e-12) << primaries_name(a) << "->" << primaries_name(b);
        for (int j = 0; j < 3; ++j) {
          double s = 0;
          for (int k = 0; k < 3; ++k) s += ab[i][k] * ba[k][j];
          EXPECT_NEAR(s, i == j ? 1.0 : 0.0, 1e-12);
        }
      }
    }
}

TEST(GamutMatrix, LimitOfTheSourceGamut) {
  // BT.2020's blue is the primary furthest outside BT.709: 1 - min / Y for its image in BT.709.
  const Matrix3 m = gamut_matrix(Primaries::BT2020, Primaries::BT709);
  const auto ky = luminance_coefficients(Primaries::BT709);
  const double blue[3] = {m[0][2], m[1][2], m[2][2]};
  const double y = ky[0] * blue[0] + ky[1] * blue[1] + ky[2] * blue[2];
  EXPECT_NEAR(pipeline::gamut_limit(Primaries::BT2020, Primaries::BT709), 1 - std::min({blue[0], blue[1], blue[2]}) / y, 1e-12);
  EXPECT_GT(pipeline::gamut_limit(Primaries::BT2020, Primaries::BT709), 2.0);
  EXPECT_LE(pipeline::gamut_limit(Primaries::BT709, Primaries::BT2020), 1.0);  // 709 fits inside 2020
}

// ---- mappings ------------------------------------------------------------------------------------

hd::GamutCoeffs<double> coeffs(GamutMapping m, double peak = 100) {
  GamutParams g;
  g.mapping = m;
  return pipeline::gamut_coeffs(Primaries::BT2020, Primaries::BT709, g, peak);
}

double luminance(const hd::GamutCoeffs<double>& c, const double v[3]) { return c.ky[0] * v[0] + c.ky[1] * v[1] + c.ky[2] * v[2]; }

TEST(GamutMapping, CompressAndDesaturateKeepLuminanceAndLandInside) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> u(0, 1);
  for (GamutMapping mode : {GamutMapping::Compress, GamutMapping::Desaturate})
    for (int i = 0; i < 20000; ++i) {
      // Any BT.2020 colour with light in [0, 100].
      double c[3] = {100 * u(rng) * u(rng), 100 * u(rng), 100 * u(rng) * u(rng) * u(rng)};
      const auto k = coeffs(mode);
      const Matrix3 m = gamut_matrix(Primaries::BT2020, Primaries::BT709);
      double in709[3];
      for (int r = 0; r < 3; ++r) in709[r] = m[r][0] * c[0] + m[r][1] * c[1] + m[r][2] * c[2];
      const double y = luminance(k, in709);
      hd::map_gamut(k, c[0], c[1], c[2]);
      for (double v : c) {
        EXPECT_GE(v, -1e-9) << gamut_mapping_name(mode);
        EXPECT_LE(v, 100 + 1e-9) << gamut_mapping_name(mode);
      }
      if (y < 100) EXPECT_NEAR(luminance(k, c), y, 1e-9 * 100) << gamut_mapping_name(mode);
    }
}

TEST(GamutMapping, CompressLeavesTheCoreAloneAndIsMonotonicInSaturation) {
  const auto k = coeffs(GamutMapping::Compress, 1e30);
  const Matrix3 inv = gamut_matrix(Primaries::BT709, Primaries::BT2020);
  // Colours near grey (distance below the threshold) in BT.709 come through unchanged.
  double grey_ish[3] = {0.5, 0.45, 0.42};
  double src[3];
  for (int r = 0; r < 3; ++r) src[r] = inv[r][0] * grey_ish[0] + inv[r][1] * grey_ish[1] + inv[r][2] * grey_ish[2];
  hd::map_gamut(k, src[0], src[1], src[2]);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(src[i], grey_ish[i], 1e-12);
  // Along a line from grey to BT.2020's pure green the output's distance from grey never falls
  // (the compression is monotonic in the distance).
  double last = -1;
  for (int i = 0; i <= 100; ++i) {
    const double s = i / 100.0;
    double c[3] = {0.3 * (1 - s), 0.3 * (1 - s) + s, 0.3 * (1 - s)};
    hd::map_gamut(k, c[0], c[1], c[2]);
    const double y = luminance(k, c);
    const double d = (y - std::min({c[0], c[1], c[2]})) / y;
    EXPECT_GE(d, last - 1e-12) << s;
    last = d;
  }
  // BT.2020's blue is the most distant primary: it lands on the boundary; green lands inside.
  double blue[3] = {0, 0, 1}, green[3] = {0, 1, 0};
  hd::map_gamut(k, blue[0], blue[1], blue[2]);
  hd::map_gamut(k, green[0], green[1], green[2]);
  EXPECT_NEAR(std::min({blue[0], blue[1], blue[2]}), 0, 1e-9);
  EXPECT_GT(std::min({green[0], green[1], green[2]}), 1e-3);
}

// A colour whose lowest channel is what stops the desaturation lands with that channel exactly on
// black, in float as in double: from y + t (c - y) it kept a rounding residue of about y * 2^-24,
// which PQ (steepest at black) turns into hundreds of 16-bit codes.
TEST(GamutMapping, DesaturationLandsExactlyOnBlackInFloat) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-2000.0f, 9000.0f);
  const float ky[3] = {0.2126f, 0.7152f, 0.0722f};
  int landed = 0;
  for (int i = 0; i < 20000; ++i) {
    float c[3] = {u(rng), u(rng), u(rng)};
    const float y = ky[0] * c[0] + ky[1] * c[1] + ky[2] * c[2];
    const float lo = std::min({c[0], c[1], c[2]}), hi = std::max({c[0], c[1], c[2]});
    if (!(y > 0) || !(lo < 0)) continue;
    const float peak = 10000;
    if (hi > peak && (peak - y) / (hi - y) < y / (y - lo)) continue;  // the peak stops it first
    hd::desaturate_into_range(y, peak, c[0], c[1], c[2]);
    EXPECT_EQ(std::min({c[0], c[1], c[2]}), 0.0f);
    ++landed;
  }
  EXPECT_GT(landed, 1000);
}

TEST(GamutMapping, ClipClampsEachChannelAndNoneKeepsTheMatrix) {
  auto k = coeffs(GamutMapping::Clip);
  double c[3] = {0, 100, 0};  // BT.2020 green: negative red and blue in BT.709
  hd::map_gamut(k, c[0], c[1], c[2]);
  EXPECT_EQ(c[0], 0);
  EXPECT_EQ(c[2], 0);
  EXPECT_EQ(c[1], 100);  // 113 clipped
  k = coeffs(GamutMapping::None);
  double d[3] = {0, 100, 0};
  hd::map_gamut(k, d[0], d[1], d[2]);
  const Matrix3 m = gamut_matrix(Primaries::BT2020, Primaries::BT709);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(d[i], 100 * m[i][1], 1e-12);
}

TEST(GamutMapping, NamesRoundTrip) {
  for (GamutMapping m : {GamutMapping::None, GamutMapping::Clip, GamutMapping::Desaturate, GamutMapping::Compress})
    EXPECT_EQ(*parse_gamut_mapping(gamut_mapping_name(m)), m);
  EXPECT_FALSE(parse_gamut_mapping("hue"));
}

// ---- the operator ---------------------------------------------------------------------------------------

ColorDesc tagged(Primaries p, Transfer t = Transfer::PQ) {
  ColorDesc c;
  c.transfer = t, c.primaries = p, c.matrix = p == Primaries::BT2020 ? Matrix::BT2020NCL : Matrix::BT709;
  return c;
}

// Compress desaturates saturated colours inside the gamut too (its knee is inside), so the way
// back uses Desaturate, which leaves everything inside alone.
TEST(GamutOp, Bt709ContentSurvivesARoundTripThroughBt2020) {
  Image src = testing::random_image(33, 17, PixelFormat::RGBPlanarF32, 9, tagged(Primaries::BT709, Transfer::BT1886));
  Image wide = testing::filled_image({33, 17, PixelFormat::RGBPlanarF32, tagged(Primaries::BT2020, Transfer::BT1886)}, 0);
  Image back = testing::filled_image({33, 17, PixelFormat::RGBPlanarF32, tagged(Primaries::BT709, Transfer::BT1886)}, 0);
  GamutParams g;
  ASSERT_TRUE(gamut_reference(src.view(), wide.view(), g, TransferParams{}));
  g.mapping = GamutMapping::Desaturate;
  ASSERT_TRUE(gamut_reference(wide.view(), back.view(), g, TransferParams{}));
  EXPECT_IMAGES_CLOSE(back.view(), src.view(), 1e-5);
}

TEST(GamutOp, ChecksNameTheProblem) {
  Status s = check_gamut({8, 8, PixelFormat::P010, tagged(Primaries::BT2020)},
                         {8, 8, PixelFormat::P010, tagged(Primaries::BT709, Transfer::BT1886)}, GamutParams{}, TransferParams{});
  EXPECT_NE(s.message().find("keeps the transfer"), std::string::npos) << s.message();
  GamutParams g;
  g.threshold = 1.5;
  s = check_gamut({8, 8, PixelFormat::P010, tagged(Primaries::BT2020)}, {8, 8, PixelFormat::P010, tagged(Primaries::BT709)},
                  g, TransferParams{});
  EXPECT_NE(s.message().find("threshold"), std::string::npos) << s.message();
}

TEST(GamutCuda, MatchesReference) {
  CALDERA_REQUIRE_GPU();
  Context& gpu = *testing::gpu_context();
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
    for (auto [w, h] : {std::pair{1, 1}, std::pair{3, 5}, std::pair{41, 39}, std::pair{1921, 1081}}) {
      GamutParams g;
      g.mapping = c.m;
      Image src = testing::random_image(w, h, c.sf, 11, tagged(c.sp));
      Image want = testing::filled_image({w, h, c.df, tagged(c.dp)}, 0);
      ASSERT_TRUE(gamut_reference(src.view(), want.view(), g, TransferParams{}));
      Image dsrc = testing::to_device(src.view(), gpu);
      Image ddst = testing::filled_image({w, h, c.df, tagged(c.dp)}, 0xA5, MemoryKind::Device, &gpu);
      ASSERT_TRUE(gamut_cuda(dsrc.view(), ddst.view(), g, TransferParams{}, gpu.workspace(), gpu.stream()));
      Image got = testing::to_host(ddst.view(), gpu);
      const double tol = is_float(c.df) ? 2e-4 : (format_info(c.df).msb_shift ? 64 : 1);
      // Within tol but where the desaturation's two bounds (black and the peak) nearly tie, or a
      // channel lands near black, where PQ is steepest: there float and double differ by up to 2%
      // of the range (measured on the host emulation of the kernel: 4.8e-5 of the samples beyond
      // tol, PipelineKernelEmulated.GamutCasesMatchTheReference).
      const double range = is_float(c.df) ? 1 : max_code(c.df) << format_info(c.df).msb_shift;  // as compared: P010 words
      EXPECT_IMAGES_MOSTLY_CLOSE(got.view(), want.view(), tol, 2e-4, range / 32)
          << format_name(c.sf) << " " << gamut_mapping_name(c.m) << " " << w << "x" << h;
    }
}

}  // namespace
}  // namespace caldera
