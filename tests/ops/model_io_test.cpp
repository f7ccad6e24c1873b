// The fused model-input/-output paths: CUDA against the CPU reference on odd sizes and random
// data, and the reference against known values and against round trips.
#include <gtest/gtest.h>

#include <cmath>

#include "caldera/half.hpp"
#include "caldera/ops/model_io.hpp"
#include "support/image_testing.hpp"

namespace caldera {
namespace {

using testing::random_image;

struct InputCase {
  PixelFormat src;
  int sw, sh, dw, dh;
  Interp interp;
  ChromaFilter chroma;
  PixelFormat dst;
};

class ModelInputCuda : public ::testing::TestWithParam<InputCase> {};

TEST_P(ModelInputCuda, MatchesReference) {
  CALDERA_REQUIRE_GPU();
  Context& gpu = *testing::gpu_context();
  const InputCase c = GetParam();
  ModelInputParams p;
  p.interp = c.interp;
  p.chroma = c.chroma;
  p.norm = Normalization{{0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}};
  for (uint64_t seed : {1, 2}) {
    ColorDesc color;
    color.siting = seed == 1 ? ChromaSiting::Left : ChromaSiting::TopLeft;
    color.range = seed == 1 ? Range::Limited : Range::Full;
    Image src = random_image(c.sw, c.sh, c.src, seed, color);
    Image want = testing::filled_image({c.dw, c.dh, c.dst}, 0);
    ASSERT_TRUE(model_input_reference(src.view(), want.view(), p));
    Image dsrc = testing::to_device(src.view(), gpu);
    Image dgot = testing::filled_image({c.dw, c.dh, c.dst}, 0xff, MemoryKind::Device, &gpu);  // NaN poison
    Status s = model_input_cuda(dsrc.view(), dgot.view(), p, gpu.stream());
    ASSERT_TRUE(s) << s.to_string();
    Image got = testing::to_host(dgot.view(), gpu);
    // float32: the kernel filters in float, the reference in double; values are ~(0-0.5)/0.22.
    const double tol = c.dst == PixelFormat::RGBPlanarF32 ? 2e-5 : 1e-2;
    EXPECT_IMAGES_CLOSE(got.view(), want.view(), tol) << format_name(c.src) << " seed " << seed;
  }
}

INSTANTIATE_TEST_SUITE_P(
    OddSizes, ModelInputCuda,
    ::testing::Values(InputCase{PixelFormat::NV12, 1, 1, 1, 1, Interp::Bilinear, ChromaFilter::Linear, PixelFormat::RGBPlanarF32},
                      InputCase{PixelFormat::NV12, 41, 39, 17, 23, Interp::Bilinear, ChromaFilter::Linear, PixelFormat::RGBPlanarF32},
                      InputCase{PixelFormat::NV12, 1921, 1081, 640, 360, Interp::Bilinear, ChromaFilter::Linear, PixelFormat::RGBPlanarF16},
                      InputCase{PixelFormat::NV21, 41, 39, 80, 77, Interp::Bicubic, ChromaFilter::Nearest, PixelFormat::RGBPlanarF32},
                      InputCase{PixelFormat::I420, 3, 5, 7, 2, Interp::Nearest, ChromaFilter::Linear, PixelFormat::RGBPlanarF32},
                      InputCase{PixelFormat::P010, 41, 39, 20, 20, Interp::Bicubic, ChromaFilter::Linear, PixelFormat::RGBPlanarF32},
                      InputCase{PixelFormat::RGB24, 41, 39, 33, 31, Interp::Bilinear, ChromaFilter::Linear, PixelFormat::RGBPlanarF32},
                      InputCase{PixelFormat::BGRA, 41, 39, 96, 96, Interp::Bicubic, ChromaFilter::Linear, PixelFormat::RGBPlanarF16},
                      InputCase{PixelFormat::RGB48, 3, 5, 3, 5, Interp::Nearest, ChromaFilter::Linear, PixelFormat::RGBPlanarF32},
                      // The same size in and out takes the 2x2-block kernel for 4:2:0 sources.
                      InputCase{PixelFormat::NV12, 41, 39, 41, 39, Interp::Bilinear, ChromaFilter::Nearest, PixelFormat::RGBPlanarF32},
                      InputCase{PixelFormat::NV21, 1921, 1081, 1921, 1081, Interp::Bilinear, ChromaFilter::Linear, PixelFormat::RGBPlanarF16},
                      InputCase{PixelFormat::I420, 1920, 1080, 1920, 1080, Interp::Nearest, ChromaFilter::Nearest, PixelFormat::RGBPlanarF32},
                      InputCase{PixelFormat::I420, 3, 5, 3, 5, Interp::Nearest, ChromaFilter::Linear, PixelFormat::RGBPlanarF32},
                      InputCase{PixelFormat::P010, 1, 1, 1, 1, Interp::Bilinear, ChromaFilter::Linear, PixelFormat::RGBPlanarF32},
                      InputCase{PixelFormat::P010, 40, 38, 40, 38, Interp::Bilinear, ChromaFilter::Linear, PixelFormat::RGBPlanarF16},
                      // Exactly half size from 8-bit 4:2:0 takes the 2x2-mean kernel (odd output widths too).
                      InputCase{PixelFormat::NV12, 3840, 2160, 1920, 1080, Interp::Bilinear, ChromaFilter::Linear, PixelFormat::RGBPlanarF32},
                      InputCase{PixelFormat::I420, 82, 78, 41, 39, Interp::Bilinear, ChromaFilter::Linear, PixelFormat::RGBPlanarF16},
                      InputCase{PixelFormat::NV21, 2, 2, 1, 1, Interp::Bilinear, ChromaFilter::Linear, PixelFormat::RGBPlanarF32}));

struct OutputCase {
  PixelFormat src;
  int w, h;
  PixelFormat dst;
  ChromaSiting siting;
  ChromaFilter chroma;
};

class ModelOutputCuda : public ::testing::TestWithParam<OutputCase> {};

TEST_P(ModelOutputCuda, MatchesReference) {
  CALDERA_REQUIRE_GPU();
  Context& gpu = *testing::gpu_context();
  const OutputCase c = GetParam();
  ModelOutputParams p;
  p.chroma = c.chroma;
  p.norm = Normalization{{0.1f, 0.0f, -0.1f}, {1.2f, 1.0f, 0.9f}};  // some values leave [0, 1]: clamping is tested
  ColorDesc color;
  color.siting = c.siting;
  Image src = random_image(c.w, c.h, c.src, 11);
  Image want = testing::filled_image({c.w, c.h, c.dst, color}, 0);
  ASSERT_TRUE(model_output_reference(src.view(), want.view(), p));
  Image dsrc = testing::to_device(src.view(), gpu);
  Image dgot = testing::filled_image({c.w, c.h, c.dst, color}, 0xa5, MemoryKind::Device, &gpu);
  Status s = model_output_cuda(dsrc.view(), dgot.view(), p, gpu.stream());
  ASSERT_TRUE(s) << s.to_string();
  Image got = testing::to_host(dgot.view(), gpu);
  EXPECT_IMAGES_CLOSE(got.view(), want.view(), c.dst == PixelFormat::P010 ? 64 : 1);  // P010: 1 code = 64
}

INSTANTIATE_TEST_SUITE_P(
    OddSizes, ModelOutputCuda,
    ::testing::Values(OutputCase{PixelFormat::RGBPlanarF32, 1, 1, PixelFormat::NV12, ChromaSiting::Left, ChromaFilter::Linear},
                      OutputCase{PixelFormat::RGBPlanarF32, 41, 39, PixelFormat::NV12, ChromaSiting::Left, ChromaFilter::Linear},
                      OutputCase{PixelFormat::RGBPlanarF16, 1921, 1081, PixelFormat::NV12, ChromaSiting::Center, ChromaFilter::Linear},
                      OutputCase{PixelFormat::RGBPlanarF32, 41, 39, PixelFormat::I420, ChromaSiting::TopLeft, ChromaFilter::Linear},
                      OutputCase{PixelFormat::RGBPlanarF32, 3, 5, PixelFormat::NV21, ChromaSiting::Left, ChromaFilter::Nearest},
                      OutputCase{PixelFormat::RGBPlanarF16, 41, 39, PixelFormat::P010, ChromaSiting::Left, ChromaFilter::Linear},
                      OutputCase{PixelFormat::RGBPlanarF32, 41, 39, PixelFormat::RGB24, ChromaSiting::Left, ChromaFilter::Linear},
                      OutputCase{PixelFormat::RGBPlanarF16, 3, 5, PixelFormat::BGRA, ChromaSiting::Left, ChromaFilter::Linear},
                      OutputCase{PixelFormat::RGBPlanarF32, 41, 39, PixelFormat::RGB48, ChromaSiting::Left, ChromaFilter::Linear}));

float tensor_at(const Image& t, int c, int x, int y) {
  return static_cast<float>(testing::sample_at(t.view(), c, x, y, 0));
}

TEST(ModelInputReference, Bt709LimitedWhiteAndBlackAndNormalisation) {
  // A 2x2 NV12 frame: BT.709 limited-range white (Y=235, neutral chroma) on the top row, black
  // (Y=16) on the bottom row. Identity size, nearest: each output is exactly 1 or 0.
  Image src = testing::filled_image({2, 2, PixelFormat::NV12}, 128);
  src.view().row(0, 0)[0] = src.view().row(0, 0)[1] = 235;
  src.view().row(0, 1)[0] = src.view().row(0, 1)[1] = 16;
  Image dst = testing::filled_image({2, 2, PixelFormat::RGBPlanarF32}, 0);
  ModelInputParams p;
  p.interp = Interp::Nearest;
  ASSERT_TRUE(model_input_reference(src.view(), dst.view(), p));
  for (int c = 0; c < 3; ++c) {
    EXPECT_NEAR(tensor_at(dst, c, 1, 0), 1.0f, 1e-6);
    EXPECT_NEAR(tensor_at(dst, c, 0, 1), 0.0f, 1e-6);
  }
  p.norm = Normalization{{0.5f, 0.5f, 0.5f}, {0.25f, 0.5f, 1.0f}};
  ASSERT_TRUE(model_input_reference(src.view(), dst.view(), p));
  EXPECT_NEAR(tensor_at(dst, 0, 0, 0), 2.0f, 1e-6);   // (1 - 0.5) / 0.25
  EXPECT_NEAR(tensor_at(dst, 1, 0, 1), -1.0f, 1e-6);  // (0 - 0.5) / 0.5
}

TEST(ModelInputReference, Bt709PureRedFromItsYuvCodes) {
  // BT.709 limited: pure red is Y = 16 + 219*0.2126 = 62.56, Cb = 128 - 112*0.2126/0.9278 = 102.34,
  // Cr = 128 + 112 = 240. Rounded codes 63/102/240 decode to red within a code.
  Image src = testing::filled_image({2, 2, PixelFormat::I420}, 0);
  for (int y = 0; y < 2; ++y) src.view().row(0, y)[0] = src.view().row(0, y)[1] = 63;
  src.view().row(1, 0)[0] = 102;
  src.view().row(2, 0)[0] = 240;
  Image dst = testing::filled_image({2, 2, PixelFormat::RGBPlanarF32}, 0);
  ASSERT_TRUE(model_input_reference(src.view(), dst.view(), ModelInputParams{}));
  EXPECT_NEAR(tensor_at(dst, 0, 0, 0), 1.0f, 2.0 / 255);
  EXPECT_NEAR(tensor_at(dst, 1, 0, 0), 0.0f, 2.0 / 255);
  EXPECT_NEAR(tensor_at(dst, 2, 0, 0), 0.0f, 2.0 / 255);
}

TEST(ModelInputReference, BilinearHalvingAveragesPairs) {
  // 4x1 gray-ish RGB row 0, 100, 200, 250 -> 2x1: bilinear at x = 0.5 and 2.5 averages pairs.
  Image src = testing::filled_image({4, 1, PixelFormat::RGB24}, 0);
  const uint8_t v[4] = {0, 100, 200, 250};
  for (int x = 0; x < 4; ++x)
    for (int c = 0; c < 3; ++c) src.view().row(0, 0)[3 * x + c] = v[x];
  Image dst = testing::filled_image({2, 1, PixelFormat::RGBPlanarF32}, 0);
  ASSERT_TRUE(model_input_reference(src.view(), dst.view(), ModelInputParams{}));
  EXPECT_NEAR(tensor_at(dst, 0, 0, 0), 50.0 / 255, 1e-6);
  EXPECT_NEAR(tensor_at(dst, 2, 1, 0), 225.0 / 255, 1e-6);
}

TEST(ModelOutputReference, RoundTripThroughTheInputPathKeepsRgb) {
  // rgb24 -> planar f32 (identity size) -> rgb24 is exact.
  Image src = random_image(41, 39, PixelFormat::RGB24, 3);
  Image t = testing::filled_image({41, 39, PixelFormat::RGBPlanarF32}, 0);
  ModelInputParams in;
  in.norm = Normalization{{0.4f, 0.5f, 0.6f}, {0.2f, 0.3f, 0.25f}};
  ASSERT_TRUE(model_input_reference(src.view(), t.view(), in));
  Image back = testing::filled_image(src.desc(), 0);
  ModelOutputParams out;
  out.norm = in.norm;
  ASSERT_TRUE(model_output_reference(t.view(), back.view(), out));
  EXPECT_IMAGES_CLOSE(back.view(), src.view(), 0);
}

TEST(ModelOutputReference, GreyGivesNeutralChromaAndLimitedRangeLuma) {
  Image t = testing::filled_image({5, 3, PixelFormat::RGBPlanarF32}, 0);  // all 0.0 = black
  Image nv12 = testing::filled_image({5, 3, PixelFormat::NV12}, 0);
  ASSERT_TRUE(model_output_reference(t.view(), nv12.view(), ModelOutputParams{}));
  EXPECT_EQ(nv12.view().row(0, 2)[4], 16);   // black in limited range
  EXPECT_EQ(nv12.view().row(1, 1)[4], 128);  // Cb of the last (half-outside) chroma sample
  EXPECT_EQ(nv12.view().row(1, 1)[5], 128);
}

TEST(ModelIo, ErrorsNameTheProblem) {
  Image src = random_image(8, 8, PixelFormat::I444, 1);
  Image dst = testing::filled_image({8, 8, PixelFormat::RGBPlanarF32}, 0);
  Status s = model_input_reference(src.view(), dst.view(), ModelInputParams{});
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("i444"), std::string::npos) << s.message();
  Image nv12 = random_image(8, 8, PixelFormat::NV12, 1);
  ModelInputParams bad;
  bad.norm.std[1] = 0;
  s = model_input_reference(nv12.view(), dst.view(), bad);
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("std[1]"), std::string::npos) << s.message();
  Image small = testing::filled_image({4, 8, PixelFormat::NV12}, 0);
  s = model_output_reference(dst.view(), small.view(), ModelOutputParams{});
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("does not resize"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace caldera

namespace caldera {
namespace {

// A batch of two in one dense NCHW f16 buffer of odd width: the views' rows are 82 bytes apart,
// so the 2-pixel vector stores must not be used; item 0 must stay untouched.
TEST(ModelInputCudaBatch, FillsOneItemOfAnOddWidthNchwTensor) {
  CALDERA_REQUIRE_GPU();
  Context& gpu = *testing::gpu_context();
  const int w = 41, h = 39;
  Image src = testing::random_image(w, h, PixelFormat::NV12, 5);
  Image want = testing::filled_image({w, h, PixelFormat::RGBPlanarF16}, 0);
  ASSERT_TRUE(model_input_reference(src.view(), want.view(), ModelInputParams{}));
  auto buf = DeviceBuffer::allocate(2 * 3 * static_cast<size_t>(w) * h * 2, gpu.stream());
  ASSERT_TRUE(buf) << buf.status().to_string();
  auto item0 = nchw_tensor_view(buf->data(), 2, 0, w, h, PixelFormat::RGBPlanarF16, MemoryKind::Device, 0);
  auto item1 = nchw_tensor_view(buf->data(), 2, 1, w, h, PixelFormat::RGBPlanarF16, MemoryKind::Device, 0);
  ASSERT_TRUE(item0 && item1);
  Image poison = testing::filled_image(item0->desc(), 0x7b);  // 0x7b7b: a finite half, 60768
  ASSERT_TRUE(copy_image(poison.view(), *item0, gpu));
  ASSERT_TRUE(copy_image(poison.view(), *item1, gpu));
  Image dsrc = testing::to_device(src.view(), gpu);
  Status s = model_input_cuda(dsrc.view(), *item1, ModelInputParams{}, gpu.stream());
  ASSERT_TRUE(s) << s.to_string();
  Image got1 = testing::to_host(*item1, gpu), got0 = testing::to_host(*item0, gpu);
  EXPECT_IMAGES_CLOSE(got1.view(), want.view(), 1e-2);
  EXPECT_IMAGES_CLOSE(got0.view(), poison.view(), 0);
}

}  // namespace
}  // namespace caldera
