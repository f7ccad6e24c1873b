// The `caldera` command end to end: the main job on the bundled examples, CPU against GPU where
// there is one, and the errors a user meets (missing file, bad option, unwritable output).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "caldera/io/image_file.hpp"
#include "caldera/io/y4m.hpp"
#include "caldera/nn/model.hpp"
#include "apps/cli_test_util.hpp"
#include "support/image_testing.hpp"

namespace caldera {
namespace {

namespace fs = std::filesystem;

std::string nn_model_dir() { return nn::Model::model_dir(); }

class CalderaCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (caldera_binary().empty()) GTEST_SKIP() << "the caldera binary was not built next to the tests";
    dir_ = fs::temp_directory_path() / ("caldera_cli_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }
  std::string example(const char* name) const { return (fs::path(CALDERA_SOURCE_DIR) / "examples" / name).string(); }
  std::string out(const char* name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

TEST_F(CalderaCli, ResizesTheBundledImageOnTheCpu) {
  const CliRun r = run_caldera("run --device cpu -i " + example("sample.png") + " -o " + out("a.png") +
                            " --vf resize=w=240:h=-1:interp=area");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto img = read_image_file(out("a.png"));
  ASSERT_TRUE(img) << img.status().to_string();
  EXPECT_EQ(img->width(), 240);
  EXPECT_EQ(img->height(), 135);  // 270 * 240 / 480: rgb24 has no subsampling to round to
}

TEST_F(CalderaCli, ProcessesTheBundledClipAndKeepsItsFrames) {
  const CliRun r = run_caldera("run --device cpu -i " + example("clip.y4m") + " -o " + out("c.y4m") +
                            " --vf resize=w=96:h=54,convert=nv12");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("converting to i420"), std::string::npos) << r.output;
  auto rd = Y4mReader::open(out("c.y4m"));
  ASSERT_TRUE(rd) << rd.status().to_string();
  EXPECT_EQ(rd->header().width, 96);
  EXPECT_EQ(rd->header().fps_num, 24);
  EXPECT_EQ(rd->estimated_frame_count(), 12);
}

TEST_F(CalderaCli, GpuAndCpuGiveTheSameJob) {
  CALDERA_REQUIRE_GPU();
  const std::string vf = " --vf resize=w=1280:h=720:interp=bicubic,convert=nv12,resize=w=640:h=360:interp=area";
  ASSERT_EQ(run_caldera("run -q --device cpu -i " + example("clip.y4m") + " -o " + out("cpu.y4m") + vf).exit_code, 0);
  ASSERT_EQ(run_caldera("run -q --device cuda -i " + example("clip.y4m") + " -o " + out("gpu.y4m") + vf).exit_code, 0);
  auto a = Y4mReader::open(out("cpu.y4m"));
  auto b = Y4mReader::open(out("gpu.y4m"));
  ASSERT_TRUE(a && b);
  Image fa = testing::filled_image(a->frame_desc(), 0), fb = testing::filled_image(b->frame_desc(), 0);
  int frames = 0;
  while (*a->read_frame(fa.view()) && *b->read_frame(fb.view())) {
    EXPECT_IMAGES_CLOSE(fb.view(), fa.view(), 1) << "frame " << frames;
    ++frames;
  }
  EXPECT_EQ(frames, 12);
}

TEST_F(CalderaCli, ErrorsNameTheProblemAndLeaveNoOutput) {
  CliRun r = run_caldera("run -i " + out("missing.png") + " -o " + out("x.png"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("missing.png' does not exist"), std::string::npos) << r.output;

  r = run_caldera("run -i " + example("sample.png") + " -o " + out("x.png") + " --vf resize=w=10:q=3");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("unknown option 'q'"), std::string::npos) << r.output;

  r = run_caldera("run -i " + example("sample.png") + " -o " + out("x.png") + " --vf emboss=3");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("unknown filter 'emboss'"), std::string::npos) << r.output;

  r = run_caldera("run -i " + example("sample.png") + " -o " + out("x.png") + " --device tpu");
  EXPECT_EQ(r.exit_code, 2) << r.output;

  // A clip into a single-image file fails before anything is written.
  r = run_caldera("run -i " + example("clip.y4m") + " -o " + out("x.png"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("holds one image"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(out("x.png")));

  r = run_caldera("run -i " + example("sample.png") + " -o " + out("no/such/dir/x.png"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_FALSE(fs::exists(out("no/such/dir/x.png")));

  r = run_caldera("run -i " + example("sample.png") + " -o " + out("x.png") + " --vf crop=w=600:h=10");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("not inside the 480x270 frame"), std::string::npos) << r.output;
  for (const auto& e : fs::directory_iterator(dir_)) ADD_FAILURE() << "left behind: " << e.path();
}

TEST_F(CalderaCli, SuperResolvesWithAModelOrNamesTheMissingOne) {
  CliRun r = run_caldera("run -i " + example("sample.png") + " -o " + out("x.png") + " --vf sr=model=no-such-model");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("'no-such-model' is not in"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("fetch-models.sh"), std::string::npos) << r.output;
  const char* model = "realesr-animevideov3-x4";
  if (!fs::exists(fs::path(nn_model_dir()) / (std::string(model) + ".param")))
    GTEST_SKIP() << model << " is not in the model directory: run scripts/fetch-models.sh";
  r = run_caldera(std::string("model inspect ") + model + " --size 96x54");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("1x3x216x384"), std::string::npos) << r.output;  // the x4 output shape
  EXPECT_NE(r.output.find("MiB planned"), std::string::npos) << r.output;
  r = run_caldera("run --device cpu -i " + example("clip.y4m") + " -o " + out("sr.y4m") +
                  " --frames 1 --vf crop=w=48:h=32:x=40:y=20,sr=" + model);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto rd = Y4mReader::open(out("sr.y4m"));
  ASSERT_TRUE(rd) << rd.status().to_string();
  EXPECT_EQ(rd->header().width, 192);
  EXPECT_EQ(rd->header().height, 128);
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST_F(CalderaCli, RunsAPipelineFileAndPrintsItsStats) {
  const CliRun r = run_caldera("run --device cpu --pipeline " + example("pipeline_scale.yaml") + " -i " + example("clip.y4m") +
                               " -o " + out("p.y4m") + " --stats");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* want : {"pipeline_scale.yaml: 6 stages on cpu (pipelined)", "resize 1280x720 bicubic", "alone fps",
                           "limiting stage:", "frames in flight: at most", "GPU: not sampled"})
    EXPECT_NE(r.output.find(want), std::string::npos) << want << " missing from\n" << r.output;
  auto rd = Y4mReader::open(out("p.y4m"));
  ASSERT_TRUE(rd) << rd.status().to_string();
  EXPECT_EQ(rd->header().width, 640);
  EXPECT_EQ(rd->estimated_frame_count(), 12);
}

TEST_F(CalderaCli, SynchronousAndPipelinedRunsWriteTheSameBytes) {
  const std::string job = "run -q --device cpu -i " + example("clip.y4m") +
                          " --vf resize=w=301:h=171:interp=lanczos3,flip=h,crop=w=200:h=100:x=50:y=30,convert=nv12";
  ASSERT_EQ(run_caldera(job + " -o " + out("a.y4m")).exit_code, 0);
  ASSERT_EQ(run_caldera(job + " --sync -o " + out("s.y4m")).exit_code, 0);
  ASSERT_EQ(run_caldera(job + " --frames-in-flight 1 -o " + out("one.y4m")).exit_code, 0);
  const std::string a = read_bytes(out("a.y4m"));
  EXPECT_GT(a.size(), 12u * 200 * 100);
  EXPECT_TRUE(a == read_bytes(out("s.y4m")));
  EXPECT_TRUE(a == read_bytes(out("one.y4m")));
}

TEST_F(CalderaCli, WritesAnImageSequence) {
  fs::create_directories(dir_ / "frames");
  const CliRun r = run_caldera("run --device cpu -i " + example("clip.y4m") + " -o " + out("frames/f_%03d.png") +
                               " --vf resize=w=96:h=54");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("converting to rgb24"), std::string::npos) << r.output;
  for (int i = 0; i < 12; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "frames/f_%03d.png", i);
    auto img = read_image_file(out(name));
    ASSERT_TRUE(img) << img.status().to_string();
    EXPECT_EQ(img->width(), 96);
  }
  EXPECT_FALSE(fs::exists(out("frames/f_012.png")));
}

TEST_F(CalderaCli, PipelineMistakesAreUsageErrorsThatNameTheStage) {
  {
    std::ofstream f(out("bad.yaml"));
    f << "stages:\n  - {name: in, type: source, path: " << example("clip.y4m") << "}\n"
      << "  - {name: big, type: operator, filter: resize, options: {w: 10, hh: 3}}\n"
      << "  - {name: out, type: sink, path: null}\n";
  }
  CliRun r = run_caldera("run --pipeline " + out("bad.yaml"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("stage 'big': field 'options': resize: unknown option 'hh'"), std::string::npos) << r.output;
  r = run_caldera("run --pipeline " + out("bad.yaml") + " --vf flip=h");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("one or the other"), std::string::npos) << r.output;
  r = run_caldera("run -o " + out("x.png"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("needs -i and -o"), std::string::npos) << r.output;
  r = run_caldera("run --pipeline " + out("missing.yaml"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("cannot open pipeline file"), std::string::npos) << r.output;
}

TEST_F(CalderaCli, InfoReportsTheMachine) {
  const CliRun r = run_caldera("info");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("CUDA runtime"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("cuDNN"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace caldera
