// Bad video input and output: every case is an error that names the file and the problem (and
// the frame, mid-stream), never a crash, and a failed write leaves nothing under the output name.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "caldera/io/media.hpp"
#include "io/io_test_util.hpp"
#include "io/video_test_util.hpp"

namespace caldera {
namespace {

using testing::contains;
using testing::decode_all;
using testing::ffmpeg;
using testing::ScopedTempDir;

class VideoErrors : public ::testing::Test {
 protected:
  void SetUp() override { CALDERA_REQUIRE_FFMPEG(); }
  std::string make(const std::string& name, const std::string& args) {
    ffmpeg(args + " '" + dir_.file(name) + "'");
    return dir_.file(name);
  }
  std::string clip(const std::string& name, const std::string& extra = "") {
    return make(name, "-f lavfi -i testsrc2=size=320x240:rate=25 -t 2 -c:v libx264 " + extra);
  }
  ScopedTempDir dir_;
};

std::string first_error(const std::string& path) {
  const testing::Decoded d = decode_all(path, false);
  return d.status ? std::string() : d.status.message();
}

TEST_F(VideoErrors, TruncatedFilesAreNamed) {
  const std::string whole = clip("whole.mp4");  // index (moov) at the end
  const std::string bytes = testing::read_bytes(whole);
  testing::write_bytes(dir_.file("half.mp4"), bytes.substr(0, bytes.size() / 2));
  std::string e = first_error(dir_.file("half.mp4"));
  EXPECT_TRUE(contains(e, "half.mp4")) << e;
  EXPECT_TRUE(contains(e, "moov atom not found")) << e;

  // Index at the front: the file opens and the frames run out where the data stops.
  const std::string fast = clip("fast.mp4", "-movflags +faststart");
  const std::string fb = testing::read_bytes(fast);
  testing::write_bytes(dir_.file("cut.mp4"), fb.substr(0, fb.size() * 6 / 10));
  e = first_error(dir_.file("cut.mp4"));
  EXPECT_TRUE(contains(e, "cut.mp4: frame ")) << e;
  EXPECT_TRUE(contains(e, "partial file")) << e;

  testing::write_bytes(dir_.file("empty.mp4"), "");
  e = first_error(dir_.file("empty.mp4"));
  EXPECT_TRUE(contains(e, "empty.mp4: not a readable video file")) << e;
}

TEST_F(VideoErrors, CorruptDataStopsAtTheFrameItHits) {
  const std::string path = clip("bad.mp4", "-movflags +faststart");
  std::string b = testing::read_bytes(path);
  std::mt19937 rng(1);
  for (size_t i = b.size() / 2; i < b.size() / 2 + 2000; ++i) b[i] = static_cast<char>(rng());
  testing::write_bytes(path, b);
  const testing::Decoded d = decode_all(path, false);
  ASSERT_FALSE(d.status);
  EXPECT_TRUE(contains(d.status.message(), "bad.mp4: frame ")) << d.status.message();
  EXPECT_TRUE(contains(d.status.message(), "h264 decoding failed")) << d.status.message();
  // The frames before the damage came out.
  EXPECT_GT(d.seconds.size(), 5u);
  EXPECT_LT(d.seconds.size(), 50u);
}

TEST_F(VideoErrors, FilesWithoutUsableVideoSayWhatTheyHave) {
  const std::string audio = make("audio.mka", "-f lavfi -i sine=frequency=440:sample_rate=48000 -t 1 -c:a aac");
  std::string e = first_error(audio);
  EXPECT_TRUE(contains(e, "has no video stream (it has audio aac)")) << e;

  testing::write_bytes(dir_.file("text.mp4"), "this is not a video file at all\n");
  e = first_error(dir_.file("text.mp4"));
  EXPECT_TRUE(contains(e, "text.mp4: not a readable video file")) << e;

  const std::string wide = make("wide.mkv", "-f lavfi -i color=size=16400x2:rate=1 -t 1 -pix_fmt gray -c:v rawvideo");
  e = first_error(wide);
  EXPECT_TRUE(contains(e, "16400x2 are outside 1..16384")) << e;
}

TEST_F(VideoErrors, BadOutputsLeaveNothingBehind) {
  const std::string in = clip("in.mp4", "-t 0.2");
  auto src = open_media_source(in);
  ASSERT_TRUE(src);
  const MediaInfo& info = (*src)->info();

  auto sink = make_media_sink(dir_.file("no/such/dir/out.mp4"));
  ASSERT_TRUE(sink);
  Status s = (*sink)->open(info.desc, info);
  ASSERT_FALSE(s);
  EXPECT_TRUE(contains(s.message(), "cannot write '" + dir_.file("no/such/dir/out.mp4.part") + "'")) << s.message();

  SinkOptions so;
  so.encoder = "no_such_encoder";
  auto bad = make_media_sink(dir_.file("out.mp4"), so);
  ASSERT_FALSE(bad);
  EXPECT_TRUE(contains(bad.status().message(), "no such video encoder")) << bad.status().message();
  so = {};
  so.codec = "mpeg2";
  bad = make_media_sink(dir_.file("out.mp4"), so);
  ASSERT_FALSE(bad);
  EXPECT_TRUE(contains(bad.status().message(), "is not one of h264, hevc, av1, vp9")) << bad.status().message();
  so = {};
  so.pixel_format = "yuv420p12le";
  bad = make_media_sink(dir_.file("out.mp4"), so);
  ASSERT_FALSE(bad);
  so = {};
  so.encoder = "h264_nvenc";  // NVENC with no GPU job
  bad = make_media_sink(dir_.file("out.mp4"), so);
  ASSERT_FALSE(bad);
  EXPECT_TRUE(contains(bad.status().message(), "needs the job on the GPU")) << bad.status().message();

  // A sink destroyed half way (a failed job) removes its partial file.
  {
    auto half = make_media_sink(dir_.file("out.mkv"));
    ASSERT_TRUE(half);
    ASSERT_TRUE((*half)->open(info.desc, info));
    Frame f;
    ASSERT_TRUE(*(*src)->read(f));
    ASSERT_TRUE((*half)->write(f));
  }
  for (const auto& e : std::filesystem::directory_iterator(dir_.path()))
    EXPECT_EQ(e.path().filename(), "in.mp4") << "left behind: " << e.path();
}

}  // namespace
}  // namespace caldera
