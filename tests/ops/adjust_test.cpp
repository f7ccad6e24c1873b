// Colour adjustment: known values, identities, RGB and YUV agreeing, checks; CUDA against the
// reference.
#include <gtest/gtest.h>

#include <cmath>

#include "caldera/ops/adjust.hpp"
#include "caldera/ops/color_convert.hpp"
#include "core/sample_io.hpp"
#include "support/image_testing.hpp"

namespace caldera {
namespace {

TEST(Adjust, DefaultsAreTheIdentity) {
  for (PixelFormat f : {PixelFormat::NV12, PixelFormat::P010, PixelFormat::I444, PixelFormat::Gray8, PixelFormat::RGB24,
                        PixelFormat::RGBA, PixelFormat::RGB48}) {
    Image src = testing::random_image(41, 39, f, 2);
    Image dst = testing::filled_image({41, 39, f}, 0);
    ASSERT_TRUE(adjust_reference(src.view(), dst.view(), AdjustParams{}));
    // RGB goes through Y'CbCr and back: exact up to the rounding of the round trip.
    EXPECT_IMAGES_CLOSE(dst.view(), src.view(), format_info(f).family == ColorFamily::Rgb ? 1 : 0) << format_name(f);
  }
}

TEST(Adjust, KnownValuesOnYuv) {
  Image src = testing::filled_image({2, 2, PixelFormat::I444, ColorDesc{}}, 0);
  for (int p = 0; p < 3; ++p)
    for (int y = 0; y < 2; ++y)
      for (int x = 0; x < 2; ++x) write_code(src.view(), p, x, y, 0, p == 0 ? 16 + 219 * 0.25 : (p == 1 ? 128 + 56 : 128));
  AdjustParams a;
  a.contrast = 2;       // 0.25 -> 0
  a.brightness = 0.1;   // -> 0.1
  a.gamma = 2;          // -> sqrt(0.1)
  a.saturation = 0.5;   // Cb 0.25 -> 0.125
  a.hue = 90;           // then rotated: Cb 0, Cr 0.125
  Image dst = testing::filled_image({2, 2, PixelFormat::I444, ColorDesc{}}, 0);
  ASSERT_TRUE(adjust_reference(src.view(), dst.view(), a));
  const double y = (std::floor(16 + 219 * 0.25 + 0.5) - 16) / 219;  // the stored code, normalised
  EXPECT_EQ(read_code(dst.view(), 0, 0, 0, 0), std::floor(16 + 219 * std::sqrt(2 * y - 0.5 + 0.1) + 0.5));
  EXPECT_EQ(read_code(dst.view(), 1, 1, 1, 0), 128);
  EXPECT_EQ(read_code(dst.view(), 2, 1, 1, 0), 128 + 28);
}

TEST(Adjust, RgbGoesThroughItsMatrix) {
  // RGB is graded on the Y'CbCr of its matrix (BT.709 here), written out by hand below.
  Image rgb = testing::random_image(33, 17, PixelFormat::RGBPlanarF32, 3);
  AdjustParams a;
  a.brightness = -0.05, a.contrast = 1.3, a.saturation = 1.4, a.hue = 20, a.gamma = 1.2;
  Image rgb_out = testing::filled_image({33, 17, PixelFormat::RGBPlanarF32}, 0);
  ASSERT_TRUE(adjust_reference(rgb.view(), rgb_out.view(), a));
  for (int y = 0; y < 17; ++y)
    for (int x = 0; x < 33; ++x) {
      const double r = testing::sample_at(rgb.view(), 0, x, y, 0), g = testing::sample_at(rgb.view(), 1, x, y, 0),
                   b = testing::sample_at(rgb.view(), 2, x, y, 0);
      double yv = 0.2126 * r + 0.7152 * g + 0.0722 * b;
      double cb = (b - yv) / 1.8556, cr = (r - yv) / 1.5748;
      yv = std::pow(std::max((yv - 0.5) * 1.3 + 0.5 - 0.05, 0.0), 1 / 1.2);
      const double h = 20 * M_PI / 180;
      const double cb2 = 1.4 * (cb * std::cos(h) - cr * std::sin(h)), cr2 = 1.4 * (cb * std::sin(h) + cr * std::cos(h));
      const double r2 = yv + 1.5748 * cr2, b2 = yv + 1.8556 * cb2, g2 = (yv - 0.2126 * r2 - 0.0722 * b2) / 0.7152;
      EXPECT_NEAR(testing::sample_at(rgb_out.view(), 0, x, y, 0), r2, 1e-6);
      EXPECT_NEAR(testing::sample_at(rgb_out.view(), 1, x, y, 0), g2, 1e-6);
      EXPECT_NEAR(testing::sample_at(rgb_out.view(), 2, x, y, 0), b2, 1e-6);
    }
}

TEST(Adjust, SaturationZeroIsGrey) {
  Image src = testing::random_image(16, 8, PixelFormat::NV12, 7);
  Image dst = testing::filled_image({16, 8, PixelFormat::NV12}, 0);
  AdjustParams a;
  a.saturation = 0;
  ASSERT_TRUE(adjust_reference(src.view(), dst.view(), a));
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 8; ++x) {
      EXPECT_EQ(read_code(dst.view(), 1, x, y, 0), 128);
      EXPECT_EQ(read_code(dst.view(), 1, x, y, 1), 128);
    }
}

TEST(Adjust, ChecksNameTheProblem) {
  AdjustParams a;
  a.gamma = 0;
  EXPECT_NE(check_adjust({4, 4, PixelFormat::RGB24}, {4, 4, PixelFormat::RGB24}, a).message().find("gamma"), std::string::npos);
  EXPECT_NE(check_adjust({4, 4, PixelFormat::RGB24}, {4, 4, PixelFormat::NV12}, AdjustParams{}).message().find("keeps size and format"),
            std::string::npos);
}

TEST(AdjustCuda, MatchesReference) {
  CALDERA_REQUIRE_GPU();
  Context& gpu = *testing::gpu_context();
  AdjustParams a;
  a.brightness = 0.05, a.contrast = 1.2, a.saturation = 1.3, a.hue = -15, a.gamma = 0.9;
  for (PixelFormat f : {PixelFormat::NV12, PixelFormat::I420, PixelFormat::P010, PixelFormat::YUV420P10, PixelFormat::I422,
                        PixelFormat::Gray8, PixelFormat::RGB24, PixelFormat::BGRA, PixelFormat::RGB48, PixelFormat::RGBPlanarF32})
    for (auto [w, h] : {std::pair{1, 1}, std::pair{3, 5}, std::pair{41, 39}, std::pair{1921, 1081}}) {
      Image src = testing::random_image(w, h, f, 8);
      Image want = testing::filled_image({w, h, f}, 0);
      ASSERT_TRUE(adjust_reference(src.view(), want.view(), a));
      Image dsrc = testing::to_device(src.view(), gpu);
      Image ddst = testing::filled_image({w, h, f}, 0xA5, MemoryKind::Device, &gpu);
      ASSERT_TRUE(adjust_cuda(dsrc.view(), ddst.view(), a, gpu.workspace(), gpu.stream()));
      const double tol = is_float(f) ? 1e-5 : (format_info(f).msb_shift ? 64 : 1);
      EXPECT_IMAGES_CLOSE(testing::to_host(ddst.view(), gpu).view(), want.view(), tol) << format_name(f) << " " << w << "x" << h;
    }
}

}  // namespace
}  // namespace caldera
