// Inverse tone mapping (BT.2446 method A) against the report's steps written out here in double,
// its properties, the metadata it writes, and CUDA (fused NV12 -> P010 and generic) against the
// reference.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "caldera/ops/tonemap.hpp"
#include "core/sample_io.hpp"
#include "support/image_testing.hpp"

namespace caldera {
namespace {

// Report ITU-R BT.2446-1, method A, SDR -> HDR, on BT.2020 R'G'B'; returns cd/m2.
void method_a(const double in[3], double out[3]) {
  const double y = 0.2627 * in[0] + 0.6780 * in[1] + 0.0593 * in[2];
  const double cb = (in[2] - y) / 1.8814, cr = (in[0] - y) / 1.4746;
  const double y2 = 255 * y;
  const double e = y2 <= 70 ? 1.8712e-5 * y2 * y2 - 2.7334e-3 * y2 + 1.3141 : 2.8305e-6 * y2 * y2 - 7.4622e-4 * y2 + 1.2528;
  const double yh = std::pow(y2, e);
  const double sc = y > 0 ? 1.075 * yh / y : 1;
  const double rgb[3] = {yh + 1.4746 * cr * sc, yh - 0.16455 * cb * sc - 0.57135 * cr * sc, yh + 1.8814 * cb * sc};
  for (int i = 0; i < 3; ++i) out[i] = 1000 * std::pow(std::clamp(rgb[i], 0.0, 1000.0) / 1000, 2.4);
}

ColorDesc sdr2020() {
  ColorDesc c;
  c.primaries = Primaries::BT2020, c.matrix = Matrix::BT2020NCL;
  return c;
}
ColorDesc pq2020() {
  ColorDesc c = sdr2020();
  c.transfer = Transfer::PQ;
  return c;
}

float f32(ConstImageView img, int plane, int x, int y) {
  float v;
  std::memcpy(&v, img.row(plane, y) + 4 * x, 4);
  return v;
}
void put_f32(ImageView img, int plane, int x, int y, float v) { std::memcpy(img.row(plane, y) + 4 * x, &v, 4); }

TEST(InverseTonemap, FollowsTheReportsSteps) {
  const double colours[][3] = {{1, 1, 1}, {0, 0, 0}, {0.5, 0.5, 0.5}, {0.9, 0.2, 0.1}, {0.1, 0.8, 0.3},
                               {0.2, 0.3, 0.95}, {0.04, 0.03, 0.02}, {0.99, 0.98, 0.2}};
  constexpr int n = sizeof(colours) / sizeof(colours[0]);
  Image src = testing::filled_image({n, 1, PixelFormat::RGBPlanarF32, sdr2020()}, 0);
  for (int i = 0; i < n; ++i)
    for (int c = 0; c < 3; ++c) put_f32(src.view(), c, i, 0, static_cast<float>(colours[i][c]));
  Image dst = testing::filled_image({n, 1, PixelFormat::RGBPlanarF32, pq2020()}, 0);
  InverseToneMapParams p;
  p.gamut.mapping = GamutMapping::None;
  ASSERT_TRUE(inverse_tonemap_reference(src.view(), dst.view(), p));
  for (int i = 0; i < n; ++i) {
    double in[3], want[3];
    for (int c = 0; c < 3; ++c) in[c] = static_cast<float>(colours[i][c]);
    method_a(in, want);
    for (int c = 0; c < 3; ++c) EXPECT_NEAR(f32(dst.view(), c, i, 0), pq_inverse_eotf(want[c]), 2e-6) << i << " " << c;
  }
  // SDR white lands on 1000 cd/m2, as the method is built to.
  EXPECT_NEAR(pq_eotf(f32(dst.view(), 1, 0, 0)), 1000, 1.0);
}

TEST(InverseTonemap, Bt709SourcesAreConvertedToBt2020First) {
  // A BT.709 source: linearise (2.4), BT.709 -> BT.2020, re-encode, then the method.
  ColorDesc s709;  // BT.709 primaries, BT.1886
  Image src = testing::filled_image({1, 1, PixelFormat::RGBPlanarF32, s709}, 0);
  const double c709[3] = {0.8, 0.3, 0.2};
  for (int c = 0; c < 3; ++c) put_f32(src.view(), c, 0, 0, static_cast<float>(c709[c]));
  Image dst = testing::filled_image({1, 1, PixelFormat::RGBPlanarF32, pq2020()}, 0);
  ASSERT_TRUE(inverse_tonemap_reference(src.view(), dst.view(), InverseToneMapParams{}));
  const Matrix3 m = gamut_matrix(Primaries::BT709, Primaries::BT2020);
  double lin[3], in[3], want[3];
  for (int c = 0; c < 3; ++c) lin[c] = std::pow(static_cast<double>(static_cast<float>(c709[c])), 2.4);
  for (int r = 0; r < 3; ++r) in[r] = std::pow(m[r][0] * lin[0] + m[r][1] * lin[1] + m[r][2] * lin[2], 1 / 2.4);
  method_a(in, want);
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(f32(dst.view(), c, 0, 0), pq_inverse_eotf(want[c]), 2e-6) << c;
}

TEST(InverseTonemap, GreyRampIsMonotonicAndBlackStaysBlack) {
  Image src = testing::filled_image({440, 2, PixelFormat::NV12, ColorDesc{}}, 0);
  for (int x = 0; x < 440; ++x)
    for (int y = 0; y < 2; ++y) write_code(src.view(), 0, x, y, 0, 16 + x / 2);
  for (int x = 0; x < 220; ++x) write_code(src.view(), 1, x, 0, 0, 128), write_code(src.view(), 1, x, 0, 1, 128);
  Image dst = testing::filled_image({440, 2, PixelFormat::P010, pq2020()}, 0);
  ASSERT_TRUE(inverse_tonemap_reference(src.view(), dst.view(), InverseToneMapParams{}));
  EXPECT_EQ(read_code(dst.view(), 0, 0, 0, 0), 64);
  EXPECT_EQ(read_code(dst.view(), 1, 0, 0, 0), 512);
  for (int x = 2; x < 440; x += 2) EXPECT_GE(read_code(dst.view(), 0, x, 0, 0), read_code(dst.view(), 0, x - 2, 0, 0)) << x;
  EXPECT_EQ(read_code(dst.view(), 0, 438, 0, 0), std::lround(64 + 876 * pq_inverse_eotf(1000)));  // SDR white
}

TEST(InverseTonemap, ChecksAndMetadata) {
  EXPECT_NE(check_inverse_tonemap({8, 8, PixelFormat::P010, pq2020()}, {8, 8, PixelFormat::P010, pq2020()}, {})
                .message()
                .find("BT.1886"),
            std::string::npos);
  EXPECT_NE(check_inverse_tonemap({8, 8, PixelFormat::NV12, ColorDesc{}}, {8, 8, PixelFormat::NV12, ColorDesc{}}, {})
                .message()
                .find("pq or hlg"),
            std::string::npos);
  const ColorDesc out = inverse_tonemapped_color(pq2020());
  ASSERT_TRUE(out.hdr.mastering && out.hdr.content_light);
  EXPECT_EQ(out.hdr.mastering->max_luminance, 1000);
  EXPECT_EQ(out.hdr.mastering->green_y, 0.797);
  EXPECT_EQ(out.hdr.content_light->max_cll, 1000);
}

void expect_cuda_matches(const ImageDesc& sd, const ImageDesc& dd, uint64_t seed) {
  Context& gpu = *testing::gpu_context();
  Image src = testing::random_image(sd, seed);
  Image want = testing::filled_image(dd, 0);
  ASSERT_TRUE(inverse_tonemap_reference(src.view(), want.view(), InverseToneMapParams{}));
  Image dsrc = testing::to_device(src.view(), gpu);
  Image ddst = testing::filled_image(dd, 0xA5, MemoryKind::Device, &gpu);
  ASSERT_TRUE(inverse_tonemap_cuda(dsrc.view(), ddst.view(), InverseToneMapParams{}, gpu.workspace(), gpu.stream()));
  const double tol = is_float(dd.format) ? 2e-4 : (format_info(dd.format).msb_shift ? 64 : 1);
  // Within 1 code but for black pixels with chroma: the method's chroma scale is 1 at Y' = 0 and
  // goes to 0 as Y' -> 0, so where Y' is 0 up to rounding, float and double land on either side
  // (a few 10-bit codes of PQ). Measured on the host emulation of the fused kernel on random frames:
  // 3 codes at most, 1.7e-4 of the samples beyond 1 code (FusedSdrHdr10Emulated.*).
  EXPECT_IMAGES_MOSTLY_CLOSE(testing::to_host(ddst.view(), gpu).view(), want.view(), tol, 1e-3, 4 * tol)
      << format_name(sd.format) << " -> " << format_name(dd.format) << " " << sd.width << "x" << sd.height;
}

TEST(InverseTonemapCuda, FusedAndGenericMatchReference) {
  CALDERA_REQUIRE_GPU();
  ColorDesc hlg = pq2020();
  hlg.transfer = Transfer::HLG;
  for (auto [w, h] : {std::pair{1, 1}, std::pair{3, 5}, std::pair{41, 39}, std::pair{8, 2}, std::pair{1921, 1081}}) {
    expect_cuda_matches({w, h, PixelFormat::NV12, ColorDesc{}}, {w, h, PixelFormat::P010, pq2020()}, 3);    // fused
    expect_cuda_matches({w, h, PixelFormat::NV12, sdr2020()}, {w, h, PixelFormat::P010, pq2020()}, 4);      // fused, no convert
    expect_cuda_matches({w, h, PixelFormat::RGB24, ColorDesc{}}, {w, h, PixelFormat::RGB48, pq2020()}, 5);  // generic
    expect_cuda_matches({w, h, PixelFormat::I420, ColorDesc{}}, {w, h, PixelFormat::YUV420P10, hlg}, 6);
  }
}

}  // namespace
}  // namespace caldera
