// The built pipeline inside the library: stage nodes in topological order (the source first),
// each with its workers (one per thread), their contexts, the pool its outputs come from, and at
// run time its input queue. build.cpp makes it from a spec; run.cpp runs it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "caldera/nn/model.hpp"
#include "caldera/pipeline/pipeline.hpp"
#include "pipeline/frames.hpp"

namespace caldera::pipeline {

// A bounded multi-producer, multi-consumer queue of packets. It ends when every producer said
// done and it is empty; cancel() wakes every waiter at once.
class PacketQueue {
 public:
  PacketQueue(int capacity, int producers) : capacity_(capacity), producers_(producers), last_change_(now_seconds()) {}
  // Blocks while full; false when cancelled. `waited` gets the seconds spent blocked.
  bool push(Packet p, double* waited);
  // Blocks while empty; nullopt at the end or when cancelled.
  std::optional<Packet> pop(double* waited);
  void producer_done();
  void cancel();
  // Drops what is left (after a failure), so buffers and tickets go back.
  void clear();

  int capacity() const { return capacity_; }
  int max_depth() const;
  double mean_depth(double end_time) const;

 private:
  void account_locked(double now);

  mutable std::mutex mutex_;
  std::condition_variable not_full_, not_empty_;
  std::deque<Packet> items_;
  const int capacity_;
  int producers_;
  bool cancelled_ = false;
  int max_depth_ = 0;
  double start_ = now_seconds(), last_change_, depth_integral_ = 0;
};

// The first error of a job, and the switch that stops every stage.
class JobState {
 public:
  void fail(const Status& s);
  bool stopped() const { return stopped_.load(std::memory_order_acquire); }
  Status error() const;
  // What fail() does once (cancel every queue and the frame limit); run at once when the job
  // has already stopped.
  void on_stop(std::function<void()> f);

 private:
  mutable std::mutex mutex_;
  Status error_;
  std::atomic<bool> stopped_{false};
  std::function<void()> stop_;
};

// GPU time of a worker's work, from timing events around each item on its stream. Events are
// read a few items later (never waiting on work just queued) and the rest at the end.
class GpuTimer {
 public:
  Status begin(Context& ctx);
  Status end(Context& ctx);
  // Adds up every pair that has completed; with `wait`, waits for all (the streams are idle then).
  Status collect(bool wait);
  double seconds() const { return ms_ / 1000.0; }

 private:
  struct Pair {
    Event start, stop;
    bool pending = false;
  };
  std::vector<Pair> ring_;
  size_t next_ = 0;
  double ms_ = 0;
};

struct WorkerStats {
  std::atomic<long> frames{0};
  double busy_s = 0, cpu_s = 0, wait_input_s = 0, wait_output_s = 0;
  GpuTimer gpu;
};

// The work of one worker thread of a stage. process() takes the frames of one call (one, or a
// batch for model stages, in order) and appends what it makes, in the same order.
class StageWorker {
 public:
  virtual ~StageWorker() = default;
  virtual Status process(std::vector<Packet>& in, std::vector<Packet>& out, Context& ctx) = 0;
};

// The source's work: the next frame into `out`; false at the end.
class SourceWorker {
 public:
  virtual ~SourceWorker() = default;
  virtual Result<bool> produce(Packet& out, Context& ctx) = 0;
};

struct Node {
  StageInfo info;
  int input = -1;               // index of the node it takes frames from
  std::vector<int> consumers;   // nodes that take its frames
  std::vector<Context*> contexts;  // one per worker (owned by the graph)
  std::unique_ptr<MediaSource> media_source;  // the source node's reader
  std::vector<std::unique_ptr<StageWorker>> workers;
  std::unique_ptr<SourceWorker> source;
  std::shared_ptr<MediaSink> sink;
  std::shared_ptr<BufferPool> pool;  // its outputs' buffers (null for sinks and views)

  // Run time.
  std::unique_ptr<PacketQueue> queue;  // its input (null for the source)
  std::deque<WorkerStats> stats;       // one per worker
  std::atomic<int> live_workers{0};    // the last to end closes its consumers' queues
  bool reads_pixels = true;            // false for views: they never wait for their input's producer
  std::mutex emit_mutex;               // several workers: frames leave in seq order
  std::mutex fill_mutex;               // several workers of batches: one fills its batch at a time
  std::map<long, Packet> reorder;
  long next_seq = 0;
  std::vector<Packet> pending;         // synchronous run: frames waiting for a full batch
};

struct Graph {
  // Contexts first: they are destroyed last, after every pool, session and buffer that queued
  // work on their streams.
  std::deque<Context> contexts;
  std::deque<Node> nodes;  // topological order, the source first
  MediaInfo source_info;
  int frames_in_flight = 0;
  bool synchronous = false;
  bool allow_empty = false;
  bool sample_gpu = true;
  bool uses_gpu = false;
  int gpu_device = -1;

  Graph() = default;
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;
  ~Graph();
  // Waits for every stream (each its own wait: never the whole device).
  void synchronize_all();
};

Result<std::unique_ptr<Graph>> build_graph(PipelineSpec spec, const PipelineOptions& options);
// Runs the built graph; fills `stats`. Every thread has ended when it returns.
Status run_graph(Graph& g, const RunControl& control, JobState& job, PipelineStats& stats);

// Stage workers (stage_workers.cpp, model_stage.cpp).
std::unique_ptr<SourceWorker> make_source_worker(MediaSource& source, long max_frames, std::shared_ptr<BufferPool> pool);
std::unique_ptr<StageWorker> make_filter_worker(std::unique_ptr<Filter> filter, std::shared_ptr<BufferPool> pool);
std::unique_ptr<StageWorker> make_transfer_worker(std::shared_ptr<BufferPool> pool);
std::unique_ptr<StageWorker> make_sink_worker(std::shared_ptr<MediaSink> sink);
// A sink that drops its frames (path "null"): accepts every format and memory.

// Loads a model stage's model (errors name what is missing).
Result<std::shared_ptr<const nn::Model>> load_stage_model(const std::string& name);
// The frames a model stage makes from `in` frames in batches of `batch`, or why it cannot.
Result<ImageDesc> plan_model_stage(const nn::Model& model, int batch, const ImageDesc& in);
std::unique_ptr<StageWorker> make_model_worker(std::shared_ptr<const nn::Model> model, int batch, const ImageDesc& in,
                                               const std::array<float, 3>& mean, const std::array<float, 3>& std,
                                               std::shared_ptr<BufferPool> pool);

}  // namespace caldera::pipeline
