// Our median and bilateral references against OpenCV 4.6's cv::medianBlur and
// cv::bilateralFilter on random gray8 / RGB24 images and the two photographs.
//
// Observed and asserted:
//   medianBlur (3x3, 5x5; OpenCV replicates the border): identical.
//   bilateralFilter: within 1 code on a small fraction of samples. OpenCV accumulates float
//     weights (exp of the same arguments) in float and rounds sum / wsum half to even; we use
//     weights rounded to 1/32768 and exact integer sums, so a sample can round to the neighbouring
//     code where the weighted mean lies near a half (observed 0.003-0.05% of samples, 1 code;
//     asserted: <= 1 code, < 0.2%).
#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <iostream>
#include <string>

#include "caldera/ops/bilateral.hpp"
#include "caldera/ops/median.hpp"
#include "support/image_testing.hpp"
#include "support/opencv_compare.hpp"
#include "support/photos.hpp"

namespace caldera {
namespace {

using testing::OpenCvDiff;
using testing::cv_border;
using testing::diff_with;
using testing::wrap_plane;

std::vector<Image> inputs(PixelFormat f) {
  std::vector<Image> v;
  for (auto [w, h] : {std::pair{41, 39}, std::pair{640, 481}, std::pair{3, 5}, std::pair{1, 1}})
    v.push_back(testing::random_image(w, h, f, static_cast<uint64_t>(w * 7 + h)));
  for (const char* p : testing::kPhotos) v.push_back(f == PixelFormat::Gray8 ? testing::example_photo_gray(p) : testing::example_photo(p));
  return v;
}

int cv_type(PixelFormat f) { return f == PixelFormat::Gray8 ? CV_8UC1 : CV_8UC3; }

TEST(OpenCvMedian, Identical) {
  for (PixelFormat f : {PixelFormat::Gray8, PixelFormat::RGB24})
    for (int k : {3, 5}) {
      OpenCvDiff total;
      for (const Image& src : inputs(f)) {
        MedianParams p;
        p.ksize = k;
        Image ours = testing::filled_image(src.desc(), 0);
        ASSERT_TRUE(median_reference(src.view(), ours.view(), p));
        cv::Mat want;
        cv::medianBlur(wrap_plane(src.view(), 0, cv_type(f)), want, k);
        total.add(diff_with(ours.view(), want));
      }
      std::cout << format_name(f) << " median " << k << ": " << total.to_string() << "\n";
      EXPECT_EQ(total.max_abs, 0) << total.to_string();
    }
}

TEST(OpenCvBilateral, WithinOneCodeOnFewSamples) {
  for (PixelFormat f : {PixelFormat::Gray8, PixelFormat::RGB24})
    for (auto [d, sc, ss] : {std::tuple{5, 25.0, 3.0}, std::tuple{9, 75.0, 75.0}, std::tuple{0, 30.0, 2.0}, std::tuple{15, 10.0, 5.0}})
      for (FilterBorder b : {FilterBorder::Reflect101, FilterBorder::Replicate, FilterBorder::Reflect}) {
        OpenCvDiff total;
        for (const Image& src : inputs(f)) {
          BilateralParams p;
          p.diameter = d;
          p.sigma_color = sc;
          p.sigma_space = ss;
          p.border = b;
          Image ours = testing::filled_image(src.desc(), 0);
          ASSERT_TRUE(bilateral_reference(src.view(), ours.view(), p));
          cv::Mat want;
          cv::bilateralFilter(wrap_plane(src.view(), 0, cv_type(f)), want, d, sc, ss, cv_border(b));
          total.add(diff_with(ours.view(), want));
        }
        std::cout << format_name(f) << " bilateral d " << d << " sigma " << sc << "/" << ss << " " << filter_border_name(b)
                  << ": " << total.to_string() << "\n";
        EXPECT_LE(total.max_abs, 1) << total.to_string();
        EXPECT_LT(total.fraction(), 0.002) << total.to_string();
      }
}

}  // namespace
}  // namespace caldera
