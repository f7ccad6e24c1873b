// The emulated kernels on the GPU tests' large frame (1921x1081) and on a 65536-row frame (the
// tallest image, more rows than gridDim.y may have blocks): grids at their real sizes, every
// operator, both layouts.
#include <gtest/gtest.h>

#include <string>

#include "caldera/ops/bilateral.hpp"
#include "caldera/ops/blur.hpp"
#include "caldera/ops/canny.hpp"
#include "caldera/ops/gradient.hpp"
#include "caldera/ops/median.hpp"
#include "emu/cuda_emu.hpp"
#include "emu/emu_testing.hpp"
#include "support/image_testing.hpp"

namespace caldera {
namespace {

using emu_testing::EmuBuffer;
using emu_testing::EmuImage;
using emu_testing::Layout;

template <class Ref, class Emu>
void check(ConstImageView src, PixelFormat out, Layout layout, const std::string& what, Ref ref, Emu run) {
  const ImageDesc od{src.width(), src.height(), out};
  Image want = testing::filled_image(od, 0xA5);
  ASSERT_TRUE(ref(src, want.view())) << what;
  EmuImage dsrc(src.desc(), layout), ddst(od, layout);
  dsrc.copy_from(src);
  ddst.fill(0xA5);
  emu::set_schedule(emu::Schedule::Forward);
  const Status st = run(dsrc.device_view(), ddst.device_view());
  ASSERT_TRUE(emu_testing::ran_clean(st, what));
  EXPECT_IMAGES_CLOSE(ddst.host_view(), want.view(), 0) << what;
}

void all_operators(ConstImageView src, Layout layout, const std::string& size) {
  const std::string tag = size + " " + emu_testing::layout_name(layout);
  const StreamHandle s = emu_testing::fake_stream();
  const PixelFormat g8 = PixelFormat::Gray8;
  GaussianParams g;
  g.sigma_x = 1.2;  // 9 taps: the fast kernel where aligned
  check(src, g8, layout, "gaussian " + tag, [&](ConstImageView a, ImageView b) { return gaussian_blur_reference(a, b, g); },
        [&](ConstImageView a, ImageView b) { return gaussian_blur_cuda(a, b, g, s); });
  GaussianParams wide;
  wide.sigma_x = 4;  // 25 taps: the generic kernel
  wide.border = FilterBorder::Constant;
  wide.border_value = 90;
  check(src, g8, layout, "gaussian wide " + tag,
        [&](ConstImageView a, ImageView b) { return gaussian_blur_reference(a, b, wide); },
        [&](ConstImageView a, ImageView b) { return gaussian_blur_cuda(a, b, wide, s); });
  UnsharpParams u;
  u.amount = 1.5;
  check(src, g8, layout, "unsharp " + tag, [&](ConstImageView a, ImageView b) { return unsharp_mask_reference(a, b, u); },
        [&](ConstImageView a, ImageView b) { return unsharp_mask_cuda(a, b, u, s); });
  SobelParams mag;
  mag.output = GradientOutput::Magnitude;
  check(src, PixelFormat::Gray16, layout, "sobel magnitude " + tag,
        [&](ConstImageView a, ImageView b) { return sobel_reference(a, b, mag); },
        [&](ConstImageView a, ImageView b) { return sobel_cuda(a, b, mag, s); });
  LaplacianParams lp;
  lp.ksize = 5;
  check(src, g8, layout, "laplacian " + tag, [&](ConstImageView a, ImageView b) { return laplacian_reference(a, b, lp); },
        [&](ConstImageView a, ImageView b) { return laplacian_cuda(a, b, lp, s); });
  MedianParams m;
  m.ksize = 5;
  check(src, g8, layout, "median " + tag, [&](ConstImageView a, ImageView b) { return median_reference(a, b, m); },
        [&](ConstImageView a, ImageView b) { return median_cuda(a, b, m, s); });
  BilateralParams bl;
  bl.diameter = 5;
  check(src, g8, layout, "bilateral " + tag, [&](ConstImageView a, ImageView b) { return bilateral_reference(a, b, bl); },
        [&](ConstImageView a, ImageView b) { return bilateral_cuda(a, b, bl, s); });
  for (bool blur : {false, true}) {
    CannyParams c;
    c.low = 30;
    c.high = 90;
    c.blur_sigma = blur ? 1.4 : 0;
    EmuBuffer ws(canny_workspace_bytes(src.width(), src.height(), c));
    check(src, g8, layout, std::string("canny") + (blur ? " blur " : " ") + tag,
          [&](ConstImageView a, ImageView b) { return canny_reference(a, b, c); },
          [&](ConstImageView a, ImageView b) { return canny_cuda(a, b, c, Workspace(ws.data(), ws.size()), s); });
  }
}

TEST(LargeFramesEmu, TheGpuTestsFrame) {
  Image src = testing::random_image(1921, 1081, PixelFormat::Gray8, 9);
  for (Layout layout : {Layout::Aligned, Layout::Odd}) {
    all_operators(src.view(), layout, "1921x1081");
    if (HasFatalFailure()) return;
  }
}

TEST(LargeFramesEmu, MoreRowsThanGridDimYAllows) {
  Image src = testing::random_image(3, 65536, PixelFormat::Gray8, 10);
  all_operators(src.view(), Layout::Aligned, "3x65536");
}

}  // namespace
}  // namespace caldera
