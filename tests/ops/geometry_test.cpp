// Geometry: flip, pad, letterbox and crop. CPU known values, then CUDA against the reference.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "caldera/ops/geometry.hpp"
#include "support/image_testing.hpp"

namespace caldera {
namespace {

using testing::random_image;
using testing::sample_at;

Image gray(const std::vector<std::vector<int>>& rows) {
  Image img = testing::filled_image({static_cast<int>(rows[0].size()), static_cast<int>(rows.size()), PixelFormat::Gray8}, 0);
  for (size_t y = 0; y < rows.size(); ++y)
    for (size_t x = 0; x < rows[y].size(); ++x) img.view().row(0, static_cast<int>(y))[x] = static_cast<uint8_t>(rows[y][x]);
  return img;
}

std::vector<std::vector<int>> rows_of(ConstImageView img) {
  std::vector<std::vector<int>> r(img.height());
  for (int y = 0; y < img.height(); ++y)
    for (int x = 0; x < img.width(); ++x) r[y].push_back(img.row(0, y)[x]);
  return r;
}

// ---- flip ----------------------------------------------------------------------------------------

TEST(FlipReference, KnownValues) {
  Image src = gray({{1, 2, 3}, {4, 5, 6}});
  Image dst = testing::filled_image(src.desc(), 0);
  ASSERT_TRUE(flip_reference(src.view(), dst.view(), FlipMode::Horizontal));
  EXPECT_EQ(rows_of(dst.view()), (std::vector<std::vector<int>>{{3, 2, 1}, {6, 5, 4}}));
  ASSERT_TRUE(flip_reference(src.view(), dst.view(), FlipMode::Vertical));
  EXPECT_EQ(rows_of(dst.view()), (std::vector<std::vector<int>>{{4, 5, 6}, {1, 2, 3}}));
  ASSERT_TRUE(flip_reference(src.view(), dst.view(), FlipMode::Both));
  EXPECT_EQ(rows_of(dst.view()), (std::vector<std::vector<int>>{{6, 5, 4}, {3, 2, 1}}));
}

TEST(FlipReference, KeepsPixelsWholeAndFlipsEveryPlane) {
  Image src = random_image(41, 39, PixelFormat::NV12, 2);
  Image dst = testing::filled_image(src.desc(), 0);
  ASSERT_TRUE(flip_reference(src.view(), dst.view(), FlipMode::Horizontal));
  // UV pairs move together: chroma sample x lands at 20 - x with U still before V.
  for (int x = 0; x < 21; ++x)
    for (int c = 0; c < 2; ++c)
      EXPECT_EQ(sample_at(dst.view(), 1, x, 3, c), sample_at(src.view(), 1, 20 - x, 3, c));
  Image twice = testing::filled_image(src.desc(), 0);
  ASSERT_TRUE(flip_reference(dst.view(), twice.view(), FlipMode::Horizontal));
  EXPECT_IMAGES_CLOSE(twice.view(), src.view(), 0);
}

TEST(FlipCheck, RejectsSizeAndFormatMismatch) {
  Status s = check_flip({4, 4, PixelFormat::RGB24}, {4, 5, PixelFormat::RGB24});
  EXPECT_EQ(s.code(), StatusCode::InvalidArgument);
  EXPECT_NE(s.message().find("4x5"), std::string::npos) << s.message();
  s = check_flip({4, 4, PixelFormat::RGB24}, {4, 4, PixelFormat::BGR24});
  EXPECT_NE(s.message().find("bgr24"), std::string::npos) << s.message();
}

// ---- pad -----------------------------------------------------------------------------------------

TEST(PadReference, BordersOfARow) {
  Image src = gray({{1, 2, 3}});
  Image dst = testing::filled_image({8, 1, PixelFormat::Gray8}, 0);
  PadParams p;
  p.left = 3;
  p.border = BorderMode::Replicate;
  ASSERT_TRUE(pad_reference(src.view(), dst.view(), p));
  EXPECT_EQ(rows_of(dst.view())[0], (std::vector<int>{1, 1, 1, 1, 2, 3, 3, 3}));
  p.border = BorderMode::Reflect;  // reflect without repeating the edge: 3 2 | 1 2 3 | 2 1
  ASSERT_TRUE(pad_reference(src.view(), dst.view(), p));
  EXPECT_EQ(rows_of(dst.view())[0], (std::vector<int>{2, 3, 2, 1, 2, 3, 2, 1}));
  p.border = BorderMode::Constant;
  p.value[0] = 9;
  ASSERT_TRUE(pad_reference(src.view(), dst.view(), p));
  EXPECT_EQ(rows_of(dst.view())[0], (std::vector<int>{9, 9, 9, 1, 2, 3, 9, 9}));
}

TEST(PadReference, ConstantValuesFollowChannelNames) {
  Image src = random_image(2, 2, PixelFormat::BGR24, 1);
  Image dst = testing::filled_image({4, 3, PixelFormat::BGR24}, 0);
  PadParams p;
  p.left = 1;
  p.top = 1;
  p.value[0] = 10;  // r
  p.value[1] = 20;  // g
  p.value[2] = 30;  // b
  ASSERT_TRUE(pad_reference(src.view(), dst.view(), p));
  EXPECT_EQ(sample_at(dst.view(), 0, 0, 0, 0), 30);  // bgr24 stores b first
  EXPECT_EQ(sample_at(dst.view(), 0, 0, 0, 2), 10);
  EXPECT_EQ(sample_at(dst.view(), 0, 2, 2, 1), sample_at(src.view(), 0, 1, 1, 1));
  EXPECT_EQ(sample_at(dst.view(), 0, 3, 2, 1), 20);

  // P010 takes 10-bit code values and stores them << 6; NV12 puts u and v in their channels.
  Image p010 = random_image(4, 4, PixelFormat::P010, 2);
  Image pd = testing::filled_image({8, 6, PixelFormat::P010}, 0);
  PadParams q;
  q.left = 2;
  q.top = 2;
  q.value[0] = 64;
  q.value[1] = 512;
  q.value[2] = 700;
  ASSERT_TRUE(pad_reference(p010.view(), pd.view(), q));
  EXPECT_EQ(sample_at(pd.view(), 0, 0, 0, 0), 64 << 6);
  EXPECT_EQ(sample_at(pd.view(), 1, 0, 0, 0), 512 << 6);
  EXPECT_EQ(sample_at(pd.view(), 1, 0, 0, 1), 700 << 6);
  EXPECT_EQ(sample_at(pd.view(), 1, 1, 1, 1), sample_at(p010.view(), 1, 0, 0, 1));
}

TEST(PadCheck, Messages) {
  PadParams p;
  p.left = 1;
  Status s = check_pad({4, 4, PixelFormat::NV12}, {8, 8, PixelFormat::NV12}, p);
  EXPECT_EQ(s.code(), StatusCode::InvalidArgument);
  EXPECT_NE(s.message().find("multiples"), std::string::npos) << s.message();
  p.left = 6;
  s = check_pad({4, 4, PixelFormat::RGB24}, {8, 8, PixelFormat::RGB24}, p);
  EXPECT_NE(s.message().find("does not fit"), std::string::npos) << s.message();
  p.left = -1;
  s = check_pad({4, 4, PixelFormat::RGB24}, {8, 8, PixelFormat::RGB24}, p);
  EXPECT_NE(s.message().find("negative"), std::string::npos) << s.message();
}

// ---- letterbox -----------------------------------------------------------------------------------

TEST(LetterboxRect, Arithmetic) {
  auto eq = [](Rect a, Rect b) { return a.x == b.x && a.y == b.y && a.width == b.width && a.height == b.height; };
  EXPECT_TRUE(eq(letterbox_rect(1920, 1080, 640, 640, PixelFormat::RGB24), Rect{0, 140, 640, 360}));
  EXPECT_TRUE(eq(letterbox_rect(1080, 1920, 640, 640, PixelFormat::RGB24), Rect{140, 0, 360, 640}));
  EXPECT_TRUE(eq(letterbox_rect(100, 50, 100, 50, PixelFormat::NV12), Rect{0, 0, 100, 50}));
  // 100x33 into 64x64: height 21.12 rounds to 21, to 22 for 4:2:0, offset 21 down to 20.
  EXPECT_TRUE(eq(letterbox_rect(100, 33, 64, 64, PixelFormat::RGB24), Rect{0, 21, 64, 21}));
  EXPECT_TRUE(eq(letterbox_rect(100, 33, 64, 64, PixelFormat::NV12), Rect{0, 20, 64, 22}));
  EXPECT_TRUE(eq(letterbox_rect(1, 1000, 64, 64, PixelFormat::RGB24), Rect{31, 0, 1, 64}));
  EXPECT_TRUE(eq(letterbox_rect(1, 1000, 64, 64, PixelFormat::I420), Rect{30, 0, 2, 64}));
  EXPECT_TRUE(eq(letterbox_rect(5, 5, 7, 3, PixelFormat::RGB24), Rect{2, 0, 3, 3}));
}

TEST(LetterboxReference, FillsBarsAndResizesTheMiddle) {
  Context cpu;
  Image src = gray({{50, 50, 50, 50}, {50, 50, 50, 50}});
  Image dst = testing::filled_image({4, 4, PixelFormat::Gray8}, 0xA5);
  const double bar[4] = {7, 0, 0, 0};
  ASSERT_TRUE(letterbox(src.view(), dst.view(), ResizeParams{}, bar, cpu));
  EXPECT_EQ(rows_of(dst.view()),
            (std::vector<std::vector<int>>{{7, 7, 7, 7}, {50, 50, 50, 50}, {50, 50, 50, 50}, {7, 7, 7, 7}}));
}

TEST(CropReference, SubViewsWorkWithFlipAndPad) {
  Context cpu;
  Image src = random_image(40, 30, PixelFormat::I420, 4);
  auto crop = src.view().sub_view({8, 4, 20, 10});
  ASSERT_TRUE(crop);
  Image copy = testing::filled_image({20, 10, PixelFormat::I420}, 0);
  ASSERT_TRUE(copy_image(*crop, copy.view(), cpu));
  Image a = testing::filled_image({20, 10, PixelFormat::I420}, 0), b = testing::filled_image({20, 10, PixelFormat::I420}, 0);
  ASSERT_TRUE(flip(*crop, a.view(), FlipMode::Both, cpu));
  ASSERT_TRUE(flip(copy.view(), b.view(), FlipMode::Both, cpu));
  EXPECT_IMAGES_CLOSE(a.view(), b.view(), 0);
  PadParams p;
  p.left = 2;
  p.top = 4;
  p.border = BorderMode::Reflect;
  Image c = testing::filled_image({30, 20, PixelFormat::I420}, 0), d = testing::filled_image({30, 20, PixelFormat::I420}, 0);
  ASSERT_TRUE(pad(*crop, c.view(), p, cpu));
  ASSERT_TRUE(pad(copy.view(), d.view(), p, cpu));
  EXPECT_IMAGES_CLOSE(c.view(), d.view(), 0);
}

// ---- CUDA against the reference -----------------------------------------------------------------

constexpr PixelFormat kFormats[] = {PixelFormat::RGB24, PixelFormat::RGBA,       PixelFormat::Gray8,
                                    PixelFormat::NV12,  PixelFormat::P010,       PixelFormat::I420,
                                    PixelFormat::RGB48, PixelFormat::RGBPlanarF32, PixelFormat::RGBPlanarF16};

TEST(FlipCuda, MatchesReference) {
  CALDERA_REQUIRE_GPU();
  Context& gpu = *testing::gpu_context();
  for (PixelFormat f : kFormats)
    for (FlipMode m : {FlipMode::Horizontal, FlipMode::Vertical, FlipMode::Both})
      for (auto [w, h] : {std::pair{41, 39}, std::pair{1, 1}, std::pair{1921, 1081}}) {
        Image src = random_image(w, h, f, 3);
        Image want = testing::filled_image(src.desc(), 0);
        ASSERT_TRUE(flip_reference(src.view(), want.view(), m));
        Image dsrc = testing::to_device(src.view(), gpu);
        Image ddst = testing::filled_image(src.desc(), 0xA5, MemoryKind::Device, &gpu);
        ASSERT_TRUE(flip(dsrc.view(), ddst.view(), m, gpu));
        EXPECT_IMAGES_CLOSE(testing::to_host(ddst.view(), gpu).view(), want.view(), 0) << format_name(f);
      }
}

TEST(PadCuda, MatchesReference) {
  CALDERA_REQUIRE_GPU();
  Context& gpu = *testing::gpu_context();
  for (PixelFormat f : kFormats)
    for (BorderMode b : {BorderMode::Constant, BorderMode::Replicate, BorderMode::Reflect}) {
      Image src = random_image(41, 39, f, 5);
      PadParams p;
      p.left = 6;
      p.top = 4;
      p.border = b;
      p.value[0] = 0.25;
      p.value[1] = 100;
      p.value[2] = 200;
      p.value[3] = 255;
      const ImageDesc dd{100, 90, f};
      Image want = testing::filled_image(dd, 0);
      ASSERT_TRUE(pad_reference(src.view(), want.view(), p));
      Image dsrc = testing::to_device(src.view(), gpu);
      Image ddst = testing::filled_image(dd, 0xA5, MemoryKind::Device, &gpu);
      ASSERT_TRUE(pad(dsrc.view(), ddst.view(), p, gpu));
      EXPECT_IMAGES_CLOSE(testing::to_host(ddst.view(), gpu).view(), want.view(), 0)
          << format_name(f) << " border " << static_cast<int>(b);
    }
}

TEST(LetterboxCuda, MatchesReference) {
  CALDERA_REQUIRE_GPU();
  Context& gpu = *testing::gpu_context();
  Context cpu;
  const double bar[4] = {16, 128, 128, 255};
  for (PixelFormat f : {PixelFormat::RGB24, PixelFormat::NV12, PixelFormat::I420, PixelFormat::RGBPlanarF32})
    for (auto [sw, sh, dw, dh] : {std::tuple{1920, 1080, 640, 640}, std::tuple{101, 333, 128, 96}, std::tuple{64, 48, 64, 48}}) {
      Image src = random_image(sw, sh, f, 6);
      ResizeParams rp;
      rp.interp = Interp::Bilinear;
      Image want = testing::filled_image({dw, dh, f}, 0);
      ASSERT_TRUE(letterbox(src.view(), want.view(), rp, bar, cpu));
      Image dsrc = testing::to_device(src.view(), gpu);
      Image ddst = testing::filled_image({dw, dh, f}, 0xA5, MemoryKind::Device, &gpu);
      ASSERT_TRUE(letterbox(dsrc.view(), ddst.view(), rp, bar, gpu));
      EXPECT_IMAGES_CLOSE(testing::to_host(ddst.view(), gpu).view(), want.view(), f == PixelFormat::RGBPlanarF32 ? 1e-4 : 1)
          << format_name(f) << " " << sw << "x" << sh << "->" << dw << "x" << dh;
    }
}

}  // namespace
}  // namespace caldera
