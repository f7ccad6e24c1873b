// Median: the selection networks against sorting, known values and borders of the reference,
// then CUDA against the reference (identical: medians are samples of the window).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "caldera/filter.hpp"
#include "caldera/ops/median.hpp"
#include "ops/median/median_select.hpp"
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

TEST(MedianSelect, NetworksEqualSorting) {
  std::mt19937 rng(3);
  for (int range : {2, 3, 256})
    for (int t = 0; t < 200000; ++t) {
      uint32_t v9[9], v25[25];
      std::vector<uint32_t> s9, s25;
      for (auto& x : v9) s9.push_back(x = rng() % range);
      for (auto& x : v25) s25.push_back(x = rng() % range);
      std::sort(s9.begin(), s9.end());
      std::sort(s25.begin(), s25.end());
      ASSERT_EQ(median_detail::median9(v9), s9[4]);
      ASSERT_EQ(median_detail::median25(v25), s25[12]);
    }
}

TEST(MedianReference, RemovesImpulsesAndKeepsEdges) {
  Image src = gray({{10, 10, 10, 10, 10}, {10, 255, 10, 10, 10}, {10, 10, 10, 0, 10}, {90, 90, 90, 90, 90}, {90, 90, 90, 90, 90}});
  Image dst = testing::filled_image(src.desc(), 0xA5);
  MedianParams p;
  ASSERT_TRUE(median_reference(src.view(), dst.view(), p));
  EXPECT_EQ(dst.view().row(0, 1)[1], 10);  // the bright impulse is gone
  EXPECT_EQ(dst.view().row(0, 2)[3], 10);  // so is the dark one
  EXPECT_EQ(dst.view().row(0, 4)[2], 90);  // the edge between 10 and 90 stays where it was
  EXPECT_EQ(dst.view().row(0, 1)[4], 10);
  // Constant border 255 on a 1x1 image: median of 8 x 255 and the pixel.
  Image one = gray({{7}});
  Image o = testing::filled_image(one.desc(), 0);
  p.border = FilterBorder::Constant;
  p.border_value = 255;
  ASSERT_TRUE(median_reference(one.view(), o.view(), p));
  EXPECT_EQ(o.view().row(0, 0)[0], 255);
  p.border = FilterBorder::Replicate;
  ASSERT_TRUE(median_reference(one.view(), o.view(), p));
  EXPECT_EQ(o.view().row(0, 0)[0], 7);
}

TEST(MedianReference, ChannelsAndPlanesAreFilteredApart) {
  Image rgb = random_image(23, 17, PixelFormat::RGB24, 5);
  Image out = testing::filled_image(rgb.desc(), 0);
  MedianParams p;
  p.ksize = 5;
  ASSERT_TRUE(median_reference(rgb.view(), out.view(), p));
  for (int c = 0; c < 3; ++c) {
    Image g = testing::filled_image({23, 17, PixelFormat::Gray8}, 0);
    for (int y = 0; y < 17; ++y)
      for (int x = 0; x < 23; ++x) g.view().row(0, y)[x] = rgb.view().row(0, y)[3 * x + c];
    Image gm = testing::filled_image(g.desc(), 0);
    ASSERT_TRUE(median_reference(g.view(), gm.view(), p));
    for (int y = 0; y < 17; ++y)
      for (int x = 0; x < 23; ++x) ASSERT_EQ(out.view().row(0, y)[3 * x + c], gm.view().row(0, y)[x]);
  }
  Image nv12 = random_image(20, 10, PixelFormat::NV12, 6);
  Image luma = testing::filled_image(nv12.desc(), 0);
  p.planes = PlaneSet::LumaOnly;
  ASSERT_TRUE(median_reference(nv12.view(), luma.view(), p));
  for (int y = 0; y < 5; ++y) EXPECT_EQ(std::memcmp(luma.view().row(1, y), nv12.view().row(1, y), 20), 0);
}

TEST(MedianChecksAndFilter, ErrorsAndRuns) {
  Status s = check_median({8, 8, PixelFormat::Gray8}, {8, 8, PixelFormat::Gray8}, MedianParams{.ksize = 7});
  EXPECT_NE(s.message().find("ksize 7"), std::string::npos) << s.message();
  s = check_median({8, 8, PixelFormat::P010}, {8, 8, PixelFormat::P010}, MedianParams{});
  EXPECT_NE(s.message().find("p010 is not supported"), std::string::npos) << s.message();
  Context cpu;
  Image src = random_image(30, 20, PixelFormat::BGRA, 2);
  auto c = parse_filter_chain("median=5:border=reflect101");
  ASSERT_TRUE(c) << c.status().to_string();
  ASSERT_TRUE(c->filters[0]->plan(src.desc()));
  Image dst = testing::filled_image(src.desc(), 0);
  ASSERT_TRUE(c->filters[0]->run(src.view(), dst.view(), cpu));
  auto bad = parse_filter_chain("median=4");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.status().message().find("size 4"), std::string::npos) << bad.status().message();
}

void expect_cuda_matches(ConstImageView src, const MedianParams& p, const std::string& what) {
  Context& gpu = *testing::gpu_context();
  Image want = testing::filled_image(src.desc(), 0xA5);
  ASSERT_TRUE(median_reference(src, want.view(), p));
  Image dsrc = testing::to_device(src, gpu);
  Image ddst = testing::filled_image(src.desc(), 0xA5, MemoryKind::Device, &gpu);
  Status st = median_cuda(dsrc.view(), ddst.view(), p, gpu.stream());
  ASSERT_TRUE(st) << what << ": " << st.to_string();
  Image got = testing::to_host(ddst.view(), gpu);
  EXPECT_IMAGES_CLOSE(got.view(), want.view(), 0) << what;
}

class MedianCuda : public ::testing::TestWithParam<PixelFormat> {};

TEST_P(MedianCuda, MatchesReference) {
  CALDERA_REQUIRE_GPU();
  const PixelFormat f = GetParam();
  for (int k : {3, 5})
    for (FilterBorder b : {FilterBorder::Replicate, FilterBorder::Reflect, FilterBorder::Reflect101, FilterBorder::Constant})
      for (auto [w, h] : {std::pair{1, 1}, std::pair{3, 5}, std::pair{41, 39}, std::pair{200, 33}, std::pair{1921, 1081}}) {
        if (w > 1000 && b != FilterBorder::Replicate) continue;
        MedianParams p;
        p.ksize = k;
        p.border = b;
        p.border_value = 99;
        Image src = random_image(w, h, f, static_cast<uint64_t>(w + h + k));
        expect_cuda_matches(src.view(), p,
                            std::string(format_name(f)) + " k" + std::to_string(k) + " " + filter_border_name(b) + " " +
                                std::to_string(w) + "x" + std::to_string(h));
      }
}

INSTANTIATE_TEST_SUITE_P(Formats, MedianCuda,
                         ::testing::Values(PixelFormat::Gray8, PixelFormat::RGB24, PixelFormat::RGBA, PixelFormat::NV12,
                                           PixelFormat::I420, PixelFormat::I422),
                         [](const auto& info) { return std::string(format_name(info.param)); });

TEST(MedianCudaExtra, PhotosAndCrops) {
  CALDERA_REQUIRE_GPU();
  for (const char* photo : testing::kPhotos)
    for (int k : {3, 5}) {
      MedianParams p;
      p.ksize = k;
      Image g = testing::example_photo_gray(photo), rgb = testing::example_photo(photo);
      expect_cuda_matches(g.view(), p, photo);
      expect_cuda_matches(rgb.view(), p, photo);
      expect_cuda_matches(*ConstImageView(rgb.view()).sub_view({7, 3, 201, 99}), p, std::string(photo) + " crop");
    }
}

}  // namespace
}  // namespace caldera
