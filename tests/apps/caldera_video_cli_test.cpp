// `caldera run` on video files end to end: the main job (a video in, a processed video out) with
// audio kept, encoder options, what the command prints, and failures that leave no output.
#include <gtest/gtest.h>

#include <algorithm>

#include "apps/cli_test_util.hpp"
#include "io/io_test_util.hpp"
#include "io/video_test_util.hpp"

namespace caldera {
namespace {

using testing::contains;

class VideoCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (caldera_binary().empty()) GTEST_SKIP() << "the caldera binary was not built next to the tests";
    CALDERA_REQUIRE_FFMPEG();
    in_ = dir_.file("in.mp4");
    testing::ffmpeg("-f lavfi -i testsrc2=size=640x360:rate=30 -f lavfi -i sine=frequency=300:sample_rate=44100 -t 1 "
                    "-c:v libx264 -pix_fmt yuv420p -c:a aac '" + in_ + "'");
  }
  testing::ScopedTempDir dir_;
  std::string in_;
};

TEST_F(VideoCli, ResizesAVideoAndKeepsItsAudio) {
  const std::string out = dir_.file("out.mkv");
  const CliRun r = run_caldera("run --device cpu -i " + in_ + " -o " + out +
                               " --vf resize=w=320:h=-1:interp=area --codec hevc --crf 26 --preset ultrafast --progress");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "640x360 i420 -> 320x180 i420 on cpu")) << r.output;
  EXPECT_TRUE(contains(r.output, "decoding mov,mp4")) << r.output;
  EXPECT_TRUE(contains(r.output, "writing libx265 (crf 26, preset ultrafast) -> " + out)) << r.output;
  EXPECT_TRUE(contains(r.output, "wrote " + out + ": 30 frames 320x180")) << r.output;
  EXPECT_EQ(testing::probe_video(out, "codec_name"), "hevc");
  EXPECT_EQ(testing::probe_video(out, "width"), "320");
  const testing::Decoded d = testing::decode_all(out, false);
  EXPECT_EQ(d.seconds.size(), 30u);
  const std::string audio_out = testing::audio_packet_hashes(out), audio_in = testing::audio_packet_hashes(in_);
  EXPECT_GT(std::count(audio_in.begin(), audio_in.end(), '\n'), 40);  // 1 s of 44.1 kHz AAC
  EXPECT_EQ(std::count(audio_out.begin(), audio_out.end(), '\n'), std::count(audio_in.begin(), audio_in.end(), '\n'));
}

TEST_F(VideoCli, VideoToStillsAndStillsToVideoNeedTheRightOutput) {
  // A one-frame cut into a PNG works; the whole video into a PNG is refused up front.
  CliRun r = run_caldera("run -q --device cpu -i " + in_ + " -o " + dir_.file("f.png") + " --frames 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run_caldera("run -q --device cpu -i " + in_ + " -o " + dir_.file("all.png"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "holds one image")) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir_.file("all.png")));
  // Y4M into MP4 (no audio to copy) and MP4 into Y4M.
  r = run_caldera("run -q --device cpu -i " + in_ + " -o " + dir_.file("a.y4m"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run_caldera("run -q --device cpu -i " + dir_.file("a.y4m") + " -o " + dir_.file("b.mp4") + " --bitrate 500k --gop 10");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(testing::decode_all(dir_.file("b.mp4"), false).seconds.size(), 30u);
}

TEST_F(VideoCli, FailuresNameTheProblemAndLeaveNoOutput) {
  CliRun r = run_caldera("run -i " + in_ + " -o " + dir_.file("o.webm"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "cannot hold stream #1")) << r.output;
  r = run_caldera("run -i " + in_ + " -o " + dir_.file("o.webm") + " --copy-streams none --preset 5 -q");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::filesystem::remove(dir_.file("o.webm"));

  r = run_caldera("run -i " + in_ + " -o " + dir_.file("o.mp4") + " --codec mpeg4");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  r = run_caldera("run -i " + in_ + " -o " + dir_.file("o.mp4") + " --bitrate fast");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "--bitrate 'fast' is not a rate")) << r.output;
  r = run_caldera("run -i " + in_ + " -o " + dir_.file("o.mp4") + " --preset nosuchpreset");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "cannot open the libx264 encoder")) << r.output;
  EXPECT_TRUE(contains(r.output, "Error setting preset/tune nosuchpreset")) << r.output;
  r = run_caldera("run -i " + in_ + " -o " + dir_.file("o.mp4") + " --device cpu --decode nvdec");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  r = run_caldera("run -i " + in_ + " -o " + dir_.file("o.avi"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "unknown extension '.avi'")) << r.output;
  for (const auto& e : std::filesystem::directory_iterator(dir_.path()))
    EXPECT_EQ(e.path().filename(), "in.mp4") << "left behind: " << e.path();
}

}  // namespace
}  // namespace caldera
