// The HDR filters from the command line: the bundled SDR clip expanded to HDR10 (BT.2446 A),
// written as 10-bit Y4M, read back tagged HDR10 and tone mapped with peak detection; on the GPU
// the same job must give the same frames.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "apps/cli_test_util.hpp"
#include "caldera/io/y4m.hpp"
#include "io/video_test_util.hpp"
#include "support/image_testing.hpp"

namespace caldera {
namespace {

int run(const std::string& args, std::string* output) {
  const CliRun r = run_caldera(args);
  *output = r.output;
  return r.exit_code;
}

std::vector<Image> read_all(const std::string& path) {
  std::vector<Image> frames;
  auto r = Y4mReader::open(path);
  if (!r) return frames;
  while (true) {
    Image img = testing::filled_image(r->frame_desc(), 0);
    auto more = r->read_frame(img.view());
    if (!more || !*more) break;
    frames.push_back(std::move(img));
  }
  return frames;
}

class HdrCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (caldera_binary().empty()) GTEST_SKIP() << "the caldera binary was not built next to the tests";
    dir_ = fs::temp_directory_path() / ("caldera_hdr_cli_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }
  std::string clip() const { return (fs::path(CALDERA_SOURCE_DIR) / "examples" / "clip.y4m").string(); }
  std::string out(const char* name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

TEST_F(HdrCli, ExpandsToHdr10AndToneMapsBack) {
  std::string log;
  ASSERT_EQ(run("run -i " + clip() + " -o " + out("hdr.y4m") + " --device cpu --vf itonemap", &log), 0) << log;
  const auto hdr = read_all(out("hdr.y4m"));
  ASSERT_EQ(hdr.size(), 12u) << log;
  EXPECT_EQ(hdr[0].format(), PixelFormat::YUV420P10);
  ASSERT_EQ(run("run -i " + out("hdr.y4m") + " -o " + out("sdr.y4m") +
                    " --device cpu --vf setcolor=hdr10:maxcll=1000,tonemap=bt2390:detect=1",
                &log),
            0)
      << log;
  const auto sdr = read_all(out("sdr.y4m"));
  ASSERT_EQ(sdr.size(), 12u) << log;
  EXPECT_EQ(sdr[0].format(), PixelFormat::I420);
  // Expanded to 1000 cd/m2 and mapped back to 100, the picture keeps its structure: the luma of
  // the round trip follows the original's ordering closely (rank correlation well above chance).
  const auto orig = read_all(clip());
  ASSERT_EQ(orig.size(), 12u);
  long agree = 0, total = 0;
  for (int y = 0; y < orig[0].height(); y += 3)
    for (int x = 1; x < orig[0].width(); x += 3) {
      const double a = testing::sample_at(orig[5].view(), 0, x, y, 0) - testing::sample_at(orig[5].view(), 0, x - 1, y, 0);
      const double b = testing::sample_at(sdr[5].view(), 0, x, y, 0) - testing::sample_at(sdr[5].view(), 0, x - 1, y, 0);
      if (a == 0) continue;
      ++total;
      agree += (a > 0) == (b > 0) || b == 0;
    }
  ASSERT_GT(total, 100);
  EXPECT_GT(static_cast<double>(agree) / total, 0.9);
}

TEST_F(HdrCli, GpuAndCpuGiveTheSameFrames) {
  CALDERA_REQUIRE_GPU();
  std::string log;
  for (const char* dev : {"cpu", "cuda"}) {
    const std::string hdr = out((std::string("hdr_") + dev + ".y4m").c_str());
    const std::string sdr = out((std::string("sdr_") + dev + ".y4m").c_str());
    ASSERT_EQ(run("run -i " + clip() + " -o " + hdr + " --device " + dev + " --vf itonemap", &log), 0) << log;
    ASSERT_EQ(run("run -i " + hdr + " -o " + sdr + " --device " + dev + " --vf setcolor=hdr10,tonemap=hable:detect=1", &log), 0)
        << log;
  }
  const auto a = read_all(out("sdr_cpu.y4m")), b = read_all(out("sdr_cuda.y4m"));
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_IMAGES_CLOSE(b[i].view(), a[i].view(), 2) << "frame " << i;
}

TEST_F(HdrCli, ABadCubeFileNamesItsLine) {
  const std::string cube = out("bad.cube");
  {
    std::ofstream f(cube);
    f << "LUT_3D_SIZE 2\n0 0 0\n1 0 zero\n";
  }
  std::string log;
  EXPECT_NE(run("run -i " + clip() + " -o " + out("x.y4m") + " --vf lut3d=" + cube, &log), 0);
  EXPECT_NE(log.find("line 3: 'zero' is not a number"), std::string::npos) << log;
  EXPECT_FALSE(fs::exists(out("x.y4m")));
}

// HDR10 HEVC files (PQ, BT.2020, mastering display and MaxCLL in their SEI) through the video
// source: the tone mapper takes its source peak from MaxCLL, and the output is tagged SDR BT.709
// without HDR side data. (The output is H.264 of the same size: the encode is deterministic.)
TEST_F(HdrCli, Hdr10VideoMetadataDrivesTheToneMap) {
  CALDERA_REQUIRE_FFMPEG();
  if (std::system("ffmpeg -hide_banner -encoders 2>/dev/null | grep -q libx265") != 0) GTEST_SKIP() << "needs ffmpeg with libx265";
  auto make = [&](const char* name, int max_cll) {
    testing::ffmpeg("-f lavfi -i testsrc2=size=128x64:rate=25 -frames:v 3 -pix_fmt yuv420p10le -c:v libx265 -x265-params "
                    "\"log-level=error:hdr10=1:colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc:"
                    "master-display=G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(40000000,50):max-cll=" +
                    std::to_string(max_cll) + ",400\" " + out(name));
  };
  make("cll1000.mkv", 1000);
  make("cll4000.mkv", 4000);
  const auto in = testing::decode_all(out("cll1000.mkv"), false);
  ASSERT_TRUE(in.status) << in.status.to_string();
  EXPECT_EQ(in.info.desc.color.transfer, Transfer::PQ);
  ASSERT_TRUE(in.info.desc.color.hdr.content_light);
  EXPECT_EQ(in.info.desc.color.hdr.content_light->max_cll, 1000);
  std::string log;
  // The 4000 cd/m2 file tone mapped three ways: from its metadata, and with the source peak given.
  std::vector<Image> luma;
  for (const char* peak : {"", ":source_peak=4000", ":source_peak=1000"}) {
    const std::string sdr = out(("sdr" + std::to_string(luma.size()) + ".mkv").c_str());
    ASSERT_EQ(run("run -i " + out("cll4000.mkv") + " -o " + sdr + " --vf tonemap=hable" + peak, &log), 0) << log;
    EXPECT_EQ(testing::probe_video(sdr, "color_transfer"), "bt709");
    EXPECT_EQ(testing::probe_video(sdr, "color_primaries"), "bt709");
    EXPECT_EQ(testing::shell("ffprobe -v error -show_frames -read_intervals %+#1 '" + sdr + "' | grep -c 'Mastering display' || true"),
              "0\n");
    auto frames = testing::decode_all(sdr);
    ASSERT_TRUE(frames.status) << frames.status.to_string();
    luma.push_back(std::move(frames.frames[1]));
  }
  // MaxCLL 4000 is the source peak: the same frames as source_peak=4000, other than 1000's.
  EXPECT_IMAGES_CLOSE(luma[0].view(), luma[1].view(), 0);
  EXPECT_GT(testing::compare_images(luma[0].view(), luma[2].view(), 0).samples_over_tol, 100);
}

}  // namespace
}  // namespace caldera
