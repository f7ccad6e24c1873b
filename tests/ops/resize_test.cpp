// Resize: CPU known values and invariants of the reference, then CUDA against the reference.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "caldera/half.hpp"
#include "caldera/ops/resize.hpp"
#include "ops/resize/filter.hpp"
#include "support/image_testing.hpp"

namespace caldera {
namespace {

using testing::random_image;
using testing::sample_at;

constexpr Interp kModes[] = {Interp::Nearest, Interp::Bilinear, Interp::Bicubic, Interp::Area, Interp::Lanczos3};

ResizeParams make_params(Interp i, bool aa, float cubic_a = -0.5f) {
  ResizeParams p;
  p.interp = i;
  p.antialias = aa;
  p.cubic_a = cubic_a;
  return p;
}

std::string describe(const ResizeParams& p, int sw, int sh, int dw, int dh, PixelFormat f) {
  return std::string(interp_name(p.interp)) + (p.antialias ? " aa " : " no-aa ") + std::to_string(sw) + "x" +
         std::to_string(sh) + "->" + std::to_string(dw) + "x" + std::to_string(dh) + " " + format_name(f);
}

Image run_reference(ConstImageView src, int dw, int dh, const ResizeParams& p) {
  Image dst = testing::filled_image({dw, dh, src.format()}, 0xA5);
  Status s = resize_reference(src, dst.view(), p);
  EXPECT_TRUE(s) << s.to_string();
  return dst;
}

// Gray8 image from rows of values.
Image gray(const std::vector<std::vector<int>>& rows) {
  Image img = testing::filled_image({static_cast<int>(rows[0].size()), static_cast<int>(rows.size()), PixelFormat::Gray8}, 0);
  for (size_t y = 0; y < rows.size(); ++y)
    for (size_t x = 0; x < rows[y].size(); ++x) img.view().row(0, static_cast<int>(y))[x] = static_cast<uint8_t>(rows[y][x]);
  return img;
}

std::vector<int> row_of(ConstImageView img, int y = 0) {
  std::vector<int> v;
  for (int x = 0; x < img.width(); ++x) v.push_back(img.row(0, y)[x]);
  return v;
}

// ---- names and checks ------------------------------------------------------------------------

TEST(ResizeParams, InterpNamesRoundTrip) {
  for (Interp i : kModes) {
    auto r = parse_interp(interp_name(i));
    ASSERT_TRUE(r) << r.status().to_string();
    EXPECT_EQ(*r, i);
  }
  EXPECT_EQ(*parse_interp("Linear"), Interp::Bilinear);
  auto bad = parse_interp("spline");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.status().message().find("spline"), std::string::npos);
}

TEST(ResizeCheck, MessagesNameTheProblem) {
  ResizeParams p;
  Status s = check_resize({40, 30, PixelFormat::NV12}, {20, 15, PixelFormat::I420}, p);
  EXPECT_EQ(s.code(), StatusCode::InvalidArgument);
  EXPECT_NE(s.message().find("src is nv12 but dst is i420"), std::string::npos) << s.message();
  s = check_resize({40, 30, PixelFormat::RGB24}, {0, 15, PixelFormat::RGB24}, p);
  EXPECT_EQ(s.code(), StatusCode::InvalidArgument);
  EXPECT_NE(s.message().find("dst"), std::string::npos) << s.message();
  p.interp = Interp::Bicubic;
  p.cubic_a = 1.5f;
  s = check_resize({40, 30, PixelFormat::RGB24}, {20, 15, PixelFormat::RGB24}, p);
  EXPECT_NE(s.message().find("cubic_a"), std::string::npos) << s.message();
}

TEST(ResizeCheck, HostDeviceMixesAreErrors) {
  Context cpu;
  Image host = random_image(8, 8, PixelFormat::RGB24, 1);
  // A device view that is never touched: the checks must reject it before any access.
  uint8_t* fake = reinterpret_cast<uint8_t*>(uintptr_t{0x1000});
  ImageView dev({4, 4, PixelFormat::RGB24}, MemoryKind::Device, {ImageView::Plane{fake, 256}, {}, {}}, 0);
  Status s = resize(host.view(), dev, ResizeParams{}, cpu);
  EXPECT_EQ(s.code(), StatusCode::InvalidArgument);
  EXPECT_NE(s.message().find("host memory but dst is in device"), std::string::npos) << s.message();
  s = resize(ConstImageView(dev), dev, ResizeParams{}, cpu);
  EXPECT_NE(s.message().find("context is the CPU"), std::string::npos) << s.message();
  s = resize_reference(ConstImageView(dev), host.view(), ResizeParams{});
  EXPECT_EQ(s.code(), StatusCode::InvalidArgument);
  s = resize_cuda(host.view(), dev, ResizeParams{}, Workspace{}, nullptr);
  EXPECT_EQ(s.code(), StatusCode::InvalidArgument);
  EXPECT_NE(s.message().find("needs device images"), std::string::npos) << s.message();
}

// ---- filters ---------------------------------------------------------------------------------

TEST(ResizeFilter, KernelValues) {
  using resize_detail::cubic_kernel;
  EXPECT_DOUBLE_EQ(cubic_kernel(0, -0.5), 1);
  EXPECT_DOUBLE_EQ(cubic_kernel(1, -0.5), 0);
  EXPECT_DOUBLE_EQ(cubic_kernel(2, -0.5), 0);
  EXPECT_DOUBLE_EQ(cubic_kernel(0.5, -0.5), 0.5625);
  EXPECT_DOUBLE_EQ(cubic_kernel(-1.5, -0.5), -0.0625);
  EXPECT_DOUBLE_EQ(resize_detail::lanczos3_kernel(0), 1);
  EXPECT_EQ(resize_detail::lanczos3_kernel(1), 0);
  EXPECT_EQ(resize_detail::lanczos3_kernel(-2), 0);
  EXPECT_NEAR(resize_detail::lanczos3_kernel(0.5), 3 * std::sin(M_PI / 2) * std::sin(M_PI / 6) / (M_PI * M_PI / 4), 1e-15);
}

TEST(ResizeFilter, WeightsSumToOneAndCoverTheSupport) {
  const int sizes[][2] = {{1, 1}, {1, 7}, {7, 1}, {3, 5}, {41, 17}, {39, 80}, {1921, 960}, {4, 2}, {100, 3}, {5, 1000}};
  for (Interp i : kModes)
    for (bool aa : {false, true})
      for (auto& s : sizes) {
        const auto f = resize_detail::make_axis(s[0], s[1], i, aa, -0.5);
        std::vector<double> w(f.taps);
        for (int o = 0; o < s[1]; ++o) {
          const int start = resize_detail::axis_weights(f, o, w.data());
          double sum = 0;
          for (double x : w) sum += x;
          ASSERT_NEAR(sum, 1.0, 1e-12) << interp_name(i) << " " << s[0] << "->" << s[1] << " o=" << o;
          // Nothing outside the taps would have contributed.
          if (i != Interp::Nearest) {
            EXPECT_NEAR(resize_detail::raw_weight(f, o, start - 1), 0, 1e-12) << interp_name(i) << " " << s[0] << "->" << s[1];
            EXPECT_NEAR(resize_detail::raw_weight(f, o, start + f.taps), 0, 1e-12) << interp_name(i) << " " << s[0] << "->" << s[1];
          }
        }
      }
}

// ---- known values ------------------------------------------------------------------------------

TEST(ResizeReference, TwoByTwoToOneIsTheMeanForAreaAndAntialiasedBilinear) {
  Image src = gray({{10, 20}, {30, 41}});  // mean 25.25
  for (Interp i : {Interp::Area, Interp::Bilinear}) {
    Image dst = run_reference(src.view(), 1, 1, make_params(i, true));
    EXPECT_EQ(dst.view().row(0, 0)[0], 25) << interp_name(i);
  }
  // Without antialias bilinear samples the centre (0.5, 0.5) of the 2x2: also the mean.
  Image dst = run_reference(src.view(), 1, 1, make_params(Interp::Bilinear, false));
  EXPECT_EQ(dst.view().row(0, 0)[0], 25);
}

TEST(ResizeReference, OneDimensionalKnownValues) {
  Image two = gray({{0, 100}});
  EXPECT_EQ(row_of(run_reference(two.view(), 4, 1, make_params(Interp::Bilinear, true)).view()),
            (std::vector<int>{0, 25, 75, 100}));
  Image four = gray({{10, 20, 30, 40}});
  // floor((o + 0.5) * 4/3) = 0, 2, 3
  EXPECT_EQ(row_of(run_reference(four.view(), 3, 1, make_params(Interp::Nearest, true)).view()),
            (std::vector<int>{10, 30, 40}));
  Image three = gray({{30, 60, 90}});
  // Area 3 -> 2: (30 + 60/2) / 1.5 = 40, (60/2 + 90) / 1.5 = 80
  EXPECT_EQ(row_of(run_reference(three.view(), 2, 1, make_params(Interp::Area, true)).view()), (std::vector<int>{40, 80}));
  // Area upscale 2 -> 3 is the box overlap: out 1 covers [2/3, 4/3) = half of each source pixel.
  EXPECT_EQ(row_of(run_reference(two.view(), 3, 1, make_params(Interp::Area, true)).view()), (std::vector<int>{0, 50, 100}));
  // Bicubic (a = -0.5) 2x upscale of a step 0 0 100 100: output 3 sits at source 1.25, with
  // taps at 0, 1, 2, 3 weighing -0.0703125, 0.8671875, 0.2265625, -0.0234375 -> 20.3125.
  Image step = gray({{0, 0, 100, 100}});
  auto up = row_of(run_reference(step.view(), 8, 1, make_params(Interp::Bicubic, true)).view());
  EXPECT_EQ(up[3], 20);
  EXPECT_EQ(up[4], 80);  // symmetric
}

TEST(ResizeReference, IdentityIsExactForEveryModeAndFormat) {
  for (PixelFormat f : {PixelFormat::RGB24, PixelFormat::NV12, PixelFormat::P010, PixelFormat::RGBPlanarF32,
                        PixelFormat::RGBPlanarF16, PixelFormat::RGB48, PixelFormat::I420})
    for (Interp i : kModes)
      for (bool aa : {false, true})
        for (auto [w, h] : {std::pair{41, 39}, std::pair{1, 1}, std::pair{3, 5}}) {
          Image src = random_image(w, h, f, 3);
          Image dst = run_reference(src.view(), w, h, make_params(i, aa));
          EXPECT_IMAGES_CLOSE(dst.view(), src.view(), 0) << describe(make_params(i, aa), w, h, w, h, f);
        }
}

TEST(ResizeReference, ConstantImageStaysConstant) {
  for (PixelFormat f : {PixelFormat::RGB24, PixelFormat::RGBPlanarF32}) {
    Image src = testing::filled_image({37, 23, f}, 0);
    for (int p = 0; p < src.view().num_planes(); ++p)
      for (int y = 0; y < 23; ++y) {
        uint8_t* row = src.view().row(p, y);
        for (int x = 0; x < 37 * 3; ++x) {
          if (f == PixelFormat::RGB24) row[x] = 77;
          else if (x < 37) {
            const float v = 0.3f;
            std::memcpy(row + 4 * x, &v, 4);
          }
        }
      }
    for (Interp i : kModes)
      for (bool aa : {false, true})
        for (auto [w, h] : {std::pair{10, 70}, std::pair{80, 5}, std::pair{1, 1}}) {
          Image dst = run_reference(src.view(), w, h, make_params(i, aa));
          Image want = run_reference(src.view(), w, h, make_params(Interp::Nearest, false));
          EXPECT_IMAGES_CLOSE(dst.view(), want.view(), 1e-6) << describe(make_params(i, aa), 37, 23, w, h, f);
        }
  }
}

TEST(ResizeReference, PlanesAreResizedAtTheirOwnSize) {
  Image nv12 = random_image(41, 39, PixelFormat::NV12, 5);
  for (Interp i : kModes) {
    Image out = run_reference(nv12.view(), 17, 80, make_params(i, true));
    // The Y plane matches a gray8 resize of the Y plane alone.
    ConstImageView y_only({41, 39, PixelFormat::Gray8}, MemoryKind::Host,
                          {ConstImageView::Plane{nv12.view().plane(0).data, nv12.view().plane(0).pitch}, {}, {}});
    Image want_y = run_reference(y_only, 17, 80, make_params(i, true));
    ConstImageView got_y({17, 80, PixelFormat::Gray8}, MemoryKind::Host,
                         {ConstImageView::Plane{out.view().plane(0).data, out.view().plane(0).pitch}, {}, {}});
    EXPECT_IMAGES_CLOSE(got_y, want_y.view(), 0) << interp_name(i);
  }
}

TEST(ResizeReference, IntegerOutputsClampFloatsDoNot) {
  // A bicubic upscale of a hard edge overshoots: u8 clamps at 0 and 255, P010 keeps codes << 6
  // within 1023, float keeps the overshoot.
  for (PixelFormat f : {PixelFormat::Gray8, PixelFormat::P010, PixelFormat::RGBPlanarF32}) {
    Image src = testing::filled_image({8, 2, f}, 0);
    const FormatInfo& fi = format_info(f);
    for (int p = 0; p < fi.num_planes; ++p)
      for (int y = 0; y < plane_height(f, p, 2); ++y)
        for (int x = plane_width(f, p, 8) / 2; x < plane_width(f, p, 8) * fi.planes[p].channels; ++x) {
          uint8_t* row = src.view().row(p, y);
          if (fi.sample == SampleType::U8) row[x] = 255;
          if (fi.sample == SampleType::U16) {
            const uint16_t v = 1023 << 6;
            std::memcpy(row + 2 * x, &v, 2);
          }
          if (fi.sample == SampleType::F32) {
            const float v = 1;
            std::memcpy(row + 4 * x, &v, 4);
          }
        }
    Image dst = run_reference(src.view(), 32, 2, make_params(Interp::Bicubic, true, -0.75f));
    double lo = 1e9, hi = -1e9;
    for (int x = 0; x < 32; ++x) {
      lo = std::min(lo, sample_at(dst.view(), 0, x, 0, 0));
      hi = std::max(hi, sample_at(dst.view(), 0, x, 0, 0));
    }
    if (f == PixelFormat::Gray8) {
      EXPECT_EQ(lo, 0);
      EXPECT_EQ(hi, 255);
    }
    if (f == PixelFormat::P010) {
      EXPECT_EQ(lo, 0);
      EXPECT_EQ(hi, 1023 << 6);
      for (int x = 0; x < 32; ++x) EXPECT_EQ(static_cast<int>(sample_at(dst.view(), 0, x, 0, 0)) & 63, 0);
    }
    if (f == PixelFormat::RGBPlanarF32) {
      EXPECT_LT(lo, -0.01);
      EXPECT_GT(hi, 1.01);
    }
  }
}

TEST(ResizeReference, CropThenResizeEqualsResizeOfACopiedCrop) {
  Context cpu;
  Image src = random_image(64, 48, PixelFormat::NV12, 9);
  auto crop = src.view().sub_view({10, 6, 30, 20});
  ASSERT_TRUE(crop) << crop.status().to_string();
  Image copy = testing::filled_image({30, 20, PixelFormat::NV12}, 0);
  ASSERT_TRUE(copy_image(*crop, copy.view(), cpu));
  Image a = run_reference(*crop, 17, 11, make_params(Interp::Bicubic, true));
  Image b = run_reference(copy.view(), 17, 11, make_params(Interp::Bicubic, true));
  EXPECT_IMAGES_CLOSE(a.view(), b.view(), 0);
}

// ---- CUDA against the reference -----------------------------------------------------------------

double tolerance(PixelFormat f) {
  switch (f) {
    case PixelFormat::P010: return 64;  // one 10-bit code, stored << 6
    case PixelFormat::RGBPlanarF32: return 1e-4;
    case PixelFormat::RGBPlanarF16: return 2e-3;
    default: return 1;
  }
}

struct Shape {
  int sw, sh, dw, dh;
};

void expect_cuda_matches(PixelFormat f, const Shape& s, const ResizeParams& p, uint64_t seed) {
  Context& gpu = *testing::gpu_context();
  Image src = random_image(s.sw, s.sh, f, seed);
  Image want = run_reference(src.view(), s.dw, s.dh, p);
  Image dsrc = testing::to_device(src.view(), gpu);
  Image ddst = testing::filled_image({s.dw, s.dh, f}, 0xA5, MemoryKind::Device, &gpu);
  Status st = resize_cuda(dsrc.view(), ddst.view(), p, gpu.workspace(), gpu.stream());
  ASSERT_TRUE(st) << st.to_string();
  Image got = testing::to_host(ddst.view(), gpu);
  EXPECT_IMAGES_CLOSE(got.view(), want.view(), tolerance(f)) << describe(p, s.sw, s.sh, s.dw, s.dh, f) << " seed " << seed;
}

class ResizeCuda : public ::testing::TestWithParam<PixelFormat> {};

TEST_P(ResizeCuda, MatchesReferenceForEveryMode) {
  CALDERA_REQUIRE_GPU();
  const Shape shapes[] = {{1, 1, 1, 1},  {1, 1, 5, 3},   {3, 5, 1, 1},     {3, 5, 7, 9},   {41, 39, 17, 80},
                          {41, 39, 41, 39}, {64, 48, 32, 24}, {64, 48, 21, 16}, {37, 29, 100, 90}, {200, 150, 13, 11}};
  for (const Shape& s : shapes)
    for (Interp i : kModes)
      for (bool aa : {false, true})
        for (uint64_t seed : {1u, 2u}) expect_cuda_matches(GetParam(), s, make_params(i, aa), seed);
}

// Large frames for one format of each kind (packed 8-bit, 4:2:0, float): the reference is slow.
class ResizeCudaLarge : public ::testing::TestWithParam<PixelFormat> {};

TEST_P(ResizeCudaLarge, MatchesReferenceOnLargeOddFrames) {
  CALDERA_REQUIRE_GPU();
  const PixelFormat f = GetParam();
  for (Interp i : kModes)
    for (bool aa : {false, true}) {
      expect_cuda_matches(f, {1921, 1081, 960, 540}, make_params(i, aa), 7);
      expect_cuda_matches(f, {640, 360, 1281, 721}, make_params(i, aa), 8);
    }
}

// The exact-2x fast paths of 8-bit planes (down2.cu, up2.cu) on full frames: many warps, whole
// and partial segments (1000 and 500 wide), every edge. Every mode takes a fast path at exact 2x
// (down2: 1, 2, 4, 6, 8, 12 taps; up2: 1, 2, 4, 6); cubic_a -0.75 too (other float weights).
class ResizeCuda8Bit : public ::testing::TestWithParam<PixelFormat> {};

TEST_P(ResizeCuda8Bit, MatchesReferenceOnExact2xFrames) {
  CALDERA_REQUIRE_GPU();
  const PixelFormat f = GetParam();
  for (Interp i : kModes)
    for (bool aa : {false, true}) {
      expect_cuda_matches(f, {1920, 1080, 960, 540}, make_params(i, aa), 21);
      expect_cuda_matches(f, {960, 540, 1920, 1080}, make_params(i, aa), 22);
    }
  for (Shape s : {Shape{1000, 300, 500, 150}, Shape{500, 150, 1000, 300}, Shape{2, 2, 4, 4}, Shape{4, 2, 2, 1}})
    for (Interp i : kModes)
      for (bool aa : {false, true}) expect_cuda_matches(f, s, make_params(i, aa), 23);
  // Widths that are not a multiple of 8 (the nearest / box kernel's byte-by-byte last group), and
  // tall thin frames for the wide filters (every source row window clamped at both ends).
  for (Shape s : {Shape{1006, 40, 503, 20}, Shape{30, 200, 15, 100}})
    for (Interp i : kModes)
      for (bool aa : {false, true}) expect_cuda_matches(f, s, make_params(i, aa), 26);
  expect_cuda_matches(f, {960, 540, 1920, 1080}, make_params(Interp::Bicubic, false, -0.75f), 24);
  expect_cuda_matches(f, {1920, 1080, 960, 540}, make_params(Interp::Bicubic, false, -0.75f), 25);
}

INSTANTIATE_TEST_SUITE_P(Formats, ResizeCuda,
                         ::testing::Values(PixelFormat::RGB24, PixelFormat::RGBA, PixelFormat::Gray8, PixelFormat::NV12,
                                           PixelFormat::P010, PixelFormat::I420, PixelFormat::RGB48,
                                           PixelFormat::RGBPlanarF32, PixelFormat::RGBPlanarF16, PixelFormat::YUV420P10),
                         [](const auto& info) { return std::string(format_name(info.param)); });
INSTANTIATE_TEST_SUITE_P(Formats, ResizeCudaLarge,
                         ::testing::Values(PixelFormat::RGB24, PixelFormat::NV12, PixelFormat::RGBPlanarF32),
                         [](const auto& info) { return std::string(format_name(info.param)); });
INSTANTIATE_TEST_SUITE_P(Formats, ResizeCuda8Bit,
                         ::testing::Values(PixelFormat::RGB24, PixelFormat::RGBA, PixelFormat::Gray8, PixelFormat::NV12),
                         [](const auto& info) { return std::string(format_name(info.param)); });

TEST(ResizeCudaExtra, CubicParameterAndTallDownscaleThatStreamsRowChunks) {
  CALDERA_REQUIRE_GPU();
  expect_cuda_matches(PixelFormat::RGB24, {61, 47, 150, 20}, make_params(Interp::Bicubic, false, -0.75f), 3);
  // 600x vertical downscale: a tile needs far more source rows than shared memory holds.
  for (Interp i : {Interp::Bilinear, Interp::Area, Interp::Lanczos3})
    expect_cuda_matches(PixelFormat::RGBA, {40, 3000, 7, 5}, make_params(i, true), 4);
  expect_cuda_matches(PixelFormat::Gray8, {3000, 4, 2, 9}, make_params(Interp::Lanczos3, true), 5);
}

TEST(ResizeCudaExtra, CroppedSourceAndOffsetDestination) {
  CALDERA_REQUIRE_GPU();
  Context& gpu = *testing::gpu_context();
  Image src = random_image(100, 80, PixelFormat::RGB24, 11);
  Image dsrc = testing::to_device(src.view(), gpu);
  const Rect crop{7, 5, 61, 43};
  const ResizeParams p = make_params(Interp::Bicubic, true);
  Image want = run_reference(*src.view().sub_view(crop), 29, 31, p);
  Image ddst = testing::filled_image({40, 40, PixelFormat::RGB24}, 0xA5, MemoryKind::Device, &gpu);
  auto inner = ddst.view().sub_view({3, 1, 29, 31});
  ASSERT_TRUE(inner);
  ASSERT_TRUE(resize(*dsrc.view().sub_view(crop), *inner, p, gpu));
  Image got = testing::to_host(ddst.view(), gpu);
  EXPECT_IMAGES_CLOSE(*ConstImageView(got.view()).sub_view({3, 1, 29, 31}), want.view(), 1);
  EXPECT_EQ(got.view().row(0, 0)[0], 0xA5);  // outside the destination view: untouched
}

}  // namespace
}  // namespace caldera
