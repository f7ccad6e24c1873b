// Our derivative filters against OpenCV 4.6: cv::Sobel, cv::Scharr, cv::Laplacian (signed 16-bit
// responses, saturated 8-bit outputs, convertScaleAbs) and the magnitude of cv::Sobel's float
// derivatives, on random gray8 images (including 1x1 and 3x5) and the two photographs, every
// border mode. Integer responses: asserted identical everywhere (observed: identical); the only
// differences are OpenCV's half-to-even rounding in convertScaleAbs and its float sqrt in
// cv::magnitude, both asserted to be exactly that.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <iostream>
#include <string>

#include "caldera/ops/gradient.hpp"
#include "support/image_testing.hpp"
#include "support/opencv_compare.hpp"
#include "support/photos.hpp"

namespace caldera {
namespace {

using testing::cv_border;
using testing::wrap_plane;

std::vector<Image> inputs() {
  std::vector<Image> v;
  v.push_back(testing::random_image(41, 39, PixelFormat::Gray8, 1));
  v.push_back(testing::random_image(640, 481, PixelFormat::Gray8, 2));
  v.push_back(testing::random_image(3, 5, PixelFormat::Gray8, 3));
  v.push_back(testing::random_image(1, 1, PixelFormat::Gray8, 4));
  v.push_back(testing::random_image(17, 2, PixelFormat::Gray8, 5));
  for (const char* p : testing::kPhotos) v.push_back(testing::example_photo_gray(p));
  return v;
}

constexpr FilterBorder kBorders[] = {FilterBorder::Replicate, FilterBorder::Reflect, FilterBorder::Reflect101,
                                     FilterBorder::Constant};

// Our signed response (gray16, offset 32768, no abs) minus cv's CV_16S result: the largest |diff|.
double signed_diff(ConstImageView ours16, const cv::Mat& cv16s) {
  double worst = 0;
  for (int y = 0; y < cv16s.rows; ++y)
    for (int x = 0; x < cv16s.cols; ++x) {
      uint16_t v;
      std::memcpy(&v, ours16.row(0, y) + 2 * x, 2);
      worst = std::max(worst, std::fabs(double(v) - 32768 - cv16s.at<int16_t>(y, x)));
    }
  return worst;
}

TEST(OpenCvSobel, SignedResponsesAndSaturatedCodesAreIdentical) {
  long cases = 0;
  for (const Image& src : inputs())
    for (FilterBorder b : kBorders)
      for (int k : {1, 3, 5, 7})
        for (auto [dx, dy] : {std::pair{1, 0}, std::pair{0, 1}, std::pair{1, 1}, std::pair{2, 0}, std::pair{0, 2}, std::pair{2, 1}}) {
          if (k == 1 && dx + dy > 2) continue;
          SobelParams p;
          p.ksize = k;
          p.dx = dx;
          p.dy = dy;
          p.border = b;
          p.absolute = false;
          p.delta = 32768;
          const std::string what = "ksize " + std::to_string(k) + " d" + std::to_string(dx) + std::to_string(dy) + " " +
                                   filter_border_name(b) + " " + std::to_string(src.width()) + "x" + std::to_string(src.height());
          Image ours16 = testing::filled_image({src.width(), src.height(), PixelFormat::Gray16}, 0);
          ASSERT_TRUE(sobel_reference(src.view(), ours16.view(), p)) << what;
          const cv::Mat in = wrap_plane(src.view(), 0, CV_8UC1);
          cv::Mat want16, want8, want_abs;
          cv::Sobel(in, want16, CV_16S, dx, dy, k, 1, 0, cv_border(b));
          EXPECT_EQ(signed_diff(ours16.view(), want16), 0) << what;
          // 8-bit, saturated (OpenCV's Sobel with ddepth CV_8U) and absolute (convertScaleAbs).
          p.delta = 0;
          Image ours8 = testing::filled_image(src.desc(), 0);
          ASSERT_TRUE(sobel_reference(src.view(), ours8.view(), p));
          cv::Sobel(in, want8, CV_8U, dx, dy, k, 1, 0, cv_border(b));
          EXPECT_EQ(testing::diff_with(ours8.view(), want8).max_abs, 0) << what;
          p.absolute = true;
          p.scale = 0.25;
          ASSERT_TRUE(sobel_reference(src.view(), ours8.view(), p));
          cv::convertScaleAbs(want16, want_abs, 0.25);
          // convertScaleAbs rounds halves to even, we round them up: they may differ exactly
          // where |v| / 4 ends in .5 (|v| = 2 mod 4), by one code, ours above.
          long unexplained = 0;
          for (int y = 0; y < in.rows; ++y)
            for (int x = 0; x < in.cols; ++x) {
              const int o = ours8.view().row(0, y)[x], c = want_abs.at<uint8_t>(y, x);
              const int v = std::abs(static_cast<int>(want16.at<int16_t>(y, x)));
              unexplained += o != c && !(o == c + 1 && v % 4 == 2);
            }
          EXPECT_EQ(unexplained, 0) << what;
          ++cases;
        }
  std::cout << cases << " Sobel cases identical to cv::Sobel (CV_16S and CV_8U)\n";
}

TEST(OpenCvSobel, ScharrAndLaplacianAreIdentical) {
  for (const Image& src : inputs())
    for (FilterBorder b : kBorders) {
      const cv::Mat in = wrap_plane(src.view(), 0, CV_8UC1);
      for (auto [dx, dy] : {std::pair{1, 0}, std::pair{0, 1}}) {
        SobelParams p;
        p.kernel = DerivKernel::Scharr;
        p.dx = dx;
        p.dy = dy;
        p.border = b;
        p.absolute = false;
        p.delta = 32768;
        Image ours16 = testing::filled_image({src.width(), src.height(), PixelFormat::Gray16}, 0);
        ASSERT_TRUE(sobel_reference(src.view(), ours16.view(), p));
        cv::Mat want;
        cv::Scharr(in, want, CV_16S, dx, dy, 1, 0, cv_border(b));
        EXPECT_EQ(signed_diff(ours16.view(), want), 0) << "scharr " << dx << dy << " " << filter_border_name(b);
      }
      for (int k : {1, 3, 5, 7}) {
        LaplacianParams p;
        p.ksize = k;
        p.border = b;
        p.absolute = false;
        p.delta = 32768;
        Image ours16 = testing::filled_image({src.width(), src.height(), PixelFormat::Gray16}, 0);
        ASSERT_TRUE(laplacian_reference(src.view(), ours16.view(), p));
        cv::Mat want;
        cv::Laplacian(in, want, CV_16S, k, 1, 0, cv_border(b));
        EXPECT_EQ(signed_diff(ours16.view(), want), 0) << "laplacian " << k << " " << filter_border_name(b) << " "
                                                       << src.width() << "x" << src.height();
      }
    }
}

// cv::magnitude works in float: near a rounding boundary its 32-bit sqrt can land on the other
// side (observed with 5 taps, where magnitudes reach ~17000: 1 code on a few samples per image).
// Ours rounds sqrt(gx^2 + gy^2) of the exact integer derivatives: asserted equal to the double
// computation everywhere, and within 1 code of cv::magnitude on under 0.01% of samples.
TEST(OpenCvSobel, MagnitudeMatchesCvMagnitudeOfTheDerivatives) {
  long off_by_one = 0, samples = 0;
  for (const Image& src : inputs())
    for (int k : {3, 5}) {
      const cv::Mat in = wrap_plane(src.view(), 0, CV_8UC1);
      cv::Mat gx, gy, mag;
      cv::Sobel(in, gx, CV_32F, 1, 0, k);
      cv::Sobel(in, gy, CV_32F, 0, 1, k);
      cv::magnitude(gx, gy, mag);
      SobelParams p;
      p.ksize = k;
      p.output = GradientOutput::Magnitude;
      Image ours = testing::filled_image({src.width(), src.height(), PixelFormat::Gray16}, 0);
      ASSERT_TRUE(sobel_reference(src.view(), ours.view(), p));
      double worst_cv = 0, worst_exact = 0;
      for (int y = 0; y < in.rows; ++y)
        for (int x = 0; x < in.cols; ++x) {
          uint16_t v;
          std::memcpy(&v, ours.view().row(0, y) + 2 * x, 2);
          const double ex = gx.at<float>(y, x), ey = gy.at<float>(y, x);  // exact integers
          worst_exact = std::max(worst_exact, std::fabs(v - std::floor(std::sqrt(ex * ex + ey * ey) + 0.5)));
          const double d = std::fabs(v - std::floor(mag.at<float>(y, x) + 0.5));
          worst_cv = std::max(worst_cv, d);
          off_by_one += d != 0;
          ++samples;
        }
      EXPECT_EQ(worst_exact, 0) << "ksize " << k << " " << src.width() << "x" << src.height();
      EXPECT_LE(worst_cv, 1) << "ksize " << k << " " << src.width() << "x" << src.height();
    }
  std::cout << "magnitude: " << off_by_one << " of " << samples << " samples 1 code from cv::magnitude (float sqrt)\n";
  EXPECT_LT(off_by_one * 10000, samples);
}

}  // namespace
}  // namespace caldera
