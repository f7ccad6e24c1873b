// Decoding on the GPU against decoding on the CPU: NVDEC against FFmpeg's software decoders
// (bit-exact for 8-bit H.264, HEVC and VP9, as the issue asks for the first two; 10-bit HEVC equal
// after P010's shift; AV1 against dav1d's frames),
// and nvJPEG against libjpeg-turbo (different IDCT and chroma upsampling: close, not equal).
// These need a GPU; the media come from $CALDERA_TEST_MEDIA (made by scripts/device/pack.sh for
// the GPU machine, which has no FFmpeg command) or are made here with the ffmpeg command.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "caldera/io/image_file.hpp"
#include "caldera/io/media.hpp"
#include "caldera/ops/color_convert.hpp"
#include "io/io_test_util.hpp"
#include "io/video_test_util.hpp"
#include "support/image_testing.hpp"

namespace caldera {
namespace {

namespace fs = std::filesystem;

// The clip `name` from $CALDERA_TEST_MEDIA, or made now in `dir` with `ffmpeg_args`; empty if neither.
std::string media(const testing::ScopedTempDir& dir, const std::string& name, const std::string& ffmpeg_args) {
  if (const char* m = std::getenv("CALDERA_TEST_MEDIA")) {
    const fs::path p = fs::path(m) / name;
    if (fs::exists(p)) return p.string();
  }
  if (!testing::have_ffmpeg()) return {};
  testing::ffmpeg(ffmpeg_args + " '" + dir.file(name) + "'");
  return dir.file(name);
}

// The same frames decoded with NVDEC and on the CPU, compared sample for sample. `reference`
// (a Y4M file of the decoded frames) stands in for the CPU decoder where this FFmpeg has none (AV1
// on the GPU machine: Debian has no static dav1d, and FFmpeg's own AV1 decoder needs a hwaccel).
void expect_nvdec_matches_software(const std::string& path, PixelFormat gpu_format, const std::string& reference = "") {
  Context* gpu = testing::gpu_context();
  SourceOptions hw;
  hw.decode_context = gpu;
  auto src = open_media_source(path, hw);
  // The driver's answer to FFmpeg's capability query (cuvidGetDecoderCaps): this GPU's NVDEC has
  // no decoder for the codec (the H200 says so for AV1). Any other failure is a failure.
  if (!src && src.status().message().find("Hardware is lacking required capabilities") != std::string::npos)
    GTEST_SKIP() << "this GPU's NVDEC cannot decode " << path << ": " << src.status().to_string();
  ASSERT_TRUE(src) << src.status().to_string();
  ASSERT_EQ((*src)->info().memory, MemoryKind::Device) << (*src)->info().decoder;
  EXPECT_NE((*src)->info().decoder.find("NVDEC"), std::string::npos) << (*src)->info().decoder;
  EXPECT_EQ((*src)->info().desc.format, gpu_format);
  const testing::Decoded cpu = testing::decode_all(reference.empty() ? path : reference);
  ASSERT_TRUE(cpu.status) << cpu.status.to_string();
  // A Y4M file's timestamps are frame numbers over its rate; the container's are rounded ticks.
  const double time_tolerance = reference.empty() ? 1e-9 : 1e-3;
  Frame f;
  size_t n = 0;
  while (true) {
    auto more = (*src)->read(f);
    ASSERT_TRUE(more) << more.status().to_string();
    if (!*more) break;
    ASSERT_LT(n, cpu.frames.size());
    Image host = testing::to_host(f.image.view(), *gpu);
    // Software frames are planar (i420 / yuv420p10); NVDEC's are semi-planar (nv12 / p010).
    Image want = Image::create(host.desc(), MemoryKind::Host).value();
    ASSERT_TRUE(convert_reference(cpu.frames[n].view(), want.view(), ConvertParams{}));
    EXPECT_IMAGES_CLOSE(host.view(), want.view(), 0) << "frame " << n;
    EXPECT_NEAR(f.seconds(), cpu.seconds[n], time_tolerance) << "frame " << n;
    ++n;
  }
  EXPECT_EQ(n, cpu.frames.size());
}

TEST(GpuDecode, NvdecMatchesSoftwareFor8BitH264AndHevc) {
  CALDERA_REQUIRE_GPU();
  testing::ScopedTempDir dir;
  for (const char* codec : {"h264", "hevc"}) {
    const std::string path = media(dir, std::string("nvdec_") + codec + ".mp4",
                                   std::string("-f lavfi -i testsrc2=size=1280x720:rate=30 -t 1 -pix_fmt yuv420p -c:v ") +
                                       (std::string(codec) == "h264" ? "libx264" : "libx265 -x265-params log-level=error"));
    if (path.empty()) GTEST_SKIP() << "no test media: set CALDERA_TEST_MEDIA or install ffmpeg";
    SCOPED_TRACE(codec);
    expect_nvdec_matches_software(path, PixelFormat::NV12);
  }
}

TEST(GpuDecode, NvdecMatchesSoftwareFor10BitHevc) {
  CALDERA_REQUIRE_GPU();
  testing::ScopedTempDir dir;
  const std::string path = media(dir, "nvdec_hevc10.mkv",
                                 "-f lavfi -i testsrc2=size=1280x720:rate=30 -t 1 -pix_fmt yuv420p10le -c:v libx265 "
                                 "-x265-params log-level=error");
  if (path.empty()) GTEST_SKIP() << "no test media: set CALDERA_TEST_MEDIA or install ffmpeg";
  expect_nvdec_matches_software(path, PixelFormat::P010);
}

TEST(GpuDecode, NvdecMatchesSoftwareForVp9) {
  CALDERA_REQUIRE_GPU();
  testing::ScopedTempDir dir;
  const std::string path = media(dir, "nvdec_vp9.webm",
                                 "-f lavfi -i testsrc2=size=1280x720:rate=30 -t 1 -pix_fmt yuv420p -c:v libvpx-vp9 "
                                 "-b:v 2M -deadline realtime -cpu-used 8");
  if (path.empty()) GTEST_SKIP() << "no test media: set CALDERA_TEST_MEDIA or install ffmpeg";
  expect_nvdec_matches_software(path, PixelFormat::NV12);
}

// AV1 decoding is exact by the standard, so NVDEC must give dav1d's frames (decoded by Debian's
// ffmpeg into the reference file when the media were made).
TEST(GpuDecode, NvdecMatchesTheReferenceDecoderForAv1) {
  CALDERA_REQUIRE_GPU();
  testing::ScopedTempDir dir;
  const std::string path = media(dir, "nvdec_av1.mp4",
                                 "-f lavfi -i testsrc2=size=640x360:rate=30 -frames:v 12 -pix_fmt yuv420p -c:v libaom-av1 "
                                 "-cpu-used 8 -b:v 1M");
  if (path.empty()) GTEST_SKIP() << "no test media: set CALDERA_TEST_MEDIA or install ffmpeg";
  std::string reference = fs::path(path).parent_path() / "nvdec_av1_reference.y4m";
  if (!fs::exists(reference)) {
    if (!testing::have_ffmpeg()) GTEST_SKIP() << "no reference frames for " << path << " and no ffmpeg to make them";
    reference = dir.file("nvdec_av1_reference.y4m");
    testing::ffmpeg("-i '" + path + "' -f yuv4mpegpipe '" + reference + "'");
  }
  expect_nvdec_matches_software(path, PixelFormat::NV12, reference);
}

TEST(GpuDecode, NvjpegIsCloseToLibjpeg) {
  CALDERA_REQUIRE_GPU();
  testing::ScopedTempDir dir;
  auto photo = read_image_file(std::string(CALDERA_SOURCE_DIR) + "/examples/photo_coffee.png");
  ASSERT_TRUE(photo) << photo.status().to_string();
  const std::string jpg = dir.file("coffee.jpg");
  ASSERT_TRUE(write_image_file(photo->view(), jpg, {.jpeg_quality = 90}));
  SourceOptions o;
  o.decode_context = testing::gpu_context();
  auto src = open_media_source(jpg, o);
  ASSERT_TRUE(src) << src.status().to_string();
  if ((*src)->info().memory != MemoryKind::Device)
    GTEST_SKIP() << "nvJPEG plugin not loaded: " << ((*src)->info().notes.empty() ? "" : (*src)->info().notes[0]);
  Frame f;
  ASSERT_TRUE(*(*src)->read(f));
  Image gpu = testing::to_host(f.image.view(), *testing::gpu_context());
  auto cpu = read_image_file(jpg);
  ASSERT_TRUE(cpu);
  const double p = testing::psnr(gpu.view(), cpu->view());
  const testing::ImageDiff d = testing::compare_images(gpu.view(), cpu->view(), 0);
  std::printf("nvJPEG vs libjpeg-turbo on photo_coffee q90: PSNR %.2f dB, max |diff| %.0f\n", p, d.max_abs);
  // Both decode the same coefficients; they differ only in IDCT rounding and chroma upsampling.
  EXPECT_GT(p, 40.0) << d.to_string();
}

}  // namespace
}  // namespace caldera
