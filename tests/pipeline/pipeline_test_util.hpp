// Helpers for the pipeline tests: sources and sinks in memory (random frames made from their
// index, frames kept as written, faults and delays on request), test filters (one that sleeps
// by frame content, one that fails on its N-th frame), a tiny x2 super-resolution model built in
// code, and the process's thread count.
#pragma once

#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "caldera/filter.hpp"
#include "caldera/io/media.hpp"
#include "caldera/nn/model.hpp"
#include "caldera/pipeline/pipeline.hpp"
#include "nn/nn_test_util.hpp"
#include "support/image_testing.hpp"

namespace caldera::pipeline_testing {

// Threads of this process now (/proc/self/task). A thread is started and joined first, so a
// sanitizer's helper thread (which starts with the first thread) is already counted. A joined
// thread can still be listed for a moment (join returns once the kernel has cleared its id, before
// the task is reaped), which once made a count one high: wait until its entry has gone.
inline int thread_count() {
  pid_t helper = 0;
  std::thread([&helper] { helper = static_cast<pid_t>(::syscall(SYS_gettid)); }).join();
  const std::filesystem::path helper_entry = "/proc/self/task/" + std::to_string(helper);
  for (int i = 0; i < 1000 && std::filesystem::exists(helper_entry); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/task")) (void)e, ++n;
  return n;
}

// The thread count once it has come down to `want`, or after two seconds what it is then. Threads
// that a finished thread started end shortly after it (OpenMP's team of a pipeline worker that ran
// the CPU model runtime is let go when the worker ends), so a count taken at once can be high; a
// thread the pipeline leaked never ends and still shows. Tests expect at most the count before
// the job (not exactly it: a thread of the process that was ending then may have gone since).
inline int thread_count_settled(int want) {
  int n = thread_count();
  for (int i = 0; i < 200 && n > want; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    n = thread_count();
  }
  return n;
}

// What a memory source did, readable after the pipeline owns (or destroyed) the source.
struct SourceLog {
  std::atomic<long> reads{0};
  std::atomic<long> most_ahead{0};                  // reads - the watched sink's writes, at a read
  std::shared_ptr<std::atomic<long>> written_by_sink;  // set to watch how far the source runs ahead
};

// Frame i is random_image(desc, seed + i): the same content whoever asks.
class MemorySource : public MediaSource {
 public:
  MemorySource(ImageDesc desc, long frames, uint64_t seed = 1, std::shared_ptr<SourceLog> log = nullptr)
      : frames_(frames), seed_(seed), log_(log ? std::move(log) : std::make_shared<SourceLog>()) {
    info_.desc = desc;
    info_.frame_count = frames;
    info_.time_base = {1, 30};
    info_.frame_rate = {30, 1};
    info_.container = "memory";
  }
  static Image frame(const ImageDesc& desc, uint64_t seed, long i) { return testing::random_image(desc, seed + uint64_t(i)); }

  long fail_at = -1;  // read of this frame returns an error
  std::chrono::microseconds delay{0};

  const MediaInfo& info() const override { return info_; }
  Result<bool> read(Frame& f) override {
    if (next_ == fail_at) return io_error("memory source: frame " + std::to_string(next_) + " is damaged");
    if (frames_ >= 0 && next_ >= frames_) return false;
    if (delay.count() > 0) std::this_thread::sleep_for(delay);
    if (log_->written_by_sink) {
      const long ahead = next_ - log_->written_by_sink->load();
      if (ahead > log_->most_ahead.load()) log_->most_ahead.store(ahead);
    }
    // Reuse the caller's buffer when it fits, as the real sources do.
    const Image src = frame(info_.desc, seed_, next_);
    if (f.image.empty() || !f.image.owns_memory() || f.image.width() != src.width() || f.image.height() != src.height() ||
        f.image.format() != src.format() || !is_host_memory(f.image.memory()))
      f.image = Image::create(info_.desc, MemoryKind::Host).value();
    Context cpu;
    CALDERA_RETURN_IF_ERROR(copy_image(src.view(), f.image.view(), cpu));
    f.index = next_;
    f.pts = next_;
    f.duration = 1;
    f.time_base = info_.time_base;
    f.passthrough.clear();
    ++next_;
    log_->reads.fetch_add(1);
    return true;
  }

 private:
  MediaInfo info_;
  long frames_;
  uint64_t seed_;
  long next_ = 0;
  std::shared_ptr<SourceLog> log_;
};

struct SinkLog {
  std::mutex mutex;
  std::vector<long> order;    // frame indices as write() saw them
  std::vector<Image> frames;  // copies, by write order
  std::atomic<long> written{0};
  std::atomic<int> writing{0}, most_writing{0};  // concurrent write() calls
  bool opened = false, finished = false;
  ImageDesc desc{};
};

class MemorySink : public MediaSink {
 public:
  explicit MemorySink(std::shared_ptr<SinkLog> log) : log_(std::move(log)) {}
  long fail_at = -1;   // write of the frame with this index fails
  bool fail_finish = false;
  int writers = 1;
  std::chrono::microseconds delay{0};
  std::vector<PixelFormat> only;  // formats it takes (empty: any)

  bool accepts(PixelFormat f) const override {
    return only.empty() || std::find(only.begin(), only.end(), f) != only.end();
  }
  PixelFormat preferred(const ImageDesc&) const override { return only.empty() ? PixelFormat::RGB24 : only.front(); }
  Status open(const ImageDesc& d, const MediaInfo&) override {
    log_->opened = true;
    log_->desc = d;
    return Status::ok();
  }
  Status write(const Frame& f) override {
    const int now = log_->writing.fetch_add(1) + 1;
    int seen = log_->most_writing.load();
    while (now > seen && !log_->most_writing.compare_exchange_weak(seen, now)) {
    }
    if (delay.count() > 0) std::this_thread::sleep_for(delay);
    Status s;
    if (f.index == fail_at) {
      s = io_error("memory sink: disk full at frame " + std::to_string(f.index));
    } else {
      Image copy = Image::create(f.image.desc(), MemoryKind::Host).value();
      Context cpu;
      s = copy_image(f.image.view(), copy.view(), cpu);
      std::lock_guard<std::mutex> lock(log_->mutex);
      log_->order.push_back(f.index);
      log_->frames.push_back(std::move(copy));
    }
    log_->writing.fetch_sub(1);
    if (s) log_->written.fetch_add(1);
    return s;
  }
  int parallel_writers() const override { return writers; }
  Status finish() override {
    if (fail_finish) return io_error("memory sink: cannot close");
    log_->finished = true;
    return Status::ok();
  }
  std::string describe() const override { return "memory sink"; }

 private:
  std::shared_ptr<SinkLog> log_;
};

// Counts of the test filters, shared by every instance the registry makes.
struct FilterLog {
  std::atomic<int> running{0}, most_running{0};
  std::atomic<long> calls{0};
  long fail_at_call = -1;
};

// "jitter": a copy after sleeping 0..3 ms chosen by the first byte of the frame, so frames
// finish out of order with several workers. "fail": a copy that fails on call number
// log.fail_at_call (counting all instances). Both refuse nothing else.
inline FilterRegistry test_registry(std::shared_ptr<FilterLog> log) {
  FilterRegistry r = FilterRegistry::builtin();
  class CopyFilter : public Filter {
   public:
    CopyFilter(std::shared_ptr<FilterLog> log, bool jitter, bool fail) : log_(std::move(log)), jitter_(jitter), fail_(fail) {}
    std::string describe() const override { return jitter_ ? "jitter" : "fail"; }
    Result<ImageDesc> plan(const ImageDesc& in) const override { return in; }
    Status run(ConstImageView src, ImageView dst, Context& ctx) override {
      const long call = log_->calls.fetch_add(1);
      const int now = log_->running.fetch_add(1) + 1;
      int seen = log_->most_running.load();
      while (now > seen && !log_->most_running.compare_exchange_weak(seen, now)) {
      }
      if (jitter_) std::this_thread::sleep_for(std::chrono::microseconds(200 + 12 * src.row(0, 0)[0]));
      log_->running.fetch_sub(1);
      if (fail_ && call == log_->fail_at_call) return internal_error("fail filter: broke on call " + std::to_string(call));
      return copy_image(src, dst, ctx);
    }

   private:
    std::shared_ptr<FilterLog> log_;
    bool jitter_, fail_;
  };
  for (bool jitter : {true, false}) {
    FilterInfo info;
    info.name = jitter ? "jitter" : "fail";
    info.usage = info.name;
    info.make = [log, jitter](const FilterOptions& o) -> Result<std::unique_ptr<Filter>> {
      CALDERA_RETURN_IF_ERROR(o.only({}));
      return std::unique_ptr<Filter>(new CopyFilter(log, jitter, !jitter));
    };
    EXPECT_TRUE(r.add(std::move(info)));
  }
  return r;
}

// An x2 network shaped like realesr-animevideov3 (conv, PReLU, conv, pixel shuffle, plus the
// input upsampled), small enough for the CPU runtime in a test.
inline std::shared_ptr<const nn::Model> tiny_x2_model() {
  using namespace nn;
  using nn::testing::add_input;
  using nn::testing::add_op;
  using nn::testing::conv_attrs;
  using nn::testing::random_values;
  ir::Graph g;
  g.name = "tiny-x2";
  const int in = add_input(g, "data", 3);
  const int c0 = add_op(g, ir::OpType::Conv2d, "conv0", {in}, conv_attrs(3, 4, 3, 1, true),
                        {{"weight", {4, 3, 3, 3}, random_values(108, 5, -0.3f, 0.3f)}, {"bias", {4}, random_values(4, 6, -0.1f, 0.1f)}});
  const int p0 = add_op(g, ir::OpType::PRelu, "prelu0", {c0}, std::monostate{}, {{"slope", {4}, random_values(4, 7, 0.f, 0.3f)}});
  const int c1 = add_op(g, ir::OpType::Conv2d, "conv1", {p0}, conv_attrs(4, 12, 3, 1, true),
                        {{"weight", {12, 4, 3, 3}, random_values(432, 8, -0.2f, 0.2f)}, {"bias", {12}, random_values(12, 9, -0.1f, 0.1f)}});
  const int ps = add_op(g, ir::OpType::PixelShuffle, "shuffle", {c1}, ir::PixelShuffleAttrs{2, 0});
  ir::ResizeAttrs up;
  up.mode = ir::ResizeMode::Nearest;
  up.scale_h = up.scale_w = 2;
  const int skip = add_op(g, ir::OpType::Resize, "upsample", {in}, up);
  const int out = add_op(g, ir::OpType::Binary, "add", {ps, skip}, ir::BinaryAttrs{ir::BinaryKind::Add, false, 0.f});
  g.outputs = {out};
  auto m = Model::from_graph(std::move(g));
  EXPECT_TRUE(m) << m.status().to_string();
  return std::make_shared<const Model>(std::move(m).value());
}

inline StageSpec source_stage(std::unique_ptr<MediaSource> src, const std::string& name = "in") {
  StageSpec s;
  s.kind = StageKind::Source;
  s.name = name;
  s.source = std::move(src);
  return s;
}

inline StageSpec op_stage(const std::string& name, const std::string& filter, std::map<std::string, std::string> options = {},
                          int workers = 1) {
  StageSpec s;
  s.kind = StageKind::Operator;
  s.name = name;
  s.filter = filter;
  s.options = std::move(options);
  s.workers = workers;
  return s;
}

inline StageSpec sink_stage(std::unique_ptr<MediaSink> sink, const std::string& name = "out", int workers = 1) {
  StageSpec s;
  s.kind = StageKind::Sink;
  s.name = name;
  s.sink = std::move(sink);
  s.workers = workers;
  return s;
}

inline bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace caldera::pipeline_testing
