#include <gtest/gtest.h>

#include <vector>

#include "caldera/context.hpp"
#include "caldera/half.hpp"
#include "caldera/image.hpp"
#include "support/image_testing.hpp"

namespace caldera {
namespace {

TEST(PixelFormat, ParsesNamesAndAliases) {
  for (int i = 0; i < kPixelFormatCount; ++i) {
    auto f = static_cast<PixelFormat>(i);
    auto r = parse_pixel_format(format_name(f));
    ASSERT_TRUE(r) << r.status().to_string();
    EXPECT_EQ(*r, f);
  }
  EXPECT_EQ(*parse_pixel_format("yuv420p"), PixelFormat::I420);
  auto bad = parse_pixel_format("nv13");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.status().message().find("nv13"), std::string::npos);
}

TEST(PixelFormat, PlaneGeometryRoundsChromaUp) {
  EXPECT_EQ(plane_width(PixelFormat::NV12, 1, 41), 21);
  EXPECT_EQ(plane_height(PixelFormat::NV12, 1, 39), 20);
  EXPECT_EQ(plane_row_bytes(PixelFormat::NV12, 1, 41), 42);
  EXPECT_EQ(plane_row_bytes(PixelFormat::P010, 1, 41), 84);
  EXPECT_EQ(plane_height(PixelFormat::I422, 1, 39), 39);
  EXPECT_EQ(plane_row_bytes(PixelFormat::RGBPlanarF32, 2, 5), 20);
}

TEST(Image, CreateAlignsPitchAndRejectsBadSizes) {
  auto img = Image::create({41, 39, PixelFormat::NV12}, MemoryKind::Host);
  ASSERT_TRUE(img) << img.status().to_string();
  EXPECT_EQ(img->view().plane(0).pitch % 64, 0u);
  EXPECT_GE(img->view().plane(1).pitch, 42u);
  auto bad = Image::create({0, 10, PixelFormat::RGB24}, MemoryKind::Host);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.status().code(), StatusCode::InvalidArgument);
  EXPECT_NE(bad.status().message().find("0x10"), std::string::npos);
  auto dev = Image::create({16, 16, PixelFormat::RGB24}, MemoryKind::Device, nullptr);
  ASSERT_FALSE(dev);
  EXPECT_NE(dev.status().message().find("CUDA context"), std::string::npos);
}

TEST(Image, SubViewPointsIntoPlanesAndChecksChromaAlignment) {
  Image img = testing::random_image(40, 30, PixelFormat::NV12, 1);
  auto v = img.view().sub_view({4, 6, 10, 8});
  ASSERT_TRUE(v) << v.status().to_string();
  EXPECT_EQ(v->width(), 10);
  EXPECT_EQ(v->row(0, 0), img.view().row(0, 6) + 4);
  EXPECT_EQ(v->row(1, 0), img.view().row(1, 3) + 4);  // chroma x 2 of 2 bytes
  EXPECT_FALSE(img.view().sub_view({3, 6, 10, 8}));   // odd x splits a chroma sample
  EXPECT_FALSE(img.view().sub_view({4, 6, 40, 8}));   // outside
  EXPECT_TRUE(img.view().sub_view({4, 6, 36, 7}).is_ok() == false);  // odd height not at bottom
  EXPECT_TRUE(img.view().sub_view({4, 6, 36, 24}));   // reaches the edges
}

TEST(Image, HostCopyKeepsPixels) {
  Context cpu;
  Image a = testing::random_image(41, 39, PixelFormat::I420, 3);
  Image b = testing::filled_image(a.desc(), 0);
  ASSERT_TRUE(copy_image(a.view(), b.view(), cpu));
  EXPECT_IMAGES_CLOSE(b.view(), a.view(), 0);
  Image c = testing::filled_image({41, 38, PixelFormat::I420}, 0);
  EXPECT_FALSE(copy_image(a.view(), c.view(), cpu));
}

TEST(Image, DeviceRoundTripKeepsPixels) {
  CALDERA_REQUIRE_GPU();
  Context& gpu = *testing::gpu_context();
  for (PixelFormat f : {PixelFormat::NV12, PixelFormat::P010, PixelFormat::RGBPlanarF16, PixelFormat::RGB24}) {
    Image a = testing::random_image(1921, 1081, f, 5);
    Image d = testing::to_device(a.view(), gpu);
    Image back = testing::to_host(d.view(), gpu);
    EXPECT_IMAGES_CLOSE(back.view(), a.view(), 0) << format_name(f);
  }
}

TEST(Half, RoundTripsAndRoundsToNearestEven) {
  EXPECT_EQ(float_to_half(1.0f), 0x3c00);
  EXPECT_EQ(float_to_half(-2.0f), 0xc000);
  EXPECT_EQ(float_to_half(65504.f), 0x7bff);
  EXPECT_EQ(float_to_half(70000.f), 0x7c00);
  EXPECT_EQ(float_to_half(5.960464477539063e-08f), 0x0001);  // smallest subnormal
  EXPECT_EQ(float_to_half(1.0f + 1.0f / 2048), 0x3c00);      // tie -> even
  EXPECT_EQ(float_to_half(1.0f + 3.0f / 2048), 0x3c02);      // tie -> even (up)
  for (uint32_t h = 0; h < 0x7c00; ++h) {                     // every finite positive half
    EXPECT_EQ(float_to_half(half_to_float(static_cast<uint16_t>(h))), h);
  }
}

TEST(Context, CpuContextAndDeviceChoice) {
  Context cpu;
  EXPECT_FALSE(cpu.is_cuda());
  EXPECT_TRUE(cpu.synchronize());
  EXPECT_FALSE(parse_device_choice("tpu"));
  auto any = Context::create(DeviceChoice::Auto);
  ASSERT_TRUE(any) << any.status().to_string();
  EXPECT_EQ(any->is_cuda(), cuda_device_count() > 0);
  if (cuda_device_count() == 0) {
    auto c = Context::cuda();
    ASSERT_FALSE(c);
    EXPECT_EQ(c.status().code(), StatusCode::Unavailable);
  }
}

TEST(Workspace, TakesAlignedScratchAndReportsExhaustion) {
  alignas(256) static uint8_t buf[4096];
  Workspace ws(buf, sizeof buf);
  auto a = ws.take(100);
  ASSERT_TRUE(a);
  auto b = ws.take(100);
  ASSERT_TRUE(b);
  EXPECT_EQ(static_cast<uint8_t*>(*b) - static_cast<uint8_t*>(*a), 256);
  auto c = ws.take(8192);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.status().code(), StatusCode::OutOfMemory);
  ws.reset();
  EXPECT_EQ(ws.used(), 0u);
}

}  // namespace
}  // namespace caldera

namespace caldera {
namespace {

TEST(Image, NchwTensorViewAddressesBatchItemsAndPlanes) {
  std::vector<float> tensor(2 * 3 * 5 * 4);
  auto v = nchw_tensor_view(tensor.data(), 2, 1, 4, 5, PixelFormat::RGBPlanarF32, MemoryKind::Host);
  ASSERT_TRUE(v) << v.status().to_string();
  EXPECT_EQ(v->plane(0).pitch, 16u);
  EXPECT_EQ(reinterpret_cast<float*>(v->plane(0).data), tensor.data() + 60);
  EXPECT_EQ(reinterpret_cast<float*>(v->plane(2).data), tensor.data() + 60 + 40);
  auto bad = nchw_tensor_view(tensor.data(), 2, 2, 4, 5, PixelFormat::RGBPlanarF32, MemoryKind::Host);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.status().message().find("batch of 2"), std::string::npos);
  EXPECT_FALSE(nchw_tensor_view(tensor.data(), 1, 0, 4, 5, PixelFormat::RGB24, MemoryKind::Host));
}

}  // namespace
}  // namespace caldera
