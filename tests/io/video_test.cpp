// Video files through FFmpeg: what the source says about a stream, round trips that keep frame
// count, timestamps (also variable frame rate), audio (bit for bit), colour, HDR10 metadata and
// rotation, every output container, --start/--duration, and pixel formats Caldera has no
// equivalent for. Test media are made here by Debian's ffmpeg command.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "caldera/io/media.hpp"
#include "caldera/io/y4m.hpp"
#include "io/io_test_util.hpp"
#include "io/video_test_util.hpp"
#include "support/image_testing.hpp"

namespace caldera {
namespace {

using testing::audio_packet_hashes;
using testing::decode_all;
using testing::ffmpeg;
using testing::probe_video;
using testing::psnr;
using testing::ScopedTempDir;

// Source to sink with no operators.
Status transcode(const std::string& in, const std::string& out, const SinkOptions& so = {}, const SourceOptions& si = {}) {
  CALDERA_ASSIGN_OR_RETURN(auto source, open_media_source(in, si));
  CALDERA_ASSIGN_OR_RETURN(auto sink, make_media_sink(out, so));
  const MediaInfo& info = source->info();
  if (!sink->accepts(info.desc.format)) return invalid_argument("sink does not take the frames as they are");
  CALDERA_RETURN_IF_ERROR(sink->open(info.desc, info));
  Frame f;
  while (true) {
    CALDERA_ASSIGN_OR_RETURN(bool more, source->read(f));
    if (!more) break;
    CALDERA_RETURN_IF_ERROR(sink->write(f));
  }
  return sink->finish();
}

class Video : public ::testing::Test {
 protected:
  void SetUp() override { CALDERA_REQUIRE_FFMPEG(); }
  // 2 s of 320x240 at 25 fps, lossless H.264 (so decoded frames are the pattern itself), AAC audio.
  std::string make_clip(const std::string& name, const std::string& extra = "") {
    const std::string path = dir_.file(name);
    ffmpeg("-f lavfi -i testsrc2=size=320x240:rate=25 -f lavfi -i sine=frequency=440:sample_rate=48000 -t 2 "
           "-c:v libx264 -qp 0 -pix_fmt yuv420p -c:a aac -b:a 96k " + extra + " '" + path + "'");
    return path;
  }
  ScopedTempDir dir_;
};

TEST_F(Video, SourceDescribesTheStream) {
  const std::string in = make_clip("in.mp4");
  auto src = open_media_source(in);
  ASSERT_TRUE(src) << src.status().to_string();
  const MediaInfo& i = (*src)->info();
  EXPECT_EQ(i.desc.width, 320);
  EXPECT_EQ(i.desc.height, 240);
  EXPECT_EQ(i.desc.format, PixelFormat::I420);
  EXPECT_EQ(i.memory, MemoryKind::Host);
  EXPECT_EQ(i.codec, "h264");
  EXPECT_EQ(i.frame_rate, (Rational{25, 1}));
  EXPECT_EQ(i.frame_count, 50);
  EXPECT_NEAR(i.duration_seconds, 2.0, 0.05);
  EXPECT_FALSE(i.variable_frame_rate);
  ASSERT_NE(i.passthrough, nullptr);
  EXPECT_EQ(i.passthrough->count(), 1);  // the audio
  EXPECT_NE(i.decoder.find("software"), std::string::npos) << i.decoder;
  // Untagged 320x240: what players assume for SD.
  EXPECT_EQ(i.desc.color.matrix, Matrix::BT601);
  EXPECT_EQ(i.desc.color.range, Range::Limited);
}

TEST_F(Video, RoundTripKeepsFramesTimestampsAudioAndPixels) {
  const std::string in = make_clip("in.mp4");
  SinkOptions so;
  so.crf = 16;
  ASSERT_TRUE(transcode(in, dir_.file("out.mp4"), so));
  const testing::Decoded a = decode_all(in), b = decode_all(dir_.file("out.mp4"));
  ASSERT_TRUE(a.status && b.status) << a.status.to_string() << b.status.to_string();
  ASSERT_EQ(a.frames.size(), 50u);
  ASSERT_EQ(b.frames.size(), a.frames.size());
  double worst = INFINITY, sum = 0;
  for (size_t i = 0; i < a.frames.size(); ++i) {
    EXPECT_NEAR(b.seconds[i], a.seconds[i], 1e-6) << "frame " << i;
    const double p = psnr(a.frames[i].view(), b.frames[i].view());
    worst = std::min(worst, p);
    sum += p;
  }
  // x264 at CRF 16 on this pattern: about 44 dB; below 38 would mean damaged pictures.
  RecordProperty("psnr_worst_db", std::to_string(worst));
  std::printf("round trip x264 crf 16: PSNR worst %.2f dB, mean %.2f dB over %zu frames\n", worst,
              sum / a.frames.size(), a.frames.size());
  EXPECT_GT(worst, 38.0);
  EXPECT_EQ(audio_packet_hashes(dir_.file("out.mp4")), audio_packet_hashes(in));
  EXPECT_FALSE(std::filesystem::exists(dir_.file("out.mp4.part")));
}

// The md5 column of FFmpeg's framemd5 lines (the packet payload), one per line.
std::string payload_hashes(const std::string& framemd5) {
  std::string s;
  size_t pos = 0;
  while (pos < framemd5.size()) {
    size_t end = framemd5.find('\n', pos);
    if (end == std::string::npos) end = framemd5.size();
    std::string line = framemd5.substr(pos, end - pos);
    for (int field = 0; field < 5 && line.find(',') != std::string::npos; ++field) line = line.substr(line.find(',') + 1);
    s += line.substr(0, line.find(',')) + "\n";
    pos = end + 1;
  }
  return s;
}

TEST_F(Video, EveryContainerHoldsTheVideoAndTheAudio) {
  const std::string in = make_clip("in.mkv");
  for (const char* name : {"o.mp4", "o.mkv", "o.mov", "o.ts"}) {
    ASSERT_TRUE(transcode(in, dir_.file(name))) << name;
    const testing::Decoded d = decode_all(dir_.file(name), false);
    ASSERT_TRUE(d.status) << name << ": " << d.status.to_string();
    EXPECT_EQ(d.seconds.size(), 50u) << name;
    ASSERT_NE(d.info.passthrough, nullptr) << name;
    EXPECT_EQ(d.info.passthrough->count(), 1) << name;
    // The audio payload is what FFmpeg's own stream copy into the same container gives (MPEG-TS
    // wraps AAC in ADTS headers, so the source's packets are not the reference there).
    const std::string ref = dir_.file(std::string("ref_") + name);
    ffmpeg("-i '" + in + "' -map 0:a -c copy '" + ref + "'");
    const std::string ours = payload_hashes(audio_packet_hashes(dir_.file(name)));
    EXPECT_EQ(ours, payload_hashes(audio_packet_hashes(ref))) << name;
    EXPECT_EQ(std::count(ours.begin(), ours.end(), '\n'), 95) << name;  // 2 s of 48 kHz AAC
  }
}

TEST_F(Video, HevcAndVp9AndAv1Encode) {
  const std::string in = make_clip("in.mp4", "-frames:v 10");
  struct Case { const char* codec; const char* file; const char* want; };
  for (const Case& c : {Case{"hevc", "h.mkv", "hevc"}, Case{"vp9", "v.webm", "vp9"}, Case{"av1", "a.mkv", "av1"}}) {
    SinkOptions so;
    so.codec = c.codec;
    so.preset = std::string(c.codec) == "av1" ? "12" : "";
    if (std::string(c.codec) == "vp9") {
      // WebM holds no AAC: that is an error naming the stream, not a silent drop.
      Status s = transcode(in, dir_.file(c.file), so);
      ASSERT_FALSE(s);
      EXPECT_NE(s.message().find("cannot hold stream #1"), std::string::npos) << s.message();
      EXPECT_FALSE(std::filesystem::exists(dir_.file(c.file)));
      SourceOptions no_audio;
      no_audio.copy_streams = false;
      ASSERT_TRUE(transcode(in, dir_.file(c.file), so, no_audio));
    } else {
      ASSERT_TRUE(transcode(in, dir_.file(c.file), so)) << c.codec;
    }
    EXPECT_EQ(probe_video(dir_.file(c.file), "codec_name"), c.want);
    EXPECT_EQ(decode_all(dir_.file(c.file), false).seconds.size(), 10u) << c.codec;
  }
}

TEST_F(Video, VariableFrameRateKeepsEveryTimestamp) {
  const std::string in = dir_.file("vfr.mkv");
  // Frame durations alternate 80 ms and 40 ms (integer milliseconds, so no rounding).
  ffmpeg("-f lavfi -i testsrc2=size=160x120:rate=25 -t 2 -vf \"settb=1/1000,setpts='N*60+mod(N,2)*20'\" "
         "-fps_mode passthrough -c:v libx264 -qp 0 '" + in + "'");
  const testing::Decoded a = decode_all(in, false);
  ASSERT_TRUE(a.status) << a.status.to_string();
  ASSERT_EQ(a.seconds.size(), 33u);  // the frames that start before 2 s
  for (size_t i = 0; i + 1 < a.seconds.size(); ++i)
    EXPECT_NEAR(a.seconds[i + 1] - a.seconds[i], i % 2 == 0 ? 0.08 : 0.04, 1e-6) << "frame " << i;
  for (const char* name : {"vfr.mp4", "vfr.ts"}) {
    ASSERT_TRUE(transcode(in, dir_.file(name))) << name;
    const testing::Decoded b = decode_all(dir_.file(name), false);
    ASSERT_EQ(b.seconds.size(), a.seconds.size()) << name;
    // MPEG-TS starts its clock at its own offset; the steps between frames are what must match.
    for (size_t i = 0; i < a.seconds.size(); ++i)
      EXPECT_NEAR(b.seconds[i] - b.seconds[0], a.seconds[i] - a.seconds[0], 1e-4) << name << " frame " << i;
  }
}

TEST_F(Video, RepeatedTimestampsAreMovedNotWritten) {
  const std::string in = dir_.file("dup.mkv");
  // Frames 21 and 22 both land on 1.28 s (the float expression rounds down), as badly made files do.
  ffmpeg("-f lavfi -i testsrc2=size=160x120:rate=25 -t 2 -vf \"setpts='(N*0.06+mod(N,2)*0.02)/TB'\" "
         "-fps_mode passthrough -c:v libx264 -qp 0 '" + in + "'");
  const testing::Decoded a = decode_all(in, false);
  ASSERT_TRUE(a.status) << a.status.to_string();
  ASSERT_GT(a.seconds.size(), 30u);
  for (size_t i = 1; i < a.seconds.size(); ++i) EXPECT_GT(a.seconds[i], a.seconds[i - 1]) << "frame " << i;
  bool noted = false;
  for (const auto& n : a.info.notes) noted = noted || n.find("repeats an earlier timestamp") != std::string::npos;
  EXPECT_TRUE(noted);
  EXPECT_TRUE(transcode(in, dir_.file("dup.mp4")));
}

TEST_F(Video, Hdr10MetadataAndColourTagsSurviveARoundTrip) {
  const std::string in = dir_.file("hdr.mkv");
  ffmpeg("-f lavfi -i testsrc2=size=320x240:rate=25 -t 0.4 -pix_fmt yuv420p10le -c:v libx265 "
         "-color_primaries bt2020 -color_trc smpte2084 -colorspace bt2020nc "
         "-x265-params \"log-level=error:hdr10=1:master-display=G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,50):max-cll=1000,400\" '" +
         in + "'");
  auto src = open_media_source(in);
  ASSERT_TRUE(src) << src.status().to_string();
  const ColorDesc& c = (*src)->info().desc.color;
  EXPECT_EQ((*src)->info().desc.format, PixelFormat::YUV420P10);
  EXPECT_EQ(c.matrix, Matrix::BT2020NCL);
  EXPECT_EQ(c.transfer, Transfer::PQ);
  EXPECT_EQ(c.primaries, Primaries::BT2020);
  ASSERT_TRUE(c.hdr.mastering.has_value());
  EXPECT_NEAR(c.hdr.mastering->green_x, 0.265, 1e-6);
  EXPECT_NEAR(c.hdr.mastering->red_y, 0.32, 1e-6);
  EXPECT_NEAR(c.hdr.mastering->max_luminance, 1000.0, 1e-6);
  EXPECT_NEAR(c.hdr.mastering->min_luminance, 0.005, 1e-9);
  ASSERT_TRUE(c.hdr.content_light.has_value());
  EXPECT_EQ(c.hdr.content_light->max_cll, 1000);
  EXPECT_EQ(c.hdr.content_light->max_fall, 400);

  for (const char* name : {"hdr_out.mkv", "hdr_out.mp4"}) {
    SinkOptions so;
    so.codec = "hevc";
    ASSERT_TRUE(transcode(in, dir_.file(name), so)) << name;
    auto back = open_media_source(dir_.file(name));
    ASSERT_TRUE(back) << back.status().to_string();
    EXPECT_EQ((*back)->info().desc.color, c) << name << ": " << describe((*back)->info().desc.color);
    EXPECT_EQ(probe_video(dir_.file(name), "color_transfer"), "smpte2084");
    EXPECT_EQ(probe_video(dir_.file(name), "pix_fmt"), "yuv420p10le");
  }
}

// Sets the display matrix of an MP4's (first) video track header to a 90 degree clockwise turn,
// as phones write it; Debian's ffmpeg 5.1 command line has no option that writes one.
void rotate_mp4_track_90(const std::string& path) {
  std::string bytes = testing::read_bytes(path);
  const size_t type = bytes.find("tkhd");
  ASSERT_NE(type, std::string::npos) << path;
  const size_t box = type - 4;
  const size_t matrix = box + (bytes[type + 4] == 1 ? 60 : 48);  // after the version-dependent times
  const int32_t m[9] = {0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000};
  for (int i = 0; i < 9; ++i)
    for (int b = 0; b < 4; ++b) bytes[matrix + 4 * i + b] = static_cast<char>((uint32_t(m[i]) >> (24 - 8 * b)) & 0xff);
  testing::write_bytes(path, bytes);
}

TEST_F(Video, RotationIsKept) {
  const std::string in = make_clip("rot.mp4", "-frames:v 5");
  rotate_mp4_track_90(in);
  EXPECT_EQ(testing::shell("ffprobe -v error -show_streams '" + in + "' | grep -c 'rotation=-90'"), "1\n");
  auto src = open_media_source(in);
  ASSERT_TRUE(src) << src.status().to_string();
  EXPECT_EQ((*src)->info().rotation, 90);
  ASSERT_TRUE(transcode(in, dir_.file("rot_out.mp4")));
  auto back = open_media_source(dir_.file("rot_out.mp4"));
  ASSERT_TRUE(back);
  EXPECT_EQ((*back)->info().rotation, 90);
}

TEST_F(Video, StartAndDurationCutTheVideoAndTheAudio) {
  const std::string in = make_clip("in.mp4");
  SourceOptions si;
  si.start_seconds = 0.53;
  si.duration_seconds = 0.8;
  const testing::Decoded d = decode_all(in, true, si);
  ASSERT_TRUE(d.status) << d.status.to_string();
  ASSERT_EQ(d.seconds.size(), 20u);  // frames at 0.56 .. 1.32 s: 0.8 s at 25 fps
  // Output time 0 is the requested start: the first frame at or after 0.53 s is the one at 0.56.
  EXPECT_NEAR(d.seconds.front(), 0.03, 1e-6);
  const testing::Decoded all = decode_all(in);
  EXPECT_TRUE(testing::images_close(d.frames[0].view(), all.frames[14].view(), 0));
  EXPECT_TRUE(testing::images_close(d.frames[19].view(), all.frames[33].view(), 0));
  ASSERT_TRUE(transcode(in, dir_.file("cut.mkv"), {}, si));
  const std::string audio = audio_packet_hashes(dir_.file("cut.mkv"));
  const long packets = std::count(audio.begin(), audio.end(), '\n');
  // 0.8 s of 48 kHz AAC is 37.5 packets of 1024 samples; the cut keeps whole packets.
  EXPECT_GE(packets, 37);
  EXPECT_LE(packets, 40);
}

TEST_F(Video, FormatsWithoutACalderaEquivalentAreConverted) {
  const std::string in = dir_.file("422p10.mkv");
  ffmpeg("-f lavfi -i testsrc2=size=64x48:rate=25 -t 0.2 -pix_fmt yuv422p10le -c:v ffv1 '" + in + "'");
  const testing::Decoded d = decode_all(in);
  ASSERT_TRUE(d.status) << d.status.to_string();
  ASSERT_EQ(d.frames.size(), 5u);
  EXPECT_EQ(d.info.desc.format, PixelFormat::RGB48);
  EXPECT_NE(d.info.decoder.find("converted from yuv422p10le to rgb48"), std::string::npos) << d.info.decoder;
  // FFmpeg's own conversion of the same frames to 16-bit RGB as the reference.
  const std::string ref = dir_.file("ref.rgb");
  ffmpeg("-i '" + in + "' -f rawvideo -pix_fmt rgb48le -sws_flags bicubic+accurate_rnd+full_chroma_int '" + ref + "'");
  ImageDesc desc{64, 48, PixelFormat::RGB48};
  auto want = read_raw_frame(ref, desc, 0);
  ASSERT_TRUE(want) << want.status().to_string();
  testing::ImageDiff diff = testing::compare_images(d.frames[0].view(), want->view(), 0);
  // The same library, flags and colour matrix (BT.601, limited range: both assume it for
  // untagged SD): identical.
  EXPECT_EQ(diff.max_abs, 0) << diff.to_string();

  // 8-bit 4:4:4 stays as it is: no conversion.
  const std::string in444 = dir_.file("444.mkv");
  ffmpeg("-f lavfi -i testsrc2=size=64x48:rate=25 -t 0.2 -pix_fmt yuv444p -c:v ffv1 '" + in444 + "'");
  EXPECT_EQ(decode_all(in444, false).info.desc.format, PixelFormat::I444);
}

}  // namespace
}  // namespace caldera
