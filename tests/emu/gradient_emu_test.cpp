// Sobel, Scharr and Laplacian: the real CUDA kernels (src/ops/gradient/cuda.cu) run in the host
// emulation against the reference: every kernel shape and output, every border, gray8 and gray16
// outputs, both layouts (aligned: the fast and packed kernels; odd: the generic one), odd sizes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "caldera/ops/gradient.hpp"
#include "emu/cuda_emu.hpp"
#include "emu/emu_testing.hpp"
#include "support/image_testing.hpp"

namespace caldera {
namespace {

using emu_testing::EmuImage;
using emu_testing::Layout;

struct Case {
  bool laplacian = false;
  SobelParams s;
  LaplacianParams l;
  PixelFormat out = PixelFormat::Gray8;
  std::string name;
};

std::vector<Case> cases() {
  std::vector<Case> v;
  const FilterBorder borders[] = {FilterBorder::Replicate, FilterBorder::Reflect, FilterBorder::Reflect101,
                                  FilterBorder::Constant};
  // Derivatives of every order and size (the compile-time Sobel taps and the argument taps).
  const std::tuple<int, int, int> ds[] = {{3, 1, 0}, {3, 0, 1}, {1, 1, 0}, {1, 0, 1}, {1, 2, 0}, {5, 1, 0}, {5, 0, 1},
                                          {5, 2, 0}, {5, 1, 1}, {7, 1, 0}, {7, 0, 1}, {7, 0, 2}, {3, 2, 2}, {3, 1, 1}};
  int i = 0;
  for (auto [k, dx, dy] : ds) {
    Case c;
    c.s.ksize = k;
    c.s.dx = dx;
    c.s.dy = dy;
    c.s.border = borders[i % 4];
    c.s.border_value = 77;
    c.s.absolute = i % 3 != 0;
    c.out = i % 2 ? PixelFormat::Gray16 : PixelFormat::Gray8;
    c.name = "sobel k" + std::to_string(k) + " d" + std::to_string(dx) + std::to_string(dy) + " " +
             filter_border_name(c.s.border) + " " + format_name(c.out);
    v.push_back(c);
    ++i;
  }
  // The packed 3x3 kernel (plain d/dx and d/dy into gray8): both axes, signed and absolute, every
  // border.
  for (int axis : {0, 1})
    for (bool absolute : {false, true})
      for (FilterBorder b : borders) {
        Case c;
        c.s.ksize = 3;
        c.s.dx = 1 - axis;
        c.s.dy = axis;
        c.s.border = b;
        c.s.border_value = 201;
        c.s.absolute = absolute;
        c.name = std::string("packed sobel 3x3 ") + (axis ? "dy " : "dx ") + (absolute ? "abs " : "signed ") +
                 filter_border_name(b);
        v.push_back(c);
      }
  // The packed 3x3 magnitudes (gray8, no scale or delta) on every border.
  for (FilterBorder b : borders)
    for (GradientOutput o : {GradientOutput::Magnitude, GradientOutput::MagnitudeL1}) {
      Case c;
      c.s.ksize = 3;
      c.s.output = o;
      c.s.border = b;
      c.s.border_value = 250;
      c.name = std::string("packed ") + (o == GradientOutput::Magnitude ? "magnitude" : "magnitude l1") + " k3 " +
               filter_border_name(b);
      v.push_back(c);
    }
  for (int k : {1, 3, 5, 7})
    for (GradientOutput o : {GradientOutput::Magnitude, GradientOutput::MagnitudeL1}) {
      Case c;
      c.s.ksize = k;
      c.s.output = o;
      c.s.border = borders[(k + static_cast<int>(o)) % 4];
      c.s.border_value = 250;
      c.out = k >= 5 ? PixelFormat::Gray16 : PixelFormat::Gray8;
      c.name = std::string(o == GradientOutput::Magnitude ? "magnitude" : "magnitude l1") + " k" + std::to_string(k) +
               " " + filter_border_name(c.s.border);
      v.push_back(c);
    }
  for (PixelFormat out : {PixelFormat::Gray8, PixelFormat::Gray16}) {
    Case c;
    c.s.ksize = 5;
    c.s.dx = 0;
    c.s.dy = 1;
    c.s.absolute = false;
    c.s.delta = out == PixelFormat::Gray16 ? 32768 : 128;
    c.s.scale = 0.3;
    c.out = out;
    c.name = std::string("signed scaled ") + format_name(out);
    v.push_back(c);
    Case m;
    m.s.ksize = 7;
    m.s.output = GradientOutput::Magnitude;
    m.s.scale = 0.01;
    m.s.delta = 0.5;
    m.out = out;
    m.name = std::string("magnitude k7 scaled ") + format_name(out);
    v.push_back(m);
  }
  for (int axis : {0, 1})
    for (GradientOutput o : {GradientOutput::Derivative, GradientOutput::Magnitude}) {
      Case c;
      c.s.kernel = DerivKernel::Scharr;
      c.s.dx = 1 - axis;
      c.s.dy = axis;
      c.s.output = o;
      c.s.border = axis ? FilterBorder::Constant : FilterBorder::Reflect;
      c.s.border_value = 3;
      c.name = "scharr " + std::to_string(axis) + (o == GradientOutput::Magnitude ? " magnitude" : "");
      v.push_back(c);
    }
  for (int k : {1, 3, 5, 7})
    for (FilterBorder b : {FilterBorder::Reflect101, FilterBorder::Constant, FilterBorder::Replicate}) {
      Case c;
      c.laplacian = true;
      c.l.ksize = k;
      c.l.border = b;
      c.l.border_value = 200;
      c.l.absolute = k != 3;
      c.l.delta = k == 3 ? 100 : 0;
      c.out = k == 7 ? PixelFormat::Gray16 : PixelFormat::Gray8;
      c.name = "laplacian k" + std::to_string(k) + " " + filter_border_name(b);
      v.push_back(c);
    }
  return v;
}

void check(const Case& c, ConstImageView src, Layout layout, emu::Schedule schedule, const std::string& what) {
  const ImageDesc od{src.width(), src.height(), c.out};
  Image want = testing::filled_image(od, 0xA5);
  ASSERT_TRUE(c.laplacian ? laplacian_reference(src, want.view(), c.l) : sobel_reference(src, want.view(), c.s)) << what;
  EmuImage dsrc(src.desc(), layout), ddst(od, layout);
  dsrc.copy_from(src);
  ddst.fill(0xA5);
  emu::set_schedule(schedule);
  const StreamHandle st = emu_testing::fake_stream();
  const Status s = c.laplacian ? laplacian_cuda(dsrc.device_view(), ddst.device_view(), c.l, st)
                               : sobel_cuda(dsrc.device_view(), ddst.device_view(), c.s, st);
  ASSERT_TRUE(emu_testing::ran_clean(s, what));
  EXPECT_IMAGES_CLOSE(ddst.host_view(), want.view(), 0) << what;
}

TEST(GradientEmu, KernelsMatchTheReferenceOnOddSizes) {
  // 8, 248 and 480 (two whole strips) put a lane wholly past the right edge (edge_words.cuh).
  const std::pair<int, int> sizes[] = {{1, 1}, {3, 5}, {2, 2}, {8, 3}, {9, 4}, {41, 39}, {248, 7}, {250, 9}, {480, 5}, {7, 120}};
  for (const Case& c : cases())
    for (auto [w, h] : sizes)
      for (Layout layout : {Layout::Aligned, Layout::Odd}) {
        Image src = testing::random_image(w, h, PixelFormat::Gray8, static_cast<uint64_t>(w + 7 * h));
        check(c, src.view(), layout, layout == Layout::Aligned ? emu::Schedule::Forward : emu::Schedule::Reverse,
              c.name + " " + std::to_string(w) + "x" + std::to_string(h) + " " + emu_testing::layout_name(layout));
        if (HasFatalFailure()) return;
      }
}

TEST(GradientEmu, KernelsMatchTheReferenceOnSeveralStrips) {
  Image src = testing::random_image(731, 37, PixelFormat::Gray8, 17);
  for (const Case& c : cases())
    for (Layout layout : {Layout::Aligned, Layout::Odd}) {
      check(c, src.view(), layout, emu::Schedule::Reverse, c.name + " 731x37 " + emu_testing::layout_name(layout));
      if (HasFatalFailure()) return;
    }
}

// Patterns of 0 and 255 reach the largest responses (the 32-bit paths' bounds) and exact ties of
// magnitude, which random data rarely does.
TEST(GradientEmu, KernelsMatchTheReferenceOnExtremePatterns) {
  const int w = 253, h = 70;
  for (int pattern = 0; pattern < 3; ++pattern) {
    Image src = Image::create(ImageDesc{w, h, PixelFormat::Gray8}, MemoryKind::Host).value();
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        const bool on = pattern == 0 ? x % 2 == 0 : pattern == 1 ? (x / 2 + y / 2) % 2 == 0 : (x > w / 2) != (y > h / 2);
        src.view().row(0, y)[x] = on ? 255 : 0;
      }
    for (const Case& c : cases()) {
      check(c, src.view(), Layout::Aligned, emu::Schedule::Forward, c.name + " pattern " + std::to_string(pattern));
      if (HasFatalFailure()) return;
    }
  }
}

// Low contrast keeps the 8-bit magnitudes below their saturation at 255 (random bytes mostly
// reach it), so every rounding of the packed L2 root is compared.
TEST(GradientEmu, KernelsMatchTheReferenceOnLowContrast) {
  const int w = 248, h = 21;
  Image src = testing::random_image(w, h, PixelFormat::Gray8, 23);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) src.view().row(0, y)[x] = static_cast<uint8_t>(src.view().row(0, y)[x] / 6);
  for (const Case& c : cases()) {
    check(c, src.view(), Layout::Aligned, emu::Schedule::Forward, c.name + " low contrast");
    if (HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace caldera
