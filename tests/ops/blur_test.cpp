// Blur (Gaussian, box, unsharp): border maps, kernels, known values and invariants of the
// reference, its fixed point against double arithmetic, then CUDA against the reference.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "caldera/filter.hpp"
#include "caldera/ops/blur.hpp"
#include "core/sample_io.hpp"
#include "ops/blur/blur_internal.hpp"
#include "ops/blur/border.hpp"
#include "support/image_testing.hpp"
#include "support/photos.hpp"

namespace caldera {
namespace {

using testing::random_image;

constexpr FilterBorder kBorders[] = {FilterBorder::Replicate, FilterBorder::Reflect, FilterBorder::Reflect101,
                                     FilterBorder::Constant};

Image gray(const std::vector<std::vector<int>>& rows) {
  Image img = testing::filled_image({static_cast<int>(rows[0].size()), static_cast<int>(rows.size()), PixelFormat::Gray8}, 0);
  for (size_t y = 0; y < rows.size(); ++y)
    for (size_t x = 0; x < rows[y].size(); ++x) img.view().row(0, static_cast<int>(y))[x] = static_cast<uint8_t>(rows[y][x]);
  return img;
}

int at(const Image& img, int x, int y) { return img.view().row(0, y)[x]; }

Image same_shape(ConstImageView src, uint8_t poison = 0xA5) { return testing::filled_image(src.desc(), poison); }

GaussianParams gauss(int k, double sigma, FilterBorder b = FilterBorder::Reflect101) {
  GaussianParams p;
  p.ksize_x = k;
  p.sigma_x = sigma;
  p.border = b;
  return p;
}

// ---- border maps and kernels ---------------------------------------------------------------------

TEST(FilterBorderIndex, EveryModeOnSmallAxes) {
  using filter_detail::border_index;
  // Axis "abcd" (n = 4), positions -6 .. 9.
  const std::vector<int> replicate = {0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 3, 3, 3, 3, 3, 3};
  const std::vector<int> reflect = {2, 3, 3, 2, 1, 0, 0, 1, 2, 3, 3, 2, 1, 0, 0, 1};
  const std::vector<int> reflect101 = {0, 1, 2, 3, 2, 1, 0, 1, 2, 3, 2, 1, 0, 1, 2, 3};
  for (int i = -6; i <= 9; ++i) {
    EXPECT_EQ(border_index(i, 4, FilterBorder::Replicate), replicate[i + 6]) << i;
    EXPECT_EQ(border_index(i, 4, FilterBorder::Reflect), reflect[i + 6]) << i;
    EXPECT_EQ(border_index(i, 4, FilterBorder::Reflect101), reflect101[i + 6]) << i;
    EXPECT_EQ(border_index(i, 4, FilterBorder::Constant), i >= 0 && i < 4 ? i : -1) << i;
  }
  for (int i = -5; i <= 5; ++i) {
    EXPECT_EQ(border_index(i, 1, FilterBorder::Reflect101), 0);
    EXPECT_EQ(border_index(i, 1, FilterBorder::Reflect), 0);
    EXPECT_EQ(border_index(i, 1, FilterBorder::Replicate), 0);
  }
  // n = 2: reflect "ab|ab" -> b a | a b | b a; reflect101 -> a b a b a.
  EXPECT_EQ(border_index(-1, 2, FilterBorder::Reflect), 0);
  EXPECT_EQ(border_index(-2, 2, FilterBorder::Reflect), 1);
  EXPECT_EQ(border_index(-1, 2, FilterBorder::Reflect101), 1);
  EXPECT_EQ(border_index(-2, 2, FilterBorder::Reflect101), 0);
  EXPECT_EQ(border_index(3, 2, FilterBorder::Reflect101), 1);
}

TEST(FilterBorderNames, RoundTripAndErrors) {
  for (FilterBorder b : kBorders) {
    auto r = parse_filter_border(filter_border_name(b));
    ASSERT_TRUE(r) << r.status().to_string();
    EXPECT_EQ(*r, b);
  }
  EXPECT_EQ(*parse_filter_border("Reflect_101"), FilterBorder::Reflect101);
  auto bad = parse_filter_border("wrap");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.status().message().find("'wrap'"), std::string::npos);
}

TEST(GaussianKernel, FixedSmallKernelsAndSigmaRule) {
  EXPECT_EQ(gaussian_kernel(3, 0), (std::vector<double>{0.25, 0.5, 0.25}));
  EXPECT_EQ(gaussian_kernel(5, 0), (std::vector<double>{0.0625, 0.25, 0.375, 0.25, 0.0625}));
  EXPECT_EQ(gaussian_kernel(1, 0), (std::vector<double>{1}));
  // Sizes above 7 without a sigma use sigma = 0.3 ((k - 1) / 2 - 1) + 0.8 = 1.7 for k = 9.
  const auto w9 = gaussian_kernel(9, 0);
  const auto w9s = gaussian_kernel(9, 1.7);
  for (int i = 0; i < 9; ++i) EXPECT_DOUBLE_EQ(w9[i], w9s[i]);
  for (double sigma : {0.5, 1.0, 3.3}) {
    const auto w = gaussian_kernel(15, sigma);
    double sum = 0;
    for (int i = 0; i < 15; ++i) {
      sum += w[i];
      EXPECT_DOUBLE_EQ(w[i], w[14 - i]);
      EXPECT_NEAR(w[i] / w[7], std::exp(-(i - 7.0) * (i - 7.0) / (2 * sigma * sigma)), 1e-12);
    }
    EXPECT_NEAR(sum, 1, 1e-12);
  }
}

TEST(GaussianKernel, QuantisedWeightsSumExactlyAndStaySymmetric) {
  for (int k : {1, 3, 5, 7, 9, 25, 129})
    for (double sigma : {0.0, 0.7, 2.0, 20.0}) {
      const auto q = blur_detail::quantize_q16(gaussian_kernel(k, sigma));
      uint64_t sum = 0;
      for (int i = 0; i < k; ++i) {
        sum += q[i];
        EXPECT_EQ(q[i], q[k - 1 - i]) << k << " " << sigma;
      }
      EXPECT_EQ(sum, 65536u) << k << " " << sigma;
    }
}

TEST(GaussianParams, SizesFromSigmaAndErrors) {
  auto g = resolve_gaussian(gauss(0, 1.0), PixelFormat::Gray8);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->ksize_x, 7);  // round(6 + 1) | 1
  EXPECT_EQ(g->ksize_y, 7);
  g = resolve_gaussian(gauss(0, 1.0), PixelFormat::RGBPlanarF32);
  EXPECT_EQ(g->ksize_x, 9);  // float formats: 4 sigma
  GaussianParams p = gauss(0, 1.0);
  p.sigma_y = 2;
  g = resolve_gaussian(p, PixelFormat::Gray8);
  EXPECT_EQ(g->ksize_y, 13);
  for (int k : {4, 2, 131}) {
    Status s = resolve_gaussian(gauss(k, 1.0), PixelFormat::Gray8).status();
    EXPECT_EQ(s.code(), StatusCode::InvalidArgument) << k;
    EXPECT_NE(s.message().find("ksize_x"), std::string::npos) << s.message();
  }
  EXPECT_NE(resolve_gaussian(gauss(0, 0), PixelFormat::Gray8).status().message().find("sigma_x"), std::string::npos);
}

TEST(BlurChecks, MessagesNameTheProblem) {
  Status s = check_gaussian_blur({40, 30, PixelFormat::NV12}, {40, 30, PixelFormat::I420}, gauss(3, 0));
  EXPECT_NE(s.message().find("src is nv12 but dst is i420"), std::string::npos) << s.message();
  s = check_box_blur({40, 30, PixelFormat::Gray8}, {41, 30, PixelFormat::Gray8}, BoxParams{});
  EXPECT_NE(s.message().find("keeps the size"), std::string::npos) << s.message();
  s = check_unsharp_mask({40, 30, PixelFormat::RGBPlanarF32}, {40, 30, PixelFormat::RGBPlanarF32}, UnsharpParams{});
  EXPECT_NE(s.message().find("rgbf32p is not supported"), std::string::npos) << s.message();
  UnsharpParams u;
  u.amount = 11;
  s = check_unsharp_mask({4, 3, PixelFormat::Gray8}, {4, 3, PixelFormat::Gray8}, u);
  EXPECT_NE(s.message().find("amount"), std::string::npos) << s.message();
  BoxParams b;
  b.ksize_x = 0;
  EXPECT_NE(check_box_blur({4, 3, PixelFormat::Gray8}, {4, 3, PixelFormat::Gray8}, b).message().find("ksize_x"),
            std::string::npos);
  // Device views are refused by the reference before any access, host views by the CUDA entry.
  Image host = random_image(8, 8, PixelFormat::Gray8, 1);
  uint8_t* fake = reinterpret_cast<uint8_t*>(uintptr_t{0x1000});
  ImageView dev({8, 8, PixelFormat::Gray8}, MemoryKind::Device, {ImageView::Plane{fake, 256}, {}, {}}, 0);
  s = gaussian_blur_reference(ConstImageView(dev), host.view(), gauss(3, 0));
  EXPECT_NE(s.message().find("needs host images"), std::string::npos) << s.message();
  s = box_blur_cuda(host.view(), dev, BoxParams{}, nullptr);
  EXPECT_NE(s.message().find("needs device images"), std::string::npos) << s.message();
  Context cpu;
  s = unsharp_mask(ConstImageView(dev), dev, UnsharpParams{}, cpu);
  EXPECT_NE(s.message().find("overlap"), std::string::npos) << s.message();
  ImageView dev2({8, 8, PixelFormat::Gray8}, MemoryKind::Device, {ImageView::Plane{fake + 4096, 256}, {}, {}}, 0);
  s = unsharp_mask(ConstImageView(dev), dev2, UnsharpParams{}, cpu);
  EXPECT_NE(s.message().find("context is the CPU"), std::string::npos) << s.message();
  // In place is refused: a neighbourhood filter would read samples it has already written.
  Image img = random_image(16, 16, PixelFormat::RGB24, 3);
  s = gaussian_blur(img.view(), img.view(), gauss(3, 0), cpu);
  EXPECT_NE(s.message().find("overlap"), std::string::npos) << s.message();
  s = box_blur(*ConstImageView(img.view()).sub_view({0, 0, 9, 16}), *img.view().sub_view({7, 0, 9, 16}), BoxParams{}, cpu);
  EXPECT_NE(s.message().find("overlap"), std::string::npos) << s.message();
}

// ---- known values ------------------------------------------------------------------------------------

TEST(BlurReference, ImpulseResponses) {
  Image src = gray({{0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}, {0, 0, 255, 0, 0}, {0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}});
  Image dst = same_shape(src.view());
  ASSERT_TRUE(gaussian_blur_reference(src.view(), dst.view(), gauss(3, 0)));
  // [1 2 1] / 4 both ways: 255 / 4 = 63.75, 255 / 8 = 31.875, 255 / 16 = 15.94.
  EXPECT_EQ(at(dst, 2, 2), 64);
  EXPECT_EQ(at(dst, 1, 2), 32);
  EXPECT_EQ(at(dst, 2, 1), 32);
  EXPECT_EQ(at(dst, 1, 1), 16);
  EXPECT_EQ(at(dst, 0, 0), 0);
  BoxParams b;
  b.ksize_x = 3;
  ASSERT_TRUE(box_blur_reference(src.view(), dst.view(), b));
  EXPECT_EQ(at(dst, 2, 2), 28);  // 255 / 9 = 28.3
  EXPECT_EQ(at(dst, 3, 1), 28);
  EXPECT_EQ(at(dst, 2, 0), 0);
  // Even box sizes put the extra tap on the left: a 2-wide box at x averages x - 1 and x.
  b.ksize_x = 2;
  b.ksize_y = 1;
  ASSERT_TRUE(box_blur_reference(src.view(), dst.view(), b));
  EXPECT_EQ(at(dst, 2, 2), 128);  // (0 + 255) / 2 = 127.5 rounds up
  EXPECT_EQ(at(dst, 3, 2), 128);
  EXPECT_EQ(at(dst, 1, 2), 0);
}

TEST(BlurReference, BordersOnAOnePixelImage) {
  Image src = gray({{100}});
  Image dst = same_shape(src.view());
  BoxParams b;
  b.ksize_x = 3;
  b.border = FilterBorder::Constant;
  b.border_value = 10;
  ASSERT_TRUE(box_blur_reference(src.view(), dst.view(), b));
  EXPECT_EQ(at(dst, 0, 0), 20);  // (100 + 8 * 10) / 9
  for (FilterBorder m : {FilterBorder::Replicate, FilterBorder::Reflect, FilterBorder::Reflect101}) {
    b.border = m;
    ASSERT_TRUE(box_blur_reference(src.view(), dst.view(), b));
    EXPECT_EQ(at(dst, 0, 0), 100) << filter_border_name(m);
  }
}

TEST(BlurReference, BorderModesDifferAsDocumented) {
  // Row 0 10 20 30 filtered with the 3-tap box, first output: replicate (0+0+10)/3, reflect
  // (0+0+10)/3, reflect101 (10+0+10)/3, constant 90: (90+0+10)/3.
  Image src = gray({{0, 10, 20, 30}});
  Image dst = same_shape(src.view());
  BoxParams b;
  b.ksize_x = 3;
  b.ksize_y = 1;
  const std::pair<FilterBorder, int> want[] = {{FilterBorder::Replicate, 3}, {FilterBorder::Reflect, 3},
                                               {FilterBorder::Reflect101, 7}, {FilterBorder::Constant, 33}};
  for (auto [m, v] : want) {
    b.border = m;
    b.border_value = 90;
    ASSERT_TRUE(box_blur_reference(src.view(), dst.view(), b));
    EXPECT_EQ(at(dst, 0, 0), v) << filter_border_name(m);
  }
  // 5 taps reach two past the edge: reflect reads 10 0 | 0 10 20, reflect101 20 10 | 0 10 20.
  b.ksize_x = 5;
  b.border = FilterBorder::Reflect;
  ASSERT_TRUE(box_blur_reference(src.view(), dst.view(), b));
  EXPECT_EQ(at(dst, 0, 0), 8);  // 40 / 5
  b.border = FilterBorder::Reflect101;
  ASSERT_TRUE(box_blur_reference(src.view(), dst.view(), b));
  EXPECT_EQ(at(dst, 0, 0), 12);  // 60 / 5
}

TEST(BlurReference, ConstantImagesStayConstant) {
  for (PixelFormat f : {PixelFormat::Gray8, PixelFormat::RGB24, PixelFormat::NV12, PixelFormat::RGBPlanarF32, PixelFormat::P010}) {
    Image src = testing::filled_image({37, 23, f}, 0);
    const FormatInfo& fi = format_info(f);
    for (int p = 0; p < fi.num_planes; ++p)
      for (int y = 0; y < plane_height(f, p, 23); ++y)
        for (int x = 0; x < plane_width(f, p, 37) * fi.planes[p].channels; ++x)
          write_code(src.view(), p, x / fi.planes[p].channels, y, x % fi.planes[p].channels,
                     fi.sample == SampleType::F32 ? 0.3 : f == PixelFormat::P010 ? 700 : 77);
    for (FilterBorder b : {FilterBorder::Replicate, FilterBorder::Reflect, FilterBorder::Reflect101}) {
      Image dst = same_shape(src.view());
      ASSERT_TRUE(gaussian_blur_reference(src.view(), dst.view(), gauss(0, 2.2, b)));
      EXPECT_IMAGES_CLOSE(dst.view(), src.view(), 1e-6) << format_name(f) << " " << filter_border_name(b);
      BoxParams bp;
      bp.ksize_x = 6;
      bp.ksize_y = 3;
      bp.border = b;
      ASSERT_TRUE(box_blur_reference(src.view(), dst.view(), bp));
      EXPECT_IMAGES_CLOSE(dst.view(), src.view(), 1e-6) << format_name(f);
      if (fi.sample == SampleType::U8) {
        UnsharpParams u;
        u.amount = 3;
        u.planes = PlaneSet::All;
        u.border = b;
        ASSERT_TRUE(unsharp_mask_reference(src.view(), dst.view(), u));
        EXPECT_IMAGES_CLOSE(dst.view(), src.view(), 0) << format_name(f);
      }
    }
  }
}

// The 8-bit fixed point against the same Gaussian computed in double (2-D, straight from the
// normalised weights): at most one code apart, and only where the exact value lies within the
// fixed point's error of a rounding boundary (observed: 15-26 of 42236 samples, 0.06%;
// asserted < 0.2%).
double double_gaussian_at(ConstImageView src, int x, int y, const std::vector<double>& wx, const std::vector<double>& wy,
                          FilterBorder b) {
  using filter_detail::border_index;
  const int rx = static_cast<int>(wx.size()) / 2, ry = static_cast<int>(wy.size()) / 2;
  double acc = 0;
  for (int j = 0; j < static_cast<int>(wy.size()); ++j)
    for (int i = 0; i < static_cast<int>(wx.size()); ++i) {
      const int sx = border_index(x + i - rx, src.width(), b), sy = border_index(y + j - ry, src.height(), b);
      acc += wx[i] * wy[j] * src.row(0, sy)[sx];
    }
  return acc;
}

TEST(BlurReference, FixedPointGaussianIsWithinOneCodeOfDouble) {
  std::vector<Image> inputs;
  inputs.push_back(random_image(61, 47, PixelFormat::Gray8, 5));
  for (const char* photo : testing::kPhotos) inputs.push_back(testing::example_photo_gray(photo));
  for (double sigma : {0.8, 1.5, 4.0}) {
    long mismatches = 0, samples = 0;
    int worst = 0;
    for (const Image& src : inputs) {
      Image dst = same_shape(src.view());
      const GaussianParams p = gauss(0, sigma);
      ASSERT_TRUE(gaussian_blur_reference(src.view(), dst.view(), p));
      const auto g = *resolve_gaussian(p, PixelFormat::Gray8);
      const auto w = gaussian_kernel(g.ksize_x, sigma);
      for (int y = 0; y < src.height(); y += 3)
        for (int x = 0; x < src.width(); x += 3) {
          const int want = static_cast<int>(std::floor(double_gaussian_at(src.view(), x, y, w, w, p.border) + 0.5));
          const int diff = std::abs(dst.view().row(0, y)[x] - want);
          worst = std::max(worst, diff);
          mismatches += diff != 0;
          ++samples;
        }
    }
    std::cout << "sigma " << sigma << ": fixed point vs double, max diff " << worst << ", " << mismatches << " of "
              << samples << " samples differ\n";
    EXPECT_LE(worst, 1);
    EXPECT_LT(mismatches, samples / 500);
  }
}

TEST(BlurReference, FloatPathIsTheTwoDimensionalFilter) {
  using filter_detail::border_index;
  Image src = random_image(23, 17, PixelFormat::RGBPlanarF32, 3);
  for (FilterBorder b : kBorders) {
    GaussianParams p = gauss(7, 1.3, b);
    p.ksize_y = 5;
    p.sigma_y = 0.9;
    p.border_value = 0.25;
    Image dst = same_shape(src.view());
    ASSERT_TRUE(gaussian_blur_reference(src.view(), dst.view(), p));
    const auto wx = gaussian_kernel(7, 1.3), wy = gaussian_kernel(5, 0.9);
    double worst = 0;
    for (int pl = 0; pl < 3; ++pl)
      for (int y = 0; y < 17; ++y)
        for (int x = 0; x < 23; ++x) {
          double acc = 0;
          for (int j = 0; j < 5; ++j)
            for (int i = 0; i < 7; ++i) {
              const int sx = border_index(x + i - 3, 23, b), sy = border_index(y + j - 2, 17, b);
              acc += wx[i] * wy[j] * (sx < 0 || sy < 0 ? 0.25 : read_code(src.view(), pl, sx, sy, 0));
            }
          worst = std::max(worst, std::fabs(read_code(dst.view(), pl, x, y, 0) - acc));
        }
    EXPECT_LT(worst, 1e-6) << filter_border_name(b);
  }
}

TEST(BlurReference, PlanesAreFilteredOnTheirOwnGridOrCopied) {
  Image nv12 = random_image(41, 39, PixelFormat::NV12, 8);
  Image all = same_shape(nv12.view()), luma = same_shape(nv12.view());
  GaussianParams p = gauss(5, 1.2);
  ASSERT_TRUE(gaussian_blur_reference(nv12.view(), all.view(), p));
  p.planes = PlaneSet::LumaOnly;
  ASSERT_TRUE(gaussian_blur_reference(nv12.view(), luma.view(), p));
  // Luma equals a gray8 run over the Y plane alone in both; chroma is filtered per channel at
  // 21x20 or left as it was.
  ConstImageView y_only({41, 39, PixelFormat::Gray8}, MemoryKind::Host,
                        {ConstImageView::Plane{nv12.view().plane(0).data, nv12.view().plane(0).pitch}, {}, {}});
  Image want_y = same_shape(y_only);
  ASSERT_TRUE(gaussian_blur_reference(y_only, want_y.view(), gauss(5, 1.2)));
  ConstImageView got_y({41, 39, PixelFormat::Gray8}, MemoryKind::Host,
                       {ConstImageView::Plane{all.view().plane(0).data, all.view().plane(0).pitch}, {}, {}});
  EXPECT_IMAGES_CLOSE(got_y, want_y.view(), 0);
  for (int y = 0; y < 20; ++y)
    EXPECT_EQ(std::memcmp(luma.view().row(1, y), nv12.view().row(1, y), 42), 0) << "chroma row " << y;
  // The U channel of the filtered chroma equals a gray8 run over the deinterleaved U samples.
  Image u = testing::filled_image({21, 20, PixelFormat::Gray8}, 0);
  for (int y = 0; y < 20; ++y)
    for (int x = 0; x < 21; ++x) u.view().row(0, y)[x] = nv12.view().row(1, y)[2 * x];
  Image want_u = same_shape(u.view());
  ASSERT_TRUE(gaussian_blur_reference(u.view(), want_u.view(), gauss(5, 1.2)));
  for (int y = 0; y < 20; ++y)
    for (int x = 0; x < 21; ++x) ASSERT_EQ(all.view().row(1, y)[2 * x], want_u.view().row(0, y)[x]) << x << "," << y;
}

TEST(UnsharpReference, SharpensEdgesAndHonoursAmountAndThreshold) {
  Image step = gray({{50, 50, 50, 50, 150, 150, 150, 150}});
  Image dst = same_shape(step.view());
  UnsharpParams u;
  u.sigma = 1.0;
  u.amount = 1.0;
  ASSERT_TRUE(unsharp_mask_reference(step.view(), dst.view(), u));
  EXPECT_LT(at(dst, 3, 0), 50);   // undershoot before the edge
  EXPECT_GT(at(dst, 4, 0), 150);  // overshoot after it
  EXPECT_EQ(at(dst, 0, 0), 50);   // far from the edge: unchanged
  u.amount = 0;
  ASSERT_TRUE(unsharp_mask_reference(step.view(), dst.view(), u));
  EXPECT_IMAGES_CLOSE(dst.view(), step.view(), 0);
  u.amount = 2;
  u.threshold = 100;  // every |src - blur| is below 100 here
  ASSERT_TRUE(unsharp_mask_reference(step.view(), dst.view(), u));
  EXPECT_IMAGES_CLOSE(dst.view(), step.view(), 0);
  // amount -1 gives the blur itself, rounded from the same 1/256 blur.
  u.amount = -1;
  u.threshold = 0;
  Image blurred = same_shape(step.view());
  ASSERT_TRUE(unsharp_mask_reference(step.view(), dst.view(), u));
  ASSERT_TRUE(gaussian_blur_reference(step.view(), blurred.view(), gauss(0, 1.0)));
  EXPECT_IMAGES_CLOSE(dst.view(), blurred.view(), 1);
}

// ---- filters -------------------------------------------------------------------------------------------

TEST(BlurFilters, ParseRunAndNameBadOptions) {
  Context cpu;
  Image src = random_image(33, 21, PixelFormat::RGB24, 4);
  for (const char* chain : {"gaussian=2", "gblur=sigma=1:ksize=5:border=replicate", "box=4", "boxblur=size=3:size_y=5",
                            "unsharp=1.5", "sharpen=amount=0.5:sigma=2:threshold=4", "gaussian=ksize=3"}) {
    auto c = parse_filter_chain(chain);
    ASSERT_TRUE(c) << chain << ": " << c.status().to_string();
    ASSERT_EQ(c->filters.size(), 1u);
    auto out = c->filters[0]->plan(src.desc());
    ASSERT_TRUE(out) << chain << ": " << out.status().to_string();
    Image dst = same_shape(src.view());
    Status s = c->filters[0]->run(src.view(), dst.view(), cpu);
    EXPECT_TRUE(s) << chain << ": " << s.to_string();
  }
  const std::pair<const char*, const char*> bad[] = {
      {"gaussian=ksize=4", "ksize_x"},         {"gaussian=2:border=wrap", "unknown border 'wrap'"},
      {"box=0", "size"},                       {"unsharp=20", "amount"},
      {"gaussian=2:planes=chroma", "planes"}, {"box=3:q=1", "unknown option 'q'"}};
  for (auto [chain, what] : bad) {
    auto c = parse_filter_chain(chain);
    ASSERT_FALSE(c) << chain;
    EXPECT_NE(c.status().message().find(what), std::string::npos) << chain << ": " << c.status().message();
  }
  auto c = parse_filter_chain("unsharp=1");
  ASSERT_TRUE(c);
  auto planned = c->filters[0]->plan({16, 16, PixelFormat::RGBPlanarF32});
  ASSERT_FALSE(planned);
  EXPECT_NE(planned.status().message().find("not supported"), std::string::npos) << planned.status().message();
}

// ---- CUDA against the reference ----------------------------------------------------------------------

double tolerance(PixelFormat f) {
  switch (format_info(f).sample) {
    case SampleType::U8: return 0;          // the same integer arithmetic
    case SampleType::U16: return f == PixelFormat::P010 ? 64 : 1;  // float vs double rounding, P010 << 6
    case SampleType::F16: return 2e-3;
    case SampleType::F32: return 2e-6;
  }
  return 0;
}

enum class Which { Gaussian, Box, Unsharp };

struct BlurCase {
  Which which;
  GaussianParams g;
  BoxParams b;
  UnsharpParams u;
};

Status run_ref(const BlurCase& c, ConstImageView src, ImageView dst) {
  switch (c.which) {
    case Which::Gaussian: return gaussian_blur_reference(src, dst, c.g);
    case Which::Box: return box_blur_reference(src, dst, c.b);
    case Which::Unsharp: return unsharp_mask_reference(src, dst, c.u);
  }
  return Status::ok();
}

Status run_gpu(const BlurCase& c, ConstImageView src, ImageView dst, Context& gpu) {
  switch (c.which) {
    case Which::Gaussian: return gaussian_blur_cuda(src, dst, c.g, gpu.stream());
    case Which::Box: return box_blur_cuda(src, dst, c.b, gpu.stream());
    case Which::Unsharp: return unsharp_mask_cuda(src, dst, c.u, gpu.stream());
  }
  return Status::ok();
}

void expect_cuda_matches(const BlurCase& c, ConstImageView src, const std::string& what) {
  Context& gpu = *testing::gpu_context();
  Image want = same_shape(src);
  ASSERT_TRUE(run_ref(c, src, want.view())) << what;
  Image dsrc = testing::to_device(src, gpu);
  Image ddst = testing::filled_image(src.desc(), 0xA5, MemoryKind::Device, &gpu);
  Status st = run_gpu(c, dsrc.view(), ddst.view(), gpu);
  ASSERT_TRUE(st) << what << ": " << st.to_string();
  Image got = testing::to_host(ddst.view(), gpu);
  EXPECT_IMAGES_CLOSE(got.view(), want.view(), tolerance(src.format())) << what;
}

std::vector<BlurCase> blur_cases(PixelFormat f) {
  std::vector<BlurCase> cases;
  // Radius 1..4 (the fast 8-bit kernels for 1-channel planes) and wider (the generic kernel).
  for (auto [k, sigma] : {std::pair{3, 0.0}, std::pair{5, 0.0}, std::pair{0, 1.0}, std::pair{9, 1.6}, std::pair{0, 3.0},
                          std::pair{31, 6.0}})
    for (FilterBorder b : kBorders) {
      BlurCase c{Which::Gaussian, gauss(k, sigma, b), {}, {}};
      // In the format's range: float samples are in [0, 1], and a constant of 200 would give outputs
      // near 100 whose float rounding alone (7.6e-6 in f32, 0.06 in f16) exceeds the tolerance.
      c.g.border_value = is_float(f) ? 0.75 : 200;
      cases.push_back(c);
    }
  BlurCase aniso{Which::Gaussian, gauss(3, 0.7), {}, {}};
  aniso.g.ksize_y = 11;
  aniso.g.sigma_y = 2.5;
  cases.push_back(aniso);
  if (format_info(f).sample != SampleType::U8 && !is_float(f)) return cases;  // 16-bit: Gaussian and box
  for (auto [kx, ky] : {std::pair{3, 3}, std::pair{5, 5}, std::pair{4, 4}, std::pair{8, 3}, std::pair{9, 9}, std::pair{15, 2}})
    for (FilterBorder b : {FilterBorder::Reflect101, FilterBorder::Constant}) {
      BlurCase c{Which::Box, {}, {}, {}};
      c.b.ksize_x = kx;
      c.b.ksize_y = ky;
      c.b.border = b;
      c.b.border_value = is_float(f) ? 0.125 : 31;
      cases.push_back(c);
    }
  if (format_info(f).sample != SampleType::U8) return cases;
  for (auto [amount, threshold, sigma] : {std::tuple{1.0, 0.0, 1.0}, std::tuple{2.5, 3.0, 0.8}, std::tuple{-0.7, 0.0, 2.0},
                                          std::tuple{0.6, 0.0, 5.0}}) {
    BlurCase c{Which::Unsharp, {}, {}, {}};
    c.u.amount = amount;
    c.u.threshold = threshold;
    c.u.sigma = sigma;
    c.u.planes = PlaneSet::All;
    cases.push_back(c);
  }
  return cases;
}

std::string name_of(const BlurCase& c) {
  switch (c.which) {
    case Which::Gaussian:
      return "gaussian k " + std::to_string(c.g.ksize_x) + " sigma " + std::to_string(c.g.sigma_x) + " " +
             filter_border_name(c.g.border);
    case Which::Box:
      return "box " + std::to_string(c.b.ksize_x) + "x" + std::to_string(c.b.ksize_y) + " " + filter_border_name(c.b.border);
    case Which::Unsharp: return "unsharp amount " + std::to_string(c.u.amount) + " sigma " + std::to_string(c.u.sigma);
  }
  return "?";
}

class BlurCuda : public ::testing::TestWithParam<PixelFormat> {};

TEST_P(BlurCuda, MatchesReferenceOnOddSizes) {
  CALDERA_REQUIRE_GPU();
  const PixelFormat f = GetParam();
  const std::pair<int, int> sizes[] = {{1, 1}, {3, 5}, {41, 39}, {64, 48}, {250, 7}, {7, 250}};
  for (const BlurCase& c : blur_cases(f))
    for (auto [w, h] : sizes) {
      Image src = random_image(w, h, f, static_cast<uint64_t>(w * 131 + h));
      expect_cuda_matches(c, src.view(), name_of(c) + " " + std::to_string(w) + "x" + std::to_string(h) + " " + format_name(f));
    }
}

TEST_P(BlurCuda, MatchesReferenceOnALargeOddFrame) {
  CALDERA_REQUIRE_GPU();
  const PixelFormat f = GetParam();
  Image src = random_image(1921, 1081, f, 77);
  for (const BlurCase& c : blur_cases(f))
    if (c.which != Which::Gaussian || c.g.border == FilterBorder::Reflect101)
      expect_cuda_matches(c, src.view(), name_of(c) + " 1921x1081 " + format_name(f));
}

INSTANTIATE_TEST_SUITE_P(Formats, BlurCuda,
                         ::testing::Values(PixelFormat::Gray8, PixelFormat::RGB24, PixelFormat::BGRA, PixelFormat::NV12,
                                           PixelFormat::I420, PixelFormat::I444, PixelFormat::P010, PixelFormat::Gray16,
                                           PixelFormat::RGBPlanarF32, PixelFormat::RGBPlanarF16),
                         [](const auto& info) { return std::string(format_name(info.param)); });

TEST(BlurCudaExtra, PhotosCropsAndUnalignedViewsTakeBothKernels) {
  CALDERA_REQUIRE_GPU();
  for (const char* photo : testing::kPhotos) {
    Image g = testing::example_photo_gray(photo);
    Image rgb = testing::example_photo(photo);
    for (const BlurCase& c : blur_cases(PixelFormat::Gray8)) {
      expect_cuda_matches(c, g.view(), name_of(c) + " " + photo);
      expect_cuda_matches(c, rgb.view(), name_of(c) + " rgb " + photo);
      // A crop starting at an odd column is not 8-byte aligned: the generic kernel runs.
      expect_cuda_matches(c, *ConstImageView(g.view()).sub_view({3, 5, 301, 199}), name_of(c) + " crop " + photo);
    }
  }
}

TEST(BlurCudaExtra, LumaOnlyCopiesChromaOnTheDevice) {
  CALDERA_REQUIRE_GPU();
  Image src = random_image(97, 55, PixelFormat::I420, 12);
  BlurCase c{Which::Unsharp, {}, {}, {}};
  c.u.amount = 1.2;
  c.u.planes = PlaneSet::LumaOnly;
  expect_cuda_matches(c, src.view(), "unsharp luma-only i420");
  BlurCase g{Which::Gaussian, gauss(0, 2.0), {}, {}};
  g.g.planes = PlaneSet::LumaOnly;
  expect_cuda_matches(g, src.view(), "gaussian luma-only i420");
}

}  // namespace
}  // namespace caldera
