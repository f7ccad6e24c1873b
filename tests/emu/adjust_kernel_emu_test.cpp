// The colour adjustment kernel (ops/adjust/adjust_kernel.cuh) run on the host through the CUDA
// emulation on AdjustCuda.MatchesReference's cases and tolerances: what that test will see, up to
// the device's float functions; loads only inside the source's pixels, stores only inside the
// destination's.
#include "emu/header_kernels.hpp"

#include <gtest/gtest.h>

#include "emu/laid_out_image.hpp"
#include "ops/adjust/adjust_kernel.cuh"
#include "support/image_testing.hpp"

namespace caldera {
namespace {

using testing::LaidOutImage;
using testing::Rows;

TEST(AdjustKernelEmulated, MatchesTheReferenceOnTheGpuTestsCases) {
  AdjustParams a;
  a.brightness = 0.05, a.contrast = 1.2, a.saturation = 1.3, a.hue = -15, a.gamma = 0.9;
  for (PixelFormat f : {PixelFormat::NV12, PixelFormat::I420, PixelFormat::P010, PixelFormat::YUV420P10, PixelFormat::I422,
                        PixelFormat::Gray8, PixelFormat::RGB24, PixelFormat::BGRA, PixelFormat::RGB48, PixelFormat::RGBPlanarF32})
    for (auto [w, h] : {std::pair{1, 1}, std::pair{3, 5}, std::pair{41, 39}, std::pair{1921, 1081}}) {
      SCOPED_TRACE(::testing::Message() << format_name(f) << " " << w << "x" << h);
      Image random = testing::random_image(w, h, f, 8);
      Image want = testing::filled_image({w, h, f}, 0);
      ASSERT_TRUE(adjust_reference(random.view(), want.view(), a));
      const Rows rows = w == 3 ? Rows::Odd : (w == 41 ? Rows::Tight : Rows::Aligned);
      LaidOutImage src({w, h, f}, rows, 0x3C), dst({w, h, f}, rows, 0xA5);
      src.copy_pixels_from(random.view());
      const Launch p = adjust_launch(src.cview(), dst.view(), a);
      src.allow_pixel_reads([](const void* q, size_t n) { emu::allow_reads(q, n); });
      emu::HostGrid().run(adjust_grid(p), adjust_block(), 0, [&] { adjust_kernel(p); });
      emu::stop_checking_reads();
      for (const std::string& e : emu::take_errors()) ADD_FAILURE() << e;
      EXPECT_TRUE(dst.untouched_outside_pixels(0xA5));
      const double tol = is_float(f) ? 1e-5 : (format_info(f).msb_shift ? 64 : 1);
      EXPECT_IMAGES_CLOSE(dst.cview(), want.view(), tol);
    }
}

}  // namespace
}  // namespace caldera
