// Our Canny reference against OpenCV 4.6's cv::Canny on the same 8-bit input: random images of
// odd sizes and the two photographs converted to gray, every aperture (3, 5, 7; Scharr through
// cv::Canny's derivative overload fed by cv::Scharr with a replicated border), L1
// and L2 gradients, several threshold pairs. Every pixel is compared.
//
// Observed: identical on every case (0 differing pixels); asserted identical. The arithmetic is
// integer end to end (derivatives, magnitudes, OpenCV's integer sector test, floored thresholds,
// the rounding of aperture 7's raw / 16), so there are no ties to allow for.
//
// With the pre-blur: blur_ksize 3/5/7 without sigma uses the binomial kernels on which our
// Gaussian equals cv::GaussianBlur, so canny(blur) equals cv::Canny(cv::GaussianBlur(...)); with
// a sigma our Gaussian and OpenCV's differ by a code on a few percent of pixels (see
// opencv_blur_test.cpp), so that case compares cv::Canny of our own blurred image instead and
// reports how far cv::Canny of OpenCV's blur lands (not asserted: a different input).
#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <iostream>
#include <string>

#include "caldera/ops/blur.hpp"
#include "caldera/ops/canny.hpp"
#include "support/image_testing.hpp"
#include "support/opencv_compare.hpp"
#include "support/photos.hpp"

namespace caldera {
namespace {

using testing::wrap_plane;

struct Input {
  std::string name;
  Image image;
};

std::vector<Input> inputs() {
  std::vector<Input> v;
  for (auto [w, h] : {std::pair{41, 39}, std::pair{640, 481}, std::pair{3, 5}, std::pair{1, 1}, std::pair{97, 2}, std::pair{257, 130}})
    v.push_back({"random " + std::to_string(w) + "x" + std::to_string(h),
                 testing::random_image(w, h, PixelFormat::Gray8, static_cast<uint64_t>(w + h))});
  for (const char* p : testing::kPhotos) v.push_back({p, testing::example_photo_gray(p)});
  return v;
}

long canny_diff(ConstImageView src, const CannyParams& p, const cv::Mat& want) {
  Image ours = testing::filled_image(src.desc(), 0);
  Status s = canny_reference(src, ours.view(), p);
  EXPECT_TRUE(s) << s.to_string();
  return testing::diff_with(ours.view(), want).differing;
}

TEST(OpenCvCanny, IdenticalOnRandomDataAndPhotos) {
  long pixels = 0, cases = 0;
  for (const Input& in : inputs()) {
    const cv::Mat m = wrap_plane(in.image.view(), 0, CV_8UC1);
    for (int aperture : {3, 5, 7, -1})
      for (bool l2 : {false, true})
        for (auto [lo, hi] : {std::pair{50.0, 150.0}, std::pair{20.0, 60.0}, std::pair{100.5, 300.25}, std::pair{400.0, 90.0}}) {
          // Aperture 7's derivatives are 16 times larger before OpenCV divides them: scale the
          // thresholds so the case finds edges.
          const double k = aperture == 7 ? 16 : aperture == 5 ? 4 : 1;
          CannyParams p;
          p.low = lo * k;
          p.high = hi * k;
          p.aperture = aperture < 0 ? 3 : aperture;
          p.kernel = aperture < 0 ? DerivKernel::Scharr : DerivKernel::Sobel;
          p.l2_gradient = l2;
          cv::Mat want;
          if (aperture > 0) {
            cv::Canny(m, want, p.low, p.high, aperture, l2);
          } else {
            // OpenCV 4.6's Canny takes no Scharr aperture; its derivative overload does.
            cv::Mat dx, dy;
            cv::Scharr(m, dx, CV_16S, 1, 0, 1, 0, cv::BORDER_REPLICATE);
            cv::Scharr(m, dy, CV_16S, 0, 1, 1, 0, cv::BORDER_REPLICATE);
            cv::Canny(dx, dy, want, p.low, p.high, l2);
          }
          const long d = canny_diff(in.image.view(), p, want);
          EXPECT_EQ(d, 0) << in.name << " aperture " << aperture << (l2 ? " L2 " : " L1 ") << lo << "/" << hi;
          pixels += static_cast<long>(m.total());
          ++cases;
        }
  }
  std::cout << cases << " cases, " << pixels << " pixels compared with cv::Canny\n";
}

TEST(OpenCvCanny, PreBlurEqualsCannyOfTheBlur) {
  for (const char* photo : testing::kPhotos) {
    Image g = testing::example_photo_gray(photo);
    const cv::Mat m = wrap_plane(g.view(), 0, CV_8UC1);
    for (int k : {3, 5, 7}) {
      CannyParams p;
      p.low = 30;
      p.high = 90;
      p.blur_ksize = k;
      cv::Mat blurred, want;
      cv::GaussianBlur(m, blurred, cv::Size(k, k), 0);
      cv::Canny(blurred, want, 30, 90);
      EXPECT_EQ(canny_diff(g.view(), p, want), 0) << photo << " blur ksize " << k;
    }
    CannyParams p;
    p.low = 30;
    p.high = 90;
    p.blur_sigma = 1.4;
    GaussianParams gp;
    gp.sigma_x = 1.4;
    Image ours_blur = testing::filled_image(g.desc(), 0);
    ASSERT_TRUE(gaussian_blur_reference(g.view(), ours_blur.view(), gp));
    cv::Mat want, cv_blur, want_cv_blur;
    cv::Canny(wrap_plane(ours_blur.view(), 0, CV_8UC1), want, 30, 90);
    EXPECT_EQ(canny_diff(g.view(), p, want), 0) << photo << " blur sigma 1.4";
    cv::GaussianBlur(m, cv_blur, cv::Size(0, 0), 1.4);
    cv::Canny(cv_blur, want_cv_blur, 30, 90);
    std::cout << photo << " blur sigma 1.4: " << canny_diff(g.view(), p, want_cv_blur) << " of " << m.total()
              << " pixels differ from cv::Canny(cv::GaussianBlur) (a 1-code different input)\n";
  }
}

}  // namespace
}  // namespace caldera
