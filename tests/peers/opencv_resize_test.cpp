// Our resize reference against OpenCV's cv::resize, mode by mode, on random 8-bit and float
// images. OpenCV has no antialias for linear and cubic, so those run with antialias = false.
// Lanczos is not compared: OpenCV's INTER_LANCZOS4 is an 8-tap (a = 4) kernel, ours is a = 3.
//
// Observed maxima (OpenCV 4.6, Debian 12), asserted below:
//   nearest-exact: identical wherever a centre does not fall exactly on a source pixel edge. At
//     such ties (every pixel of an exact 2x downscale) we take floor((o + 0.5) * scale) as
//     PyTorch's nearest-exact and Pillow do (2o + 1), OpenCV's fixed point takes the pixel
//     before (2o); a test below pins that down.
//   linear: 8-bit 1 code (OpenCV's 11-bit fixed-point weights), float 7.4e-5 (OpenCV computes
//     source coordinates in float: 1e-4 is one float ulp at x = 1900), asserted <= 2e-4.
//   cubic (a = -0.75): 8-bit 1 code, float 1.0e-4, asserted <= 2e-4.
//   area: 8-bit 1 code at integer factors (OpenCV rounds halves to even, we round them up),
//     0 at other factors and 1 on upscale; float 1.8e-7, asserted <= 1e-5.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <string>

#include "caldera/ops/resize.hpp"
#include "support/image_testing.hpp"

namespace caldera {
namespace {

struct Size2 {
  int sw, sh, dw, dh;
};

cv::Mat wrap_plane(ConstImageView img, int plane, int cv_type) {
  const int w = plane_width(img.format(), plane, img.width()), h = plane_height(img.format(), plane, img.height());
  return cv::Mat(h, w, cv_type, const_cast<uint8_t*>(img.plane(plane).data), img.plane(plane).pitch);
}

// Largest difference between our reference and cv::resize on every plane of a random image.
double max_diff(PixelFormat f, int cv_type, const Size2& s, const ResizeParams& p, int cv_interp, uint64_t seed) {
  Image src = testing::random_image(s.sw, s.sh, f, seed);
  Image ours = testing::filled_image({s.dw, s.dh, f}, 0);
  Status st = resize_reference(src.view(), ours.view(), p);
  EXPECT_TRUE(st) << st.to_string();
  double worst = 0;
  for (int pl = 0; pl < src.view().num_planes(); ++pl) {
    cv::Mat in = wrap_plane(src.view(), pl, cv_type);
    cv::Mat want;
    cv::resize(in, want, cv::Size(plane_width(f, pl, s.dw), plane_height(f, pl, s.dh)), 0, 0, cv_interp);
    cv::Mat got = wrap_plane(ours.view(), pl, cv_type);
    cv::Mat diff;
    cv::absdiff(got, want, diff);
    double mx = 0;
    cv::minMaxLoc(diff.reshape(1), nullptr, &mx);
    worst = std::max(worst, mx);
  }
  return worst;
}

const Size2 kShapes[] = {{41, 39, 17, 20}, {64, 48, 32, 24},   {100, 75, 37, 29}, {1921, 1081, 960, 540},  // down
                         {17, 20, 41, 39}, {37, 29, 100, 90},                                          // up
                         {41, 39, 17, 80}};                                                            // mixed
const Size2 kUp[] = {{17, 20, 41, 39}, {37, 29, 100, 90}};

ResizeParams params(Interp i, bool aa, float a = -0.5f) {
  ResizeParams p;
  p.interp = i;
  p.antialias = aa;
  p.cubic_a = a;
  return p;
}

template <class Fn>
double worst_over(Fn fn) {
  double w = 0;
  for (const Size2& s : kShapes) w = std::max(w, fn(s));
  return w;
}

TEST(OpenCvResize, NearestExactIsIdenticalAwayFromTies) {
  // No output centre of these lands exactly on a source pixel edge.
  const Size2 no_ties[] = {{41, 39, 17, 80}, {1921, 1081, 960, 540}, {17, 75, 41, 29}, {37, 29, 100, 90}, {41, 39, 39, 20}};
  double u8 = 0, f32 = 0;
  for (const Size2& s : no_ties) {
    u8 = std::max(u8, max_diff(PixelFormat::RGB24, CV_8UC3, s, params(Interp::Nearest, false), cv::INTER_NEAREST_EXACT, 1));
    f32 = std::max(f32, max_diff(PixelFormat::RGBPlanarF32, CV_32FC1, s, params(Interp::Nearest, false),
                                 cv::INTER_NEAREST_EXACT, 2));
  }
  std::cout << "nearest-exact: max diff u8 " << u8 << ", f32 " << f32 << "\n";
  EXPECT_EQ(u8, 0);
  EXPECT_EQ(f32, 0);
}

TEST(OpenCvResize, NearestExactTiesDifferByOnePixel) {
  // 8 -> 4: centres at source 1, 3, 5, 7 (pixel edges). Ours: pixels 1, 3, 5, 7; OpenCV: 0, 2, 4, 6.
  Image src = testing::filled_image({8, 1, PixelFormat::Gray8}, 0);
  for (int x = 0; x < 8; ++x) src.view().row(0, 0)[x] = static_cast<uint8_t>(10 * x);
  Image ours = testing::filled_image({4, 1, PixelFormat::Gray8}, 0);
  ASSERT_TRUE(resize_reference(src.view(), ours.view(), params(Interp::Nearest, false)));
  cv::Mat want;
  cv::resize(wrap_plane(src.view(), 0, CV_8UC1), want, cv::Size(4, 1), 0, 0, cv::INTER_NEAREST_EXACT);
  for (int x = 0; x < 4; ++x) {
    EXPECT_EQ(ours.view().row(0, 0)[x], 10 * (2 * x + 1));
    EXPECT_EQ(want.at<uint8_t>(0, x), 10 * (2 * x));
  }
}

TEST(OpenCvResize, LinearWithoutAntialias) {
  const double u8 = worst_over([](const Size2& s) {
    return max_diff(PixelFormat::RGB24, CV_8UC3, s, params(Interp::Bilinear, false), cv::INTER_LINEAR, 3);
  });
  const double f32 = worst_over([](const Size2& s) {
    return max_diff(PixelFormat::RGBPlanarF32, CV_32FC1, s, params(Interp::Bilinear, false), cv::INTER_LINEAR, 4);
  });
  std::cout << "linear: max diff u8 " << u8 << ", f32 " << f32 << "\n";
  EXPECT_LE(u8, 1);
  EXPECT_LE(f32, 2e-4);
}

TEST(OpenCvResize, CubicWithOpenCvParameter) {
  const double u8 = worst_over([](const Size2& s) {
    return max_diff(PixelFormat::RGB24, CV_8UC3, s, params(Interp::Bicubic, false, -0.75f), cv::INTER_CUBIC, 5);
  });
  const double f32 = worst_over([](const Size2& s) {
    return max_diff(PixelFormat::RGBPlanarF32, CV_32FC1, s, params(Interp::Bicubic, false, -0.75f), cv::INTER_CUBIC, 6);
  });
  std::cout << "cubic: max diff u8 " << u8 << ", f32 " << f32 << "\n";
  EXPECT_LE(u8, 1);
  EXPECT_LE(f32, 2e-4);
}

TEST(OpenCvResize, AreaDownscale) {
  double integer = 0, fractional = 0, f32 = 0, up = 0;
  for (Size2 s : {Size2{64, 48, 32, 24}, Size2{99, 75, 33, 25}, Size2{3840, 2160, 1920, 1080}, Size2{40, 40, 10, 10}})
    integer = std::max(integer, max_diff(PixelFormat::RGB24, CV_8UC3, s, params(Interp::Area, true), cv::INTER_AREA, 7));
  for (Size2 s : {Size2{41, 39, 17, 20}, Size2{100, 75, 37, 29}, Size2{1920, 1080, 1280, 720}, Size2{30, 30, 20, 20}}) {
    fractional = std::max(fractional, max_diff(PixelFormat::RGB24, CV_8UC3, s, params(Interp::Area, true), cv::INTER_AREA, 8));
    f32 = std::max(f32, max_diff(PixelFormat::RGBPlanarF32, CV_32FC1, s, params(Interp::Area, true), cv::INTER_AREA, 9));
  }
  for (Size2 s : kUp) up = std::max(up, max_diff(PixelFormat::RGB24, CV_8UC3, s, params(Interp::Area, true), cv::INTER_AREA, 10));
  std::cout << "area: max diff u8 integer factors " << integer << ", other factors " << fractional << ", f32 " << f32
            << ", upscale " << up << "\n";
  EXPECT_LE(integer, 1);
  EXPECT_LE(fractional, 1);
  EXPECT_LE(f32, 1e-5);
  EXPECT_LE(up, 1);
}

}  // namespace
}  // namespace caldera
