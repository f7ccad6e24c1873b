// Blur (Gaussian, box, unsharp): the real CUDA kernels (src/ops/blur/cuda.cu and fast8.cu) run in
// the host emulation against the reference, on odd sizes, every border, both layouts (aligned:
// the fast 8-bit kernels where they apply; odd: the generic kernel) and two schedules.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "caldera/ops/blur.hpp"
#include "emu/cuda_emu.hpp"
#include "ops/blur/blur_cuda.cuh"
#include "emu/emu_testing.hpp"
#include "support/image_testing.hpp"

namespace caldera {
namespace {

using emu_testing::EmuImage;
using emu_testing::Layout;

constexpr FilterBorder kBorders[] = {FilterBorder::Replicate, FilterBorder::Reflect, FilterBorder::Reflect101,
                                     FilterBorder::Constant};

double tolerance(PixelFormat f) {  // as tests/ops/blur_test.cpp: 8-bit exact, float paths close
  switch (format_info(f).sample) {
    case SampleType::U8: return 0;
    case SampleType::U16: return f == PixelFormat::P010 ? 64 : 1;
    case SampleType::F16: return 2e-3;
    case SampleType::F32: return 2e-6;
  }
  return 0;
}

enum class Which { Gaussian, Box, Unsharp };
struct Case {
  Which which;
  GaussianParams g;
  BoxParams b;
  UnsharpParams u;
  std::string name;
};

std::vector<Case> cases(PixelFormat f, bool all) {
  std::vector<Case> out;
  const std::pair<int, double> gs[] = {{3, 0.0}, {5, 0.0}, {0, 1.0}, {9, 1.6}, {0, 3.0}, {31, 6.0}, {129, 30.0}};
  for (auto [k, sigma] : gs)
    for (FilterBorder b : kBorders) {
      if (!all && b != FilterBorder::Reflect101 && b != FilterBorder::Constant) continue;
      Case c{Which::Gaussian, {}, {}, {}, ""};
      c.g.ksize_x = k;
      c.g.sigma_x = sigma;
      c.g.border = b;
      c.g.border_value = is_float(f) ? 0.75 : 200;  // in range, as tests/ops/blur_test.cpp
      c.name = "gaussian k " + std::to_string(k) + " sigma " + std::to_string(sigma) + " " + filter_border_name(b);
      out.push_back(c);
    }
  Case aniso{Which::Gaussian, {}, {}, {}, "gaussian 3 x 11"};
  aniso.g.ksize_x = 3;
  aniso.g.sigma_x = 0.7;
  aniso.g.ksize_y = 11;
  aniso.g.sigma_y = 2.5;
  out.push_back(aniso);
  Case tall{Which::Gaussian, {}, {}, {}, "gaussian 1 x 9"};  // radius 0 horizontally
  tall.g.ksize_x = 1;
  tall.g.ksize_y = 9;
  tall.g.sigma_y = 1.5;
  tall.g.border = FilterBorder::Reflect;
  out.push_back(tall);
  if (format_info(f).sample != SampleType::U8 && !is_float(f)) return out;
  const std::pair<int, int> boxes[] = {{3, 3}, {5, 5}, {4, 4}, {8, 3}, {9, 9}, {15, 2}, {1, 6}, {129, 1}};
  for (auto [kx, ky] : boxes)
    for (FilterBorder b : {FilterBorder::Reflect101, FilterBorder::Constant, FilterBorder::Reflect}) {
      Case c{Which::Box, {}, {}, {}, ""};
      c.b.ksize_x = kx;
      c.b.ksize_y = ky;
      c.b.border = b;
      c.b.border_value = is_float(f) ? 0.125 : 31;
      c.name = "box " + std::to_string(kx) + "x" + std::to_string(ky) + " " + filter_border_name(b);
      out.push_back(c);
    }
  if (format_info(f).sample != SampleType::U8) return out;
  const std::tuple<double, double, double, FilterBorder> us[] = {{1.0, 0.0, 1.0, FilterBorder::Reflect101},
                                                                  {2.5, 3.0, 0.8, FilterBorder::Replicate},
                                                                  {-0.7, 0.0, 2.0, FilterBorder::Reflect},
                                                                  {10.0, 0.0, 5.0, FilterBorder::Reflect101},
                                                                  {-10.0, 1.0, 1.2, FilterBorder::Replicate}};
  for (auto [amount, threshold, sigma, b] : us) {
    Case c{Which::Unsharp, {}, {}, {}, ""};
    c.u.amount = amount;
    c.u.threshold = threshold;
    c.u.sigma = sigma;
    c.u.border = b;
    c.u.planes = PlaneSet::All;
    c.name = "unsharp amount " + std::to_string(amount) + " sigma " + std::to_string(sigma);
    out.push_back(c);
  }
  return out;
}

Status run_ref(const Case& c, ConstImageView s, ImageView d) {
  switch (c.which) {
    case Which::Gaussian: return gaussian_blur_reference(s, d, c.g);
    case Which::Box: return box_blur_reference(s, d, c.b);
    case Which::Unsharp: return unsharp_mask_reference(s, d, c.u);
  }
  return Status::ok();
}

Status run_emu(const Case& c, ConstImageView s, ImageView d) {
  const StreamHandle st = emu_testing::fake_stream();
  switch (c.which) {
    case Which::Gaussian: return gaussian_blur_cuda(s, d, c.g, st);
    case Which::Box: return box_blur_cuda(s, d, c.b, st);
    case Which::Unsharp: return unsharp_mask_cuda(s, d, c.u, st);
  }
  return Status::ok();
}

void check(const Case& c, ConstImageView src, Layout layout, emu::Schedule schedule, const std::string& what) {
  Image want = testing::filled_image(src.desc(), 0xA5);
  ASSERT_TRUE(run_ref(c, src, want.view())) << what;
  EmuImage dsrc(src.desc(), layout), ddst(src.desc(), layout);
  dsrc.copy_from(src);
  ddst.fill(0xA5);
  emu::set_schedule(schedule);
  const Status st = run_emu(c, dsrc.device_view(), ddst.device_view());
  ASSERT_TRUE(emu_testing::ran_clean(st, what));
  EXPECT_IMAGES_CLOSE(ddst.host_view(), want.view(), tolerance(src.format())) << what;
}

class BlurEmu : public ::testing::TestWithParam<PixelFormat> {};

TEST_P(BlurEmu, KernelsMatchTheReferenceOnOddSizes) {
  const PixelFormat f = GetParam();
  const bool gray = f == PixelFormat::Gray8;
  // Widths that are multiples of 8 (8, 248, 480) put a lane wholly past the right edge, which
  // borrows the last 8 columns (edge_words.cuh); 480 is two whole strips.
  const std::pair<int, int> sizes[] = {{1, 1}, {3, 5}, {2, 9}, {8, 3}, {41, 39}, {248, 9}, {250, 7}, {480, 6}, {7, 250}};
  for (const Case& c : cases(f, gray))
    for (auto [w, h] : sizes)
      for (Layout layout : {Layout::Aligned, Layout::Odd}) {
        Image src = testing::random_image(w, h, f, static_cast<uint64_t>(w * 131 + h));
        const emu::Schedule sched = layout == Layout::Aligned ? emu::Schedule::Forward : emu::Schedule::Reverse;
        check(c, src.view(), layout, sched,
              c.name + " " + std::to_string(w) + "x" + std::to_string(h) + " " + format_name(f) + " " +
                  emu_testing::layout_name(layout));
        if (HasFatalFailure()) return;
      }
}

TEST_P(BlurEmu, KernelsMatchTheReferenceOnSeveralTilesAndStrips) {
  const PixelFormat f = GetParam();
  Image src = testing::random_image(517, 61, f, 5);
  for (const Case& c : cases(f, false))
    for (Layout layout : {Layout::Aligned, Layout::Odd}) {
      check(c, src.view(), layout, emu::Schedule::Reverse,
            c.name + " 517x61 " + format_name(f) + " " + emu_testing::layout_name(layout));
      if (HasFatalFailure()) return;
    }
}

INSTANTIATE_TEST_SUITE_P(Formats, BlurEmu,
                         ::testing::Values(PixelFormat::Gray8, PixelFormat::RGB24, PixelFormat::BGRA, PixelFormat::NV12,
                                           PixelFormat::I420, PixelFormat::P010, PixelFormat::Gray16,
                                           PixelFormat::RGBPlanarF32, PixelFormat::RGBPlanarF16),
                         [](const auto& info) { return std::string(format_name(info.param)); });

TEST(BlurEmuExtra, LumaOnlyCopiesChroma) {
  Image src = testing::random_image(97, 55, PixelFormat::I420, 12);
  Case c{Which::Unsharp, {}, {}, {}, "unsharp luma-only"};
  c.u.amount = 1.2;
  c.u.planes = PlaneSet::LumaOnly;
  check(c, src.view(), Layout::Odd, emu::Schedule::Forward, "unsharp luma-only i420");
  Case g{Which::Gaussian, {}, {}, {}, "gaussian luma-only"};
  g.g.sigma_x = 2.0;
  g.g.planes = PlaneSet::LumaOnly;
  check(g, src.view(), Layout::Aligned, emu::Schedule::Forward, "gaussian luma-only i420");
}

// The fast kernel's box division: one multiply-high by make_sep_args' reciprocal equals the
// reference's integer division for every sum a box of up to 9x9 taps can reach.
TEST(BlurEmuExtra, BoxReciprocalDividesExactly) {
  for (int kx = 1; kx <= 9; ++kx)
    for (int ky = 1; ky <= 9; ++ky) {
      blur_detail::Plan plan;
      plan.op = blur_detail::Op::Box;
      plan.kx = kx;
      plan.ky = ky;
      plan.wx.assign(static_cast<size_t>(kx), 1.0 / kx);
      plan.wy.assign(static_cast<size_t>(ky), 1.0 / ky);
      const blur_detail::SepArgs a = blur_detail::make_sep_args(plan, nullptr, 0, nullptr, 0, 1, 1, 1, 0, 255);
      const uint32_t n = static_cast<uint32_t>(kx * ky);
      for (uint32_t sum = 0; sum <= 255 * n; ++sum)
        ASSERT_EQ(__umulhi(2 * sum + n, a.box_recip), (2 * sum + n) / (2 * n)) << kx << "x" << ky << " sum " << sum;
    }
}

}  // namespace
}  // namespace caldera
