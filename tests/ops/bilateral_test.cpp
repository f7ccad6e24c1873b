// Bilateral: weight tables, edge preservation and flat-area smoothing of the reference, then
// CUDA against the reference (identical: the same integer weights and sums).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "caldera/filter.hpp"
#include "caldera/ops/bilateral.hpp"
#include "ops/bilateral/bilateral_internal.hpp"
#include "support/image_testing.hpp"
#include "support/photos.hpp"

namespace caldera {
namespace {

using testing::random_image;

TEST(BilateralPlan, TablesAndRadiusFollowOpenCv) {
  BilateralParams p;
  p.sigma_space = 3;
  p.sigma_color = 20;
  auto plan = bilateral_detail::plan_bilateral(p, 3);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->radius, 5);  // round(1.5 * 3) = 4.5 -> 5
  EXPECT_EQ(plan->ws[0], 32768);
  EXPECT_EQ(plan->ws[5 * 6 + 5], 0);  // (5, 5) is outside the circle of radius 5
  EXPECT_EQ(plan->ws[0 * 6 + 5], static_cast<uint16_t>(std::lround(32768 * std::exp(-25.0 / 18))));
  EXPECT_EQ(plan->wc.size(), 766u);
  EXPECT_EQ(plan->wc[0], 32768);
  EXPECT_EQ(plan->wc[20], static_cast<uint16_t>(std::lround(32768 * std::exp(-0.5))));
  p.diameter = 9;
  EXPECT_EQ(bilateral_detail::plan_bilateral(p, 1)->radius, 4);
  p.diameter = 2;
  EXPECT_EQ(bilateral_detail::plan_bilateral(p, 1)->radius, 1);  // at least 1
  p.diameter = 0;
  p.sigma_space = 20;
  auto bad = bilateral_detail::plan_bilateral(p, 1);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.status().message().find("radius 30"), std::string::npos) << bad.status().message();
  p.diameter = 33;
  EXPECT_NE(bilateral_detail::plan_bilateral(p, 1).status().message().find("diameter 33"), std::string::npos);
}

// The CUDA kernel rounds floor((2 num + den) / (2 den)) in double precision (cuda.cu,
// round_quotient): the argument that this equals the integer division over the sums the filter can
// reach (den < 961 * 2^30, num <= 255 den), checked at the largest sums and right at the rounding
// points k + 1/2 (num = k den + den / 2 and its neighbours), where an error would show first.
TEST(BilateralRounding, DoubleQuotientEqualsTheIntegerOne) {
  auto integer = [](uint64_t num, uint64_t den) { return (2 * num + den) / (2 * den); };
  auto dbl = [](uint64_t num, uint64_t den) {
    return static_cast<uint64_t>(std::floor(static_cast<double>(2 * num + den) / static_cast<double>(2 * den)));
  };
  std::mt19937_64 rng(11);
  const uint64_t max_den = 961ull << 30;
  for (int i = 0; i < 200000; ++i) {
    const uint64_t den = (1ull << 30) + rng() % (max_den - (1ull << 30));
    const uint64_t k = rng() % 255;
    for (int64_t d : {-2, -1, 0, 1, 2}) {
      const uint64_t num = k * den + den / 2 + static_cast<uint64_t>(d);  // around k + 1/2
      ASSERT_EQ(dbl(num, den), integer(num, den)) << num << " / " << den;
    }
    const uint64_t any = rng() % (255 * den + 1);
    ASSERT_EQ(dbl(any, den), integer(any, den)) << any << " / " << den;
  }
  ASSERT_EQ(dbl(255 * (max_den - 1), max_den - 1), integer(255 * (max_den - 1), max_den - 1));
}

TEST(BilateralReference, SmoothsFlatNoiseAndKeepsStrongEdges) {
  // A step from 40 to 200 with +-3 noise: the noise shrinks, the step stays sharp.
  Image src = testing::filled_image({40, 20, PixelFormat::Gray8}, 0);
  for (int y = 0; y < 20; ++y)
    for (int x = 0; x < 40; ++x) src.view().row(0, y)[x] = static_cast<uint8_t>((x < 20 ? 40 : 200) + ((x * 7 + y * 13) % 7) - 3);
  Image dst = testing::filled_image(src.desc(), 0);
  BilateralParams p;
  p.diameter = 7;
  p.sigma_color = 20;
  p.sigma_space = 3;
  ASSERT_TRUE(bilateral_reference(src.view(), dst.view(), p));
  double noise_in = 0, noise_out = 0;
  for (int y = 2; y < 18; ++y)
    for (int x = 2; x < 16; ++x) {
      noise_in += std::abs(src.view().row(0, y)[x] - 40);
      noise_out += std::abs(dst.view().row(0, y)[x] - 40);
    }
  EXPECT_LT(noise_out, noise_in / 2);
  for (int y = 0; y < 20; ++y) {
    EXPECT_LT(dst.view().row(0, y)[19], 50) << y;   // left of the step
    EXPECT_GT(dst.view().row(0, y)[20], 190) << y;  // right of it
  }
  // A constant image stays constant.
  Image flat = testing::filled_image({9, 9, PixelFormat::RGB24}, 123);
  Image fo = testing::filled_image(flat.desc(), 0);
  ASSERT_TRUE(bilateral_reference(flat.view(), fo.view(), p));
  EXPECT_IMAGES_CLOSE(fo.view(), flat.view(), 0);
}

TEST(BilateralReference, ColourDistanceUsesAllChannels) {
  // Two pixels equal in R and G but far apart in B do not average in RGB, while each channel alone
  // filtered as gray would average the R channel.
  Image rgb = testing::filled_image({2, 1, PixelFormat::RGB24}, 0);
  const uint8_t px[6] = {100, 100, 0, 110, 100, 250};
  std::memcpy(rgb.view().row(0, 0), px, 6);
  Image out = testing::filled_image(rgb.desc(), 0);
  BilateralParams p;
  p.diameter = 3;
  p.sigma_color = 20;
  p.sigma_space = 10;
  ASSERT_TRUE(bilateral_reference(rgb.view(), out.view(), p));
  EXPECT_EQ(out.view().row(0, 0)[0], 100);  // the other pixel's weight is exp(-260^2 / 800): nothing
}

TEST(BilateralChecksAndFilter, ErrorsAndRuns) {
  Status s = check_bilateral({8, 8, PixelFormat::RGBPlanarF32}, {8, 8, PixelFormat::RGBPlanarF32}, BilateralParams{});
  EXPECT_NE(s.message().find("rgbf32p is not supported"), std::string::npos) << s.message();
  Context cpu;
  Image src = random_image(30, 20, PixelFormat::I420, 2);
  auto c = parse_filter_chain("bilateral=5:sigma_color=30:sigma_space=2:planes=luma");
  ASSERT_TRUE(c) << c.status().to_string();
  ASSERT_TRUE(c->filters[0]->plan(src.desc()));
  Image dst = testing::filled_image(src.desc(), 0);
  ASSERT_TRUE(c->filters[0]->run(src.view(), dst.view(), cpu));
  auto bad = parse_filter_chain("bilateral=40");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.status().message().find("diameter 40"), std::string::npos) << bad.status().message();
}

void expect_cuda_matches(ConstImageView src, const BilateralParams& p, const std::string& what) {
  Context& gpu = *testing::gpu_context();
  Image want = testing::filled_image(src.desc(), 0xA5);
  ASSERT_TRUE(bilateral_reference(src, want.view(), p));
  Image dsrc = testing::to_device(src, gpu);
  Image ddst = testing::filled_image(src.desc(), 0xA5, MemoryKind::Device, &gpu);
  Status st = bilateral_cuda(dsrc.view(), ddst.view(), p, gpu.stream());
  ASSERT_TRUE(st) << what << ": " << st.to_string();
  Image got = testing::to_host(ddst.view(), gpu);
  EXPECT_IMAGES_CLOSE(got.view(), want.view(), 0) << what;
}

class BilateralCuda : public ::testing::TestWithParam<PixelFormat> {};

TEST_P(BilateralCuda, MatchesReference) {
  CALDERA_REQUIRE_GPU();
  const PixelFormat f = GetParam();
  for (auto [d, sc, ss] : {std::tuple{0, 25.0, 3.0}, std::tuple{9, 75.0, 75.0}, std::tuple{3, 5.0, 1.0}, std::tuple{31, 40.0, 10.0}})
    for (FilterBorder b : {FilterBorder::Reflect101, FilterBorder::Constant, FilterBorder::Replicate})
      for (auto [w, h] : {std::pair{1, 1}, std::pair{3, 5}, std::pair{41, 39}, std::pair{129, 65}}) {
        BilateralParams p;
        p.diameter = d;
        p.sigma_color = sc;
        p.sigma_space = ss;
        p.border = b;
        p.border_value = 17;
        Image src = random_image(w, h, f, static_cast<uint64_t>(w * h + d));
        expect_cuda_matches(src.view(), p,
                            std::string(format_name(f)) + " d" + std::to_string(d) + " " + filter_border_name(b) + " " +
                                std::to_string(w) + "x" + std::to_string(h));
      }
}

INSTANTIATE_TEST_SUITE_P(Formats, BilateralCuda,
                         ::testing::Values(PixelFormat::Gray8, PixelFormat::RGB24, PixelFormat::BGRA, PixelFormat::NV12,
                                           PixelFormat::I444),
                         [](const auto& info) { return std::string(format_name(info.param)); });

TEST(BilateralCudaExtra, PhotosLargeFrameAndCrop) {
  CALDERA_REQUIRE_GPU();
  BilateralParams p;
  p.diameter = 9;
  p.sigma_color = 30;
  p.sigma_space = 4;
  for (const char* photo : testing::kPhotos) {
    expect_cuda_matches(testing::example_photo(photo).view(), p, photo);
    expect_cuda_matches(testing::example_photo_gray(photo).view(), p, photo);
  }
  Image big = random_image(1921, 1081, PixelFormat::Gray8, 5);
  expect_cuda_matches(big.view(), p, "1921x1081");
  expect_cuda_matches(*ConstImageView(big.view()).sub_view({11, 3, 333, 222}), p, "crop");
}

}  // namespace
}  // namespace caldera
