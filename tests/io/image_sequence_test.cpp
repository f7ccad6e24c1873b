// Image-sequence sinks ("frames/f_%05d.png"): one file per frame named by its index, written by
// several threads at once, nothing under the final names before finish().
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "caldera/io/image_file.hpp"
#include "caldera/io/media.hpp"
#include "support/image_testing.hpp"

namespace caldera {
namespace {

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
  EXPECT_NE(bad.status().message().find("unknown image file extension"), std::string::npos) << bad.status().message();
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
