// Canny: the real CUDA kernels (src/ops/canny/cuda.cu: classify and tile floods, cross-tile
// unions, resolve; the blur kernels for the pre-blur) run in the host emulation against the
// reference, on odd sizes, random data, widths around the classify blocks, thin images, and long
// weak chains (spirals, serpentines) across many tiles, in order, reversed and shuffled (the
// shuffled schedule also switches threads inside the union-find's reads and atomics).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "caldera/ops/canny.hpp"
#include "emu/cuda_emu.hpp"
#include "emu/emu_testing.hpp"
#include "support/image_testing.hpp"
#include "support/photos.hpp"

namespace caldera {
namespace {

using emu_testing::EmuBuffer;
using emu_testing::EmuImage;
using emu_testing::Layout;

CannyParams params(double low, double high, int aperture = 3, bool l2 = false) {
  CannyParams p;
  p.low = low;
  p.high = high;
  p.aperture = aperture;
  p.l2_gradient = l2;
  return p;
}

std::vector<std::pair<CannyParams, std::string>> cases() {
  std::vector<std::pair<CannyParams, std::string>> v;
  for (int ap : {3, 5, 7})
    for (bool l2 : {false, true}) v.push_back({params(40, 120, ap, l2), "aperture " + std::to_string(ap) + (l2 ? " L2" : " L1")});
  CannyParams s = params(30, 100);
  s.kernel = DerivKernel::Scharr;
  v.push_back({s, "scharr"});
  CannyParams b = params(20, 60);
  b.blur_sigma = 1.4;
  v.push_back({b, "blur 1.4"});
  CannyParams b5 = params(20, 60, 5);
  b5.blur_ksize = 5;
  v.push_back({b5, "blur ksize 5"});
  CannyParams wide = params(10, 30);
  wide.blur_sigma = 4;  // 25 taps: the generic blur kernel
  v.push_back({wide, "blur 4"});
  v.push_back({params(0, 0), "zero thresholds"});
  v.push_back({params(1000, 2000), "nothing strong"});
  v.push_back({params(200, 20000, 7, true), "aperture 7 L2 high"});
  return v;
}

void check(ConstImageView src, const CannyParams& p, Layout layout, emu::Schedule schedule, uint64_t seed,
           const std::string& what) {
  Image want = testing::filled_image(src.desc(), 0xA5);
  ASSERT_TRUE(canny_reference(src, want.view(), p)) << what;
  EmuImage dsrc(src.desc(), layout), ddst(src.desc(), layout);
  dsrc.copy_from(src);
  ddst.fill(0xA5);
  EmuBuffer ws(canny_workspace_bytes(src.width(), src.height(), p));
  emu::set_schedule(schedule, seed);
  const Status st = canny_cuda(dsrc.device_view(), ddst.device_view(), p, Workspace(ws.data(), ws.size()),
                               emu_testing::fake_stream());
  ASSERT_TRUE(emu_testing::ran_clean(st, what));
  EXPECT_IMAGES_CLOSE(ddst.host_view(), want.view(), 0) << what;
}

TEST(CannyEmu, KernelsMatchTheReferenceOnOddSizesAndRandomData) {
  const std::pair<int, int> sizes[] = {{1, 1}, {3, 5}, {2, 40}, {31, 33}, {32, 32}, {33, 64}, {41, 39}, {100, 7}, {97, 130}};
  for (auto& [p, name] : cases())
    for (auto [w, h] : sizes)
      for (Layout layout : {Layout::Aligned, Layout::Odd}) {
        Image src = testing::random_image(w, h, PixelFormat::Gray8, static_cast<uint64_t>(w * 3 + h));
        const emu::Schedule sched = layout == Layout::Aligned ? emu::Schedule::Forward : emu::Schedule::Shuffled;
        check(src.view(), p, layout, sched, static_cast<uint64_t>(w + h),
              name + " " + std::to_string(w) + "x" + std::to_string(h) + " " + emu_testing::layout_name(layout));
        if (HasFatalFailure()) return;
      }
}

// Smooth rings: long closed edges that wind through many tiles, with weak stretches, so most
// components continue across tile rings and the cross-tile union-find decides them.
Image rings(int w, int h) {
  Image img = testing::filled_image({w, h, PixelFormat::Gray8}, 0);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const double r = std::hypot(x - 0.48 * w, y - 0.49 * h);
      img.view().row(0, y)[x] = static_cast<uint8_t>(127.5 + 127.5 * std::sin(r / 9.0 + 0.002 * x));
    }
  return img;
}

TEST(CannyEmu, LongEdgesAcrossManyTilesInEverySchedule) {
  Image src = rings(301, 233);
  const std::pair<emu::Schedule, uint64_t> schedules[] = {{emu::Schedule::Forward, 1},
                                                          {emu::Schedule::Reverse, 1},
                                                          {emu::Schedule::Shuffled, 1},
                                                          {emu::Schedule::Shuffled, 2},
                                                          {emu::Schedule::Shuffled, 3}};
  for (auto& [p, name] : cases())
    for (auto [sched, seed] : schedules) {
      check(src.view(), p, seed % 2 ? Layout::Aligned : Layout::Odd, sched, seed,
            name + " rings schedule " + std::to_string(static_cast<int>(sched)) + " seed " + std::to_string(seed));
      if (HasFatalFailure()) return;
    }
}

TEST(CannyEmu, PhotoCrop) {
  Image g = testing::example_photo_gray(testing::kPhotos[0]);
  ConstImageView crop = *ConstImageView(g.view()).sub_view({3, 1, 301, 257});
  for (auto& [p, name] : cases()) {
    check(crop, p, Layout::Odd, emu::Schedule::Shuffled, 7, name + " photo crop");
    if (HasFatalFailure()) return;
  }
}

// A thin dim curve (weak edges on both sides) with one bright stretch (strong): the whole
// curve is an edge only through the hysteresis across every tile it winds through.
Image curve_image(int w, int h, bool spiral) {
  Image img = testing::filled_image({w, h, PixelFormat::Gray8}, 10);
  auto plot = [&](int x, int y, uint8_t v) {
    if (x >= 0 && y >= 0 && x < w && y < h) img.view().row(0, y)[x] = v;
  };
  if (spiral) {  // an Archimedean spiral, 5 pixels between turns
    const double cx = 0.5 * w, cy = 0.5 * h, t_end = 0.48 * std::min(w, h) * 2 * M_PI / 5.0;
    for (double t = 0; t < t_end; t += 0.002) {
      const double r = 5.0 * t / (2 * M_PI);
      const int x = static_cast<int>(std::lround(cx + r * std::cos(t))), y = static_cast<int>(std::lround(cy + r * std::sin(t)));
      plot(x, y, t > 0.7 * t_end && t < 0.7 * t_end + 1 ? 250 : 60);
    }
  } else {  // a serpentine: rows 4 apart joined at alternating ends, so one tile holds long paths
    for (int y = 2; y + 4 < h; y += 4) {
      for (int x = 2; x < w - 2; ++x) plot(x, y, y == 2 && x < 6 ? 250 : 60);
      const int xe = (y / 4) % 2 ? 2 : w - 3;
      for (int k = 0; k <= 4; ++k) plot(xe, y + k, 60);
    }
  }
  return img;
}

TEST(CannyEmu, LongWeakChainsSpiralsAndSerpentines) {
  for (bool spiral : {true, false})
    for (auto [w, h] : {std::pair{131, 97}, std::pair{500, 70}, std::pair{33, 200}}) {
      Image src = curve_image(w, h, spiral);
      for (CannyParams p : {params(100, 400), params(100, 400, 5, true), params(300, 2000, 7)}) {
        const std::string what = std::string(spiral ? "spiral " : "serpentine ") + std::to_string(w) + "x" +
                                 std::to_string(h) + " aperture " + std::to_string(p.aperture);
        check(src.view(), p, Layout::Odd, emu::Schedule::Shuffled, 5, what);
        if (HasFatalFailure()) return;
        check(src.view(), p, Layout::Aligned, emu::Schedule::Reverse, 1, what + " reversed");
        if (HasFatalFailure()) return;
      }
    }
}

// Widths around the classify blocks (480 columns = 15 tiles, 30 per warp) and thin images.
TEST(CannyEmu, BlockEdgesAndThinImages) {
  const std::pair<int, int> sizes[] = {{1, 70}, {70, 1}, {2, 2}, {479, 5}, {480, 33}, {481, 31}, {961, 9}, {1000, 3}};
  for (auto [w, h] : sizes)
    for (CannyParams p : {params(40, 120), params(0, 0), params(300, 1200, 7, true)}) {
      Image src = testing::random_image(w, h, PixelFormat::Gray8, static_cast<uint64_t>(w + 7 * h));
      const std::string what = std::to_string(w) + "x" + std::to_string(h) + " aperture " + std::to_string(p.aperture);
      check(src.view(), p, Layout::Odd, emu::Schedule::Shuffled, 3, what);
      if (HasFatalFailure()) return;
      Image smooth = rings(w, h);
      check(smooth.view(), p, Layout::Aligned, emu::Schedule::Forward, 1, what + " rings");
      if (HasFatalFailure()) return;
    }
}

TEST(CannyEmu, TooSmallWorkspaceIsAnErrorNotAnOverrun) {
  Image src = testing::random_image(70, 40, PixelFormat::Gray8, 3);
  EmuImage dsrc(src.desc(), Layout::Aligned), ddst(src.desc(), Layout::Aligned);
  dsrc.copy_from(src.view());
  const CannyParams p = params(20, 60);
  EmuBuffer ws(canny_workspace_bytes(70, 40, p) - 1);
  const Status st = canny_cuda(dsrc.device_view(), ddst.device_view(), p, Workspace(ws.data(), ws.size()),
                               emu_testing::fake_stream());
  EXPECT_FALSE(st);
  EXPECT_NE(st.message().find("workspace"), std::string::npos) << st.message();
  EXPECT_TRUE(emu::take_problems().empty());
  emu::take_launch_count();
}

}  // namespace
}  // namespace caldera
