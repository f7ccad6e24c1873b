#include "caldera/io/image_file.hpp"

#include <gtest/gtest.h>
#include <png.h>
// jpeglib.h needs FILE and size_t first.
#include <cstddef>
#include <cstdio>
#include <jpeglib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "io/io_test_util.hpp"
#include "support/image_testing.hpp"

namespace caldera {
namespace {

namespace fs = std::filesystem;
using testing::contains;
using testing::ScopedTempDir;

const ColorDesc kStillColor{Matrix::BT709, Range::Full, Transfer::SRGB, Primaries::BT709, ChromaSiting::Center};

// ---- helpers ---------------------------------------------------------------------------------------

// A PNG built directly with libpng, to read files our writer never produces.
struct PngSpec {
  int width = 0, height = 0, depth = 8, color = PNG_COLOR_TYPE_GRAY;
  bool interlace = false;
  std::vector<png_color> palette;
  std::vector<png_byte> trns;
  std::vector<std::vector<png_byte>> rows;  // exactly as PNG stores them (packed, big-endian)
};

// Plain function: no object with a destructor lives across setjmp.
bool write_png_plain(std::FILE* f, const PngSpec* spec, png_bytepp rows) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!png || !info || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, info ? &info : nullptr);
    return false;
  }
  png_init_io(png, f);
  png_set_user_limits(png, 1u << 20, 1u << 20);
  png_set_IHDR(png, info, spec->width, spec->height, spec->depth, spec->color,
               spec->interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  if (!spec->palette.empty())
    png_set_PLTE(png, info, spec->palette.data(), static_cast<int>(spec->palette.size()));
  if (!spec->trns.empty()) png_set_tRNS(png, info, spec->trns.data(), static_cast<int>(spec->trns.size()), nullptr);
  png_write_info(png, info);
  if (spec->interlace) png_set_interlace_handling(png);
  png_write_image(png, rows);
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return true;
}

void write_png_with_libpng(const std::string& path, PngSpec& spec) {
  std::vector<png_bytep> rows;
  for (auto& r : spec.rows) rows.push_back(r.data());
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  const bool ok = write_png_plain(f, &spec, rows.data());
  std::fclose(f);
  ASSERT_TRUE(ok) << "libpng could not write the test file";
}

uint8_t px(const Image& img, int x, int y, int c) {
  const int ch = format_info(img.format()).planes[0].channels;
  return img.view().row(0, y)[x * ch + c];
}
uint16_t px16(const Image& img, int x, int y, int c) {
  const int ch = format_info(img.format()).planes[0].channels;
  return reinterpret_cast<const uint16_t*>(img.view().row(0, y))[x * ch + c];
}

// The RGB(A) image with the given BGR(A) image's channels swapped into place.
Image swap_red_blue(const Image& src, PixelFormat to) {
  Image out = testing::filled_image({src.width(), src.height(), to, src.desc().color}, 0);
  const int ch = format_info(src.format()).planes[0].channels;
  for (int y = 0; y < src.height(); ++y)
    for (int x = 0; x < src.width(); ++x) {
      const uint8_t* s = src.view().row(0, y) + x * ch;
      uint8_t* d = out.view().row(0, y) + x * ch;
      d[0] = s[2];
      d[1] = s[1];
      d[2] = s[0];
      if (ch == 4) d[3] = s[3];
    }
  return out;
}

// Peak signal-to-noise ratio over every sample of two 8-bit images of one format.
double psnr(const Image& a, const Image& b) {
  const int ch = format_info(a.format()).planes[0].channels;
  double sum = 0;
  long n = 0;
  for (int y = 0; y < a.height(); ++y)
    for (int i = 0; i < a.width() * ch; ++i) {
      const double d = double(a.view().row(0, y)[i]) - double(b.view().row(0, y)[i]);
      sum += d * d;
      ++n;
    }
  const double mse = sum / n;
  return mse == 0 ? INFINITY : 10 * std::log10(255.0 * 255.0 / mse);
}

// A smooth synthetic picture: gradients and slow waves, what JPEG handles well.
Image smooth_image(int w, int h, PixelFormat f) {
  Image img = testing::filled_image({w, h, f}, 0);
  const int ch = format_info(f).planes[0].channels;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < ch; ++c) {
        const double v = 128 + 60 * std::sin(0.05 * x + 0.9 * c) * std::cos(0.04 * y) + 50.0 * (x - w / 2) / w +
                         30.0 * (y - h / 2) / h;
        img.view().row(0, y)[x * ch + c] = static_cast<uint8_t>(std::lround(std::clamp(v, 0.0, 255.0)));
      }
  return img;
}

bool exists(const std::string& p) { return fs::exists(p); }

// ---- file types and argument errors ---------------------------------------------------------------

TEST(ImageFile, TypeFromPathIsCaseInsensitive) {
  EXPECT_EQ(*image_file_type_from_path("a.png"), ImageFileType::Png);
  EXPECT_EQ(*image_file_type_from_path("dir.v2/A.PNG"), ImageFileType::Png);
  EXPECT_EQ(*image_file_type_from_path("x.JpG"), ImageFileType::Jpeg);
  EXPECT_EQ(*image_file_type_from_path("x.jpeg"), ImageFileType::Jpeg);
  auto bad = image_file_type_from_path("photo.bmp");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.status().code(), StatusCode::InvalidArgument);
  EXPECT_TRUE(contains(bad.status().message(), "'.bmp'")) << bad.status().message();
  EXPECT_TRUE(contains(bad.status().message(), ".png, .jpg, .jpeg")) << bad.status().message();
  auto none = image_file_type_from_path("dir.png/photo");
  ASSERT_FALSE(none);
  EXPECT_TRUE(contains(none.status().message(), "no file extension")) << none.status().message();
}

TEST(ImageFile, UnknownExtensionOnReadAndWrite) {
  ScopedTempDir dir;
  auto r = read_image_file(dir.file("x.tiff"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), StatusCode::InvalidArgument);
  EXPECT_TRUE(contains(r.status().message(), ".tiff"));
  Image img = testing::random_image(4, 4, PixelFormat::RGB24, 1);
  Status s = write_image_file(img.view(), dir.file("x.gif"));
  EXPECT_EQ(s.code(), StatusCode::InvalidArgument);
  EXPECT_TRUE(contains(s.message(), ".gif"));
  EXPECT_FALSE(exists(dir.file("x.gif")));
}

TEST(ImageFile, MissingFileNamesPathAndReason) {
  ScopedTempDir dir;
  const std::string path = dir.file("missing.png");
  auto r = read_image_file(path);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), StatusCode::IoError);
  EXPECT_EQ(r.status().message(), "cannot open '" + path + "': No such file or directory");
}

TEST(ImageFile, DeviceImageIsRefused) {
  // A device view is never dereferenced by the check, so a dummy pointer is enough.
  uint8_t dummy[64];
  ConstImageView dev({4, 4, PixelFormat::RGB24}, MemoryKind::Device, {{{dummy, 12}, {}, {}}}, 0);
  ScopedTempDir dir;
  Status s = write_image_file(dev, dir.file("d.png"));
  EXPECT_EQ(s.code(), StatusCode::InvalidArgument);
  EXPECT_TRUE(contains(s.message(), "copy it to the host first")) << s.message();
  EXPECT_FALSE(exists(dir.file("d.png")));
}

TEST(ImageFile, FormatsTheFileCannotHoldAreUnsupported) {
  ScopedTempDir dir;
  Image nv12 = testing::random_image(8, 8, PixelFormat::NV12, 1);
  Status s = write_image_file(nv12.view(), dir.file("a.png"));
  EXPECT_EQ(s.code(), StatusCode::Unsupported);
  EXPECT_TRUE(contains(s.message(), "nv12") && contains(s.message(), "convert to rgb24")) << s.message();
  Image rgba = testing::random_image(8, 8, PixelFormat::RGBA, 1);
  s = write_image_file(rgba.view(), dir.file("a.jpg"));
  EXPECT_EQ(s.code(), StatusCode::Unsupported);
  EXPECT_TRUE(contains(s.message(), "rgba") && contains(s.message(), "convert to rgb24 or gray8")) << s.message();
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(ImageFile, UnwritableDirectoryLeavesNothing) {
  ScopedTempDir dir;
  Image img = testing::random_image(16, 9, PixelFormat::RGB24, 2);
  const std::string in_missing_dir = dir.file("no_such_dir/out.png");
  Status s = write_image_file(img.view(), in_missing_dir);
  EXPECT_EQ(s.code(), StatusCode::IoError);
  EXPECT_TRUE(contains(s.message(), "out.png")) << s.message();
  EXPECT_FALSE(exists(in_missing_dir));

  // The encode succeeds but the final rename fails (a directory is in the way): the temporary
  // file must not stay behind.
  const std::string blocked = dir.file("blocked.jpg");
  fs::create_directories(fs::path(blocked) / "child");
  s = write_image_file(img.view(), blocked);
  EXPECT_EQ(s.code(), StatusCode::IoError);
  EXPECT_TRUE(fs::is_directory(blocked));
  EXPECT_FALSE(exists(blocked + ".part"));
}

TEST(ImageFile, ReadOnlyDirectoryLeavesNothing) {
  ScopedTempDir dir;
  Image img = testing::random_image(16, 9, PixelFormat::RGB24, 2);
  // Meaningless when running as root, which may write anyway.
  const fs::path ro = dir.path() / "ro";
  fs::create_directories(ro);
  fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec);
  if (::access(ro.c_str(), W_OK) == 0) {
    fs::permissions(ro, fs::perms::owner_all);
    GTEST_SKIP() << "running with permission to write into a read-only directory (root?)";
  }
  Status s = write_image_file(img.view(), (ro / "out.png").string());
  EXPECT_EQ(s.code(), StatusCode::IoError);
  EXPECT_TRUE(fs::is_empty(ro));
  fs::permissions(ro, fs::perms::owner_all);
}

TEST(ImageFile, BadOptionsAreRefusedBeforeWriting) {
  ScopedTempDir dir;
  Image img = testing::random_image(8, 8, PixelFormat::RGB24, 1);
  for (int q : {0, 101, -5}) {
    Status s = write_image_file(img.view(), dir.file("q.jpg"), {.jpeg_quality = q});
    EXPECT_EQ(s.code(), StatusCode::InvalidArgument);
    EXPECT_TRUE(contains(s.message(), "jpeg_quality " + std::to_string(q))) << s.message();
  }
  Status s = write_image_file(img.view(), dir.file("c.png"), {.png_compression = 10});
  EXPECT_EQ(s.code(), StatusCode::InvalidArgument);
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

// ---- PNG --------------------------------------------------------------------------------------------

class PngRoundTrip : public ::testing::TestWithParam<PixelFormat> {};

TEST_P(PngRoundTrip, IsExact) {
  ScopedTempDir dir;
  const PixelFormat f = GetParam();
  Image src = testing::random_image(41, 39, f, 11);
  for (int level : {0, 3, 9}) {
    const std::string path = dir.file(std::string("rt_") + format_name(f) + ".png");
    Status s = write_image_file(src.view(), path, {.png_compression = level});
    ASSERT_TRUE(s) << s.to_string();
    EXPECT_FALSE(exists(path + ".part"));
    auto back = read_image_file(path);
    ASSERT_TRUE(back) << back.status().to_string();
    EXPECT_EQ(back->desc().color, kStillColor);
    if (f == PixelFormat::BGR24 || f == PixelFormat::BGRA) {
      Image want = swap_red_blue(src, f == PixelFormat::BGR24 ? PixelFormat::RGB24 : PixelFormat::RGBA);
      EXPECT_IMAGES_CLOSE(back->view(), want.view(), 0) << "level " << level;
    } else {
      EXPECT_IMAGES_CLOSE(back->view(), src.view(), 0) << "level " << level;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, PngRoundTrip,
                         ::testing::Values(PixelFormat::Gray8, PixelFormat::Gray16, PixelFormat::RGB24,
                                           PixelFormat::BGR24, PixelFormat::RGBA, PixelFormat::BGRA,
                                           PixelFormat::RGB48),
                         [](const auto& info) { return std::string(format_name(info.param)); });

TEST(PngRead, PaletteWithAndWithoutTransparency) {
  ScopedTempDir dir;
  PngSpec spec;
  spec.width = 5;
  spec.height = 3;
  spec.depth = 4;
  spec.color = PNG_COLOR_TYPE_PALETTE;
  for (int i = 0; i < 16; ++i)
    spec.palette.push_back({png_byte(i * 16), png_byte(255 - i * 7), png_byte((i * 37) % 256)});
  auto index = [](int x, int y) { return (x + y * 5 + 3) % 16; };
  for (int y = 0; y < 3; ++y) {
    std::vector<png_byte> row(3, 0);
    for (int x = 0; x < 5; ++x) row[x / 2] |= png_byte(index(x, y) << (x % 2 ? 0 : 4));
    spec.rows.push_back(row);
  }
  const std::string opaque = dir.file("pal.png");
  write_png_with_libpng(opaque, spec);
  auto img = read_image_file(opaque);
  ASSERT_TRUE(img) << img.status().to_string();
  ASSERT_EQ(img->format(), PixelFormat::RGB24);
  EXPECT_EQ(img->desc().color, kStillColor);
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 5; ++x) {
      const png_color& c = spec.palette[index(x, y)];
      EXPECT_EQ(px(*img, x, y, 0), c.red);
      EXPECT_EQ(px(*img, x, y, 1), c.green);
      EXPECT_EQ(px(*img, x, y, 2), c.blue);
    }

  spec.trns = {0, 40, 200};  // alpha of entries 0, 1, 2; the rest are opaque
  const std::string with_alpha = dir.file("pal_trns.png");
  write_png_with_libpng(with_alpha, spec);
  img = read_image_file(with_alpha);
  ASSERT_TRUE(img) << img.status().to_string();
  ASSERT_EQ(img->format(), PixelFormat::RGBA);
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 5; ++x) {
      const int i = index(x, y);
      EXPECT_EQ(px(*img, x, y, 0), spec.palette[i].red);
      EXPECT_EQ(px(*img, x, y, 2), spec.palette[i].blue);
      EXPECT_EQ(px(*img, x, y, 3), i < 3 ? spec.trns[i] : 255) << "index " << i;
    }
}

TEST(PngRead, GrayAlphaBecomesRgba) {
  ScopedTempDir dir;
  PngSpec spec;
  spec.width = 4;
  spec.height = 3;
  spec.color = PNG_COLOR_TYPE_GRAY_ALPHA;
  for (int y = 0; y < 3; ++y) {
    std::vector<png_byte> row;
    for (int x = 0; x < 4; ++x) {
      row.push_back(png_byte(x * 60 + y));
      row.push_back(png_byte(255 - x * 50 - y));
    }
    spec.rows.push_back(row);
  }
  write_png_with_libpng(dir.file("ga.png"), spec);
  auto img = read_image_file(dir.file("ga.png"));
  ASSERT_TRUE(img) << img.status().to_string();
  ASSERT_EQ(img->format(), PixelFormat::RGBA);
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 4; ++x) {
      for (int c = 0; c < 3; ++c) EXPECT_EQ(px(*img, x, y, c), x * 60 + y);
      EXPECT_EQ(px(*img, x, y, 3), 255 - x * 50 - y);
    }
}

TEST(PngRead, OneBitGrayExpandsToGray8) {
  ScopedTempDir dir;
  PngSpec spec;
  spec.width = 10;
  spec.height = 2;
  spec.depth = 1;
  spec.rows = {{0b10110000, 0b01000000}, {0b01001111, 0b10000000}};
  write_png_with_libpng(dir.file("bits.png"), spec);
  auto img = read_image_file(dir.file("bits.png"));
  ASSERT_TRUE(img) << img.status().to_string();
  ASSERT_EQ(img->format(), PixelFormat::Gray8);
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 10; ++x) {
      const bool bit = (spec.rows[y][x / 8] >> (7 - x % 8)) & 1;
      EXPECT_EQ(px(*img, x, y, 0), bit ? 255 : 0) << x << "," << y;
    }
}

TEST(PngRead, SixteenBitSamplesAreBigEndianInTheFile) {
  ScopedTempDir dir;
  PngSpec spec;
  spec.width = 3;
  spec.height = 2;
  spec.depth = 16;
  for (int y = 0; y < 2; ++y) {
    std::vector<png_byte> row;
    for (int x = 0; x < 3; ++x) {
      const int v = 0x1234 + 0x0101 * (x + 3 * y);
      row.push_back(png_byte(v >> 8));
      row.push_back(png_byte(v & 0xff));
    }
    spec.rows.push_back(row);
  }
  write_png_with_libpng(dir.file("g16.png"), spec);
  auto img = read_image_file(dir.file("g16.png"));
  ASSERT_TRUE(img) << img.status().to_string();
  ASSERT_EQ(img->format(), PixelFormat::Gray16);
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 3; ++x) EXPECT_EQ(px16(*img, x, y, 0), 0x1234 + 0x0101 * (x + 3 * y));
}

TEST(PngRead, SixteenBitRgbaIsScaledToEightBits) {
  ScopedTempDir dir;
  PngSpec spec;
  spec.width = 4;
  spec.height = 1;
  spec.depth = 16;
  spec.color = PNG_COLOR_TYPE_RGB_ALPHA;
  const int values[16] = {0, 65535, 257, 32768, 128, 129, 1000, 40000, 65280, 65407, 500, 12345, 2, 60000, 255, 256};
  std::vector<png_byte> row;
  for (int v : values) {
    row.push_back(png_byte(v >> 8));
    row.push_back(png_byte(v & 0xff));
  }
  spec.rows = {row};
  write_png_with_libpng(dir.file("rgba16.png"), spec);
  auto img = read_image_file(dir.file("rgba16.png"));
  ASSERT_TRUE(img) << img.status().to_string();
  ASSERT_EQ(img->format(), PixelFormat::RGBA);
  for (int i = 0; i < 16; ++i)
    EXPECT_NEAR(px(*img, i / 4, 0, i % 4), values[i] * 255.0 / 65535.0, 0.5 + 1e-9) << "sample " << values[i];
}

TEST(PngRead, InterlacedImageIsExact) {
  ScopedTempDir dir;
  Image src = testing::random_image(23, 17, PixelFormat::RGB24, 4);
  PngSpec spec;
  spec.width = 23;
  spec.height = 17;
  spec.color = PNG_COLOR_TYPE_RGB;
  spec.interlace = true;
  for (int y = 0; y < 17; ++y) spec.rows.emplace_back(src.view().row(0, y), src.view().row(0, y) + 23 * 3);
  write_png_with_libpng(dir.file("adam7.png"), spec);
  auto img = read_image_file(dir.file("adam7.png"));
  ASSERT_TRUE(img) << img.status().to_string();
  EXPECT_IMAGES_CLOSE(img->view(), src.view(), 0);
}

TEST(PngRead, HugeWidthIsRefused) {
  ScopedTempDir dir;
  PngSpec spec;
  spec.width = 100000;
  spec.height = 1;
  spec.rows = {std::vector<png_byte>(100000, 7)};
  write_png_with_libpng(dir.file("wide.png"), spec);
  auto img = read_image_file(dir.file("wide.png"));
  ASSERT_FALSE(img);
  EXPECT_EQ(img.status().code(), StatusCode::IoError);
  EXPECT_TRUE(contains(img.status().message(), "100000")) << img.status().message();
}

TEST(PngRead, GarbageTruncatedAndMislabelledFiles) {
  ScopedTempDir dir;
  const std::string text = dir.file("text.png");
  testing::write_bytes(text, "this is not an image at all\n");
  auto r = read_image_file(text);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), StatusCode::IoError);
  EXPECT_TRUE(contains(r.status().message(), text) && contains(r.status().message(), "not a PNG")) << r.status().message();

  const std::string empty = dir.file("empty.png");
  testing::write_bytes(empty, "");
  r = read_image_file(empty);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), StatusCode::IoError);
  EXPECT_TRUE(contains(r.status().message(), empty));

  // A real PNG cut short, and one with a damaged IDAT.
  Image src = testing::random_image(64, 48, PixelFormat::RGB24, 3);
  const std::string good = dir.file("good.png");
  ASSERT_TRUE(write_image_file(src.view(), good));
  const std::string bytes = testing::read_bytes(good);
  for (size_t keep : {size_t{8}, size_t{20}, size_t{60}, bytes.size() / 2, bytes.size() - 13}) {
    const std::string cut = dir.file("cut.png");
    testing::write_bytes(cut, bytes.substr(0, keep));
    r = read_image_file(cut);
    ASSERT_FALSE(r) << "kept " << keep << " of " << bytes.size();
    EXPECT_EQ(r.status().code(), StatusCode::IoError);
    EXPECT_TRUE(contains(r.status().message(), cut)) << r.status().message();
  }
  std::string damaged = bytes;
  for (size_t i = 60; i < damaged.size() - 20; i += 7) damaged[i] = static_cast<char>(damaged[i] ^ 0x5a);
  testing::write_bytes(dir.file("damaged.png"), damaged);
  r = read_image_file(dir.file("damaged.png"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), StatusCode::IoError);

  // A JPEG with a .png name.
  const std::string jpeg_as_png = dir.file("photo.png");
  ASSERT_TRUE(write_image_file(src.view(), dir.file("photo.jpg")));
  fs::rename(dir.file("photo.jpg"), jpeg_as_png);
  r = read_image_file(jpeg_as_png);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), StatusCode::IoError);
  EXPECT_TRUE(contains(r.status().message(), "not a PNG") && contains(r.status().message(), "JPEG"))
      << r.status().message();
}

// ---- JPEG -------------------------------------------------------------------------------------------

TEST(JpegRoundTrip, SmoothRgbKeepsHighPsnr) {
  ScopedTempDir dir;
  Image src = smooth_image(97, 61, PixelFormat::RGB24);
  ASSERT_TRUE(write_image_file(src.view(), dir.file("s.jpg"), {.jpeg_quality = 95}));
  auto back = read_image_file(dir.file("s.jpg"));
  ASSERT_TRUE(back) << back.status().to_string();
  ASSERT_EQ(back->format(), PixelFormat::RGB24);
  ASSERT_EQ(back->width(), 97);
  ASSERT_EQ(back->height(), 61);
  EXPECT_EQ(back->desc().color, kStillColor);
  const double q95 = psnr(*back, src);
  EXPECT_GT(q95, 35.0);

  // Lower quality gives a smaller file and a lower PSNR (so the quality option is honoured).
  ASSERT_TRUE(write_image_file(src.view(), dir.file("low.jpg"), {.jpeg_quality = 10}));
  auto low = read_image_file(dir.file("low.jpg"));
  ASSERT_TRUE(low);
  EXPECT_LT(psnr(*low, src), q95 - 3);
  EXPECT_LT(fs::file_size(dir.file("low.jpg")), fs::file_size(dir.file("s.jpg")));
}

TEST(JpegRoundTrip, BgrIsSwappedOnWrite) {
  ScopedTempDir dir;
  Image rgb = smooth_image(50, 40, PixelFormat::RGB24);
  Image bgr = swap_red_blue(rgb, PixelFormat::BGR24);
  ASSERT_TRUE(write_image_file(bgr.view(), dir.file("b.JPEG"), {.jpeg_quality = 95}));
  auto back = read_image_file(dir.file("b.JPEG"));
  ASSERT_TRUE(back) << back.status().to_string();
  ASSERT_EQ(back->format(), PixelFormat::RGB24);
  EXPECT_GT(psnr(*back, rgb), 35.0);
}

TEST(JpegRoundTrip, GrayStaysGray) {
  ScopedTempDir dir;
  Image src = smooth_image(33, 21, PixelFormat::Gray8);
  ASSERT_TRUE(write_image_file(src.view(), dir.file("g.jpg"), {.jpeg_quality = 95}));
  auto back = read_image_file(dir.file("g.jpg"));
  ASSERT_TRUE(back) << back.status().to_string();
  ASSERT_EQ(back->format(), PixelFormat::Gray8);
  EXPECT_GT(psnr(*back, src), 35.0);
}

TEST(JpegRead, TruncatedAndCorruptFilesAreIoErrors) {
  ScopedTempDir dir;
  Image src = testing::random_image(64, 64, PixelFormat::RGB24, 9);
  const std::string good = dir.file("good.jpg");
  ASSERT_TRUE(write_image_file(src.view(), good));
  const std::string bytes = testing::read_bytes(good);
  for (size_t keep : {size_t{3}, size_t{40}, size_t{300}, bytes.size() / 2, bytes.size() - 2}) {
    const std::string cut = dir.file("cut.jpg");
    testing::write_bytes(cut, bytes.substr(0, keep));
    auto r = read_image_file(cut);
    ASSERT_FALSE(r) << "kept " << keep << " of " << bytes.size();
    EXPECT_EQ(r.status().code(), StatusCode::IoError);
    EXPECT_TRUE(contains(r.status().message(), cut)) << r.status().message();
    if (keep > 1000) EXPECT_TRUE(contains(r.status().message(), "truncated")) << r.status().message();
  }
  // A JPEG start followed by garbage.
  std::string garbage = bytes.substr(0, 3);
  for (int i = 0; i < 500; ++i) garbage += static_cast<char>((i * 131 + 7) % 251);
  testing::write_bytes(dir.file("garbage.jpg"), garbage);
  auto r = read_image_file(dir.file("garbage.jpg"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), StatusCode::IoError);
  EXPECT_TRUE(contains(r.status().message(), "garbage.jpg")) << r.status().message();

  testing::write_bytes(dir.file("text.jpg"), "hello");
  r = read_image_file(dir.file("text.jpg"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), StatusCode::IoError);
  EXPECT_TRUE(contains(r.status().message(), "not a JPEG")) << r.status().message();
}

TEST(JpegRead, CmykIsUnsupported) {
  ScopedTempDir dir;
  const std::string path = dir.file("cmyk.jpg");
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  {
    jpeg_compress_struct c{};
    jpeg_error_mgr err{};
    c.err = jpeg_std_error(&err);  // exits on error; cannot fail for this tiny in-memory image
    jpeg_create_compress(&c);
    jpeg_stdio_dest(&c, f);
    c.image_width = 8;
    c.image_height = 4;
    c.input_components = 4;
    c.in_color_space = JCS_CMYK;
    jpeg_set_defaults(&c);
    jpeg_start_compress(&c, TRUE);
    unsigned char row[32] = {};
    JSAMPROW rp = row;
    while (c.next_scanline < c.image_height) jpeg_write_scanlines(&c, &rp, 1);
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
  }
  std::fclose(f);
  auto r = read_image_file(path);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), StatusCode::Unsupported);
  EXPECT_TRUE(contains(r.status().message(), "CMYK") && contains(r.status().message(), path)) << r.status().message();
}

}  // namespace
}  // namespace caldera
