// The pipeline's scheduler with CPU stages (these also run under ThreadSanitizer and
// AddressSanitizer: caldera_pipeline_tsan_tests, caldera_pipeline_asan_tests): the same output
// as the stages run one after another, order kept with parallel workers, memory bounded by the
// frames-in-flight limit, errors and cancellation ending every thread with every buffer back,
// and end of stream at 0, 1 and many frames.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>

#include "caldera/ops/model_io.hpp"
#include "pipeline/gpu_sampler.hpp"
#include "pipeline/pipeline_test_util.hpp"

namespace caldera {
namespace {

using namespace pipeline_testing;
using testing::images_close;

const ImageDesc kDesc{67, 41, PixelFormat::RGB24};

// What running the filters one after another on every frame gives (the old synchronous path).
std::vector<Image> chained(const std::string& vf, const ImageDesc& desc, long frames, uint64_t seed) {
  std::vector<Image> out;
  auto chain = parse_filter_chain(vf);
  EXPECT_TRUE(chain) << chain.status().to_string();
  Context cpu;
  ChainRunner runner(*chain, cpu);
  EXPECT_TRUE(runner.prepare(desc, MemoryKind::Host));
  for (long i = 0; i < frames; ++i) {
    Image src = MemorySource::frame(desc, seed, i);
    Image dst = Image::create(runner.output_desc(), MemoryKind::Host).value();
    EXPECT_TRUE(runner.run(src.view(), dst.view()));
    out.push_back(std::move(dst));
  }
  return out;
}

PipelineSpec chain_spec(const std::string& vf, long frames, std::shared_ptr<SinkLog> log, uint64_t seed = 1) {
  PipelineSpec spec;
  spec.device = "cpu";
  spec.stages.push_back(source_stage(std::make_unique<MemorySource>(kDesc, frames, seed)));
  auto filters = parse_filter_specs(vf);
  EXPECT_TRUE(filters);
  int i = 0;
  for (auto& f : *filters) spec.stages.push_back(op_stage("op" + std::to_string(i++), f.name, f.options));
  spec.stages.push_back(sink_stage(std::make_unique<MemorySink>(log)));
  return spec;
}

void expect_frames(const SinkLog& log, const std::vector<Image>& want) {
  ASSERT_EQ(log.frames.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(log.order[i], long(i));
    EXPECT_TRUE(images_close(log.frames[i].view(), want[i].view(), 0)) << "frame " << i;
  }
}

TEST(PipelineRun, MatchesTheStagesRunOneAfterAnother) {
  // Resampling, a flip, a crop (a view of its input's buffer), padding and two conversions.
  const std::string vf = "resize=w=50:h=31:interp=bicubic,flip=h,crop=w=40:h=20:x=3:y=5,pad=w=46:h=24:x=2:y=3,convert=nv12,convert=rgb24";
  const auto want = chained(vf, kDesc, 23, 1);
  for (bool sync : {false, true}) {
    auto log = std::make_shared<SinkLog>();
    PipelineOptions o;
    o.synchronous = sync;
    auto p = Pipeline::create(chain_spec(vf, 23, log), o);
    ASSERT_TRUE(p) << p.status().to_string();
    ASSERT_TRUE(p->run()) << p->stats().synchronous;
    EXPECT_TRUE(log->opened && log->finished);
    EXPECT_EQ(log->desc.width, 46);
    expect_frames(*log, want);
    const PipelineStats& st = p->stats();
    EXPECT_EQ(st.frames, 23);
    EXPECT_EQ(st.buffers_outstanding, 0);
    ASSERT_EQ(st.stages.size(), 8u);
    for (const StageStats& s : st.stages) EXPECT_EQ(s.frames, 23) << s.name;
    EXPECT_GE(st.limiting, 0);
  }
}

TEST(PipelineRun, ParallelWorkersKeepTheFrameOrder) {
  auto flog = std::make_shared<FilterLog>();
  const FilterRegistry registry = test_registry(flog);
  auto log = std::make_shared<SinkLog>();
  PipelineSpec spec;
  spec.device = "cpu";
  spec.stages.push_back(source_stage(std::make_unique<MemorySource>(kDesc, 60, 3)));
  spec.stages.push_back(op_stage("jitter", "jitter", {}, 4));
  spec.stages.push_back(op_stage("flip", "flip", {{"mode", "v"}}, 3));
  spec.stages.push_back(sink_stage(std::make_unique<MemorySink>(log)));
  PipelineOptions o;
  o.registry = &registry;
  auto p = Pipeline::create(std::move(spec), o);
  ASSERT_TRUE(p) << p.status().to_string();
  ASSERT_TRUE(p->run());
  // Frames sleep by their content, so workers finish them out of order: the sink still gets
  // 0, 1, 2, ... and each frame is the right one.
  EXPECT_GT(flog->most_running.load(), 1) << "the jitter stage never ran two frames at once";
  expect_frames(*log, chained("flip=v", kDesc, 60, 3));
  EXPECT_EQ(p->stats().stages[1].workers, 4);
}

TEST(PipelineRun, ParallelSinkWritersTakeEveryFrameOnce) {
  auto log = std::make_shared<SinkLog>();
  auto sink = std::make_unique<MemorySink>(log);
  sink->writers = 3;
  sink->delay = std::chrono::microseconds(1500);
  PipelineSpec spec;
  spec.device = "cpu";
  spec.stages.push_back(source_stage(std::make_unique<MemorySource>(kDesc, 30, 4)));
  spec.stages.push_back(sink_stage(std::move(sink), "out", 3));
  auto p = Pipeline::create(std::move(spec));
  ASSERT_TRUE(p) << p.status().to_string();
  ASSERT_TRUE(p->run());
  EXPECT_GT(log->most_writing.load(), 1);
  std::vector<long> order = log->order;
  std::sort(order.begin(), order.end());
  ASSERT_EQ(order.size(), 30u);
  for (long i = 0; i < 30; ++i) EXPECT_EQ(order[i], i);
}

TEST(PipelineRun, ASlowSinkHoldsTheFramesInFlight) {
  auto slog = std::make_shared<SourceLog>();
  auto log = std::make_shared<SinkLog>();
  slog->written_by_sink = std::shared_ptr<std::atomic<long>>(log, &log->written);
  auto sink = std::make_unique<MemorySink>(log);
  // Slow enough that the sink is the slowest stage also under AddressSanitizer on a loaded
  // 2-core machine (at 4 ms the asan build once measured another stage as limiting).
  sink->delay = std::chrono::milliseconds(15);
  PipelineSpec spec;
  spec.device = "cpu";
  spec.frames_in_flight = 4;
  spec.stages.push_back(source_stage(std::make_unique<MemorySource>(kDesc, 50, 5, slog)));
  spec.stages.push_back(op_stage("flip", "flip", {{"mode", "h"}}));
  spec.stages.push_back(op_stage("pad", "pad", {{"w", "70"}, {"h", "44"}}, 2));
  auto s = sink_stage(std::move(sink));
  s.queue = 8;  // a queue longer than the limit: the limit, not the queue, must hold the source
  spec.stages.push_back(std::move(s));
  auto p = Pipeline::create(std::move(spec));
  ASSERT_TRUE(p) << p.status().to_string();
  ASSERT_TRUE(p->run());
  const PipelineStats& st = p->stats();
  EXPECT_EQ(log->frames.size(), 50u);
  EXPECT_LE(st.frames_in_flight_max, 4);
  EXPECT_EQ(st.frames_in_flight_limit, 4);
  // The source never got more than the limit ahead of what was written...
  EXPECT_LE(slog->most_ahead.load(), 4);
  EXPECT_GE(slog->most_ahead.load(), 3) << "the source should run up to the limit";
  // ...queues stayed within it...
  for (const StageStats& x : st.stages) EXPECT_LE(x.queue_max, 4) << x.name;
  // ...no pool made more buffers than frames can be in flight (source, flip, pad: 3 pools)...
  EXPECT_LE(st.buffers, 3 * 4);
  EXPECT_EQ(st.buffers_outstanding, 0);
  // ...and the source spent most of the run held back, the sink limiting.
  EXPECT_GT(st.stages[0].wait_output_s, 0.5 * st.seconds);
  ASSERT_GE(st.limiting, 0);
  EXPECT_EQ(st.stages[static_cast<size_t>(st.limiting)].name, "out");
}

struct FaultCase {
  const char* name;
  const char* stage;  // the stage whose error must come back
  const char* says;
};

void PrintTo(const FaultCase& c, std::ostream* os) { *os << c.name; }

class PipelineFault : public ::testing::TestWithParam<FaultCase> {};

TEST_P(PipelineFault, EndsTheJobWithThatErrorAndNothingLeft) {
  const FaultCase& c = GetParam();
  const std::string which = c.name;
  auto model = tiny_x2_model();
  // The CPU model runtime's OpenMP keeps a pool of threads once this thread has used it (a
  // synchronous run does): start it before counting, so only the pipeline's threads count.
  {
    Context cpu;
    auto session = nn::Session::create(*model, cpu);
    ASSERT_TRUE(session);
    Image t = Image::create({4, 4, PixelFormat::RGBPlanarF32}, MemoryKind::Host).value();
    Image u = Image::create({8, 8, PixelFormat::RGBPlanarF32}, MemoryKind::Host).value();
    ASSERT_TRUE(session->run(t.view(), u.view()));
  }
  const int threads_before = thread_count();
  auto flog = std::make_shared<FilterLog>();
  if (which == "operator" || which == "parallel operator") flog->fail_at_call = 7;
  const FilterRegistry registry = test_registry(flog);
  auto log = std::make_shared<SinkLog>();
  auto src = std::make_unique<MemorySource>(kDesc, 40, 6);
  if (which == "source") src->fail_at = 7;
  auto sink = std::make_unique<MemorySink>(log);
  if (which == "sink") sink->fail_at = 7;
  if (which == "sink finish") sink->fail_finish = true;
  PipelineSpec spec;
  spec.device = "cpu";
  spec.stages.push_back(source_stage(std::move(src)));
  spec.stages.push_back(op_stage("resize", "resize", {{"w", "30"}, {"h", "20"}}));
  spec.stages.push_back(op_stage("broken", "fail", {}, which == "parallel operator" ? 3 : 1));
  StageSpec m;
  m.kind = StageKind::Model;
  m.name = "model";
  m.loaded_model = model;
  m.batch = 3;
  spec.stages.push_back(std::move(m));
  spec.stages.push_back(sink_stage(std::move(sink)));
  PipelineOptions o;
  o.registry = &registry;
  o.synchronous = which == "synchronous operator";
  if (o.synchronous) flog->fail_at_call = 7;
  auto p = Pipeline::create(std::move(spec), o);
  ASSERT_TRUE(p) << p.status().to_string();
  const Status s = p->run();
  ASSERT_FALSE(s);
  EXPECT_TRUE(contains(s.message(), std::string("stage '") + c.stage + "'")) << s.to_string();
  EXPECT_TRUE(contains(s.message(), c.says)) << s.to_string();
  EXPECT_FALSE(log->finished) << "a failed job must not finish its sinks";
  EXPECT_EQ(p->stats().buffers_outstanding, 0);
  EXPECT_LE(thread_count_settled(threads_before), threads_before) << "a thread the job started is still running";
}

INSTANTIATE_TEST_SUITE_P(
    EveryStage, PipelineFault,
    ::testing::Values(FaultCase{"source", "in", "frame 7 is damaged"}, FaultCase{"operator", "broken", "broke on call 7"},
                      FaultCase{"parallel operator", "broken", "broke on call 7"},
                      FaultCase{"synchronous operator", "broken", "broke on call 7"},
                      FaultCase{"sink", "out", "disk full at frame 7"}, FaultCase{"sink finish", "out", "cannot close"}),
    [](const ::testing::TestParamInfo<FaultCase>& i) {
      std::string n = i.param.name;
      std::replace(n.begin(), n.end(), ' ', '_');
      return n;
    });

TEST(PipelineRun, CancelStopsAnEndlessJob) {
  for (int how = 0; how < 3; ++how) {
    const int threads_before = thread_count();
    auto log = std::make_shared<SinkLog>();
    PipelineSpec spec;
    spec.device = "cpu";
    spec.stages.push_back(source_stage(std::make_unique<MemorySource>(kDesc, -1, 7)));  // never ends
    spec.stages.push_back(op_stage("flip", "flip", {{"mode", "h"}}, 2));
    spec.stages.push_back(sink_stage(std::make_unique<MemorySink>(log)));
    PipelineOptions o;
    o.synchronous = how == 2;
    auto p = Pipeline::create(std::move(spec), o);
    ASSERT_TRUE(p) << p.status().to_string();
    std::atomic<bool> stop{false};
    RunControl control;
    control.progress_interval_s = 0.01;
    std::thread canceller;
    if (how == 0) {
      // The flag a signal handler would set, polled by run().
      control.cancel = &stop;
      control.progress = [&](long frames, double) {
        if (frames >= 20) stop = true;
      };
    } else {
      // cancel() from another thread, once frames are flowing.
      canceller = std::thread([&] {
        while (log->written.load() < 20) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        p->cancel();
      });
    }
    const Status s = p->run(control);
    if (canceller.joinable()) canceller.join();
    ASSERT_FALSE(s) << "how " << how;
    EXPECT_EQ(s.code(), StatusCode::Cancelled) << s.to_string();
    EXPECT_GE(log->written.load(), 20);
    EXPECT_FALSE(log->finished);
    EXPECT_EQ(p->stats().buffers_outstanding, 0);
    EXPECT_LE(thread_count_settled(threads_before), threads_before) << "a thread the job started is still running";
  }
}

TEST(PipelineRun, EndOfStreamAtZeroOneAndManyFrames) {
  auto model = tiny_x2_model();
  for (long frames : {0L, 1L, 2L, 3L, 4L, 31L}) {
    for (bool sync : {false, true}) {
      for (bool allow_empty : {false, true}) {
        if (frames > 0 && !allow_empty) continue;
        auto log = std::make_shared<SinkLog>();
        PipelineSpec spec;
        spec.device = "cpu";
        spec.stages.push_back(source_stage(std::make_unique<MemorySource>(ImageDesc{9, 7, PixelFormat::RGB24}, frames, 8)));
        StageSpec m;
        m.kind = StageKind::Model;
        m.name = "model";
        m.loaded_model = model;
        m.batch = 3;  // a last batch of 1 or 2 frames when the count is not a multiple of 3
        m.workers = sync ? 1 : 2;
        spec.stages.push_back(std::move(m));
        spec.stages.push_back(op_stage("flip", "flip", {{"mode", "h"}}));
        spec.stages.push_back(sink_stage(std::make_unique<MemorySink>(log)));
        PipelineOptions o;
        o.synchronous = sync;
        o.allow_empty = allow_empty;
        auto p = Pipeline::create(std::move(spec), o);
        ASSERT_TRUE(p) << p.status().to_string();
        const Status s = p->run();
        const std::string what = std::to_string(frames) + " frames" + (sync ? ", sync" : "");
        if (frames == 0 && !allow_empty) {
          ASSERT_FALSE(s) << what;
          EXPECT_TRUE(contains(s.message(), "no frames to process")) << s.to_string();
          EXPECT_FALSE(log->finished);
        } else {
          ASSERT_TRUE(s) << what << ": " << s.to_string();
          EXPECT_TRUE(log->finished) << what;
          ASSERT_EQ(log->order.size(), size_t(frames)) << what;
          for (long i = 0; i < frames; ++i) EXPECT_EQ(log->order[i], i) << what;
          if (frames > 0) EXPECT_EQ(log->frames[0].width(), 18);
        }
        EXPECT_EQ(p->stats().buffers_outstanding, 0) << what;
      }
    }
  }
}

// Two workers filling batches of 3 with the fewest frames in flight the job accepts (the 2 x 2
// frames partial batches can hold, plus one). Workers once took frames from their queue one at a
// time, each into its own batch: one could hold frame k in a partial batch while the other ran
// ahead, its outputs then waiting in the reorder buffer for frame k, until every frame in flight
// was held and the source waited for one forever (seen in CI as a hang of the test above). Now a
// worker fills its whole batch before another takes a frame, so the frames a batch waits for
// come next from the source. Repeated, since the hang depended on which worker woke.
TEST(PipelineRun, BatchedWorkersDoNotHoldEachOthersFrames) {
  auto model = tiny_x2_model();
  for (int run = 0; run < 40; ++run) {
    auto log = std::make_shared<SinkLog>();
    PipelineSpec spec;
    spec.device = "cpu";
    spec.frames_in_flight = 5;
    spec.stages.push_back(source_stage(std::make_unique<MemorySource>(ImageDesc{9, 7, PixelFormat::RGB24}, 40, 8)));
    StageSpec m;
    m.kind = StageKind::Model;
    m.name = "model";
    m.loaded_model = model;
    m.batch = 3;
    m.workers = 2;
    spec.stages.push_back(std::move(m));
    spec.stages.push_back(sink_stage(std::make_unique<MemorySink>(log)));
    auto p = Pipeline::create(std::move(spec), PipelineOptions{});
    ASSERT_TRUE(p) << p.status().to_string();
    // A hang would end the test at its timeout; a bounded wait names it, then cancels the run.
    std::atomic<bool> cancel{false};
    RunControl control;
    control.cancel = &cancel;
    auto done = std::async(std::launch::async, [&] { return p->run(control); });
    const bool finished = done.wait_for(std::chrono::seconds(60)) == std::future_status::ready;
    cancel = true;
    const Status s = done.get();
    ASSERT_TRUE(finished) << "run " << run << " hung";
    ASSERT_TRUE(s) << "run " << run << ": " << s.to_string();
    ASSERT_EQ(log->order.size(), 40u) << "run " << run;
    for (long i = 0; i < 40; ++i) ASSERT_EQ(log->order[i], i) << "run " << run;
  }
}

// The model stage against the model run frame by frame through the same fused paths: the same
// bytes at every batch size, a partial last batch included.
TEST(PipelineRun, BatchedModelStageMatchesFrameByFrame) {
  auto model = tiny_x2_model();
  const ImageDesc desc{23, 17, PixelFormat::RGB24};
  const long frames = 10;
  std::vector<Image> want;
  {
    Context cpu;
    auto session = nn::Session::create(*model, cpu);
    ASSERT_TRUE(session);
    for (long i = 0; i < frames; ++i) {
      Image src = MemorySource::frame(desc, 9, i);
      Image t_in = Image::create({23, 17, PixelFormat::RGBPlanarF32}, MemoryKind::Host).value();
      Image t_out = Image::create({46, 34, PixelFormat::RGBPlanarF32}, MemoryKind::Host).value();
      Image dst = Image::create({46, 34, PixelFormat::RGB24}, MemoryKind::Host).value();
      ModelInputParams ip;
      ip.interp = Interp::Nearest;
      ASSERT_TRUE(model_input(src.view(), t_in.view(), ip, cpu));
      ASSERT_TRUE(session->run(t_in.view(), t_out.view()));
      ASSERT_TRUE(model_output(t_out.view(), dst.view(), {}, cpu));
      want.push_back(std::move(dst));
    }
  }
  for (int batch : {1, 4}) {
    auto log = std::make_shared<SinkLog>();
    PipelineSpec spec;
    spec.device = "cpu";
    spec.stages.push_back(source_stage(std::make_unique<MemorySource>(desc, frames, 9)));
    StageSpec m;
    m.kind = StageKind::Model;
    m.name = "sr";
    m.loaded_model = model;
    m.batch = batch;
    spec.stages.push_back(std::move(m));
    spec.stages.push_back(sink_stage(std::make_unique<MemorySink>(log)));
    auto p = Pipeline::create(std::move(spec));
    ASSERT_TRUE(p) << p.status().to_string();
    EXPECT_EQ(p->stages()[1].out.width, 46);
    ASSERT_TRUE(p->run());
    SCOPED_TRACE("batch " + std::to_string(batch));
    expect_frames(*log, want);
  }
}

TEST(PipelineRun, OneSourceFeedsSeveralSinks) {
  auto a = std::make_shared<SinkLog>(), b = std::make_shared<SinkLog>();
  PipelineSpec spec;
  spec.device = "cpu";
  spec.stages.push_back(source_stage(std::make_unique<MemorySource>(kDesc, 17, 10)));
  spec.stages.push_back(op_stage("small", "resize", {{"w", "20"}, {"h", "12"}, {"interp", "area"}}));
  spec.stages.push_back(sink_stage(std::make_unique<MemorySink>(a), "thumbs"));
  StageSpec flip = op_stage("flip", "flip", {{"mode", "v"}});
  flip.input = "in";
  spec.stages.push_back(std::move(flip));
  spec.stages.push_back(sink_stage(std::make_unique<MemorySink>(b), "flipped"));
  auto p = Pipeline::create(std::move(spec));
  ASSERT_TRUE(p) << p.status().to_string();
  ASSERT_TRUE(p->run());
  expect_frames(*a, chained("resize=w=20:h=12:interp=area", kDesc, 17, 10));
  expect_frames(*b, chained("flip=v", kDesc, 17, 10));
  EXPECT_EQ(p->stats().buffers_outstanding, 0);
}

TEST(PipelineRun, RunsOnlyOnce) {
  auto log = std::make_shared<SinkLog>();
  auto p = Pipeline::create(chain_spec("flip=h", 3, log));
  ASSERT_TRUE(p);
  ASSERT_TRUE(p->run());
  const Status again = p->run();
  EXPECT_FALSE(again);
  EXPECT_TRUE(contains(again.message(), "runs once"));
}

TEST(PipelineRun, StatsTableNamesEveryStageAndTheLimitingOne) {
  auto log = std::make_shared<SinkLog>();
  auto sink = std::make_unique<MemorySink>(log);
  sink->delay = std::chrono::milliseconds(3);
  PipelineSpec spec;
  spec.device = "cpu";
  spec.stages.push_back(source_stage(std::make_unique<MemorySource>(kDesc, 20, 11)));
  spec.stages.push_back(op_stage("scale", "resize", {{"w", "33"}, {"h", "-1"}}));
  spec.stages.push_back(sink_stage(std::move(sink), "writer"));
  auto p = Pipeline::create(std::move(spec));
  ASSERT_TRUE(p);
  ASSERT_TRUE(p->run());
  const std::string table = format_stats(p->stats());
  for (const char* want : {"pipelined run: 20 frames", "scale", "writer", "limiting stage: writer (sink)",
                           "frames in flight: at most", "GPU: not sampled (no GPU stage)"})
    EXPECT_TRUE(contains(table, want)) << want << " missing from\n" << table;
  const StageStats& w = p->stats().stages[2];
  // The sink sleeps 3 ms a frame: it can never manage more than 333 fps, and it is the stage
  // that works most of the time.
  EXPECT_GT(w.load, 0.5);
  EXPECT_GT(w.standalone_fps, 50);
  EXPECT_LE(w.standalone_fps, 1000.0 / 3);
}

// NVML is loaded at run time: without a driver the sampler says why instead of failing; with
// one it samples until stopped.
TEST(PipelineRun, GpuSamplerLoadsNvmlOrSaysWhyNot) {
  pipeline::GpuSampler sampler;
  const bool started = sampler.start(0, 0.01);
  if (!started) {
    EXPECT_FALSE(sampler.result().sampled);
    EXPECT_NE(sampler.result().note.find("NVML"), std::string::npos) << sampler.result().note;
    return;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  sampler.stop();
  EXPECT_TRUE(sampler.result().sampled) << sampler.result().note;
  EXPECT_GT(sampler.result().samples, 0);
  EXPECT_LE(sampler.result().max_percent, 100);
}

}  // namespace
}  // namespace caldera
