// libyuv as an oracle for convert_reference with ChromaFilter::Nearest (libyuv's chroma is
// block-nearest up and 2x2 box down). libyuv's byte orders: "ARGB" is B, G, R, A in memory (our
// BGRA) and "RGB24" is B, G, R (our BGR24). It works in fixed point (6-bit YUV->RGB coefficients,
// 8-bit RGB->YUV), so it differs from the exact formulas by a code or two; each test states the
// largest difference observed over its cases and asserts that bound.
#include <gtest/gtest.h>
#include <libyuv.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <iostream>
#include <string>

#include "caldera/ops/color_convert.hpp"
#include "support/image_testing.hpp"

namespace caldera {
namespace {

using testing::filled_image;
using testing::random_image;

constexpr std::pair<int, int> kSizes[] = {{64, 48}, {41, 39}, {3, 5}, {1, 1}, {257, 131}};

ColorDesc color(Matrix m, Range r) {
  ColorDesc c;
  c.matrix = m, c.range = r;
  return c;
}

int stride(const Image& img, int plane) { return static_cast<int>(img.view().plane(plane).pitch); }
const uint8_t* cptr(const Image& img, int plane) { return img.view().plane(plane).data; }
uint8_t* ptr(Image& img, int plane) { return img.view().plane(plane).data; }

// Runs `peer` (src -> dst) and our reference for every size and three seeds; returns the
// largest difference in codes.
double worst_difference(PixelFormat src_format, ColorDesc src_color, PixelFormat dst_format, ColorDesc dst_color,
                        const std::function<int(const Image&, Image&)>& peer) {
  double worst = 0;
  for (auto [w, h] : kSizes)
    for (uint64_t seed : {1, 2, 3}) {
      Image src = random_image({w, h, src_format, src_color}, seed);
      Image theirs = filled_image({w, h, dst_format, dst_color}, 0);
      EXPECT_EQ(peer(src, theirs), 0) << w << "x" << h;
      Image ours = filled_image({w, h, dst_format, dst_color}, 0);
      ConvertParams p;
      p.chroma = ChromaFilter::Nearest;
      Status s = convert_reference(src.view(), ours.view(), p);
      EXPECT_TRUE(s) << s.to_string();
      const auto d = testing::compare_images(ours.view(), theirs.view(), 0);
      if (d.max_abs > worst) worst = d.max_abs;
      if (d.max_abs > 3) ADD_FAILURE() << format_name(src_format) << " -> " << format_name(dst_format) << " " << w
                                       << "x" << h << ": " << d.to_string();
    }
  return worst;
}

// libyuv's YUV -> RGB: 6-bit fixed-point coefficients and a rounding bias. Observed over these
// images: BT.601 limited (I420, NV12, RGB24 output) within 3 codes of the exact formulas, BT.601
// full (J420) within 1.
TEST(LibyuvColor, I420ToArgbMatchesBt601Limited) {
  const double d = worst_difference(PixelFormat::I420, color(Matrix::BT601, Range::Limited), PixelFormat::BGRA, {},
                                    [](const Image& s, Image& d) {
                                      return libyuv::I420ToARGB(cptr(s, 0), stride(s, 0), cptr(s, 1), stride(s, 1),
                                                                cptr(s, 2), stride(s, 2), ptr(d, 0), stride(d, 0),
                                                                s.width(), s.height());
                                    });
  std::cout << "I420ToARGB (bt601 limited): max |ours - libyuv| = " << d << " codes\n";
  EXPECT_LE(d, 3);
}

// Largest difference in one channel of a packed image.
double channel_difference(ConstImageView a, ConstImageView b, int channel) {
  double worst = 0;
  for (int y = 0; y < a.height(); ++y)
    for (int x = 0; x < a.width(); ++x)
      worst = std::max(worst, std::abs(testing::sample_at(a, 0, x, y, channel) - testing::sample_at(b, 0, x, y, channel)));
  return worst;
}

// libyuv 1857's BT.709 constants clamp the blue gain to fit its int8 SIMD coefficients: B uses
// 2 (1 - 0.114) = 1.772 (BT.601's) instead of 2 (1 - 0.0722) = 1.8556, up to 15 codes off for
// saturated blue. So G and R are checked against our BT.709 and B against our BT.601 decode
// (B depends only on Y' and Cb, so that isolates the clamped coefficient).
TEST(LibyuvColor, H420ToArgbMatchesBt709LimitedExceptItsClampedBlueGain) {
  double worst_gr = 0, worst_b = 0;
  for (auto [w, h] : kSizes)
    for (uint64_t seed : {1, 2, 3}) {
      Image src = random_image({w, h, PixelFormat::I420, color(Matrix::BT709, Range::Limited)}, seed);
      Image theirs = filled_image({w, h, PixelFormat::BGRA}, 0);
      ASSERT_EQ(libyuv::H420ToARGB(cptr(src, 0), stride(src, 0), cptr(src, 1), stride(src, 1), cptr(src, 2),
                                   stride(src, 2), ptr(theirs, 0), stride(theirs, 0), w, h),
                0);
      ConvertParams p;
      p.chroma = ChromaFilter::Nearest;
      Image ours709 = filled_image({w, h, PixelFormat::BGRA}, 0);
      ASSERT_TRUE(convert_reference(src.view(), ours709.view(), p));
      ImageView as601 = src.view();
      as601.set_color(color(Matrix::BT601, Range::Limited));
      Image ours601 = filled_image({w, h, PixelFormat::BGRA}, 0);
      ASSERT_TRUE(convert_reference(as601, ours601.view(), p));
      worst_gr = std::max({worst_gr, channel_difference(ours709.view(), theirs.view(), 1),
                           channel_difference(ours709.view(), theirs.view(), 2)});
      worst_b = std::max(worst_b, channel_difference(ours601.view(), theirs.view(), 0));
    }
  std::cout << "H420ToARGB (bt709 limited): max |ours - libyuv| G, R = " << worst_gr
            << " codes; B against our bt601 B = " << worst_b << " codes\n";
  EXPECT_LE(worst_gr, 2);
  EXPECT_LE(worst_b, 3);
}

TEST(LibyuvColor, J420ToArgbMatchesBt601Full) {
  const double d = worst_difference(PixelFormat::I420, color(Matrix::BT601, Range::Full), PixelFormat::BGRA, {},
                                    [](const Image& s, Image& d) {
                                      return libyuv::J420ToARGB(cptr(s, 0), stride(s, 0), cptr(s, 1), stride(s, 1),
                                                                cptr(s, 2), stride(s, 2), ptr(d, 0), stride(d, 0),
                                                                s.width(), s.height());
                                    });
  std::cout << "J420ToARGB (bt601 full): max |ours - libyuv| = " << d << " codes\n";
  EXPECT_LE(d, 1);
}

TEST(LibyuvColor, Nv12ToArgbMatchesBt601Limited) {
  const double d = worst_difference(PixelFormat::NV12, color(Matrix::BT601, Range::Limited), PixelFormat::BGRA, {},
                                    [](const Image& s, Image& d) {
                                      return libyuv::NV12ToARGB(cptr(s, 0), stride(s, 0), cptr(s, 1), stride(s, 1),
                                                                ptr(d, 0), stride(d, 0), s.width(), s.height());
                                    });
  std::cout << "NV12ToARGB (bt601 limited): max |ours - libyuv| = " << d << " codes\n";
  EXPECT_LE(d, 3);
}

TEST(LibyuvColor, I420ToRgb24MatchesBt601LimitedInBgrOrder) {
  const double d = worst_difference(PixelFormat::I420, color(Matrix::BT601, Range::Limited), PixelFormat::BGR24, {},
                                    [](const Image& s, Image& d) {
                                      return libyuv::I420ToRGB24(cptr(s, 0), stride(s, 0), cptr(s, 1), stride(s, 1),
                                                                 cptr(s, 2), stride(s, 2), ptr(d, 0), stride(d, 0),
                                                                 s.width(), s.height());
                                    });
  std::cout << "I420ToRGB24 (bt601 limited): max |ours - libyuv| = " << d << " codes\n";
  EXPECT_LE(d, 3);
}

// libyuv's RGB -> YUV: 8-bit (x256) coefficients for BT.601 limited (ARGBToI420) and full
// (ARGBToJ420), chroma from a rounded 2x2 average. Observed: limited within 2 codes (its chroma
// averages rounded pixel pairs first), full within 1.
TEST(LibyuvColor, ArgbToI420MatchesBt601Limited) {
  const double d = worst_difference(PixelFormat::BGRA, {}, PixelFormat::I420, color(Matrix::BT601, Range::Limited),
                                    [](const Image& s, Image& d) {
                                      return libyuv::ARGBToI420(cptr(s, 0), stride(s, 0), ptr(d, 0), stride(d, 0),
                                                                ptr(d, 1), stride(d, 1), ptr(d, 2), stride(d, 2),
                                                                s.width(), s.height());
                                    });
  std::cout << "ARGBToI420 (bt601 limited): max |ours - libyuv| = " << d << " codes\n";
  EXPECT_LE(d, 2);
}

TEST(LibyuvColor, ArgbToJ420MatchesBt601Full) {
  const double d = worst_difference(PixelFormat::BGRA, {}, PixelFormat::I420, color(Matrix::BT601, Range::Full),
                                    [](const Image& s, Image& d) {
                                      return libyuv::ARGBToJ420(cptr(s, 0), stride(s, 0), ptr(d, 0), stride(d, 0),
                                                                ptr(d, 1), stride(d, 1), ptr(d, 2), stride(d, 2),
                                                                s.width(), s.height());
                                    });
  std::cout << "ARGBToJ420 (bt601 full): max |ours - libyuv| = " << d << " codes\n";
  EXPECT_LE(d, 1);
}

}  // namespace
}  // namespace caldera
