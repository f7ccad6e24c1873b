// Pipeline files and the checks made before anything runs: the schema (YAML and JSON read
// alike), and every error naming the stage and the field: unknown stage types, fields, filters
// and options, formats a stage cannot take from the one before, cycles, missing models, bad
// graphs. The bundled examples parse, build and run.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "pipeline/pipeline_test_util.hpp"

namespace caldera {
namespace {

using namespace pipeline_testing;
namespace fs = std::filesystem;

std::string example(const std::string& name) { return (fs::path(CALDERA_SOURCE_DIR) / "examples" / name).string(); }

// A YAML pipeline over the bundled clip with `stages` after the source.
std::string yaml(const std::string& stages, const std::string& top = "") {
  return "version: 1\n" + top + "stages:\n  - {name: in, type: source, path: " + example("clip.y4m") + "}\n" + stages;
}

Status build_yaml(const std::string& text) {
  auto spec = parse_pipeline(text, "test.yaml", false);
  if (!spec) return spec.status();
  PipelineSpec s = std::move(spec).value();
  s.device = s.device == "auto" ? "cpu" : s.device;
  return Pipeline::create(std::move(s)).status();
}

void expect_error(const std::string& text, std::vector<std::string> says) {
  const Status s = build_yaml(text);
  ASSERT_FALSE(s) << text;
  for (const std::string& part : says) EXPECT_TRUE(contains(s.message(), part)) << "'" << part << "' missing from: " << s.message();
}

TEST(PipelineFile, YamlAndJsonReadTheSame) {
  const std::string y = R"(
version: 1
device: cpu
frames_in_flight: 6
stages:
  - name: in
    type: source
    path: a.y4m
    frames: 5
  - {name: scale, type: operator, filter: resize, options: {w: 64, h: -1, interp: bicubic}, workers: 2, queue: 3}
  - name: sr
    type: model
    model: m
    batch: 2
    mean: [0.5, 0.5, 0.5]
    std: [0.25, 0.25, 0.5]
  - {name: out, type: sink, path: "f_%03d.png", workers: 2, convert: true, options: {jpeg_quality: 90}}
)";
  const std::string j = R"({"version": 1, "device": "cpu", "frames_in_flight": 6, "stages": [
    {"name": "in", "type": "source", "path": "a.y4m", "frames": 5},
    {"name": "scale", "type": "operator", "filter": "resize", "options": {"w": 64, "h": -1, "interp": "bicubic"}, "workers": 2, "queue": 3},
    {"name": "sr", "type": "model", "model": "m", "batch": 2, "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.5]},
    {"name": "out", "type": "sink", "path": "f_%03d.png", "workers": 2, "convert": true, "options": {"jpeg_quality": 90}}]})";
  for (bool json : {false, true}) {
    auto spec = parse_pipeline(json ? j : y, json ? "t.json" : "t.yaml", json);
    ASSERT_TRUE(spec) << spec.status().to_string();
    EXPECT_EQ(spec->device, "cpu");
    EXPECT_EQ(spec->frames_in_flight, 6);
    ASSERT_EQ(spec->stages.size(), 4u);
    const StageSpec& in = spec->stages[0];
    EXPECT_EQ(in.kind, StageKind::Source);
    EXPECT_EQ(in.path, "a.y4m");
    EXPECT_EQ(in.frames, 5);
    const StageSpec& scale = spec->stages[1];
    EXPECT_EQ(scale.kind, StageKind::Operator);
    EXPECT_EQ(scale.filter, "resize");
    EXPECT_EQ(scale.options, (std::map<std::string, std::string>{{"w", "64"}, {"h", "-1"}, {"interp", "bicubic"}}));
    EXPECT_EQ(scale.workers, 2);
    EXPECT_EQ(scale.queue, 3);
    const StageSpec& sr = spec->stages[2];
    EXPECT_EQ(sr.kind, StageKind::Model);
    EXPECT_EQ(sr.batch, 2);
    EXPECT_EQ(sr.mean[1], 0.5f);
    EXPECT_EQ(sr.std[2], 0.5f);
    const StageSpec& out = spec->stages[3];
    EXPECT_EQ(out.kind, StageKind::Sink);
    EXPECT_TRUE(out.convert);
    EXPECT_EQ(out.options.at("jpeg_quality"), "90");
  }
}

TEST(PipelineFile, SchemaErrorsNameTheStageAndTheField) {
  struct Case {
    std::string text;
    std::vector<std::string> says;
  };
  const std::vector<Case> cases = {
      {"version: 1\nstages: []\n", {"field 'stages'", "list of stages"}},
      {"version: 2\nstages:\n  - {type: source, path: a}\n", {"field 'version'", "2 is not known"}},
      {"stagse: []\n", {"unknown field 'stagse'", "takes version, device, frames_in_flight, stages"}},
      {yaml("  - {name: blur, type: filter}\n"), {"stage 'blur'", "field 'type'", "unknown type 'filter'"}},
      {yaml("  - {name: dec, type: decode}\n"), {"stage 'dec'", "decoding is the source's work"}},
      {yaml("  - {name: scale, type: operator, filter: resize, wdith: 3}\n"), {"stage 'scale'", "unknown field 'wdith'", "takes name, type, input, filter, options"}},
      {yaml("  - {name: scale, type: operator, filter: resize, workers: two}\n"), {"stage 'scale'", "field 'workers'", "'two' is not a whole number"}},
      {yaml("  - {name: scale, type: operator, filter: resize, options: {w: [1, 2]}}\n"), {"stage 'scale'", "field 'options'", "field 'w'", "single value"}},
      {yaml("  - {name: sr, type: model}\n"), {"stage 'sr'", "field 'model'", "missing"}},
      {yaml("  - {name: sr, type: model, model: x, mean: [1, 2]}\n"), {"stage 'sr'", "field 'mean'", "3 numbers"}},
      {yaml("  - {name: out, type: sink, path: o.y4m, batch: 2}\n"), {"stage 'out'", "unknown field 'batch'"}},
      {yaml("  - {type: operator}\n"), {"stage 2", "field 'filter'", "missing"}},
      {"stages:\n  - {name: a, type: source\n", {"test.yaml: line", "not valid YAML"}},
  };
  for (const Case& c : cases) expect_error(c.text, c.says);
  auto bad_json = parse_pipeline("{\"stages\": [}", "t.json", true);
  ASSERT_FALSE(bad_json);
  EXPECT_TRUE(contains(bad_json.status().message(), "t.json: not valid JSON")) << bad_json.status().message();
  auto dup = parse_pipeline("stages:\n  - {type: source, path: a, path: b}\n", "d.yaml", false);
  ASSERT_FALSE(dup);
  EXPECT_TRUE(contains(dup.status().message(), "'path' is given twice")) << dup.status().message();
}

TEST(PipelineFile, GraphErrorsNameTheStages) {
  struct Case {
    std::string text;
    std::vector<std::string> says;
  };
  const std::string sink = "  - {name: out, type: sink, path: null}\n";
  const std::vector<Case> cases = {
      {yaml("  - {name: a, type: operator, filter: flip, input: b}\n  - {name: b, type: operator, filter: flip, input: a}\n" +
            std::string("  - {name: c, type: operator, filter: flip, input: in}\n") + sink),
       {"'a'", "'b'", "form a cycle"}},
      {yaml("  - {name: a, type: operator, filter: flip, input: nowhere}\n" + sink), {"stage 'a'", "field 'input'", "no stage is named 'nowhere'"}},
      {yaml("  - {name: in2, type: source, path: x.y4m}\n" + sink), {"stage 'in2'", "one source"}},
      {yaml("  - {name: a, type: operator, filter: flip}\n"), {"no sink stage"}},
      {yaml("  - {name: a, type: operator, filter: flip}\n  - {name: b, type: operator, filter: flip, input: in}\n" + sink),
       {"stage 'a'", "nothing takes its frames"}},
      {yaml(sink + "  - {name: after, type: operator, filter: flip}\n  - {name: out2, type: sink, path: null}\n"),
       {"stage 'after'", "field 'input'", "'out' is a sink"}},
      {yaml("  - {name: in, type: operator, filter: flip}\n" + sink), {"stage name 'in' is used by stages 1 and 2"}},
      {"stages:\n  - {name: a, type: operator, filter: flip}\n", {"stage 'a'", "no stage before it"}},
  };
  for (const Case& c : cases) expect_error(c.text, c.says);
}

TEST(PipelineFile, StageErrorsNameTheStageAndTheField) {
  struct Case {
    std::string text;
    std::vector<std::string> says;
  };
  const std::string sink = "  - {name: out, type: sink, path: null}\n";
  const std::vector<Case> cases = {
      {yaml("  - {name: s, type: operator, filter: blur}\n" + sink), {"stage 's'", "field 'filter'", "unknown filter 'blur'", "known: convert, resize"}},
      {yaml("  - {name: s, type: operator, filter: resize, options: {wdith: 3}}\n" + sink), {"stage 's'", "field 'options'", "unknown option 'wdith'"}},
      {yaml("  - {name: s, type: operator, filter: 'resize=w=3:h=2,flip'}\n" + sink), {"stage 's'", "field 'filter'", "names 2 filters"}},
      {yaml("  - {name: c, type: operator, filter: crop, options: {w: 500, h: 10}}\n" + sink),
       {"stage 'c' (crop 500x10+0+0)", "cannot take 192x108 i420 frames from stage 'in'", "not inside"}},
      // A format the next stage cannot take: a model given gray frames, a PNG given YUV.
      {yaml("  - {name: gray, type: operator, filter: convert, options: {format: gray8}}\n"
            "  - {name: sr, type: model, model: no-such-model-here}\n" + sink),
       {"stage 'sr'", "field 'model'", "'no-such-model-here'", "fetch-models.sh"}},
      {yaml("  - {name: out, type: sink, path: " + (fs::temp_directory_path() / "x.png").string() + "}\n"),
       {"stage 'out'", "cannot write i420 frames from stage 'in'", "format: rgb24", "convert: true"}},
      {yaml("  - {name: out, type: sink, path: o.y4m, workers: 2}\n"), {"stage 'out'", "field 'workers'", "one writer"}},
      {yaml("  - {name: out, type: sink, path: o.y4m, options: {quality: 3}}\n"), {"stage 'out'", "field 'options'", "unknown sink option 'quality'"}},
      {yaml("  - {name: c, type: operator, filter: crop, options: {w: 8, h: 8}, workers: 2}\n" + sink), {"stage 'c'", "field 'workers'", "one worker"}},
      {"stages:\n  - {name: in, type: source, path: /no/such.y4m}\n" + sink, {"stage 'in'", "field 'path'", "does not exist"}},
      {yaml(sink, "device: tpu\n"), {"field 'device'", "unknown device 'tpu'"}},
  };
  for (const Case& c : cases) expect_error(c.text, c.says);
  if (cuda_device_count() == 0)
    expect_error(yaml("  - {name: s, type: operator, filter: flip, device: cuda}\n" + sink), {"stage 's'", "field 'device'", "cuda"});
}

TEST(PipelineFile, ModelStagesAreCheckedAgainstTheirInput) {
  auto model = tiny_x2_model();
  const auto build = [&](PixelFormat f, int batch, int workers, int in_flight) {
    PipelineSpec spec;
    spec.device = "cpu";
    spec.frames_in_flight = in_flight;
    spec.stages.push_back(source_stage(std::make_unique<MemorySource>(ImageDesc{9, 7, f}, 3)));
    StageSpec m;
    m.kind = StageKind::Model;
    m.name = "sr";
    m.loaded_model = model;
    m.batch = batch;
    m.workers = workers;
    spec.stages.push_back(std::move(m));
    spec.stages.push_back(sink_stage(std::make_unique<MemorySink>(std::make_shared<SinkLog>())));
    return Pipeline::create(std::move(spec));
  };
  auto gray = build(PixelFormat::Gray8, 1, 1, 0);
  ASSERT_FALSE(gray);
  EXPECT_TRUE(contains(gray.status().message(), "stage 'sr' (model tiny-x2): cannot take 9x7 gray8 frames from stage 'in'"))
      << gray.status().message();
  // Two workers each filling a batch of 4 hold up to 6 frames: 7 must be allowed in flight.
  auto few = build(PixelFormat::RGB24, 4, 2, 6);
  ASSERT_FALSE(few);
  EXPECT_TRUE(contains(few.status().message(), "field 'frames_in_flight'")) << few.status().message();
  EXPECT_TRUE(contains(few.status().message(), "at least 7")) << few.status().message();
  auto ok = build(PixelFormat::RGB24, 4, 2, 7);
  ASSERT_TRUE(ok) << ok.status().to_string();
  EXPECT_EQ(ok->stages()[1].out.width, 18);
  EXPECT_EQ(ok->stages()[1].out.height, 14);
  EXPECT_EQ(ok->stages()[1].batch, 4);
}

// Every bundled example parses and builds; those whose models are here also run (on the CPU,
// with their outputs moved into a temporary folder).
TEST(PipelineFile, BundledExamplesRun) {
  const fs::path tmp = fs::temp_directory_path() / ("caldera_pipeline_examples_" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  int ran = 0;
  for (const auto& e : fs::directory_iterator(fs::path(CALDERA_SOURCE_DIR) / "examples")) {
    const std::string name = e.path().filename().string();
    if (name.rfind("pipeline_", 0) != 0) continue;
    SCOPED_TRACE(name);
    auto spec = load_pipeline_file(e.path().string());
    ASSERT_TRUE(spec) << spec.status().to_string();
    spec->device = "cpu";
    for (StageSpec& s : spec->stages) {
      if (s.kind == StageKind::Source) {
        s.path = (fs::path(CALDERA_SOURCE_DIR) / s.path).string();
        s.frames = 2;  // enough to see every stage work (a CPU model is slow)
      }
      if (s.kind == StageKind::Sink && s.path != "null") s.path = (tmp / fs::path(s.path).filename()).string();
    }
    auto p = Pipeline::create(std::move(spec).value());
    if (!p && contains(p.status().message(), "fetch-models.sh")) {
      EXPECT_TRUE(contains(p.status().message(), "field 'model'")) << p.status().message();
      continue;  // its model is not in this machine's model directory
    }
    ASSERT_TRUE(p) << p.status().to_string();
    ASSERT_TRUE(p->run()) << name;
    EXPECT_EQ(p->stats().frames, 2);
    ++ran;
  }
  EXPECT_GE(ran, 3);
  EXPECT_TRUE(fs::exists(tmp / "f_00001.png"));
  EXPECT_TRUE(fs::exists(tmp / "thumb_000.jpg"));
  for (const auto& f : fs::directory_iterator(tmp)) EXPECT_NE(f.path().extension(), ".part") << f.path();
  fs::remove_all(tmp);
}

}  // namespace
}  // namespace caldera
