// Tests of src/ops/color: the reference against published values and hand-computed filters
// (CPU, run in CI), round trips and error messages, and the CUDA kernels against the reference
// for every pair of formats on odd sizes (GPU only).
#include <gtest/gtest.h>

#include <tuple>

#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "caldera/ops/color_convert.hpp"
#include "support/image_testing.hpp"

namespace caldera {
namespace {

using testing::filled_image;
using testing::random_image;

constexpr ColorDesc color(Matrix m, Range r, ChromaSiting s = ChromaSiting::Left) {
  ColorDesc c;
  c.matrix = m, c.range = r, c.siting = s;
  return c;
}

Image run_reference(ConstImageView src, const ImageDesc& dst_desc, const ConvertParams& params, uint8_t poison = 0xA5) {
  Image dst = filled_image(dst_desc, poison);
  Status s = convert_reference(src, dst.view(), params);
  EXPECT_TRUE(s) << s.to_string();
  return dst;
}

Image run_cuda(ConstImageView src_host, const ImageDesc& dst_desc, const ConvertParams& params) {
  Context& gpu = *testing::gpu_context();
  Image src = testing::to_device(src_host, gpu);
  Image dst = filled_image(dst_desc, 0xA5, MemoryKind::Device, &gpu);  // poison: every sample must be written
  Status s = convert_cuda(src.view(), dst.view(), params, gpu.workspace(), gpu.stream());
  EXPECT_TRUE(s) << s.to_string();
  return testing::to_host(dst.view(), gpu);
}

// Tolerance in stored units: 1 code (P010 keeps codes << 6), 1e-5 for float32, 2e-3 for half.
double tolerance(PixelFormat f) {
  if (f == PixelFormat::RGBPlanarF32) return 1e-5;
  if (f == PixelFormat::RGBPlanarF16) return 2e-3;
  return f == PixelFormat::P010 ? 64 : 1;
}

void set_sample(ImageView v, int plane, int x, int y, int c, unsigned code) {
  const FormatInfo& fi = format_info(v.format());
  const size_t i = static_cast<size_t>(x) * fi.planes[plane].channels + c;
  if (fi.sample == SampleType::U8) {
    v.row(plane, y)[i] = static_cast<uint8_t>(code);
  } else {
    const uint16_t w = static_cast<uint16_t>(code << fi.msb_shift);
    std::memcpy(v.row(plane, y) + 2 * i, &w, 2);
  }
}
double get(ConstImageView v, int plane, int x, int y, int c = 0) { return testing::sample_at(v, plane, x, y, c); }

std::vector<PixelFormat> all_formats() {
  std::vector<PixelFormat> v;
  for (int i = 0; i < kPixelFormatCount; ++i) v.push_back(static_cast<PixelFormat>(i));
  return v;
}

// ---- known values ---------------------------------------------------------------------------------

// 75% colour bars, BT.709 limited range 8 bit (SMPTE RP 219): RGB 191 = 0.75 * 255 rounded.
// Expected codes from Y' = 0.2126 R + 0.7152 G + 0.0722 B, Cb = (B - Y') / 1.8556,
// Cr = (R - Y') / 1.5748, Y = 16 + 219 Y', C = 128 + 224 C, e.g. yellow (191, 191, 0):
// Y' = 0.9278 * 0.74902 = 0.69494 -> 168.19 -> 168; Cb = -0.37451 -> 44.11 -> 44;
// Cr = 0.03434 -> 135.69 -> 136.
struct Bar {
  const char* name;
  int r, g, b;
  int y, u, v;
};
constexpr Bar kBt709Bars[] = {
    {"white", 191, 191, 191, 180, 128, 128}, {"yellow", 191, 191, 0, 168, 44, 136},
    {"cyan", 0, 191, 191, 145, 147, 44},     {"green", 0, 191, 0, 133, 63, 52},
    {"magenta", 191, 0, 191, 63, 193, 204},  {"red", 191, 0, 0, 51, 109, 212},
    {"blue", 0, 0, 191, 28, 212, 120},       {"black", 0, 0, 0, 16, 128, 128},
};

TEST(ColorConvertReference, Bt709ColourBarsEncodeToPublishedCodes) {
  for (const Bar& bar : kBt709Bars) {
    Image rgb = filled_image({2, 2, PixelFormat::RGB24}, 0);
    for (int y = 0; y < 2; ++y)
      for (int x = 0; x < 2; ++x) {
        set_sample(rgb.view(), 0, x, y, 0, bar.r), set_sample(rgb.view(), 0, x, y, 1, bar.g);
        set_sample(rgb.view(), 0, x, y, 2, bar.b);
      }
    for (PixelFormat f : {PixelFormat::I444, PixelFormat::NV12, PixelFormat::I420}) {
      Image yuv = run_reference(rgb.view(), {2, 2, f, color(Matrix::BT709, Range::Limited)}, {});
      const int vp = format_info(f).num_planes == 2 ? 1 : 2, vc = format_info(f).num_planes == 2 ? 1 : 0;
      EXPECT_EQ(get(yuv.view(), 0, 1, 1), bar.y) << bar.name << " " << format_name(f);
      EXPECT_EQ(get(yuv.view(), 1, 0, 0, 0), bar.u) << bar.name << " " << format_name(f);
      EXPECT_EQ(get(yuv.view(), vp, 0, 0, vc), bar.v) << bar.name << " " << format_name(f);
    }
    // And back: the codes decode to the bar within one code (the codes are rounded).
    Image yuv = filled_image({1, 1, PixelFormat::I444, color(Matrix::BT709, Range::Limited)}, 0);
    set_sample(yuv.view(), 0, 0, 0, 0, bar.y), set_sample(yuv.view(), 1, 0, 0, 0, bar.u);
    set_sample(yuv.view(), 2, 0, 0, 0, bar.v);
    Image back = run_reference(yuv.view(), {1, 1, PixelFormat::RGB24}, {});
    EXPECT_NEAR(get(back.view(), 0, 0, 0, 0), bar.r, 1) << bar.name;
    EXPECT_NEAR(get(back.view(), 0, 0, 0, 1), bar.g, 1) << bar.name;
    EXPECT_NEAR(get(back.view(), 0, 0, 0, 2), bar.b, 1) << bar.name;
  }
}

// 75% bars, BT.2020 (Kr 0.2627, Kb 0.0593) limited range 10 bit (ITU-R BT.2111 levels) from
// exact 0.75 float RGB: Y = 64 + 876 Y', C = 512 + 896 C. E.g. yellow: Y' = 0.9407 * 0.75 =
// 0.705525 -> 682.04 -> 682; Cb = -0.705525 / 1.8814 = -0.375 -> 176; Cr = 0.044475 / 1.4746 =
// 0.030161 -> 539.02 -> 539.
constexpr Bar kBt2020Bars[] = {
    {"white", 1, 1, 1, 721, 512, 512}, {"yellow", 1, 1, 0, 682, 176, 539}, {"cyan", 0, 1, 1, 548, 606, 176},
    {"green", 0, 1, 0, 509, 270, 203}, {"magenta", 1, 0, 1, 276, 754, 821}, {"red", 1, 0, 0, 237, 418, 848},
    {"blue", 0, 0, 1, 103, 848, 485},  {"black", 0, 0, 0, 64, 512, 512},
};

TEST(ColorConvertReference, Bt2020TenBitColourBarsEncodeToPublishedCodes) {
  for (const Bar& bar : kBt2020Bars) {
    Image rgb = filled_image({2, 2, PixelFormat::RGBPlanarF32}, 0);
    for (int y = 0; y < 2; ++y)
      for (int x = 0; x < 2; ++x) {
        const float c[3] = {0.75f * bar.r, 0.75f * bar.g, 0.75f * bar.b};
        for (int p = 0; p < 3; ++p) std::memcpy(rgb.view().row(p, y) + 4 * x, &c[p], 4);
      }
    for (PixelFormat f : {PixelFormat::P010, PixelFormat::YUV420P10}) {
      Image yuv = run_reference(rgb.view(), {2, 2, f, color(Matrix::BT2020NCL, Range::Limited)}, {});
      const int shift = format_info(f).msb_shift;
      const int vp = f == PixelFormat::P010 ? 1 : 2, vc = f == PixelFormat::P010 ? 1 : 0;
      EXPECT_EQ(get(yuv.view(), 0, 1, 0), bar.y << shift) << bar.name << " " << format_name(f);
      EXPECT_EQ(get(yuv.view(), 1, 0, 0, 0), bar.u << shift) << bar.name << " " << format_name(f);
      EXPECT_EQ(get(yuv.view(), vp, 0, 0, vc), bar.v << shift) << bar.name << " " << format_name(f);
    }
  }
}

TEST(ColorConvertReference, FullRangeAndGrayLevels) {
  // Full range 8 bit: white 255, black 0, chroma 128; gray is full-range luma.
  Image rgb = filled_image({1, 1, PixelFormat::RGB24}, 255);
  Image yuv = run_reference(rgb.view(), {1, 1, PixelFormat::I444, color(Matrix::BT601, Range::Full)}, {});
  EXPECT_EQ(get(yuv.view(), 0, 0, 0), 255);
  EXPECT_EQ(get(yuv.view(), 1, 0, 0), 128);
  EXPECT_EQ(get(yuv.view(), 2, 0, 0), 128);
  Image from_yuv = filled_image({1, 1, PixelFormat::I444, color(Matrix::BT709, Range::Limited)}, 128);
  set_sample(from_yuv.view(), 0, 0, 0, 0, 235);
  Image g = run_reference(from_yuv.view(), {1, 1, PixelFormat::Gray8}, {});
  EXPECT_EQ(get(g.view(), 0, 0, 0), 255);
  // Gray 255 -> limited 16-bit luma 235 * 256, chroma neutral 128 * 256.
  Image p016 = run_reference(filled_image({2, 2, PixelFormat::Gray8}, 255).view(),
                             {2, 2, PixelFormat::P016, color(Matrix::BT709, Range::Limited)}, {});
  EXPECT_EQ(get(p016.view(), 0, 0, 0), 235 * 256);
  EXPECT_EQ(get(p016.view(), 1, 0, 0, 0), 128 * 256);
  EXPECT_EQ(get(p016.view(), 1, 0, 0, 1), 128 * 256);
  // RGB -> gray uses the destination matrix: BT.601 luma of pure red 255 = 0.299 * 255 = 76.2.
  Image red = filled_image({1, 1, PixelFormat::RGB24}, 0);
  set_sample(red.view(), 0, 0, 0, 0, 255);
  Image luma = run_reference(red.view(), {1, 1, PixelFormat::Gray8, color(Matrix::BT601, Range::Full)}, {});
  EXPECT_EQ(get(luma.view(), 0, 0, 0), 76);
}

// ---- chroma filters, by hand -----------------------------------------------------------------------

// I420 4x4 with U = [[0, 128], [64, 192]] brought to I444 (same matrix: no RGB round trip, so the
// upsampled chroma is visible as codes).
Image upsample_probe(ChromaSiting siting, ChromaFilter filter) {
  Image src = filled_image({4, 4, PixelFormat::I420, color(Matrix::BT709, Range::Limited, siting)}, 128);
  set_sample(src.view(), 1, 0, 0, 0, 0), set_sample(src.view(), 1, 1, 0, 0, 128);
  set_sample(src.view(), 1, 0, 1, 0, 64), set_sample(src.view(), 1, 1, 1, 0, 192);
  ConvertParams p;
  p.chroma = filter;
  return run_reference(src.view(), {4, 4, PixelFormat::I444, color(Matrix::BT709, Range::Limited)}, p);
}

TEST(ColorConvertReference, ChromaUpsamplingFollowsTheSiting) {
  // Left siting: sample i at luma x = 2i, row j at luma y = 2j + 0.5. Pixel (1, 1): halfway
  // between columns 0 and 1, a quarter of the way from row 0 to row 1:
  // 0.75 * (0 + 128) / 2 + 0.25 * (64 + 192) / 2 = 48 + 32 = 80.
  Image left = upsample_probe(ChromaSiting::Left, ChromaFilter::Linear);
  EXPECT_EQ(get(left.view(), 1, 1, 1), 80);
  EXPECT_EQ(get(left.view(), 1, 0, 0), 0);     // on sample (0, 0) horizontally, above row 0: clamped
  EXPECT_EQ(get(left.view(), 1, 2, 0), 128);   // on sample (1, 0)
  EXPECT_EQ(get(left.view(), 1, 3, 3), 192);   // past the last sample: clamped
  EXPECT_EQ(get(left.view(), 1, 0, 2), 48);    // 0.25 * 0 + 0.75 * 64
  // Center: sample i at x = 2i + 0.5; pixel (1, 1): x weights 0.75 / 0.25, y weights 0.75 / 0.25:
  // 0.75 * (0.75 * 0 + 0.25 * 128) + 0.25 * (0.75 * 64 + 0.25 * 192) = 24 + 24 = 48.
  Image center = upsample_probe(ChromaSiting::Center, ChromaFilter::Linear);
  EXPECT_EQ(get(center.view(), 1, 1, 1), 48);
  // Top-left: row j at y = 2j. Pixel (1, 1): halfway in both: (0 + 128 + 64 + 192) / 4 = 96.
  Image top_left = upsample_probe(ChromaSiting::TopLeft, ChromaFilter::Linear);
  EXPECT_EQ(get(top_left.view(), 1, 1, 1), 96);
  EXPECT_EQ(get(top_left.view(), 1, 0, 0), 0);
  // Nearest: each sample covers its 2x2 block.
  Image nearest = upsample_probe(ChromaSiting::Left, ChromaFilter::Nearest);
  EXPECT_EQ(get(nearest.view(), 1, 1, 1), 0);
  EXPECT_EQ(get(nearest.view(), 1, 3, 2), 192);
}

TEST(ColorConvertReference, ChromaDownsamplingFollowsTheSiting) {
  Image src = filled_image({4, 3, PixelFormat::I444, color(Matrix::BT709, Range::Limited)}, 128);
  const unsigned cols[4] = {0, 40, 80, 200};
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 4; ++x) set_sample(src.view(), 1, x, y, 0, y == 2 ? 101 : cols[x]);
  auto down = [&](ChromaSiting s, ChromaFilter f) {
    ConvertParams p;
    p.chroma = f;
    return run_reference(src.view(), {4, 3, PixelFormat::I420, color(Matrix::BT709, Range::Limited, s)}, p);
  };
  // I444 4x3 with U columns [0, 40, 80, 200] on rows 0 and 1 and 101 on row 2, to I420.
  // Box (nearest, or center siting): (0 + 40) / 2 = 20, (80 + 200) / 2 = 140; the last row pair
  // has only row 2 inside: 101.
  Image boxes[2] = {down(ChromaSiting::Center, ChromaFilter::Linear), down(ChromaSiting::Left, ChromaFilter::Nearest)};
  for (const Image& img : boxes) {
    EXPECT_EQ(get(img.view(), 1, 0, 0), 20);
    EXPECT_EQ(get(img.view(), 1, 1, 0), 140);
    EXPECT_EQ(get(img.view(), 1, 1, 1), 101);
  }
  // Left: [1 2 1]/4 on columns 2i-1, 2i, 2i+1 (clamped): (0 + 0 + 40) / 4 = 10 -> 10;
  // (40 + 160 + 200) / 4 = 100.
  Image left = down(ChromaSiting::Left, ChromaFilter::Linear);
  EXPECT_EQ(get(left.view(), 1, 0, 0), 10);
  EXPECT_EQ(get(left.view(), 1, 1, 0), 100);
  // Top-left: [1 2 1]/4 vertically too, rows 2j-1 (clamped to 0), 2j, 2j+1 -> rows 0, 0, 1 agree:
  // same as left for j = 0; for j = 1 rows 1, 2, 3 -> 2 (clamped): row 1 filtered (10 at i = 0)
  // / 4 + 3/4 * 101 = 2.5 + 75.75 = 78.25 -> 78.
  Image top_left = down(ChromaSiting::TopLeft, ChromaFilter::Linear);
  EXPECT_EQ(get(top_left.view(), 1, 0, 0), 10);
  EXPECT_EQ(get(top_left.view(), 1, 0, 1), 78);
}

TEST(ColorConvertReference, AlphaIsCopiedOrWritten) {
  Image rgba = random_image(5, 3, PixelFormat::RGBA, 11);
  Image bgra = run_reference(rgba.view(), {5, 3, PixelFormat::BGRA}, {});
  for (int x = 0; x < 5; ++x) {
    EXPECT_EQ(get(bgra.view(), 0, x, 2, 3), get(rgba.view(), 0, x, 2, 3));
    EXPECT_EQ(get(bgra.view(), 0, x, 2, 0), get(rgba.view(), 0, x, 2, 2));
  }
  ConvertParams half;
  half.alpha = 0.5f;  // round(127.5) = 128
  Image out = run_reference(random_image(3, 3, PixelFormat::NV12, 2).view(), {3, 3, PixelFormat::BGRA}, half);
  EXPECT_EQ(get(out.view(), 0, 2, 2, 3), 128);
}

// ---- round trips ------------------------------------------------------------------------------------

TEST(ColorConvertReference, RepacksAndBitDepthChangesAreExact) {
  const ColorDesc c = color(Matrix::BT709, Range::Limited);
  auto round_trip = [&](PixelFormat a, PixelFormat b, uint64_t seed) {
    Image src = random_image({41, 39, a, c}, seed);
    Image mid = run_reference(src.view(), {41, 39, b, c}, {});
    Image back = run_reference(mid.view(), {41, 39, a, c}, {});
    EXPECT_IMAGES_CLOSE(back.view(), src.view(), 0) << format_name(a) << " -> " << format_name(b);
  };
  round_trip(PixelFormat::NV12, PixelFormat::I420, 1);
  round_trip(PixelFormat::I420, PixelFormat::NV12, 2);
  round_trip(PixelFormat::NV12, PixelFormat::NV21, 3);
  round_trip(PixelFormat::P010, PixelFormat::YUV420P10, 4);
  round_trip(PixelFormat::YUV420P10, PixelFormat::P010, 5);
  round_trip(PixelFormat::I420, PixelFormat::P010, 6);   // 8 -> 10 bit limited is * 4
  round_trip(PixelFormat::NV12, PixelFormat::P016, 7);
  round_trip(PixelFormat::Gray8, PixelFormat::Gray16, 8);
  round_trip(PixelFormat::RGB24, PixelFormat::BGRA, 9);
  round_trip(PixelFormat::RGB24, PixelFormat::RGB48, 10);
  round_trip(PixelFormat::RGB24, PixelFormat::RGBPlanarF32, 11);
  // NV12 -> I420 keeps every code (not just the round trip).
  Image nv12 = random_image({41, 39, PixelFormat::NV12, c}, 12);
  Image i420 = run_reference(nv12.view(), {41, 39, PixelFormat::I420, c}, {});
  EXPECT_EQ(get(i420.view(), 2, 20, 19), get(nv12.view(), 1, 20, 19, 1));
}

TEST(ColorConvertReference, RgbThroughI444RoundTripsWithinQuantisation) {
  // Every 8-bit RGB lies inside the limited-range Y'CbCr cube, so nothing clamps; the 8-bit
  // codes carry Y' to 1/438 and C to 1/448, which through the matrix (|B - Y'| gain 1.8556)
  // can move a channel by up to 2 codes. Observed over these samples: at most 2, and most exact.
  for (Matrix m : {Matrix::BT601, Matrix::BT709, Matrix::BT2020NCL}) {
    Image rgb = random_image(64, 64, PixelFormat::RGB24, 21);
    Image yuv = run_reference(rgb.view(), {64, 64, PixelFormat::I444, color(m, Range::Limited)}, {});
    Image back = run_reference(yuv.view(), {64, 64, PixelFormat::RGB24}, {});
    const auto d1 = testing::compare_images(back.view(), rgb.view(), 1);
    EXPECT_LE(d1.max_abs, 2) << matrix_name(m) << ": " << d1.to_string();
    EXPECT_LT(d1.samples_over_tol, d1.samples / 50) << matrix_name(m) << ": " << d1.to_string();
  }
}

// ---- every pair, on the CPU: runs, writes every sample, odd sizes ---------------------------------------

TEST(ColorConvertReference, EveryPairWritesEverySampleOnOddSizes) {
  for (PixelFormat sf : all_formats())
    for (PixelFormat df : all_formats())
      for (auto [w, h] : {std::pair{1, 1}, std::pair{3, 5}, std::pair{9, 7}}) {
        ImageDesc sd{w, h, sf, color(Matrix::BT601, Range::Full)};
        ImageDesc dd{w, h, df, color(Matrix::BT709, Range::Limited, ChromaSiting::TopLeft)};
        Image src = random_image(sd, 31);
        Image a = run_reference(src.view(), dd, {}, 0x00);
        Image b = run_reference(src.view(), dd, {}, 0xA5);
        EXPECT_IMAGES_CLOSE(a.view(), b.view(), 0) << format_name(sf) << " -> " << format_name(df) << " " << w << "x" << h;
      }
}

// ---- errors --------------------------------------------------------------------------------------------

TEST(ColorConvert, ErrorsNameTheProblem) {
  ConvertParams p;
  Status s = check_convert({41, 39, PixelFormat::NV12}, {40, 39, PixelFormat::RGB24}, p);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.code(), StatusCode::InvalidArgument);
  EXPECT_NE(s.message().find("convert: src is 41x39 but dst is 40x39"), std::string::npos) << s.message();

  p.alpha = 1.5f;
  s = check_convert({4, 4, PixelFormat::RGB24}, {4, 4, PixelFormat::RGBA}, p);
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("alpha"), std::string::npos) << s.message();

  s = check_convert({0, 4, PixelFormat::RGB24}, {0, 4, PixelFormat::RGBA}, {});
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("src"), std::string::npos) << s.message();

  // Host src with a device dst: refused before any pixel is touched (the pointer is never read).
  Image host = random_image(8, 8, PixelFormat::NV12, 1);
  Image other = filled_image({8, 8, PixelFormat::RGB24}, 0);
  ImageView fake_device(other.desc(), MemoryKind::Device, {ImageView::Plane{other.view().plane(0).data, 64}, {}, {}}, 0);
  Context cpu;
  s = convert(host.view(), fake_device, {}, cpu);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.code(), StatusCode::InvalidArgument);
  EXPECT_NE(s.message().find("src is in host memory but dst is in device memory"), std::string::npos) << s.message();
  s = convert_reference(host.view(), fake_device, {});
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("dst is in device memory"), std::string::npos) << s.message();
  s = convert_cuda(host.view(), fake_device, {}, Workspace(), nullptr);
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("src is in host memory"), std::string::npos) << s.message();
  // Device images with a CPU context.
  ImageView fake_device_src(host.desc(), MemoryKind::Device, {ImageView::Plane{host.view().plane(0).data, 64}, {}, {}}, 0);
  s = convert(fake_device_src, fake_device, {}, cpu);
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("CPU context"), std::string::npos) << s.message();
}

TEST(ColorConvert, HostImagesRunTheReference) {
  Context cpu;
  Image src = random_image(41, 39, PixelFormat::NV12, 3);
  Image a = filled_image({41, 39, PixelFormat::RGB24}, 0);
  ASSERT_TRUE(convert(src.view(), a.view(), {}, cpu));
  Image b = run_reference(src.view(), {41, 39, PixelFormat::RGB24}, {});
  EXPECT_IMAGES_CLOSE(a.view(), b.view(), 0);
}

// ---- CUDA against the reference (GPU) ----------------------------------------------------------------------

// A colour description per case, cycling through every matrix, range and siting.
ColorDesc cycle_color(int i) {
  return color(static_cast<Matrix>(i % 3), static_cast<Range>((i / 3) % 2), static_cast<ChromaSiting>((i / 6) % 3));
}

TEST(ColorConvertCuda, EveryPairMatchesReferenceOnOddSizes) {
  CALDERA_REQUIRE_GPU();
  int n = 0;
  for (PixelFormat sf : all_formats())
    for (PixelFormat df : all_formats())
      for (auto [w, h] : {std::pair{1, 1}, std::pair{3, 5}, std::pair{41, 39}})
        for (ChromaFilter filter : {ChromaFilter::Linear, ChromaFilter::Nearest}) {
          ++n;
          ImageDesc sd{w, h, sf, cycle_color(n)};
          ImageDesc dd{w, h, df, cycle_color(n * 7 + 1)};
          ConvertParams p;
          p.chroma = filter;
          p.alpha = 0.25f;
          Image src = random_image(sd, 100 + n);
          Image want = run_reference(src.view(), dd, p);
          Image got = run_cuda(src.view(), dd, p);
          EXPECT_IMAGES_CLOSE(got.view(), want.view(), tolerance(df))
              << format_name(sf) << " (" << describe(sd.color) << ") -> " << format_name(df) << " ("
              << describe(dd.color) << ") " << w << "x" << h << (filter == ChromaFilter::Linear ? " linear" : " nearest");
        }
}

// The hot pairs (fast kernels) with every matrix, range and siting, several seeds, and a frame
// whose size is odd both ways (whole vector tiles plus scalar edges).
struct Pair {
  PixelFormat src, dst;
};
constexpr Pair kHotPairs[] = {
    {PixelFormat::NV12, PixelFormat::RGB24},     {PixelFormat::NV12, PixelFormat::BGR24},
    {PixelFormat::NV12, PixelFormat::RGBA},      {PixelFormat::NV12, PixelFormat::BGRA},
    {PixelFormat::NV21, PixelFormat::RGB24},     {PixelFormat::I420, PixelFormat::RGB24},
    {PixelFormat::I420, PixelFormat::BGRA},      {PixelFormat::RGB24, PixelFormat::NV12},
    {PixelFormat::BGR24, PixelFormat::NV12},     {PixelFormat::RGBA, PixelFormat::NV12},
    {PixelFormat::RGB24, PixelFormat::I420},     {PixelFormat::BGRA, PixelFormat::I420},
    {PixelFormat::P010, PixelFormat::RGB48},     {PixelFormat::P010, PixelFormat::RGBPlanarF16},
    {PixelFormat::P010, PixelFormat::RGBPlanarF32}, {PixelFormat::P016, PixelFormat::RGB48},
    {PixelFormat::NV12, PixelFormat::RGBPlanarF32}, {PixelFormat::NV12, PixelFormat::RGBPlanarF16},
    {PixelFormat::RGB24, PixelFormat::RGBPlanarF32}, {PixelFormat::RGB24, PixelFormat::RGBPlanarF16},
    {PixelFormat::RGB24, PixelFormat::BGR24},    {PixelFormat::BGR24, PixelFormat::RGB24},
    {PixelFormat::RGB24, PixelFormat::RGBA},     {PixelFormat::RGBA, PixelFormat::BGR24},
    {PixelFormat::RGBA, PixelFormat::BGRA},      {PixelFormat::NV12, PixelFormat::I420},
    {PixelFormat::I420, PixelFormat::NV12},      {PixelFormat::NV12, PixelFormat::NV21},
    {PixelFormat::P010, PixelFormat::YUV420P10}, {PixelFormat::YUV420P10, PixelFormat::P010},
    {PixelFormat::I420, PixelFormat::P010},      {PixelFormat::P010, PixelFormat::I420},
};

TEST(ColorConvertCuda, HotPairsMatchReferenceForEveryColorDescription) {
  CALDERA_REQUIRE_GPU();
  for (const Pair& pair : kHotPairs)
    for (int c = 0; c < 18; ++c)
      for (ChromaFilter filter : {ChromaFilter::Linear, ChromaFilter::Nearest}) {
        ImageDesc sd{67, 37, pair.src, cycle_color(c)};
        ImageDesc dd{67, 37, pair.dst, cycle_color(17 - c)};
        if (c % 2) dd.color.matrix = sd.color.matrix;  // YUV -> YUV: also the same-matrix repack
        ConvertParams p;
        p.chroma = filter;
        Image src = random_image(sd, 200 + c);
        Image want = run_reference(src.view(), dd, p);
        Image got = run_cuda(src.view(), dd, p);
        EXPECT_IMAGES_CLOSE(got.view(), want.view(), tolerance(pair.dst))
            << format_name(pair.src) << " (" << describe(sd.color) << ") -> " << format_name(pair.dst) << " ("
            << describe(dd.color) << ")" << (filter == ChromaFilter::Linear ? " linear" : " nearest");
      }
}

TEST(ColorConvertCuda, HotPairsMatchReferenceOnA1921x1081Frame) {
  CALDERA_REQUIRE_GPU();
  int seed = 0;
  for (const Pair& pair : kHotPairs) {
    ++seed;
    ImageDesc sd{1921, 1081, pair.src, color(Matrix::BT709, Range::Limited, ChromaSiting::Left)};
    ImageDesc dd{1921, 1081, pair.dst, color(Matrix::BT709, Range::Limited, ChromaSiting::Left)};
    Image src = random_image(sd, 300 + seed);
    Image want = run_reference(src.view(), dd, {});
    Image got = run_cuda(src.view(), dd, {});
    EXPECT_IMAGES_CLOSE(got.view(), want.view(), tolerance(pair.dst)) << format_name(pair.src) << " -> " << format_name(pair.dst);
  }
}

// Even sizes take the warp-per-row-segment kernels for the whole frame (1920 = 3.75 segments of
// 512 pixels), and 1040x66 mixes whole segments, a partial one and the tile kernels' remainder.
TEST(ColorConvertCuda, HotPairsMatchReferenceOnEvenFramesWithBothFilters) {
  CALDERA_REQUIRE_GPU();
  int seed = 0;
  for (const Pair& pair : kHotPairs)
    for (auto [w, h, first_color, step] : {std::tuple{1920, 1080, 0, 18}, std::tuple{1040, 66, 1, 3}})
      for (int c = first_color; c < 18; c += step)
        for (ChromaFilter filter : {ChromaFilter::Linear, ChromaFilter::Nearest}) {
          ImageDesc sd{w, h, pair.src, cycle_color(c)};
          ImageDesc dd{w, h, pair.dst, cycle_color(c)};  // same description: same-range repacks too
          ConvertParams p;
          p.chroma = filter;
          Image src = random_image(sd, 400 + ++seed);
          Image want = run_reference(src.view(), dd, p);
          Image got = run_cuda(src.view(), dd, p);
          EXPECT_IMAGES_CLOSE(got.view(), want.view(), tolerance(pair.dst))
              << format_name(pair.src) << " -> " << format_name(pair.dst) << " " << w << "x" << h << " ("
              << describe(sd.color) << ")" << (filter == ChromaFilter::Linear ? " linear" : " nearest");
        }
}

TEST(ColorConvertCuda, UnalignedSubViewsTakeTheScalarPath) {
  CALDERA_REQUIRE_GPU();
  Context& gpu = *testing::gpu_context();
  // Views that start 2 pixels in: rows no longer 16-byte aligned, so no vector access.
  for (const Pair& pair : {Pair{PixelFormat::NV12, PixelFormat::RGB24}, Pair{PixelFormat::RGB24, PixelFormat::I420},
                           Pair{PixelFormat::RGBA, PixelFormat::RGB24}, Pair{PixelFormat::P010, PixelFormat::YUV420P10}}) {
    Image src_host = random_image({70, 36, pair.src}, 5);
    Image src = testing::to_device(src_host.view(), gpu);
    Image dst = filled_image({70, 36, pair.dst}, 0xA5, MemoryKind::Device, &gpu);
    const Rect r{2, 2, 64, 32};
    auto sv = src.cview().sub_view(r);
    auto dv = dst.view().sub_view(r);
    ASSERT_TRUE(sv && dv);
    ASSERT_TRUE(convert_cuda(*sv, *dv, {}, gpu.workspace(), gpu.stream()));
    Image got_full = testing::to_host(dst.view(), gpu);
    auto src_sub = src_host.cview().sub_view(r);
    Image want = run_reference(*src_sub, {64, 32, pair.dst}, {});
    auto got = got_full.cview().sub_view(r);
    EXPECT_IMAGES_CLOSE(*got, want.view(), tolerance(pair.dst)) << format_name(pair.src) << " -> " << format_name(pair.dst);
  }
}

TEST(ColorConvertCuda, ConvertPicksTheDeviceForDeviceImages) {
  CALDERA_REQUIRE_GPU();
  Context& gpu = *testing::gpu_context();
  Image src_host = random_image(41, 39, PixelFormat::NV12, 9);
  Image src = testing::to_device(src_host.view(), gpu);
  Image dst = filled_image({41, 39, PixelFormat::RGBA}, 0xA5, MemoryKind::Device, &gpu);
  ASSERT_TRUE(convert(src.view(), dst.view(), {}, gpu));
  Image want = run_reference(src_host.view(), dst.desc(), {});
  EXPECT_IMAGES_CLOSE(testing::to_host(dst.view(), gpu).view(), want.view(), 1);
}

}  // namespace
}  // namespace caldera
