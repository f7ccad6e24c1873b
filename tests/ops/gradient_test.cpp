// Sobel, Scharr, Laplacian: kernels, known responses and the code mapping of the reference, then
// CUDA against the reference (identical codes: integer responses, shared epilogue).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "caldera/filter.hpp"
#include "caldera/ops/color_convert.hpp"
#include "caldera/ops/gradient.hpp"
#include "ops/gradient/gradient_internal.hpp"
#include "support/image_testing.hpp"
#include "support/photos.hpp"

namespace caldera {
namespace {

using testing::random_image;

Image gray(const std::vector<std::vector<int>>& rows) {
  Image img = testing::filled_image({static_cast<int>(rows[0].size()), static_cast<int>(rows.size()), PixelFormat::Gray8}, 0);
  for (size_t y = 0; y < rows.size(); ++y)
    for (size_t x = 0; x < rows[y].size(); ++x) img.view().row(0, static_cast<int>(y))[x] = static_cast<uint8_t>(rows[y][x]);
  return img;
}

int at(const Image& img, int x, int y) {
  if (img.format() == PixelFormat::Gray16) {
    uint16_t v;
    std::memcpy(&v, img.view().row(0, y) + 2 * x, 2);
    return v;
  }
  return img.view().row(0, y)[x];
}

Image out_like(ConstImageView src, PixelFormat f = PixelFormat::Gray8) {
  return testing::filled_image({src.width(), src.height(), f}, 0xA5);
}

SobelParams sobel_p(int ksize, int dx, int dy, FilterBorder b = FilterBorder::Reflect101) {
  SobelParams p;
  p.ksize = ksize;
  p.dx = dx;
  p.dy = dy;
  p.border = b;
  return p;
}

TEST(DerivKernels, OpenCvKernels) {
  auto k = deriv_kernels(DerivKernel::Sobel, 3, 1, 0);
  ASSERT_TRUE(k);
  EXPECT_EQ(k->kx, (std::vector<int>{-1, 0, 1}));
  EXPECT_EQ(k->ky, (std::vector<int>{1, 2, 1}));
  k = deriv_kernels(DerivKernel::Sobel, 5, 0, 1);
  EXPECT_EQ(k->kx, (std::vector<int>{1, 4, 6, 4, 1}));
  EXPECT_EQ(k->ky, (std::vector<int>{-1, -2, 0, 2, 1}));
  k = deriv_kernels(DerivKernel::Sobel, 5, 2, 0);
  EXPECT_EQ(k->kx, (std::vector<int>{1, 0, -2, 0, 1}));
  k = deriv_kernels(DerivKernel::Sobel, 7, 1, 0);
  EXPECT_EQ(k->kx, (std::vector<int>{-1, -4, -5, 0, 5, 4, 1}));
  EXPECT_EQ(k->ky, (std::vector<int>{1, 6, 15, 20, 15, 6, 1}));
  k = deriv_kernels(DerivKernel::Sobel, 1, 1, 0);  // no smoothing, 3-tap derivative
  EXPECT_EQ(k->kx, (std::vector<int>{-1, 0, 1}));
  EXPECT_EQ(k->ky, (std::vector<int>{1}));
  k = deriv_kernels(DerivKernel::Sobel, 3, 1, 1);
  EXPECT_EQ(k->kx, (std::vector<int>{-1, 0, 1}));
  EXPECT_EQ(k->ky, (std::vector<int>{-1, 0, 1}));
  k = deriv_kernels(DerivKernel::Scharr, 3, 0, 1);
  EXPECT_EQ(k->kx, (std::vector<int>{3, 10, 3}));
  EXPECT_EQ(k->ky, (std::vector<int>{-1, 0, 1}));
  const std::tuple<DerivKernel, int, int, int, const char*> bad[] = {
      {DerivKernel::Sobel, 4, 1, 0, "ksize 4"},      {DerivKernel::Sobel, 3, 0, 0, "dx + dy >= 1"},
      {DerivKernel::Sobel, 3, 3, 0, "0..2"},          {DerivKernel::Scharr, 5, 1, 0, "must be 3"},
      {DerivKernel::Scharr, 3, 1, 1, "dx = 1, dy = 0"}};
  for (auto [kern, ks, dx, dy, what] : bad) {
    auto r = deriv_kernels(kern, ks, dx, dy);
    ASSERT_FALSE(r) << what;
    EXPECT_NE(r.status().message().find(what), std::string::npos) << r.status().message();
  }
}

TEST(DerivKernels, CompileTimeSobelTapsEqualTheRuntimeOnes) {
  using gradient_detail::sobel_axis_taps;
  auto same = [](auto arr, const std::vector<int>& v) { return std::vector<int>(arr.begin(), arr.end()) == v; };
  for (int order : {0, 1}) {
    const int d = order;
    EXPECT_TRUE(same(sobel_axis_taps<3>(order), deriv_kernels(DerivKernel::Sobel, 3, d ? 1 : 0, d ? 0 : 1)->kx)) << order;
    EXPECT_TRUE(same(sobel_axis_taps<5>(order), deriv_kernels(DerivKernel::Sobel, 5, d ? 1 : 0, d ? 0 : 1)->kx)) << order;
    EXPECT_TRUE(same(sobel_axis_taps<7>(order), deriv_kernels(DerivKernel::Sobel, 7, d ? 1 : 0, d ? 0 : 1)->kx)) << order;
  }
}

TEST(GradientEpilogue, SqrtRoundIsTheNearestInteger) {
  for (uint64_t m2 = 0; m2 < 200000; ++m2)
    ASSERT_EQ(gradient_detail::sqrt_round(m2), static_cast<uint32_t>(std::floor(std::sqrt(double(m2)) + 0.5))) << m2;
  std::mt19937_64 rng(5);
  for (int i = 0; i < 100000; ++i) {
    const uint64_t m2 = rng() % (uint64_t{1} << 36);
    ASSERT_EQ(gradient_detail::sqrt_round(m2), static_cast<uint32_t>(std::floor(std::sqrt(double(m2)) + 0.5))) << m2;
  }
}

// The kernels' 32-bit version over the range they use it for (squared magnitudes below 2^31):
// every value up to 2^22, both sides of perfect squares and of the half-way points r^2 + r
// beyond, and random values.
TEST(GradientEpilogue, SqrtRound32EqualsSqrtRound) {
  for (uint32_t m2 = 0; m2 <= (1u << 22); ++m2) ASSERT_EQ(gradient_detail::sqrt_round32(m2), gradient_detail::sqrt_round(m2)) << m2;
  for (uint64_t r = 2048; r * r + r + 1 < (uint64_t{1} << 31); r += 7)
    for (uint64_t m2 : {r * r - 1, r * r, r * r + r, r * r + r + 1})
      ASSERT_EQ(gradient_detail::sqrt_round32(static_cast<uint32_t>(m2)), gradient_detail::sqrt_round(m2)) << m2;
  std::mt19937 rng(6);
  for (int i = 0; i < 200000; ++i) {
    const uint32_t m2 = rng() >> 1;
    ASSERT_EQ(gradient_detail::sqrt_round32(m2), gradient_detail::sqrt_round(m2)) << m2;
  }
}

TEST(GradientEpilogue, CodesSaturateAndRoundHalfUp) {
  using namespace gradient_detail;
  Epilogue e;
  e.max_code = 255;
  EXPECT_EQ(derivative_code(-80, e), 80u);
  EXPECT_EQ(derivative_code(300, e), 255u);
  e.absolute = false;
  EXPECT_EQ(derivative_code(-80, e), 0u);
  e.identity = false;
  e.scale = 0.5;
  e.delta = 128;
  EXPECT_EQ(derivative_code(-3, e), 127u);   // 126.5 rounds up
  EXPECT_EQ(derivative_code(-400, e), 0u);
  e.absolute = true;
  e.delta = -10;
  EXPECT_EQ(derivative_code(4, e), 8u);      // |2 - 10|
  Epilogue m;
  m.max_code = 65535;
  EXPECT_EQ(magnitude_code(3, -4, true, m), 5u);
  EXPECT_EQ(magnitude_code(3, -4, false, m), 7u);
  EXPECT_EQ(magnitude_code(1, 1, true, m), 1u);  // 1.414
  m.identity = false;
  m.scale = 2;
  EXPECT_EQ(magnitude_code(1, 1, true, m), 3u);  // 2.83
}

TEST(SobelReference, RampsAndBorders) {
  // A ramp of 10 per column: dx = (p(x+1) - p(x-1)) * (1 + 2 + 1) = 80 inside. At x = 0 the left
  // neighbour is p(1) with reflect101 (0), p(0) with replicate and reflect (40), 0 with
  // constant 0 (40 * ... = 4 * 10).
  Image src = testing::filled_image({6, 4, PixelFormat::Gray8}, 0);
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 6; ++x) src.view().row(0, y)[x] = static_cast<uint8_t>(10 + 10 * x);
  Image dst = out_like(src.view());
  const std::pair<FilterBorder, int> left[] = {{FilterBorder::Reflect101, 0},
                                               {FilterBorder::Replicate, 40},
                                               {FilterBorder::Reflect, 40},
                                               {FilterBorder::Constant, 80}};  // (20 - 0) * 4
  for (auto [b, want] : left) {
    ASSERT_TRUE(sobel_reference(src.view(), dst.view(), sobel_p(3, 1, 0, b)));
    EXPECT_EQ(at(dst, 2, 1), 80) << filter_border_name(b);
    EXPECT_EQ(at(dst, 0, 1), want) << filter_border_name(b);
  }
  ASSERT_TRUE(sobel_reference(src.view(), dst.view(), sobel_p(3, 0, 1)));
  EXPECT_EQ(at(dst, 3, 2), 0);  // no vertical change
  // The signed response in gray16 with an offset of 32768: a falling ramp gives -80.
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 6; ++x) src.view().row(0, y)[x] = static_cast<uint8_t>(200 - 10 * x);
  Image wide = out_like(src.view(), PixelFormat::Gray16);
  SobelParams p = sobel_p(3, 1, 0);
  p.absolute = false;
  p.delta = 32768;
  ASSERT_TRUE(sobel_reference(src.view(), wide.view(), p));
  EXPECT_EQ(at(wide, 2, 2), 32768 - 80);
  p.delta = 0;
  ASSERT_TRUE(sobel_reference(src.view(), dst.view(), p));
  EXPECT_EQ(at(dst, 2, 2), 0);  // negative saturates without abs
  p.absolute = true;
  p.ksize = 5;
  ASSERT_TRUE(sobel_reference(src.view(), dst.view(), p));
  // 5 taps: (p(x+2) - p(x-2) + 2 (p(x+1) - p(x-1))) * 16 = (40 + 2 * 20) * 16 = 1280 -> 255.
  EXPECT_EQ(at(dst, 2, 2), 255);
  ASSERT_TRUE(sobel_reference(src.view(), wide.view(), p));
  EXPECT_EQ(at(wide, 2, 2), 1280);
}

TEST(SobelReference, MagnitudeOfADiagonalEdge) {
  // gx = gy = 40 at the corner of a step: L2 56.57 -> 57, L1 80.
  Image src = gray({{0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 10, 10}, {0, 0, 10, 10}});
  Image dst = out_like(src.view());
  SobelParams p = sobel_p(3, 1, 0);
  ASSERT_TRUE(sobel_reference(src.view(), dst.view(), p));
  const int gx = at(dst, 1, 1);
  p.dx = 0;
  p.dy = 1;
  ASSERT_TRUE(sobel_reference(src.view(), dst.view(), p));
  const int gy = at(dst, 1, 1);
  EXPECT_EQ(gx, 10);  // only the (2, 2) pixel is in the 3x3 around (1, 1): weight 1
  EXPECT_EQ(gy, 10);
  p.output = GradientOutput::Magnitude;
  ASSERT_TRUE(sobel_reference(src.view(), dst.view(), p));
  EXPECT_EQ(at(dst, 1, 1), 14);  // sqrt(200) = 14.14
  p.output = GradientOutput::MagnitudeL1;
  ASSERT_TRUE(sobel_reference(src.view(), dst.view(), p));
  EXPECT_EQ(at(dst, 1, 1), 20);
}

TEST(LaplacianReference, ImpulseResponses) {
  Image src = gray({{0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}, {0, 0, 10, 0, 0}, {0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}});
  Image dst = out_like(src.view());
  LaplacianParams p;
  p.ksize = 1;
  ASSERT_TRUE(laplacian_reference(src.view(), dst.view(), p));
  EXPECT_EQ(at(dst, 2, 2), 40);
  EXPECT_EQ(at(dst, 1, 2), 10);
  EXPECT_EQ(at(dst, 1, 1), 0);
  p.ksize = 3;
  ASSERT_TRUE(laplacian_reference(src.view(), dst.view(), p));
  EXPECT_EQ(at(dst, 2, 2), 80);
  EXPECT_EQ(at(dst, 1, 2), 0);
  EXPECT_EQ(at(dst, 1, 1), 20);
  p.absolute = false;
  ASSERT_TRUE(laplacian_reference(src.view(), dst.view(), p));
  EXPECT_EQ(at(dst, 2, 2), 0);  // -80 saturates
  Status s = laplacian_reference(src.view(), dst.view(), LaplacianParams{.ksize = 9});
  EXPECT_NE(s.message().find("ksize 9"), std::string::npos) << s.message();
}

TEST(GradientChecks, MessagesNameTheProblem) {
  Status s = check_sobel({8, 8, PixelFormat::RGB24}, {8, 8, PixelFormat::Gray8}, SobelParams{});
  EXPECT_NE(s.message().find("src is rgb24"), std::string::npos) << s.message();
  s = check_sobel({8, 8, PixelFormat::Gray8}, {8, 8, PixelFormat::RGB24}, SobelParams{});
  EXPECT_NE(s.message().find("gray8 or gray16"), std::string::npos) << s.message();
  s = check_laplacian({8, 8, PixelFormat::Gray8}, {9, 8, PixelFormat::Gray8}, LaplacianParams{});
  EXPECT_NE(s.message().find("9x8"), std::string::npos) << s.message();
  SobelParams p;
  p.scale = NAN;
  EXPECT_NE(check_sobel({8, 8, PixelFormat::Gray8}, {8, 8, PixelFormat::Gray8}, p).message().find("finite"), std::string::npos);
}

TEST(GradientFilters, ParseRunAndTakeTheYPlane) {
  Context cpu;
  Image nv12 = random_image(32, 18, PixelFormat::NV12, 3);
  for (const char* chain : {"sobel", "sobel=x:ksize=5", "sobel=mag_l1:depth=16", "sobel=dx=2:dy=0:ksize=7:abs=0",
                            "scharr=y:scale=0.25", "laplacian=3:delta=128:abs=0", "sobel=x:border=constant:value=9"}) {
    auto c = parse_filter_chain(chain);
    ASSERT_TRUE(c) << chain << ": " << c.status().to_string();
    auto out = c->filters[0]->plan(nv12.desc());
    ASSERT_TRUE(out) << chain << ": " << out.status().to_string();
    EXPECT_TRUE(out->format == PixelFormat::Gray8 || out->format == PixelFormat::Gray16);
    Image dst = testing::filled_image(*out, 0);
    ASSERT_TRUE(c->filters[0]->run(nv12.view(), dst.view(), cpu)) << chain;
  }
  // The filter on NV12 equals the operator on its Y plane.
  auto c = parse_filter_chain("sobel=x");
  Image via_filter = out_like(nv12.view());
  ASSERT_TRUE(c->filters[0]->run(nv12.view(), via_filter.view(), cpu));
  ConstImageView y_only({32, 18, PixelFormat::Gray8}, MemoryKind::Host,
                        {ConstImageView::Plane{nv12.view().plane(0).data, nv12.view().plane(0).pitch}, {}, {}});
  Image direct = out_like(y_only);
  ASSERT_TRUE(sobel_reference(y_only, direct.view(), sobel_p(3, 1, 0)));
  EXPECT_IMAGES_CLOSE(via_filter.view(), direct.view(), 0);
  const std::pair<const char*, const char*> bad[] = {{"sobel=z", "output='z'"},
                                                     {"sobel=x:ksize=4", "ksize 4"},
                                                     {"scharr=x:ksize=3", "unknown option 'ksize'"},
                                                     {"laplacian=2", "ksize 2"},
                                                     {"sobel=x:depth=12", "depth=12"}};
  for (auto [chain, what] : bad) {
    auto r = parse_filter_chain(chain);
    ASSERT_FALSE(r) << chain;
    EXPECT_NE(r.status().message().find(what), std::string::npos) << chain << ": " << r.status().message();
  }
  // RGB input is converted to its luma first: the same as converting in the chain.
  Image rgb = random_image(32, 18, PixelFormat::RGB24, 4);
  Image gray8 = testing::filled_image({32, 18, PixelFormat::Gray8}, 0);
  ASSERT_TRUE(convert_reference(rgb.view(), gray8.view(), ConvertParams{}));
  auto from_rgb = parse_filter_chain("sobel=mag");
  ASSERT_TRUE(from_rgb->filters[0]->plan(rgb.desc()));
  Image a = out_like(rgb.view()), b = out_like(rgb.view());
  ASSERT_TRUE(from_rgb->filters[0]->run(rgb.view(), a.view(), cpu));
  ASSERT_TRUE(from_rgb->filters[0]->run(gray8.view(), b.view(), cpu));
  EXPECT_IMAGES_CLOSE(a.view(), b.view(), 0);
  auto planned = from_rgb->filters[0]->plan({8, 8, PixelFormat::RGB48});
  ASSERT_FALSE(planned);
  EXPECT_NE(planned.status().message().find("convert=gray8"), std::string::npos) << planned.status().message();
}

// ---- CUDA against the reference ------------------------------------------------------------------

struct GradCase {
  bool laplacian = false;
  SobelParams s;
  LaplacianParams l;
  PixelFormat out = PixelFormat::Gray8;
  std::string name;
};

std::vector<GradCase> grad_cases() {
  std::vector<GradCase> v;
  for (int k : {1, 3, 5, 7})
    for (auto [dx, dy] : {std::pair{1, 0}, std::pair{0, 1}, std::pair{1, 1}, std::pair{2, 0}, std::pair{0, 2}}) {
      GradCase c;
      c.s = sobel_p(k, dx, dy);
      c.name = "sobel k" + std::to_string(k) + " d" + std::to_string(dx) + std::to_string(dy);
      v.push_back(c);
    }
  for (FilterBorder b : {FilterBorder::Replicate, FilterBorder::Reflect, FilterBorder::Reflect101, FilterBorder::Constant})
    for (GradientOutput o : {GradientOutput::Magnitude, GradientOutput::MagnitudeL1})
      for (int k : {3, 5, 7}) {
        GradCase c;
        c.s = sobel_p(k, 1, 0, b);
        c.s.output = o;
        c.s.border_value = 77;
        c.name = std::string("magnitude k") + std::to_string(k) + (o == GradientOutput::Magnitude ? " L2 " : " L1 ") +
                 filter_border_name(b);
        v.push_back(c);
      }
  for (PixelFormat out : {PixelFormat::Gray8, PixelFormat::Gray16}) {
    GradCase c;
    c.s = sobel_p(5, 0, 1);
    c.s.absolute = false;
    c.s.delta = out == PixelFormat::Gray16 ? 32768 : 128;
    c.s.scale = 0.3;
    c.out = out;
    c.name = std::string("signed scaled ") + format_name(out);
    v.push_back(c);
    GradCase m;
    m.s = sobel_p(7, 1, 0);
    m.s.output = GradientOutput::Magnitude;
    m.s.scale = 0.01;
    m.out = out;
    m.name = std::string("magnitude k7 scaled ") + format_name(out);
    v.push_back(m);
  }
  for (int axis : {0, 1}) {
    GradCase c;
    c.s.kernel = DerivKernel::Scharr;
    c.s.dx = 1 - axis;
    c.s.dy = axis;
    c.name = "scharr " + std::to_string(axis);
    v.push_back(c);
  }
  for (int k : {1, 3, 5, 7}) {
    GradCase c;
    c.laplacian = true;
    c.l.ksize = k;
    c.l.border = k == 5 ? FilterBorder::Constant : FilterBorder::Reflect101;
    c.l.border_value = 200;
    c.out = k == 7 ? PixelFormat::Gray16 : PixelFormat::Gray8;
    c.name = "laplacian k" + std::to_string(k);
    v.push_back(c);
  }
  return v;
}

void expect_cuda_matches(const GradCase& c, ConstImageView src, const std::string& what) {
  Context& gpu = *testing::gpu_context();
  Image want = out_like(src, c.out);
  ASSERT_TRUE(c.laplacian ? laplacian_reference(src, want.view(), c.l) : sobel_reference(src, want.view(), c.s));
  Image dsrc = testing::to_device(src, gpu);
  Image ddst = testing::filled_image(want.desc(), 0xA5, MemoryKind::Device, &gpu);
  Status st = c.laplacian ? laplacian_cuda(dsrc.view(), ddst.view(), c.l, gpu.stream())
                          : sobel_cuda(dsrc.view(), ddst.view(), c.s, gpu.stream());
  ASSERT_TRUE(st) << what << ": " << st.to_string();
  Image got = testing::to_host(ddst.view(), gpu);
  EXPECT_IMAGES_CLOSE(got.view(), want.view(), 0) << what;
}

TEST(GradientCuda, MatchesReferenceOnOddSizes) {
  CALDERA_REQUIRE_GPU();
  const std::pair<int, int> sizes[] = {{1, 1}, {3, 5}, {41, 39}, {250, 9}, {7, 120}};
  for (const GradCase& c : grad_cases())
    for (auto [w, h] : sizes) {
      Image src = random_image(w, h, PixelFormat::Gray8, static_cast<uint64_t>(w + 7 * h));
      expect_cuda_matches(c, src.view(), c.name + " " + std::to_string(w) + "x" + std::to_string(h));
    }
}

TEST(GradientCuda, MatchesReferenceOnLargeFramesPhotosAndCrops) {
  CALDERA_REQUIRE_GPU();
  Image big = random_image(1921, 1081, PixelFormat::Gray8, 9);
  for (const GradCase& c : grad_cases()) {
    expect_cuda_matches(c, big.view(), c.name + " 1921x1081");
    // An odd crop is not 8-byte aligned: the generic kernel.
    expect_cuda_matches(c, *ConstImageView(big.view()).sub_view({5, 3, 777, 301}), c.name + " crop");
    for (const char* photo : testing::kPhotos) {
      Image g = testing::example_photo_gray(photo);
      expect_cuda_matches(c, g.view(), c.name + " " + photo);
    }
  }
}

}  // namespace
}  // namespace caldera
