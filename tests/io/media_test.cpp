// open_media_source / make_media_sink for the uncompressed families: what sources say about
// their frames, timestamps, buffer reuse, and sinks that leave nothing behind on failure.
#include <gtest/gtest.h>

#include <filesystem>

#include "caldera/io/image_file.hpp"
#include "caldera/io/media.hpp"
#include "caldera/io/y4m.hpp"
#include "io/io_test_util.hpp"
#include "support/image_testing.hpp"

namespace caldera {
namespace {

using testing::random_image;
using testing::ScopedTempDir;

void write_y4m(const std::string& path, int frames, int fps_num, int fps_den) {
  Y4mHeader h;
  h.width = 34;
  h.height = 18;
  h.format = PixelFormat::I420;
  h.fps_num = fps_num;
  h.fps_den = fps_den;
  auto w = Y4mWriter::create(path, h);
  ASSERT_TRUE(w) << w.status().to_string();
  for (int i = 0; i < frames; ++i) {
    Image f = random_image(34, 18, PixelFormat::I420, 100 + i);
    ASSERT_TRUE(w->write_frame(f.view()));
  }
  ASSERT_TRUE(w->finish());
}

TEST(MediaSource, Y4mSaysItsTimingAndCountsFrames) {
  ScopedTempDir dir;
  write_y4m(dir.file("a.y4m"), 3, 30000, 1001);
  auto src = open_media_source(dir.file("a.y4m"));
  ASSERT_TRUE(src) << src.status().to_string();
  const MediaInfo& info = (*src)->info();
  EXPECT_EQ(info.desc.width, 34);
  EXPECT_EQ(info.desc.format, PixelFormat::I420);
  EXPECT_EQ(info.frame_count, 3);
  EXPECT_EQ(info.frame_rate, (Rational{30000, 1001}));
  EXPECT_EQ(info.time_base, (Rational{1001, 30000}));
  EXPECT_NEAR(info.duration_seconds, 3 * 1001.0 / 30000, 1e-12);
  EXPECT_EQ(info.container, "y4m");

  Frame f;
  const uint8_t* first_buffer = nullptr;
  for (int i = 0; i < 3; ++i) {
    auto more = (*src)->read(f);
    ASSERT_TRUE(more && *more) << i;
    EXPECT_EQ(f.index, i);
    EXPECT_EQ(f.pts, i);
    EXPECT_NEAR(f.seconds(), i * 1001.0 / 30000, 1e-12);
    Image want = random_image(34, 18, PixelFormat::I420, 100 + i);
    EXPECT_IMAGES_CLOSE(f.image.view(), want.view(), 0);
    // The frame's buffer is reused from one read to the next.
    if (i == 0) first_buffer = f.image.view().plane(0).data;
    EXPECT_EQ(f.image.view().plane(0).data, first_buffer);
  }
  auto end = (*src)->read(f);
  ASSERT_TRUE(end);
  EXPECT_FALSE(*end);
}

TEST(MediaSource, StillImageIsOneFrame) {
  ScopedTempDir dir;
  Image img = random_image(13, 7, PixelFormat::RGB24, 1);
  ASSERT_TRUE(write_image_file(img.view(), dir.file("a.png")));
  auto src = open_media_source(dir.file("a.png"));
  ASSERT_TRUE(src) << src.status().to_string();
  EXPECT_EQ((*src)->info().frame_count, 1);
  EXPECT_EQ((*src)->info().container, "png");
  Frame f;
  ASSERT_TRUE(*(*src)->read(f));
  EXPECT_IMAGES_CLOSE(f.image.view(), img.view(), 0);
  EXPECT_FALSE(*(*src)->read(f));
}

TEST(MediaSource, RawFramesNeedFormatAndSize) {
  ScopedTempDir dir;
  testing::write_bytes(dir.file("a.yuv"), std::string(34 * 18 * 3 / 2 * 2, '\x40'));
  auto missing = open_media_source(dir.file("a.yuv"));
  ASSERT_FALSE(missing);
  EXPECT_TRUE(testing::contains(missing.status().message(), "--input-format"));
  SourceOptions o;
  o.raw_format = "i420";
  o.raw_size = "34x18";
  auto src = open_media_source(dir.file("a.yuv"), o);
  ASSERT_TRUE(src) << src.status().to_string();
  EXPECT_EQ((*src)->info().frame_count, 2);
  o.raw_size = "34by18";
  EXPECT_FALSE(open_media_source(dir.file("a.yuv"), o));
}

TEST(MediaSource, MissingInputAndDirectoriesAreNamed) {
  ScopedTempDir dir;
  auto a = open_media_source(dir.file("nothing.y4m"));
  ASSERT_FALSE(a);
  EXPECT_TRUE(testing::contains(a.status().message(), "does not exist"));
  auto b = open_media_source(dir.path().string());
  ASSERT_FALSE(b);
  EXPECT_TRUE(testing::contains(b.status().message(), "no .png or .jpg images in it")) << b.status().message();
}

TEST(MediaSink, Y4mTakesTheSourcesRateAndRenamesOnFinish) {
  ScopedTempDir dir;
  MediaInfo src;
  src.frame_rate = {24000, 1001};
  src.sample_aspect = {4, 3};
  auto sink = make_media_sink(dir.file("out.y4m"));
  ASSERT_TRUE(sink);
  const ImageDesc d{34, 18, PixelFormat::I420};
  ASSERT_TRUE((*sink)->accepts(PixelFormat::I420));
  EXPECT_FALSE((*sink)->accepts(PixelFormat::NV12));
  ASSERT_TRUE((*sink)->open(d, src));
  Frame f;
  f.image = random_image(34, 18, PixelFormat::I420, 9);
  ASSERT_TRUE((*sink)->write(f));
  EXPECT_FALSE(std::filesystem::exists(dir.file("out.y4m")));
  ASSERT_TRUE((*sink)->finish());
  auto r = Y4mReader::open(dir.file("out.y4m"));
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ(r->header().fps_num, 24000);
  EXPECT_EQ(r->header().fps_den, 1001);
  EXPECT_EQ(r->header().par_num, 4);
}

TEST(MediaSink, UnfinishedSinksLeaveNothing) {
  ScopedTempDir dir;
  for (const char* name : {"out.y4m", "out.yuv", "out.png"}) {
    {
      auto sink = make_media_sink(dir.file(name));
      ASSERT_TRUE(sink) << name;
      const ImageDesc d{34, 18, std::string(name) == "out.png" ? PixelFormat::RGB24 : PixelFormat::I420};
      ASSERT_TRUE((*sink)->open(d, MediaInfo{}));
      Frame f;
      f.image = random_image(d, 2);
      ASSERT_TRUE((*sink)->write(f));
    }  // destroyed without finish()
    EXPECT_TRUE(std::filesystem::is_empty(dir.path())) << name;
  }
}

}  // namespace
}  // namespace caldera
