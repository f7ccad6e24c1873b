// Folders and globs of images in, folders and %d patterns out, through the library and through
// `caldera run` (which re-plans its chain when the images differ in size).
#include <gtest/gtest.h>

#include <filesystem>

#include "apps/cli_test_util.hpp"
#include "caldera/io/image_file.hpp"
#include "caldera/io/media.hpp"
#include "io/io_test_util.hpp"
#include "support/image_testing.hpp"

namespace caldera {
namespace {

using testing::contains;
using testing::random_image;
using testing::ScopedTempDir;

TEST(ImageSequence, FolderAndGlobInputsInNameOrder) {
  ScopedTempDir dir;
  std::filesystem::create_directories(dir.file("in"));
  ASSERT_TRUE(write_image_file(random_image(20, 10, PixelFormat::RGB24, 1).view(), dir.file("in/b.png")));
  ASSERT_TRUE(write_image_file(random_image(31, 17, PixelFormat::RGB24, 2).view(), dir.file("in/a.png")));
  ASSERT_TRUE(write_image_file(random_image(8, 8, PixelFormat::Gray8, 3).view(), dir.file("in/c.jpg")));
  testing::write_bytes(dir.file("in/notes.txt"), "not an image");

  auto src = open_media_source(dir.file("in"));
  ASSERT_TRUE(src) << src.status().to_string();
  EXPECT_EQ((*src)->info().frame_count, 3);
  EXPECT_TRUE((*src)->info().size_varies);
  EXPECT_EQ((*src)->info().desc.width, 31);  // a.png comes first
  Frame f;
  std::vector<std::string> names;
  while (*(*src)->read(f)) names.push_back(f.name + ":" + std::to_string(f.image.width()));
  EXPECT_EQ(names, (std::vector<std::string>{"a:31", "b:20", "c:8"}));

  auto globbed = open_media_source(dir.file("in/*.png"));
  ASSERT_TRUE(globbed) << globbed.status().to_string();
  EXPECT_EQ((*globbed)->info().frame_count, 2);
  auto none = open_media_source(dir.file("in/*.tiff"));
  ASSERT_FALSE(none);
  EXPECT_TRUE(contains(none.status().message(), "no .png or .jpg images match it")) << none.status().message();
}

TEST(ImageSequence, FolderOutputAppearsOnlyWhenComplete) {
  ScopedTempDir dir;
  const std::string out = dir.file("out");
  {
    auto sink = make_media_sink(out + "/");
    ASSERT_TRUE(sink) << sink.status().to_string();
    ASSERT_TRUE((*sink)->open({4, 4, PixelFormat::RGB24}, MediaInfo{}));
    Frame f;
    f.image = random_image(4, 4, PixelFormat::RGB24, 1);
    f.name = "x";
    ASSERT_TRUE((*sink)->write(f));
    EXPECT_FALSE(std::filesystem::exists(out));  // still out.part
    // Two frames may not land on one name.
    EXPECT_FALSE((*sink)->write(f));
  }  // dropped unfinished: nothing stays
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));

  auto sink = make_media_sink(dir.file("frame_%03d.png"));
  ASSERT_TRUE(sink) << sink.status().to_string();
  ASSERT_TRUE((*sink)->open({4, 4, PixelFormat::RGB24}, MediaInfo{}));
  for (int i = 0; i < 3; ++i) {
    Frame f;
    f.image = random_image(4 + i, 4, PixelFormat::RGB24, i);
    f.index = i;
    ASSERT_TRUE((*sink)->write(f));
  }
  ASSERT_TRUE((*sink)->finish());
  auto back = read_image_file(dir.file("frame_002.png"));
  ASSERT_TRUE(back) << back.status().to_string();
  EXPECT_EQ(back->width(), 6);
  EXPECT_FALSE(make_media_sink(dir.file("frame_%s.png")));
  EXPECT_FALSE(make_media_sink(dir.file("frame_%d_%d.png")));
}

TEST(ImageSequence, CalderaRunResizesAFolderOfMixedSizes) {
  if (caldera_binary().empty()) GTEST_SKIP() << "the caldera binary was not built next to the tests";
  ScopedTempDir dir;
  std::filesystem::create_directories(dir.file("in"));
  ASSERT_TRUE(write_image_file(random_image(64, 32, PixelFormat::RGB24, 1).view(), dir.file("in/one.png")));
  ASSERT_TRUE(write_image_file(random_image(30, 60, PixelFormat::RGB24, 2).view(), dir.file("in/two.jpg")));
  const CliRun r = run_caldera("run --device cpu -i " + dir.file("in") + " -o " + dir.file("out/") +
                               " --vf resize=w=-1:h=16:interp=area --image-format jpg");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto one = read_image_file(dir.file("out/one.jpg"));
  auto two = read_image_file(dir.file("out/two.jpg"));
  ASSERT_TRUE(one && two) << r.output;
  EXPECT_EQ(one->width(), 32);
  EXPECT_EQ(one->height(), 16);
  EXPECT_EQ(two->width(), 8);
  EXPECT_EQ(two->height(), 16);
}

}  // namespace
}  // namespace caldera
