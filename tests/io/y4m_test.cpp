#include "caldera/io/y4m.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "io/io_test_util.hpp"
#include "support/image_testing.hpp"

namespace caldera {
namespace {

namespace fs = std::filesystem;
using testing::contains;
using testing::ScopedTempDir;

Y4mHeader header_for(int w, int h, PixelFormat f) {
  Y4mHeader hd;
  hd.width = w;
  hd.height = h;
  hd.format = f;
  hd.color.siting = ChromaSiting::Center;
  return hd;
}

// Writes a Y4M file with the given header line and `frames` frames of `frame_bytes` bytes
// (values count up so every byte is distinguishable).
void write_y4m_text(const std::string& path, const std::string& header_line, int frames, size_t frame_bytes,
                    const std::string& frame_line = "FRAME\n") {
  std::string s = header_line;
  for (int i = 0; i < frames; ++i) {
    s += frame_line;
    for (size_t b = 0; b < frame_bytes; ++b) s += static_cast<char>((b + 3 * i) & 0xff);
  }
  testing::write_bytes(path, s);
}

Status open_error(const std::string& path) {
  auto r = Y4mReader::open(path);
  return r ? Status::ok() : r.status();
}

// ---- round trips ------------------------------------------------------------------------------------

class Y4mRoundTrip : public ::testing::TestWithParam<PixelFormat> {};

TEST_P(Y4mRoundTrip, OddSizeFramesAreExact) {
  ScopedTempDir dir;
  const PixelFormat f = GetParam();
  const std::string path = dir.file("rt.y4m");
  Y4mHeader hd = header_for(41, 39, f);
  hd.fps_num = 30000;
  hd.fps_den = 1001;
  Image frames[3] = {testing::random_image(41, 39, f, 1), testing::random_image(41, 39, f, 2),
                     testing::random_image(41, 39, f, 3)};
  {
    auto w = Y4mWriter::create(path, hd);
    ASSERT_TRUE(w) << w.status().to_string();
    for (const Image& fr : frames) ASSERT_TRUE(w->write_frame(fr.view()));
    EXPECT_EQ(w->frames_written(), 3);
    EXPECT_FALSE(fs::exists(path));  // only the .part file until finish()
    ASSERT_TRUE(w->finish());
  }
  ASSERT_TRUE(fs::exists(path));
  EXPECT_FALSE(fs::exists(path + ".part"));

  auto r = Y4mReader::open(path);
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ(r->header().width, 41);
  EXPECT_EQ(r->header().height, 39);
  EXPECT_EQ(r->header().format, f);
  EXPECT_EQ(r->header().fps_num, 30000);
  EXPECT_EQ(r->header().fps_den, 1001);
  EXPECT_EQ(r->estimated_frame_count(), 3);
  Image got = testing::filled_image(r->frame_desc(), 0xcd);
  for (int i = 0; i < 3; ++i) {
    auto ok = r->read_frame(got.view());
    ASSERT_TRUE(ok) << ok.status().to_string();
    ASSERT_TRUE(*ok);
    EXPECT_IMAGES_CLOSE(got.view(), frames[i].view(), 0) << "frame " << i;
  }
  auto end = r->read_frame(got.view());
  ASSERT_TRUE(end) << end.status().to_string();
  EXPECT_FALSE(*end);
  EXPECT_EQ(r->frames_read(), 3);
  const char* tag = f == PixelFormat::I420 ? "C420jpeg" : f == PixelFormat::I422 ? "C422"
                    : f == PixelFormat::I444 ? "C444" : f == PixelFormat::Gray8 ? "Cmono" : "C420p10";
  const std::string want_header = std::string("YUV4MPEG2 W41 H39 F30000:1001 Ip A1:1 ") + tag + "\n";
  const std::string bytes = testing::read_bytes(path);
  EXPECT_EQ(bytes.substr(0, want_header.size()), want_header);
  EXPECT_EQ(bytes.size(), want_header.size() + 3 * (6 + tight_size_bytes(frames[0].desc())));
}

INSTANTIATE_TEST_SUITE_P(Formats, Y4mRoundTrip,
                         ::testing::Values(PixelFormat::I420, PixelFormat::I422, PixelFormat::I444,
                                           PixelFormat::Gray8, PixelFormat::YUV420P10),
                         [](const auto& info) { return std::string(format_name(info.param)); });

TEST(Y4mWriter, HeaderNamesColorspaceAndFullRange) {
  ScopedTempDir dir;
  struct Case {
    PixelFormat f;
    ChromaSiting siting;
    Range range;
    const char* want;
  } cases[] = {
      {PixelFormat::I420, ChromaSiting::Center, Range::Limited, "YUV4MPEG2 W41 H39 F25:1 Ip A1:1 C420jpeg\n"},
      {PixelFormat::I420, ChromaSiting::Left, Range::Full, "YUV4MPEG2 W41 H39 F25:1 Ip A1:1 C420mpeg2 XCOLORRANGE=FULL\n"},
      {PixelFormat::I420, ChromaSiting::TopLeft, Range::Limited, "YUV4MPEG2 W41 H39 F25:1 Ip A1:1 C420paldv\n"},
      {PixelFormat::I444, ChromaSiting::Left, Range::Limited, "YUV4MPEG2 W41 H39 F25:1 Ip A1:1 C444\n"},
      {PixelFormat::Gray8, ChromaSiting::Left, Range::Full, "YUV4MPEG2 W41 H39 F25:1 Ip A1:1 Cmono XCOLORRANGE=FULL\n"},
      {PixelFormat::YUV420P10, ChromaSiting::Left, Range::Limited, "YUV4MPEG2 W41 H39 F25:1 Ip A1:1 C420p10\n"},
  };
  for (const Case& c : cases) {
    const std::string path = dir.file("h.y4m");
    Y4mHeader hd = header_for(41, 39, c.f);
    hd.color.siting = c.siting;
    hd.color.range = c.range;
    auto w = Y4mWriter::create(path, hd);
    ASSERT_TRUE(w) << w.status().to_string();
    ASSERT_TRUE(w->finish());
    EXPECT_EQ(testing::read_bytes(path), c.want);
    auto r = Y4mReader::open(path);
    ASSERT_TRUE(r) << r.status().to_string();
    EXPECT_EQ(r->header().format, c.f);
    EXPECT_EQ(r->header().color.range, c.range);
    if (c.f == PixelFormat::I420) EXPECT_EQ(r->header().color.siting, c.siting);
    EXPECT_EQ(r->estimated_frame_count(), 0);
  }
}

TEST(Y4mWriter, TenBitSamplesAreLittleEndianWords) {
  ScopedTempDir dir;
  const std::string path = dir.file("p10.y4m");
  Image img = testing::filled_image({2, 2, PixelFormat::YUV420P10}, 0);
  for (int p = 0; p < 3; ++p)
    for (int y = 0; y < plane_height(PixelFormat::YUV420P10, p, 2); ++y)
      for (int x = 0; x < plane_width(PixelFormat::YUV420P10, p, 2); ++x)
        reinterpret_cast<uint16_t*>(img.view().row(p, y))[x] = static_cast<uint16_t>(0x0300 + p * 16 + y * 2 + x);
  auto w = Y4mWriter::create(path, header_for(2, 2, PixelFormat::YUV420P10));
  ASSERT_TRUE(w);
  ASSERT_TRUE(w->write_frame(img.view()));
  ASSERT_TRUE(w->finish());
  const std::string bytes = testing::read_bytes(path);
  const std::string data = bytes.substr(bytes.find("FRAME\n") + 6);
  ASSERT_EQ(data.size(), 12u);
  const unsigned char want[12] = {0x00, 0x03, 0x01, 0x03, 0x02, 0x03, 0x03, 0x03, 0x10, 0x03, 0x20, 0x03};
  for (int i = 0; i < 12; ++i) EXPECT_EQ(static_cast<unsigned char>(data[i]), want[i]) << "byte " << i;
}

TEST(Y4mWriter, ChecksFramesAgainstTheHeader) {
  ScopedTempDir dir;
  const std::string path = dir.file("w.y4m");
  auto w = Y4mWriter::create(path, header_for(41, 39, PixelFormat::I420));
  ASSERT_TRUE(w);
  Image wrong_size = testing::random_image(40, 39, PixelFormat::I420, 1);
  Status s = w->write_frame(wrong_size.view());
  EXPECT_EQ(s.code(), StatusCode::InvalidArgument);
  EXPECT_TRUE(contains(s.message(), "40x39") && contains(s.message(), "41x39")) << s.message();
  Image wrong_format = testing::random_image(41, 39, PixelFormat::I444, 1);
  EXPECT_EQ(w->write_frame(wrong_format.view()).code(), StatusCode::InvalidArgument);
  uint8_t dummy[64];
  ConstImageView dev({41, 39, PixelFormat::I420}, MemoryKind::Device, {{{dummy, 64}, {dummy, 32}, {dummy, 32}}}, 0);
  s = w->write_frame(dev);
  EXPECT_EQ(s.code(), StatusCode::InvalidArgument);
  EXPECT_TRUE(contains(s.message(), "copy it to the host first")) << s.message();
  EXPECT_EQ(w->frames_written(), 0);
  ASSERT_TRUE(w->finish());
  EXPECT_FALSE(w->finish());  // once only
  EXPECT_FALSE(w->write_frame(testing::random_image(41, 39, PixelFormat::I420, 1).view()));

  auto nv12 = Y4mWriter::create(dir.file("nv12.y4m"), header_for(8, 8, PixelFormat::NV12));
  ASSERT_FALSE(nv12);
  EXPECT_EQ(nv12.status().code(), StatusCode::Unsupported);
  EXPECT_TRUE(contains(nv12.status().message(), "nv12"));
  auto huge = Y4mWriter::create(dir.file("huge.y4m"), header_for(100000, 8, PixelFormat::I420));
  EXPECT_EQ(huge.status().code(), StatusCode::InvalidArgument);
  EXPECT_FALSE(fs::exists(dir.file("huge.y4m.part")));
}

TEST(Y4mWriter, WithoutFinishLeavesNoFile) {
  ScopedTempDir dir;
  const std::string path = dir.file("abandoned.y4m");
  {
    auto w = Y4mWriter::create(path, header_for(16, 16, PixelFormat::I420));
    ASSERT_TRUE(w);
    ASSERT_TRUE(w->write_frame(testing::random_image(16, 16, PixelFormat::I420, 5).view()));
    EXPECT_TRUE(fs::exists(path + ".part"));
    Y4mWriter moved = std::move(*w);  // the moved-to writer owns the file now
    EXPECT_TRUE(fs::exists(path + ".part"));
  }
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(fs::exists(path + ".part"));
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(Y4mWriter, UnwritableDirectoryIsAnIoError) {
  ScopedTempDir dir;
  const std::string path = dir.file("missing_dir/out.y4m");
  auto w = Y4mWriter::create(path, header_for(16, 16, PixelFormat::I420));
  ASSERT_FALSE(w);
  EXPECT_EQ(w.status().code(), StatusCode::IoError);
  EXPECT_TRUE(contains(w.status().message(), "out.y4m")) << w.status().message();
  EXPECT_FALSE(fs::exists(path));
}

// ---- header parsing -----------------------------------------------------------------------------------

TEST(Y4mReader, ParsesTagsInAnyOrder) {
  ScopedTempDir dir;
  const std::string path = dir.file("tags.y4m");
  write_y4m_text(path, "YUV4MPEG2 C420mpeg2 XYSCSS=420MPEG2 H6 Ip F30000:1001 A1:1 W8 XCOLORRANGE=FULL\n", 2,
                 8 * 6 + 2 * 4 * 3);
  auto r = Y4mReader::open(path);
  ASSERT_TRUE(r) << r.status().to_string();
  const Y4mHeader& h = r->header();
  EXPECT_EQ(h.width, 8);
  EXPECT_EQ(h.height, 6);
  EXPECT_EQ(h.format, PixelFormat::I420);
  EXPECT_EQ(h.fps_num, 30000);
  EXPECT_EQ(h.fps_den, 1001);
  EXPECT_EQ(h.par_num, 1);
  EXPECT_EQ(h.par_den, 1);
  EXPECT_EQ(h.interlace, 'p');
  EXPECT_EQ(h.color.siting, ChromaSiting::Left);
  EXPECT_EQ(h.color.range, Range::Full);
  EXPECT_EQ(r->estimated_frame_count(), 2);
  EXPECT_EQ(r->frame_desc().color.range, Range::Full);
  Image img = testing::filled_image(r->frame_desc(), 0);
  ASSERT_TRUE(*r->read_frame(img.view()));
  EXPECT_EQ(img.view().row(0, 1)[2], 10);       // byte 8 + 2 of frame 0
  EXPECT_EQ(img.view().row(1, 0)[1], 49);       // first U row: after the 48 luma bytes
  ASSERT_TRUE(*r->read_frame(img.view()));
  EXPECT_EQ(img.view().row(2, 2)[3], 48 + 12 + 11 + 3);
  EXPECT_FALSE(*r->read_frame(img.view()));
}

TEST(Y4mReader, ColorspaceTags) {
  ScopedTempDir dir;
  struct Case {
    const char* tag;
    PixelFormat f;
    ChromaSiting siting;
  } cases[] = {
      {"", PixelFormat::I420, ChromaSiting::Center},  // the default is 420jpeg
      {" C420jpeg", PixelFormat::I420, ChromaSiting::Center},
      {" C420paldv", PixelFormat::I420, ChromaSiting::TopLeft},
      {" C420mpeg2", PixelFormat::I420, ChromaSiting::Left},
      {" C420", PixelFormat::I420, ChromaSiting::Left},
      {" C422", PixelFormat::I422, ChromaSiting::Left},
      {" C444", PixelFormat::I444, ChromaSiting::Left},
      {" Cmono", PixelFormat::Gray8, ChromaSiting::Left},
      {" C420p10", PixelFormat::YUV420P10, ChromaSiting::Left},
  };
  for (const Case& c : cases) {
    const std::string path = dir.file("c.y4m");
    write_y4m_text(path, std::string("YUV4MPEG2 W5 H3") + c.tag + "\n", 0, 0);
    auto r = Y4mReader::open(path);
    ASSERT_TRUE(r) << c.tag << ": " << r.status().to_string();
    EXPECT_EQ(r->header().format, c.f) << c.tag;
    EXPECT_EQ(r->header().color.siting, c.siting) << c.tag;
    EXPECT_EQ(r->header().color.range, Range::Limited) << c.tag;
  }
  for (const char* tag : {"C422p10", "C444p10", "C411", "C420p12"}) {
    const std::string path = dir.file("u.y4m");
    write_y4m_text(path, std::string("YUV4MPEG2 W5 H3 ") + tag + "\n", 0, 0);
    Status s = open_error(path);
    EXPECT_EQ(s.code(), StatusCode::Unsupported) << tag;
    EXPECT_TRUE(contains(s.message(), tag)) << s.message();
  }
}

TEST(Y4mReader, FrameParametersAreSkipped) {
  ScopedTempDir dir;
  const std::string path = dir.file("params.y4m");
  write_y4m_text(path, "YUV4MPEG2 W4 H2 Cmono\n", 2, 8, "FRAME Ixyz\n");
  auto r = Y4mReader::open(path);
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ(r->estimated_frame_count(), -1);
  Image img = testing::filled_image(r->frame_desc(), 0);
  ASSERT_TRUE(*r->read_frame(img.view()));
  ASSERT_TRUE(*r->read_frame(img.view()));
  EXPECT_EQ(img.view().row(0, 1)[3], 7 + 3);
  EXPECT_FALSE(*r->read_frame(img.view()));
}

TEST(Y4mReader, TruncatedFrameNamesTheFrame) {
  ScopedTempDir dir;
  const std::string path = dir.file("cut.y4m");
  {
    auto w = Y4mWriter::create(path, header_for(41, 39, PixelFormat::I420));
    ASSERT_TRUE(w);
    for (int i = 0; i < 13; ++i) ASSERT_TRUE(w->write_frame(testing::random_image(41, 39, PixelFormat::I420, i).view()));
    ASSERT_TRUE(w->finish());
  }
  const size_t frame_bytes = tight_size_bytes({41, 39, PixelFormat::I420});  // 2439
  fs::resize_file(path, fs::file_size(path) - 100);
  auto r = Y4mReader::open(path);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->estimated_frame_count(), 12);
  Image img = testing::filled_image(r->frame_desc(), 0);
  for (int i = 0; i < 12; ++i) ASSERT_TRUE(*r->read_frame(img.view())) << i;
  auto bad = r->read_frame(img.view());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.status().code(), StatusCode::IoError);
  EXPECT_EQ(bad.status().message(), path + ": frame 12 is truncated (got " + std::to_string(frame_bytes - 100) +
                                        " of " + std::to_string(frame_bytes) + " bytes)");

  // Cut inside a FRAME line.
  fs::resize_file(path, fs::file_size(path) - (frame_bytes - 100) - 3);
  r = Y4mReader::open(path);
  ASSERT_TRUE(r);
  for (int i = 0; i < 12; ++i) ASSERT_TRUE(*r->read_frame(img.view())) << i;
  bad = r->read_frame(img.view());
  ASSERT_FALSE(bad);
  EXPECT_TRUE(contains(bad.status().message(), "frame 12 is truncated (got 0 of")) << bad.status().message();
}

TEST(Y4mReader, GarbageAndMissingFiles) {
  ScopedTempDir dir;
  auto expect_io = [&](const std::string& name, const std::string& content, const std::string& needle) {
    const std::string path = dir.file(name);
    testing::write_bytes(path, content);
    Status s = open_error(path);
    EXPECT_EQ(s.code(), StatusCode::IoError) << name << ": " << s.to_string();
    EXPECT_TRUE(contains(s.message(), path)) << s.message();
    EXPECT_TRUE(contains(s.message(), needle)) << s.message();
  };
  expect_io("text.y4m", "hello world\n", "expected 'YUV4MPEG2'");
  expect_io("empty.y4m", "", "expected 'YUV4MPEG2'");
  expect_io("binary.y4m", std::string(5000, '\x01'), "expected 'YUV4MPEG2'");
  expect_io("endless.y4m", "YUV4MPEG2 W8 H8" + std::string(5000, ' '), "longer than 4096");
  expect_io("noend.y4m", "YUV4MPEG2 W8 H8", "no end");
  expect_io("now.y4m", "YUV4MPEG2 H8\n", "W (width)");
  expect_io("badw.y4m", "YUV4MPEG2 Wabc H8\n", "'Wabc'");
  expect_io("negw.y4m", "YUV4MPEG2 W-4 H8\n", "positive width");
  expect_io("badf.y4m", "YUV4MPEG2 W8 H8 F30\n", "frame rate");
  expect_io("badi.y4m", "YUV4MPEG2 W8 H8 Ix\n", "Ip");
  expect_io("huge.y4m", "YUV4MPEG2 W100000 H100000\n", "100000x100000");
  expect_io("overflow.y4m", "YUV4MPEG2 W99999999999999999999 H8\n", "W99999999999999999999");

  const std::string path = dir.file("badframe.y4m");
  write_y4m_text(path, "YUV4MPEG2 W4 H2 Cmono\n", 2, 8, "FRAMX\n");
  auto r = Y4mReader::open(path);
  ASSERT_TRUE(r) << r.status().to_string();
  Image img = testing::filled_image(r->frame_desc(), 0);
  auto bad = r->read_frame(img.view());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.status().code(), StatusCode::IoError);
  EXPECT_TRUE(contains(bad.status().message(), "frame 0: expected 'FRAME', found 'FRAMX'")) << bad.status().message();

  Image wrong = testing::filled_image({4, 2, PixelFormat::I420}, 0);
  EXPECT_EQ(r->read_frame(wrong.view()).status().code(), StatusCode::InvalidArgument);

  auto missing = Y4mReader::open(dir.file("missing.y4m"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.status().message(), "cannot open '" + dir.file("missing.y4m") + "': No such file or directory");
}

// ---- raw frames --------------------------------------------------------------------------------------

TEST(RawYuv, AppendAndReadBack) {
  ScopedTempDir dir;
  const std::string path = dir.file("frames.yuv");
  const ImageDesc desc{41, 39, PixelFormat::I420};
  Image frames[3] = {testing::random_image(desc, 1), testing::random_image(desc, 2), testing::random_image(desc, 3)};
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  for (const Image& fr : frames) ASSERT_TRUE(write_raw_frames_append(fr.view(), f));
  std::fclose(f);
  EXPECT_EQ(fs::file_size(path), 3 * tight_size_bytes(desc));
  for (int i : {2, 0, 1}) {
    auto got = read_raw_frame(path, desc, i);
    ASSERT_TRUE(got) << got.status().to_string();
    EXPECT_IMAGES_CLOSE(got->view(), frames[i].view(), 0) << "frame " << i;
  }
}

TEST(RawYuv, TenBitAndSemiPlanarFormats) {
  ScopedTempDir dir;
  for (PixelFormat f : {PixelFormat::NV12, PixelFormat::P010, PixelFormat::YUV420P10, PixelFormat::RGB24}) {
    const std::string path = dir.file(std::string(format_name(f)) + ".raw");
    const ImageDesc desc{17, 9, f};
    Image a = testing::random_image(desc, 7), b = testing::random_image(desc, 8);
    std::FILE* file = std::fopen(path.c_str(), "wb");
    ASSERT_NE(file, nullptr);
    ASSERT_TRUE(write_raw_frames_append(a.view(), file));
    ASSERT_TRUE(write_raw_frames_append(b.view(), file));
    std::fclose(file);
    auto got = read_raw_frame(path, desc, 1);
    ASSERT_TRUE(got) << got.status().to_string();
    EXPECT_IMAGES_CLOSE(got->view(), b.view(), 0) << format_name(f);
  }
}

TEST(RawYuv, ErrorsSayWhatIsWrong) {
  ScopedTempDir dir;
  const std::string path = dir.file("short.yuv");
  const ImageDesc desc{16, 16, PixelFormat::I420};  // 384 bytes a frame
  testing::write_bytes(path, std::string(384 * 3 + 10, 'x'));
  auto past = read_raw_frame(path, desc, 3);
  ASSERT_FALSE(past);
  EXPECT_EQ(past.status().code(), StatusCode::IoError);
  EXPECT_TRUE(contains(past.status().message(), "holds 3 frames")) << past.status().message();
  EXPECT_TRUE(read_raw_frame(path, desc, 2));
  auto neg = read_raw_frame(path, desc, -1);
  EXPECT_EQ(neg.status().code(), StatusCode::InvalidArgument);
  auto bad_desc = read_raw_frame(path, {0, 16, PixelFormat::I420}, 0);
  EXPECT_EQ(bad_desc.status().code(), StatusCode::InvalidArgument);
  auto missing = read_raw_frame(dir.file("none.yuv"), desc, 0);
  EXPECT_EQ(missing.status().code(), StatusCode::IoError);
  EXPECT_TRUE(contains(missing.status().message(), "No such file")) << missing.status().message();

  Image img = testing::random_image(desc, 1);
  EXPECT_EQ(write_raw_frames_append(img.view(), nullptr).code(), StatusCode::InvalidArgument);
}

}  // namespace
}  // namespace caldera
