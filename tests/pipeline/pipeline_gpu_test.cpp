// The pipeline with GPU stages (skipped without a GPU): bit-identical to the synchronous run
// and to the chain runner, copies added between host and device stages, parallel GPU workers
// in order, a batched model, GPU time and utilisation in the statistics, and failures that
// still return every buffer.
#include <gtest/gtest.h>

#include "pipeline/pipeline_test_util.hpp"

namespace caldera {
namespace {

using namespace pipeline_testing;
using testing::images_close;

const ImageDesc kDesc{641, 361, PixelFormat::RGB24};
const std::string kChain = "resize=w=1283:h=721:interp=bicubic,convert=nv12,resize=w=500:h=282:interp=area,flip=h,"
                           "crop=w=400:h=200:x=20:y=40,pad=w=420:h=220:x=10:y=10,convert=rgb24";

PipelineSpec spec_for(const std::string& vf, long frames, std::shared_ptr<SinkLog> log, const std::string& device,
                      int workers = 1) {
  PipelineSpec spec;
  spec.device = device;
  spec.stages.push_back(source_stage(std::make_unique<MemorySource>(kDesc, frames, 21)));
  auto filters = parse_filter_specs(vf);
  EXPECT_TRUE(filters);
  int i = 0;
  for (auto& f : *filters) {
    const bool view = f.name == "crop";
    spec.stages.push_back(op_stage("op" + std::to_string(i++), f.name, f.options, view ? 1 : workers));
  }
  spec.stages.push_back(sink_stage(std::make_unique<MemorySink>(log)));
  return spec;
}

// Runs a spec; the frames are in the log its sink was made with.
void run_ok(PipelineSpec spec, bool sync, PipelineStats* stats = nullptr) {
  PipelineOptions o;
  o.synchronous = sync;
  auto p = Pipeline::create(std::move(spec), o);
  ASSERT_TRUE(p) << p.status().to_string();
  const Status s = p->run();
  EXPECT_TRUE(s) << s.to_string();
  EXPECT_EQ(p->stats().buffers_outstanding, 0);
  if (stats) *stats = p->stats();
}

// A spec's frames, run pipelined or synchronously.
std::shared_ptr<SinkLog> frames_of(const std::string& vf, long frames, bool sync, int workers = 1,
                                   PipelineStats* stats = nullptr) {
  auto log = std::make_shared<SinkLog>();
  run_ok(spec_for(vf, frames, log, "cuda", workers), sync, stats);
  return log;
}

void expect_same(const SinkLog& got, const SinkLog& want) {
  ASSERT_EQ(got.frames.size(), want.frames.size());
  for (size_t i = 0; i < want.frames.size(); ++i) {
    EXPECT_EQ(got.order[i], want.order[i]);
    EXPECT_TRUE(images_close(got.frames[i].view(), want.frames[i].view(), 0)) << "frame " << i;
  }
}

TEST(PipelineGpu, OperatorsMatchTheSynchronousRunBitForBit) {
  CALDERA_REQUIRE_GPU();
  PipelineStats st;
  auto a = frames_of(kChain, 17, false, 1, &st);
  auto s = frames_of(kChain, 17, true);
  ASSERT_EQ(a->frames.size(), 17u);
  expect_same(*a, *s);
  // The chain runner on one stream, frame after frame: the path `caldera run` took before.
  Context* ctx = testing::gpu_context();
  auto chain = parse_filter_chain(kChain);
  ASSERT_TRUE(chain);
  ChainRunner runner(*chain, *ctx);
  ASSERT_TRUE(runner.prepare(kDesc, MemoryKind::Device));
  for (long i = 0; i < 17; ++i) {
    Image src = testing::to_device(MemorySource::frame(kDesc, 21, i).view(), *ctx);
    Image dst = Image::create(runner.output_desc(), MemoryKind::Device, ctx).value();
    ASSERT_TRUE(runner.run(src.view(), dst.view()));
    Image host = testing::to_host(dst.view(), *ctx);
    EXPECT_TRUE(images_close(a->frames[i].view(), host.view(), 0)) << "frame " << i;
  }
  // The GPU stages report GPU time; upload and download were added around them.
  bool upload = false, download = false;
  for (const StageStats& x : st.stages) {
    upload = upload || x.kind == StageKind::Upload;
    download = download || x.kind == StageKind::Download;
    // op4 is the crop: a view of its input, no work anywhere.
    if (x.on_gpu && x.kind == StageKind::Operator && x.name != "op4") EXPECT_GT(x.gpu_s, 0) << x.name;
  }
  EXPECT_TRUE(upload && download);
}

TEST(PipelineGpu, MixedCpuAndGpuStagesGetCopiesBetweenThem) {
  CALDERA_REQUIRE_GPU();
  const auto make = [](std::shared_ptr<SinkLog> log) {
    PipelineSpec spec = spec_for("resize=w=300:h=200:interp=bilinear,flip=v,convert=nv12,convert=rgb24", 9, std::move(log), "cuda");
    spec.stages[2].device = "cpu";  // the flip on the CPU, between two GPU stages
    return spec;
  };
  auto log = std::make_shared<SinkLog>();
  PipelineOptions o;
  auto p = Pipeline::create(make(log), o);
  ASSERT_TRUE(p) << p.status().to_string();
  std::string names;
  for (const StageInfo& s : p->stages()) names += s.name + " ";
  EXPECT_EQ(names, "in op0.upload op0 op1.download op1 op2.upload op2 op3 out.download out ");
  ASSERT_TRUE(p->run());
  auto sync = std::make_shared<SinkLog>();
  run_ok(make(sync), true);
  expect_same(*log, *sync);
}

TEST(PipelineGpu, ParallelGpuWorkersKeepTheOrder) {
  CALDERA_REQUIRE_GPU();
  auto par = frames_of(kChain, 24, false, 3);
  auto one = frames_of(kChain, 24, true, 1);
  expect_same(*par, *one);
}

TEST(PipelineGpu, BatchedModelMatchesTheSynchronousRun) {
  CALDERA_REQUIRE_GPU();
  auto model = tiny_x2_model();
  const auto make = [&](int batch, std::shared_ptr<SinkLog> log) {
    PipelineSpec spec;
    spec.device = "cuda";
    spec.stages.push_back(source_stage(std::make_unique<MemorySource>(ImageDesc{97, 55, PixelFormat::RGB24}, 10, 22)));
    StageSpec m;
    m.kind = StageKind::Model;
    m.name = "sr";
    m.loaded_model = model;
    m.batch = batch;
    spec.stages.push_back(std::move(m));
    spec.stages.push_back(sink_stage(std::make_unique<MemorySink>(std::move(log))));
    return spec;
  };
  // The same batch size gives the same bytes, pipelined or not (a partial last batch included).
  PipelineStats st;
  auto a = std::make_shared<SinkLog>(), s = std::make_shared<SinkLog>(), b1 = std::make_shared<SinkLog>();
  run_ok(make(4, a), false, &st);
  run_ok(make(4, s), true);
  expect_same(*a, *s);
  ASSERT_EQ(st.stages.size(), 5u);  // in, sr.upload, sr, out.download, out
  EXPECT_GT(st.stages[2].gpu_s, 0);
  // Batches of one may pick other convolution algorithms: the same within fp16 rounding.
  run_ok(make(1, b1), false);
  ASSERT_EQ(b1->frames.size(), a->frames.size());
  for (size_t i = 0; i < a->frames.size(); ++i) EXPECT_TRUE(images_close(b1->frames[i].view(), a->frames[i].view(), 2));
}

TEST(PipelineGpu, StatsSampleTheGpu) {
  CALDERA_REQUIRE_GPU();
  PipelineStats st;
  frames_of(kChain, 60, false, 1, &st);
  EXPECT_FALSE(st.gpu.note.empty());
  if (st.gpu.sampled) {
    EXPECT_GT(st.gpu.samples, 0);
    EXPECT_LE(st.gpu.max_percent, 100);
  }
  EXPECT_NE(format_stats(st).find("GPU:"), std::string::npos);
}

TEST(PipelineGpu, AFailingGpuStageReturnsEveryBuffer) {
  CALDERA_REQUIRE_GPU();
  const int threads_before = thread_count();
  auto flog = std::make_shared<FilterLog>();
  flog->fail_at_call = 5;
  const FilterRegistry registry = test_registry(flog);
  auto log = std::make_shared<SinkLog>();
  PipelineSpec spec;
  spec.device = "cuda";
  spec.stages.push_back(source_stage(std::make_unique<MemorySource>(kDesc, 30, 23)));
  spec.stages.push_back(op_stage("scale", "resize", {{"w", "320"}, {"h", "180"}}));
  spec.stages.push_back(op_stage("broken", "fail", {}, 2));
  spec.stages.push_back(sink_stage(std::make_unique<MemorySink>(log)));
  PipelineOptions o;
  o.registry = &registry;
  auto p = Pipeline::create(std::move(spec), o);
  ASSERT_TRUE(p) << p.status().to_string();
  const Status s = p->run();
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("stage 'broken'"), std::string::npos) << s.to_string();
  EXPECT_EQ(p->stats().buffers_outstanding, 0);
  EXPECT_FALSE(log->finished);
  EXPECT_LE(thread_count_settled(threads_before), threads_before) << "a thread the job started is still running";
}

TEST(PipelineGpu, ANullSinkTakesDeviceFramesAndWaitsForThem) {
  CALDERA_REQUIRE_GPU();
  PipelineSpec spec;
  spec.device = "cuda";
  spec.stages.push_back(source_stage(std::make_unique<MemorySource>(kDesc, 20, 24)));
  spec.stages.push_back(op_stage("scale", "resize", {{"w", "1920"}, {"h", "1080"}, {"interp", "lanczos3"}}));
  StageSpec sink;
  sink.kind = StageKind::Sink;
  sink.name = "out";
  sink.path = "null";
  spec.stages.push_back(std::move(sink));
  auto p = Pipeline::create(std::move(spec));
  ASSERT_TRUE(p) << p.status().to_string();
  EXPECT_EQ(p->stages().size(), 4u);  // in, scale.upload, scale, out: no download
  ASSERT_TRUE(p->run());
  EXPECT_EQ(p->stats().stages.back().frames, 20);
}

}  // namespace
}  // namespace caldera
