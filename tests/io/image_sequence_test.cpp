// Folders and globs of images in, folders and %d patterns out (written by several threads at
// once, nothing under the final names before finish()), through the library and through
// `caldera run` (which runs frame by frame when the images differ in size).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <thread>

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

TEST(ImageFolders, FolderAndGlobInputsInNameOrder) {
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

TEST(ImageFolders, FolderOutputAppearsOnlyWhenComplete) {
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
    // The folder is made at open; the frame waits as x.png.part until finish().
    EXPECT_FALSE(std::filesystem::exists(out + "/x.png"));
    EXPECT_TRUE(std::filesystem::exists(out + "/x.png.part"));
    // Two frames may not land on one name.
    EXPECT_FALSE((*sink)->write(f));
  }  // dropped unfinished: nothing stays, not even the folder it made
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

TEST(ImageFolders, CalderaRunResizesAFolderOfMixedSizes) {
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

namespace fs = std::filesystem;

class ImageSequence : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("caldera_seq_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::vector<std::string> files() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
  fs::path dir_;
};

TEST_F(ImageSequence, PatternsAreRecognised) {
  EXPECT_TRUE(is_image_sequence_pattern("f_%05d.png"));
  EXPECT_TRUE(is_image_sequence_pattern("out/%d.jpg"));
  EXPECT_TRUE(is_image_sequence_pattern("100%%_%3d.png"));
  EXPECT_FALSE(is_image_sequence_pattern("out.png"));
  EXPECT_FALSE(is_image_sequence_pattern("a_%s.png"));
  EXPECT_FALSE(is_image_sequence_pattern("a_%d_%d.png"));
  EXPECT_FALSE(is_image_sequence_pattern("100%.png"));
  auto bad = make_media_sink((dir_ / "f_%d.bmp").string());
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.status().message().find("unknown extension '.bmp'"), std::string::npos) << bad.status().message();
}

TEST_F(ImageSequence, WritersInParallelAndNothingBeforeFinish) {
  auto sink = make_media_sink((dir_ / "f_%04d.png").string());
  ASSERT_TRUE(sink) << sink.status().to_string();
  EXPECT_GT((*sink)->parallel_writers(), 1);
  const ImageDesc desc{13, 9, PixelFormat::RGB24};
  ASSERT_TRUE((*sink)->open(desc, MediaInfo{}));
  std::vector<Image> frames;
  for (int i = 0; i < 12; ++i) frames.push_back(testing::random_image(desc, 100 + i));
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};
  for (int w = 0; w < 3; ++w)
    writers.emplace_back([&, w] {
      for (int i = w; i < 12; i += 3) {
        Frame f;
        f.index = i;
        f.image = Image::wrap(frames[i].view(), nullptr);
        if (!(*sink)->write(f)) ++failures;
      }
    });
  for (auto& t : writers) t.join();
  EXPECT_EQ(failures.load(), 0);
  for (const std::string& f : files()) EXPECT_NE(f.find(".part"), std::string::npos) << f << " appeared before finish()";
  ASSERT_TRUE((*sink)->finish());
  const auto names = files();
  ASSERT_EQ(names.size(), 12u);
  EXPECT_EQ(names.front(), "f_0000.png");
  EXPECT_EQ(names.back(), "f_0011.png");
  for (int i = 0; i < 12; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "f_%04d.png", i);
    auto img = read_image_file((dir_ / name).string());
    ASSERT_TRUE(img) << img.status().to_string();
    EXPECT_IMAGES_CLOSE(img->view(), frames[i].view(), 0);
  }
}

TEST_F(ImageSequence, ASinkDroppedBeforeFinishLeavesNothing) {
  {
    auto sink = make_media_sink((dir_ / "f_%d.jpg").string());
    ASSERT_TRUE(sink);
    const ImageDesc desc{8, 8, PixelFormat::RGB24};
    ASSERT_TRUE((*sink)->open(desc, MediaInfo{}));
    Image img = testing::random_image(desc, 1);
    for (int i = 0; i < 3; ++i) {
      Frame f;
      f.index = i;
      f.image = Image::wrap(img.view(), nullptr);
      ASSERT_TRUE((*sink)->write(f));
    }
    EXPECT_EQ(files().size(), 3u);
  }
  EXPECT_TRUE(files().empty());
}

TEST_F(ImageSequence, MissingFoldersAndFormatsAreReportedAtOpen) {
  auto sink = make_media_sink((dir_ / "nope" / "f_%d.png").string());
  ASSERT_TRUE(sink);
  Status s = (*sink)->open({8, 8, PixelFormat::RGB24}, MediaInfo{});
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("does not exist"), std::string::npos) << s.message();
  auto jpeg = make_media_sink((dir_ / "f_%d.jpg").string());
  ASSERT_TRUE(jpeg);
  EXPECT_FALSE((*jpeg)->accepts(PixelFormat::NV12));
  EXPECT_FALSE((*jpeg)->accepts(PixelFormat::RGBA));
  EXPECT_EQ((*jpeg)->preferred({8, 8, PixelFormat::NV12}), PixelFormat::RGB24);
  s = (*jpeg)->open({8, 8, PixelFormat::NV12}, MediaInfo{});
  EXPECT_FALSE(s);
}

}  // namespace
}  // namespace caldera
