// Our I420 and NV12 resize reference against libyuv's I420Scale and NV12Scale.
//
// Box filter, exact 2x downscale: libyuv averages each 2x2 block as (a + b + c + d + 2) >> 2,
// which is our Area (and antialiased Bilinear, whose 2x kernel weighs 1/8 3/8 3/8 1/8, is not:
// only Area is compared). Observed: identical; asserted identical.
// (Chroma must halve exactly too: 400x222 has 111-row chroma, which is not a 2x case.)
// Box filter, other downscales: libyuv sums whole source pixels per output box with its own
// integer box edges (it does not weigh partial pixels), so on random data it differs from exact
// area averaging by a large part of the local contrast (observed up to ~100 codes). Compared on
// smooth images (gradients up to ~5 codes per pixel) instead: observed 5 codes, asserted <= 6.
// Bilinear: libyuv steps through the source in 16.16 fixed point from its own origin; on the
// smooth images observed 1 code downscaling and 2 upscaling, asserted <= 2 and <= 3.
#include <gtest/gtest.h>
#include <libyuv.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

#include "caldera/ops/resize.hpp"
#include "support/image_testing.hpp"

namespace caldera {
namespace {

// A smooth I420 image: low-frequency gradients with some texture.
Image smooth_i420(int w, int h, uint64_t seed) {
  Image img = testing::filled_image({w, h, PixelFormat::I420}, 0);
  const double phase = static_cast<double>(seed % 17);
  for (int p = 0; p < 3; ++p) {
    const int pw = plane_width(PixelFormat::I420, p, w), ph = plane_height(PixelFormat::I420, p, h);
    for (int y = 0; y < ph; ++y)
      for (int x = 0; x < pw; ++x) {
        const double v = 128 + 100 * std::sin((x + phase) * 0.05 + p) * std::cos((y - phase) * 0.037);
        img.view().row(p, y)[x] = static_cast<uint8_t>(std::lround(v));
      }
  }
  return img;
}

Image libyuv_scale(ConstImageView src, int dw, int dh, libyuv::FilterMode mode) {
  Image dst = testing::filled_image({dw, dh, PixelFormat::I420}, 0);
  auto st = [](ConstImageView v, int p) { return static_cast<int>(v.plane(p).pitch); };
  ImageView d = dst.view();
  const int r = libyuv::I420Scale(src.plane(0).data, st(src, 0), src.plane(1).data, st(src, 1), src.plane(2).data,
                                  st(src, 2), src.width(), src.height(), d.plane(0).data, st(d, 0), d.plane(1).data,
                                  st(d, 1), d.plane(2).data, st(d, 2), dw, dh, mode);
  EXPECT_EQ(r, 0);
  return dst;
}

double diff_vs_libyuv(const Image& src, int dw, int dh, Interp interp, libyuv::FilterMode mode) {
  Image ours = testing::filled_image({dw, dh, PixelFormat::I420}, 0);
  ResizeParams p;
  p.interp = interp;
  p.antialias = false;
  Status s = resize_reference(src.view(), ours.view(), p);
  EXPECT_TRUE(s) << s.to_string();
  Image theirs = libyuv_scale(src.view(), dw, dh, mode);
  auto d = testing::compare_images(ours.view(), theirs.view(), 0);
  if (std::getenv("CALDERA_VERBOSE")) std::cout << src.width() << "x" << src.height() << "->" << dw << "x" << dh << ": " << d.to_string() << "\n";
  return d.max_abs;
}

TEST(LibyuvScale, BoxExactHalfIsIdentical) {
  double worst = 0;
  for (auto [w, h] : {std::pair{64, 48}, std::pair{1920, 1080}, std::pair{400, 224}})
    for (uint64_t seed : {1u, 2u}) {
      Image src = testing::random_image(w, h, PixelFormat::I420, seed);
      worst = std::max(worst, diff_vs_libyuv(src, w / 2, h / 2, Interp::Area, libyuv::kFilterBox));
    }
  std::cout << "libyuv box 2x: max diff " << worst << "\n";
  EXPECT_EQ(worst, 0);
}

TEST(LibyuvScale, BoxOtherFactorsOnSmoothImages) {
  double worst = 0;
  for (auto [w, h, dw, dh] : {std::tuple{1920, 1080, 1280, 720}, std::tuple{640, 480, 200, 150}, std::tuple{300, 200, 100, 66}}) {
    Image src = smooth_i420(w, h, 3);
    worst = std::max(worst, diff_vs_libyuv(src, dw, dh, Interp::Area, libyuv::kFilterBox));
  }
  std::cout << "libyuv box, other factors: max diff " << worst << "\n";
  EXPECT_LE(worst, 6);
}

TEST(LibyuvScale, BilinearOnSmoothImages) {
  double down = 0, up = 0;
  for (auto [w, h, dw, dh] : {std::tuple{1920, 1080, 1280, 720}, std::tuple{640, 480, 320, 240}, std::tuple{300, 200, 170, 90}})
    down = std::max(down, diff_vs_libyuv(smooth_i420(w, h, 4), dw, dh, Interp::Bilinear, libyuv::kFilterBilinear));
  for (auto [w, h, dw, dh] : {std::tuple{640, 360, 1920, 1080}, std::tuple{100, 80, 250, 170}})
    up = std::max(up, diff_vs_libyuv(smooth_i420(w, h, 5), dw, dh, Interp::Bilinear, libyuv::kFilterBilinear));
  std::cout << "libyuv bilinear: max diff down " << down << ", up " << up << "\n";
  EXPECT_LE(down, 2);
  EXPECT_LE(up, 3);
}


// NV12: our resize works on the Y plane and the interleaved UV plane at their own sizes; libyuv's
// NV12Scale does the same, so the exact-2x box must be identical there too.
Image libyuv_scale_nv12(ConstImageView src, int dw, int dh, libyuv::FilterMode mode) {
  Image dst = testing::filled_image({dw, dh, PixelFormat::NV12}, 0);
  auto st = [](ConstImageView v, int p) { return static_cast<int>(v.plane(p).pitch); };
  ImageView d = dst.view();
  const int r = libyuv::NV12Scale(src.plane(0).data, st(src, 0), src.plane(1).data, st(src, 1), src.width(),
                                  src.height(), d.plane(0).data, st(d, 0), d.plane(1).data, st(d, 1), dw, dh, mode);
  EXPECT_EQ(r, 0);
  return dst;
}

TEST(LibyuvScale, Nv12BoxExactHalfIsIdentical) {
  double worst = 0;
  for (auto [w, h] : {std::pair{64, 48}, std::pair{1920, 1080}})
    for (uint64_t seed : {1u, 2u}) {
      Image src = testing::random_image(w, h, PixelFormat::NV12, seed);
      Image ours = testing::filled_image({w / 2, h / 2, PixelFormat::NV12}, 0);
      ResizeParams p;
      p.interp = Interp::Area;
      ASSERT_TRUE(resize_reference(src.view(), ours.view(), p));
      Image theirs = libyuv_scale_nv12(src.view(), w / 2, h / 2, libyuv::kFilterBox);
      worst = std::max(worst, testing::compare_images(ours.view(), theirs.view(), 0).max_abs);
    }
  std::cout << "libyuv NV12 box 2x: max diff " << worst << "\n";
  EXPECT_EQ(worst, 0);
}

}  // namespace
}  // namespace caldera
