// Median and bilateral: the real CUDA kernels (src/ops/median/cuda.cu, src/ops/bilateral/cuda.cu)
// run in the host emulation against the references, on odd sizes, 1 to 4 interleaved channels,
// planar YUV, every border and both layouts.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "caldera/ops/bilateral.hpp"
#include "caldera/ops/median.hpp"
#include "emu/cuda_emu.hpp"
#include "emu/emu_testing.hpp"
#include "support/image_testing.hpp"

namespace caldera {
namespace {

using emu_testing::EmuImage;
using emu_testing::Layout;

constexpr FilterBorder kBorders[] = {FilterBorder::Replicate, FilterBorder::Reflect, FilterBorder::Reflect101,
                                     FilterBorder::Constant};
constexpr PixelFormat kFormats[] = {PixelFormat::Gray8, PixelFormat::RGB24, PixelFormat::BGRA, PixelFormat::NV12,
                                    PixelFormat::I420};
const std::pair<int, int> kSizes[] = {{1, 1}, {3, 5}, {2, 7}, {41, 39}, {250, 7}, {7, 100}, {131, 67}};

template <class Ref, class Emu>
void check(ConstImageView src, Layout layout, emu::Schedule schedule, const std::string& what, Ref ref, Emu run) {
  Image want = testing::filled_image(src.desc(), 0xA5);
  ASSERT_TRUE(ref(src, want.view())) << what;
  EmuImage dsrc(src.desc(), layout), ddst(src.desc(), layout);
  dsrc.copy_from(src);
  ddst.fill(0xA5);
  emu::set_schedule(schedule);
  const Status st = run(dsrc.device_view(), ddst.device_view());
  ASSERT_TRUE(emu_testing::ran_clean(st, what));
  EXPECT_IMAGES_CLOSE(ddst.host_view(), want.view(), 0) << what;
}

TEST(MedianEmu, KernelMatchesTheReference) {
  for (PixelFormat f : kFormats)
    for (int k : {3, 5})
      for (FilterBorder b : kBorders)
        for (auto [w, h] : kSizes) {
          MedianParams p;
          p.ksize = k;
          p.border = b;
          p.border_value = 201;
          p.planes = k == 5 && b == FilterBorder::Reflect ? PlaneSet::LumaOnly : PlaneSet::All;
          const Layout layout = (w + h + k) % 2 ? Layout::Aligned : Layout::Odd;
          Image src = testing::random_image(w, h, f, static_cast<uint64_t>(w * 5 + h + k));
          const std::string what = std::string("median ") + std::to_string(k) + " " + filter_border_name(b) + " " +
                                   format_name(f) + " " + std::to_string(w) + "x" + std::to_string(h) + " " +
                                   emu_testing::layout_name(layout);
          check(src.view(), layout, k == 3 ? emu::Schedule::Forward : emu::Schedule::Reverse, what,
                [&](ConstImageView s, ImageView d) { return median_reference(s, d, p); },
                [&](ConstImageView s, ImageView d) { return median_cuda(s, d, p, emu_testing::fake_stream()); });
          if (HasFatalFailure()) return;
        }
}

TEST(BilateralEmu, KernelMatchesTheReference) {
  struct Shape {
    int diameter;
    double sigma_color, sigma_space;
  };
  const Shape shapes[] = {{3, 25, 3}, {5, 10, 1.5}, {0, 40, 2.0}, {8, 25, 3}, {31, 80, 12}};
  int i = 0;
  for (PixelFormat f : kFormats)
    for (const Shape& s : shapes)
      for (auto [w, h] : kSizes) {
        if (s.diameter == 31 && w * h > 2000) continue;  // the widest window only on small frames
        BilateralParams p;
        p.diameter = s.diameter;
        p.sigma_color = s.sigma_color;
        p.sigma_space = s.sigma_space;
        p.border = kBorders[i % 4];
        p.border_value = 17;
        p.planes = i % 5 == 0 ? PlaneSet::LumaOnly : PlaneSet::All;
        const Layout layout = i % 2 ? Layout::Aligned : Layout::Odd;
        ++i;
        Image src = testing::random_image(w, h, f, static_cast<uint64_t>(w * 7 + h + i));
        const std::string what = "bilateral d " + std::to_string(s.diameter) + " " + filter_border_name(p.border) + " " +
                                 format_name(f) + " " + std::to_string(w) + "x" + std::to_string(h) + " " +
                                 emu_testing::layout_name(layout);
        check(src.view(), layout, i % 3 ? emu::Schedule::Forward : emu::Schedule::Reverse, what,
              [&](ConstImageView a, ImageView d) { return bilateral_reference(a, d, p); },
              [&](ConstImageView a, ImageView d) { return bilateral_cuda(a, d, p, emu_testing::fake_stream()); });
        if (HasFatalFailure()) return;
      }
}

}  // namespace
}  // namespace caldera
