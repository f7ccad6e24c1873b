// ToneMapper: per-frame peak and average from the histogram, smoothing over frames, scene-cut
// reset, the first frame measured before it is mapped; CUDA state against the host state.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "caldera/ops/tonemap.hpp"
#include "core/sample_io.hpp"
#include "support/image_testing.hpp"

namespace caldera {
namespace {

ColorDesc hdr10() {
  ColorDesc c;
  c.transfer = Transfer::PQ, c.primaries = Primaries::BT2020, c.matrix = Matrix::BT2020NCL;
  return c;
}

int pq_code(double nits) { return static_cast<int>(std::lround(64 + 876 * pq_inverse_eotf(nits))); }

// A grey P010 frame: most of it at `base` cd/m2, `bright_blocks` 2x2 blocks at `bright` cd/m2.
Image grey_frame(int w, int h, double base, double bright, int bright_blocks) {
  Image img = testing::filled_image({w, h, PixelFormat::P010, hdr10()}, 0);
  int n = 0;
  for (int by = 0; by < h / 2; ++by)
    for (int bx = 0; bx < w / 2; ++bx, ++n) {
      const int code = pq_code(n < bright_blocks ? bright : base);
      for (int y = 2 * by; y < 2 * by + 2; ++y)
        for (int x = 2 * bx; x < 2 * bx + 2; ++x) write_code(img.view(), 0, x, y, 0, code);
      write_code(img.view(), 1, bx, by, 0, 512);
      write_code(img.view(), 1, bx, by, 1, 512);
    }
  return img;
}

ToneMapParams detecting() {
  ToneMapParams p;
  p.peak_detection.enabled = true;
  p.peak_detection.percentile = 100;
  p.peak_detection.smoothing_frames = 4;
  return p;
}

// The upper edge of the histogram bin holding PQ(nits): what a 100% percentile reports.
double bin_top(double nits) {
  const double v = (pq_code(nits) - 64) / 876.0;
  return pq_eotf((std::floor(v * 256) + 1) / 256);
}

TEST(ToneMapper, MeasuresTheFirstFrameBeforeMappingIt) {
  Context cpu;
  auto tm = ToneMapper::create(detecting());
  ASSERT_TRUE(tm) << tm.status().to_string();
  Image src = grey_frame(64, 32, 50, 2500, 10);
  Image got = testing::filled_image({64, 32, PixelFormat::NV12, ColorDesc{}}, 0);
  ASSERT_TRUE(tm->run(src.view(), got.view(), cpu));
  const ToneMapStats s = *tm->stats(cpu);
  EXPECT_EQ(s.frames, 2);  // measured before and while mapping
  EXPECT_NEAR(s.frame_peak_nits, bin_top(2500), 1e-6 * bin_top(2500));
  EXPECT_NEAR(s.peak_nits, s.frame_peak_nits, 1e-9);
  // The mapping used that peak: the stateless tone map with it as the source peak gives the same frame.
  ToneMapParams fixed = detecting();
  fixed.peak_detection.enabled = false;
  fixed.source_peak = s.peak_nits;
  Image want = testing::filled_image({64, 32, PixelFormat::NV12, ColorDesc{}}, 0);
  ASSERT_TRUE(tonemap_reference(src.view(), want.view(), fixed));
  EXPECT_IMAGES_CLOSE(got.view(), want.view(), 0);
}

TEST(ToneMapper, PercentileIgnoresAFewBrightBlocks) {
  Context cpu;
  ToneMapParams p = detecting();
  p.peak_detection.percentile = 99.0;  // 1% of the 512 blocks: 5 blocks
  auto tm = ToneMapper::create(p);
  Image src = grey_frame(64, 32, 200, 4000, 3);
  Image dst = testing::filled_image({64, 32, PixelFormat::NV12, ColorDesc{}}, 0);
  ASSERT_TRUE(tm->run(src.view(), dst.view(), cpu));
  const ToneMapStats s = *tm->stats(cpu);
  EXPECT_LT(s.frame_peak_nits, 230);  // inside the 200 cd/m2 bin, not the 4000 one
  EXPECT_GT(s.frame_peak_nits, 190);
}

TEST(ToneMapper, SmoothsOverFramesAndResetsAtASceneCut) {
  Context cpu;
  auto tm = ToneMapper::create(detecting());  // time constant 4 frames
  Image dst = testing::filled_image({64, 32, PixelFormat::NV12, ColorDesc{}}, 0);
  Image a = grey_frame(64, 32, 100, 1000, 40);
  ASSERT_TRUE(tm->run(a.view(), dst.view(), cpu));
  const double pa = pq_inverse_eotf(tm->stats(cpu)->peak_nits);
  // Same scene (average nearly unchanged), brighter highlights: the peak follows gradually.
  Image b = grey_frame(64, 32, 100, 2000, 40);
  ASSERT_TRUE(tm->run(b.view(), dst.view(), cpu));
  ToneMapStats s = *tm->stats(cpu);
  const double alpha = 1 - std::exp(-1 / 4.0);
  EXPECT_EQ(s.scene_cuts, 0);
  EXPECT_NEAR(pq_inverse_eotf(s.peak_nits), pa + alpha * (pq_inverse_eotf(s.frame_peak_nits) - pa), 1e-9);
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(tm->run(b.view(), dst.view(), cpu));
  s = *tm->stats(cpu);
  EXPECT_NEAR(s.peak_nits, s.frame_peak_nits, 0.01 * s.frame_peak_nits);  // converged
  // A cut: a dark scene. Its average differs by more than the threshold: reset at once.
  Image c = grey_frame(64, 32, 2, 20, 40);
  ASSERT_TRUE(tm->run(c.view(), dst.view(), cpu));
  s = *tm->stats(cpu);
  EXPECT_EQ(s.scene_cuts, 1);
  EXPECT_NEAR(s.peak_nits, s.frame_peak_nits, 1e-9);
  EXPECT_LT(s.peak_nits, 25);
  // reset() forgets everything.
  tm->reset();
  ASSERT_TRUE(tm->run(a.view(), dst.view(), cpu));
  EXPECT_EQ(tm->stats(cpu)->scene_cuts, 0);
}

TEST(ToneMapper, WithoutDetectionItIsTheStatelessToneMap) {
  Context cpu;
  ToneMapParams p;
  auto tm = ToneMapper::create(p);
  Image src = testing::random_image(41, 39, PixelFormat::P010, 3, hdr10());
  Image got = testing::filled_image({41, 39, PixelFormat::NV12, ColorDesc{}}, 0);
  Image want = testing::filled_image({41, 39, PixelFormat::NV12, ColorDesc{}}, 0);
  ASSERT_TRUE(tm->run(src.view(), got.view(), cpu));
  ASSERT_TRUE(tonemap_reference(src.view(), want.view(), p));
  EXPECT_IMAGES_CLOSE(got.view(), want.view(), 0);
  ToneMapParams bad;
  bad.peak_detection.percentile = 0;
  EXPECT_FALSE(ToneMapper::create(bad));
}

// ---- CUDA state against host state ----------------------------------------------------------------

// Frame i goes to dfs[i % dfs.size()]: mixing a fused and a generic destination makes the fused
// kernel find a state the generic one updated last (its stored curve stale, so rebuilt).
void expect_stream_matches(PixelFormat sf, std::vector<PixelFormat> dfs, int w, int h) {
  Context& gpu = *testing::gpu_context();
  Context cpu;
  ToneMapParams p = detecting();
  p.peak_detection.percentile = 99.9;
  auto host = ToneMapper::create(p);
  auto dev = ToneMapper::create(p);
  // Frames: random, then a brighter scene, then a cut to a dark one.
  std::vector<Image> frames;
  for (int i = 0; i < 3; ++i) frames.push_back(testing::random_image(w, h, sf, 40 + i, hdr10()));
  for (int i = 0; i < 3; ++i) frames.push_back(grey_frame(w / 2 * 2, h / 2 * 2, 300, 3000 + 200 * i, 50));
  frames.push_back(grey_frame(w / 2 * 2, h / 2 * 2, 1, 10, 5));
  ColorDesc out;
  size_t n = 0;
  for (const Image& f : frames) {
    const PixelFormat df = dfs[n++ % dfs.size()];
    SCOPED_TRACE(::testing::Message() << "frame " << n - 1 << " to " << format_name(df));
    const ImageDesc dd{f.width(), f.height(), df, out};
    Image want = testing::filled_image(dd, 0);
    ASSERT_TRUE(host->run(f.view(), want.view(), cpu));
    Image df_dev = testing::to_device(f.view(), gpu);
    Image ddst = testing::filled_image(dd, 0xA5, MemoryKind::Device, &gpu);
    ASSERT_TRUE(dev->run(df_dev.view(), ddst.view(), gpu));
    // As TonemapCuda.FusedHdr10ToNv12MatchesReference: a few ill-conditioned samples move by a few
    // codes (the generic kernel's are within 1, FusedHdr10SdrEmulated.* and PipelineKernelEmulated.*).
    EXPECT_IMAGES_MOSTLY_CLOSE(testing::to_host(ddst.view(), gpu).view(), want.view(), 1, 1e-3, 8) << format_name(sf);
    const ToneMapStats hs = *host->stats(cpu), ds = *dev->stats(gpu);
    EXPECT_EQ(ds.frames, hs.frames);
    EXPECT_EQ(ds.scene_cuts, hs.scene_cuts);
    // Block values at a bin edge may land in the next bin in float: within a bin.
    EXPECT_NEAR(pq_inverse_eotf(ds.peak_nits), pq_inverse_eotf(hs.peak_nits), 1.0 / 256);
    EXPECT_NEAR(ds.average_pq, hs.average_pq, 1.0 / 256);
  }
}

TEST(ToneMapperCuda, FusedStreamMatchesTheHost) {
  CALDERA_REQUIRE_GPU();
  expect_stream_matches(PixelFormat::P010, {PixelFormat::NV12}, 1921, 1081);
  expect_stream_matches(PixelFormat::P010, {PixelFormat::NV12}, 41, 39);
}

TEST(ToneMapperCuda, FusedAndGenericFramesShareOneStream) {
  CALDERA_REQUIRE_GPU();
  expect_stream_matches(PixelFormat::P010, {PixelFormat::NV12, PixelFormat::RGB24, PixelFormat::NV12, PixelFormat::NV12}, 641, 361);
}

TEST(ToneMapperCuda, GenericStreamMatchesTheHost) {
  CALDERA_REQUIRE_GPU();
  expect_stream_matches(PixelFormat::P010, {PixelFormat::RGB24}, 641, 361);
  expect_stream_matches(PixelFormat::YUV420P10, {PixelFormat::I420}, 3, 5);
}

}  // namespace
}  // namespace caldera
