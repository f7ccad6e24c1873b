// Super-resolution on a real photograph (examples/photo_chelsea.png: "Chelsea the cat", CC0, from
// Debian's python3-skimage; examples/README.md): crop, area-downscale by the model's factor,
// upscale with the model (CPU reference runtime, through model_input / model_output) and with
// bicubic, PSNR of both against the crop.
//
// What is asserted is what is true of a working runtime, not a comparison chosen to pass: the
// output is finite and an image (range), and its PSNR sits far above noise and within a dB of
// what this runtime measures (a misread weight or a pixel shuffle in the wrong order costs more
// than that). Whether the model beats bicubic is printed, not asserted: these are GAN-trained
// models that trade PSNR for sharpness (docs/nn.md has the full-image table).
//
// waifu2x (PSNR-trained) and Real-CUGAN (trained with a GAN loss too) run the same protocol; a
// 2x model reaches 4x by running twice, through 8-bit RGB between the passes as
// `--vf sr=model=M,sr=model=M` does.
//
// CALDERA_PHOTO_FULL=1 runs the whole photograph through every fetched model and prints the
// table of docs/nn.md (minutes on two cores; the x4plus model is the slow one).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include "caldera/io/image_file.hpp"
#include "caldera/nn/model.hpp"
#include "caldera/ops/model_io.hpp"
#include "caldera/ops/resize.hpp"

namespace caldera::nn {
namespace {

bool model_present(const std::string& name) {
  return std::filesystem::exists(Model::model_dir() + "/" + name + ".param") &&
         std::filesystem::exists(Model::model_dir() + "/" + name + ".bin");
}

double psnr_rgb24(ConstImageView a, ConstImageView b) {
  double se = 0;
  long n = 0;
  for (int y = 0; y < a.height(); ++y)
    for (int x = 0; x < a.width() * 3; ++x) {
      const double d = double(a.row(0, y)[x]) - double(b.row(0, y)[x]);
      se += d * d;
      ++n;
    }
  const double mse = se / static_cast<double>(n);
  return mse == 0 ? 99.0 : 10.0 * std::log10(255.0 * 255.0 / mse);
}

struct PhotoResult {
  double model_psnr = 0, bicubic_psnr = 0, seconds = 0;
  float min = 0, max = 0;
  bool finite = true;
  bool ran = false;
};

Result<Image> photo() { return read_image_file(std::string(CALDERA_SOURCE_DIR) + "/examples/photo_chelsea.png"); }

// crop -> area / factor -> model (and bicubic) back up -> PSNR against the crop. jpeg_quality > 0:
// the small image goes through a JPEG at that quality first (both upscalers get the same frame),
// as the frames of a compressed video would.
PhotoResult measure(const std::string& model_name, int factor, Rect crop, int jpeg_quality = 0, int passes = 1) {
  PhotoResult out;
  auto img = photo();
  EXPECT_TRUE(img) << img.status().to_string();
  if (!img) return out;
  auto original = img->cview().sub_view(crop);
  EXPECT_TRUE(original) << original.status().to_string();
  if (!original) return out;
  Context cpu = Context::cpu();
  auto small = Image::create({crop.width / factor, crop.height / factor, PixelFormat::RGB24}, MemoryKind::Host);
  EXPECT_TRUE(small);
  EXPECT_TRUE(resize(*original, small->view(), {Interp::Area, true}, cpu).is_ok());
  if (jpeg_quality > 0) {
    const std::string jpg = ::testing::TempDir() + "photo_psnr_" + model_name + ".jpg";
    ImageWriteOptions wo;
    wo.jpeg_quality = jpeg_quality;
    EXPECT_TRUE(write_image_file(small->cview(), jpg, wo).is_ok());
    auto back = read_image_file(jpg);
    EXPECT_TRUE(back) << back.status().to_string();
    if (!back) return out;
    small = std::move(back);
    std::filesystem::remove(jpg);
  }

  auto model = Model::load(model_name);
  EXPECT_TRUE(model) << model.status().to_string();
  if (!model) return out;
  auto session = Session::create(*model, cpu);
  EXPECT_TRUE(session) << session.status().to_string();
  if (!session) return out;
  // All passes but the last go back to 8-bit RGB, as a chain of sr filters does.
  const int step = static_cast<int>(std::lround(std::pow(factor, 1.0 / passes)));
  Image stage, result;
  ConstImageView frame = small->cview();
  for (int pass = 0; pass < passes; ++pass) {
    const bool last = pass + 1 == passes;
    const int ow = last ? crop.width : frame.width() * step, oh = last ? crop.height : frame.height() * step;
    auto input = Image::create({frame.width(), frame.height(), PixelFormat::RGBPlanarF32}, MemoryKind::Host);
    auto output = Image::create({ow, oh, PixelFormat::RGBPlanarF32}, MemoryKind::Host);
    EXPECT_TRUE(input && output);
    if (!input || !output) return out;
    EXPECT_TRUE(model_input(frame, input->view(), ModelInputParams{}, cpu).is_ok());
    const auto t0 = std::chrono::steady_clock::now();
    const Status s = session->run(input->cview(), output->view());
    out.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_TRUE(s.is_ok()) << s.to_string();
    if (!s) return out;
    if (last) {
      result = std::move(output).value();
      break;
    }
    auto rgb = Image::create({ow, oh, PixelFormat::RGB24}, MemoryKind::Host);
    EXPECT_TRUE(rgb);
    if (!rgb) return out;
    EXPECT_TRUE(model_output(output->cview(), rgb->view(), ModelOutputParams{}, cpu).is_ok());
    stage = std::move(rgb).value();
    frame = stage.cview();
  }

  out.min = 1e30f;
  out.max = -1e30f;
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < crop.height; ++y)
      for (int x = 0; x < crop.width; ++x) {
        const float v = reinterpret_cast<const float*>(result.cview().row(c, y))[x];
        out.finite = out.finite && std::isfinite(v);
        out.min = std::min(out.min, v);
        out.max = std::max(out.max, v);
      }
  auto upscaled = Image::create({crop.width, crop.height, PixelFormat::RGB24}, MemoryKind::Host);
  auto bicubic = Image::create({crop.width, crop.height, PixelFormat::RGB24}, MemoryKind::Host);
  EXPECT_TRUE(model_output(result.cview(), upscaled->view(), ModelOutputParams{}, cpu).is_ok());
  EXPECT_TRUE(resize(small->cview(), bicubic->view(), {Interp::Bicubic, true}, cpu).is_ok());
  if (const char* dbg = std::getenv("CALDERA_NN_DEBUG_DIR")) {
    (void)write_image_file(upscaled->cview(), std::string(dbg) + "/photo-" + model_name + ".png");
    (void)write_image_file(bicubic->cview(), std::string(dbg) + "/photo-bicubic-x" + std::to_string(factor) + ".png");
  }
  out.model_psnr = psnr_rgb24(upscaled->cview(), *original);
  out.bicubic_psnr = psnr_rgb24(bicubic->cview(), *original);
  out.ran = true;
  return out;
}

struct Expect {
  const char* name;
  int factor;    // overall: the model's own scale, or its square when it runs twice
  double floor;  // dB: about 1 dB under what this runtime measures on the crop below
  int passes = 1;
};

std::string label(const Expect& e) { return e.passes == 1 ? e.name : std::string(e.name) + " twice"; }

// 120x96 around the cat's eyes and whiskers: fur, hard edges and smooth background.
constexpr Rect kCrop{180, 60, 120, 96};

class NnPhoto : public ::testing::TestWithParam<Expect> {};

TEST_P(NnPhoto, ModelUpscalesARealPhotographSanely) {
  const Expect& e = GetParam();
  if (!model_present(e.name))
    GTEST_SKIP() << "model " << e.name << " is not in " << Model::model_dir() << " (run scripts/fetch-models.sh)";
  const PhotoResult r = measure(e.name, e.factor, kCrop, 0, e.passes);
  ASSERT_TRUE(r.ran);
  std::printf("[ PHOTO    ] %s x%d, %dx%d crop: PSNR %.2f dB, bicubic %.2f dB (%+.2f dB), output [%.3f, %.3f], %.2f s\n",
              label(e).c_str(), e.factor, kCrop.width, kCrop.height, r.model_psnr, r.bicubic_psnr, r.model_psnr - r.bicubic_psnr,
              r.min, r.max, r.seconds);
  EXPECT_TRUE(r.finite);
  EXPECT_GT(r.min, -0.25f);
  EXPECT_LT(r.max, 1.25f);
  EXPECT_GT(r.model_psnr, e.floor);
}

INSTANTIATE_TEST_SUITE_P(RealModels, NnPhoto,
                         // Measured on this crop (CPU, 2026-12-01): 29.59, 27.72, 26.72, 24.68, 25.12 dB.
                         ::testing::Values(Expect{"realesr-animevideov3-x2", 2, 28.5}, Expect{"realesr-animevideov3-x3", 3, 26.7},
                                           Expect{"realesr-animevideov3-x4", 4, 25.7}, Expect{"realesrgan-x4plus-anime", 4, 23.6},
                                           Expect{"realesrgan-x4plus", 4, 24.1},
                                           // Measured (2026-12-02): 32.06, 28.44 (twice), 31.76, 28.35 (twice),
                                           // 29.22, 25.95, 24.54 dB.
                                           Expect{"waifu2x-cunet-scale2x", 2, 31.0},
                                           Expect{"waifu2x-cunet-scale2x", 4, 27.4, 2},
                                           Expect{"waifu2x-upconv7-scale2x", 2, 30.7},
                                           Expect{"waifu2x-upconv7-scale2x", 4, 27.3, 2},
                                           Expect{"realcugan-up2x-conservative", 2, 28.2},
                                           Expect{"realcugan-up4x-conservative", 4, 24.9},
                                           Expect{"realcugan-up4x-no-denoise", 4, 23.5}),
                         [](const ::testing::TestParamInfo<Expect>& info) {
                           std::string n = label(info.param);
                           for (char& c : n)
                             if (c == '-' || c == ' ') c = '_';
                           return n;
                         });

// The whole photograph, every model: the table in docs/nn.md.
TEST(NnPhotoFull, WholePhotographTable) {
  if (!std::getenv("CALDERA_PHOTO_FULL")) GTEST_SKIP() << "set CALDERA_PHOTO_FULL=1 to measure the whole photograph";
  const Expect models[] = {{"realesr-animevideov3-x2", 2, 0}, {"realesr-animevideov3-x3", 3, 0},
                           {"realesr-animevideov3-x4", 4, 0}, {"realesrgan-x4plus-anime", 4, 0},
                           {"realesrgan-x4plus", 4, 0},
                           {"waifu2x-cunet-scale2x", 2, 0},
                           {"waifu2x-cunet-scale2x", 4, 0, 2},
                           {"waifu2x-cunet-noise0-scale2x", 2, 0},
                           {"waifu2x-cunet-noise0-scale2x", 4, 0, 2},
                           {"waifu2x-upconv7-scale2x", 2, 0},
                           {"waifu2x-upconv7-scale2x", 4, 0, 2},
                           {"realcugan-up2x-conservative", 2, 0},
                           {"realcugan-up2x-conservative", 4, 0, 2},
                           {"realcugan-up4x-conservative", 4, 0},
                           {"realcugan-up4x-no-denoise", 4, 0}};
  // CALDERA_PHOTO_JPEG=q1,q2,...: also with the downscaled photograph through a JPEG at each quality.
  std::vector<int> qualities = {0};
  if (const char* q = std::getenv("CALDERA_PHOTO_JPEG"))
    for (const char* c = q; *c;) {
      qualities.push_back(std::atoi(c));
      while (*c && *c != ',') ++c;
      if (*c == ',') ++c;
    }
  std::printf("| model | input -> output | low-res input | PSNR model | PSNR bicubic | model - bicubic | CPU s |\n");
  std::printf("| --- | --- | --- | --- | --- | --- | --- |\n");
  for (const Expect& e : models) {
    if (!model_present(e.name)) continue;
    // The largest crop from the top left whose sides divide by the factor.
    const Rect crop{0, 0, 451 / e.factor * e.factor, 300 / e.factor * e.factor};
    for (int q : qualities) {
      const PhotoResult r = measure(e.name, e.factor, crop, q, e.passes);
      ASSERT_TRUE(r.ran);
      EXPECT_TRUE(r.finite);
      const std::string input = q > 0 ? "area, JPEG q" + std::to_string(q) : "area";
      std::printf("| %s | %dx%d -> %dx%d | %s | %.2f dB | %.2f dB | %+.2f dB | %.1f |\n", label(e).c_str(), crop.width / e.factor,
                  crop.height / e.factor, crop.width, crop.height, input.c_str(), r.model_psnr, r.bicubic_psnr,
                  r.model_psnr - r.bicubic_psnr, r.seconds);
      std::fflush(stdout);
    }
  }
}

}  // namespace
}  // namespace caldera::nn
