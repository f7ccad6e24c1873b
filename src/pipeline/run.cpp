// Running a built graph. Asynchronously: one thread per worker of every stage, bounded queues
// between stages, the source held back by the frames-in-flight limit, frames reordered after
// stages with several workers, and run()'s own thread watching (cancel flag, progress) until
// every thread has ended. Synchronously: one thread, each frame through every stage before the
// next is read (batches still fill before a model runs), all GPU stages on one stream.
#include <system_error>
#include <thread>

#include "pipeline/gpu_sampler.hpp"
#include "pipeline/graph.hpp"

namespace caldera::pipeline {

void fill_stats(Graph& g, double seconds, int in_flight_max, PipelineStats& stats);  // stats.cpp

namespace {

std::string stage_context(const Node& n, const std::vector<Packet>& in) {
  std::string c = "stage '" + n.info.name + "' (" + n.info.what + ")";
  if (!in.empty()) c += ": frame " + std::to_string(in.front().index);
  return c;
}

// Before a stage reads its frames: their producers' work is done (CPU) or ordered before the
// stage's own (GPU). Time spent here is waiting for input.
Status wait_inputs(const Node& n, std::vector<Packet>& in, Context& ctx, WorkerStats& st) {
  if (!n.reads_pixels) return Status::ok();
  const double t0 = now_seconds();
  for (Packet& p : in) CALDERA_RETURN_IF_ERROR(p.lease->wait_ready(ctx));
  st.wait_input_s += now_seconds() - t0;
  return Status::ok();
}

// One call of a stage's work, timed; then its use of the inputs is recorded and they are let go.
Status run_work(Node& n, StageWorker& worker, std::vector<Packet>& in, std::vector<Packet>& out, Context& ctx,
                WorkerStats& st) {
  CALDERA_RETURN_IF_ERROR(wait_inputs(n, in, ctx, st).with_context(stage_context(n, in)));
  const double t0 = now_seconds(), c0 = thread_cpu_seconds();
  CALDERA_RETURN_IF_ERROR(st.gpu.begin(ctx));
  Status s = worker.process(in, out, ctx);
  CALDERA_RETURN_IF_ERROR(st.gpu.end(ctx));
  st.busy_s += now_seconds() - t0;
  st.cpu_s += thread_cpu_seconds() - c0;
  if (!s) return s.with_context(stage_context(n, in));
  if (n.reads_pixels)
    for (Packet& p : in) CALDERA_RETURN_IF_ERROR(p.lease->consumed(ctx));
  st.frames.fetch_add(static_cast<long>(in.size()), std::memory_order_relaxed);
  in.clear();
  return Status::ok();
}

class AsyncRunner {
 public:
  AsyncRunner(Graph& g, JobState& job) : g_(g), job_(job), limit_(std::make_shared<FrameLimit>(g.frames_in_flight)) {}

  Status run(const RunControl& control) {
    for (Node& n : g_.nodes) {
      n.live_workers = static_cast<int>(std::max<size_t>(1, n.workers.size()));
      if (n.info.kind != StageKind::Source) n.queue = std::make_unique<PacketQueue>(n.info.queue, 1);
    }
    // The stop switch holds only what outlives this runner (the graph, the limit): cancel() may
    // come from another thread at any time.
    job_.on_stop([g = &g_, limit = limit_] {
      for (Node& n : g->nodes)
        if (n.queue) n.queue->cancel();
      limit->cancel();
    });
    const double start = now_seconds();
    threads_live_ = 0;
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      Node& n = g_.nodes[i];
      const size_t workers = n.info.kind == StageKind::Source ? 1 : n.workers.size();
      for (size_t w = 0; w < workers; ++w) {
        {
          std::lock_guard<std::mutex> lock(done_mutex_);
          ++threads_live_;
        }
        try {
          threads_.emplace_back([this, i, w] {
            if (g_.nodes[i].info.kind == StageKind::Source) source_loop(g_.nodes[i]);
            else worker_loop(g_.nodes[i], w);
            std::lock_guard<std::mutex> lock(done_mutex_);
            if (--threads_live_ == 0) done_.notify_all();
          });
        } catch (const std::system_error& e) {
          // The threads already running stop on the failure and end.
          job_.fail(internal_error(std::string("pipeline: cannot start a thread: ") + e.what()));
          std::lock_guard<std::mutex> lock(done_mutex_);
          --threads_live_;
          // The stage's queue never gets its producer's end: cancelled above, so nobody waits.
        }
      }
    }
    // Watch until every thread has ended.
    double last_progress = start;
    std::unique_lock<std::mutex> lock(done_mutex_);
    while (threads_live_ > 0) {
      done_.wait_for(lock, std::chrono::milliseconds(50), [&] { return threads_live_ == 0; });
      if (threads_live_ == 0) break;
      lock.unlock();
      if (control.cancel && control.cancel->load()) job_.fail(cancelled("cancelled"));
      const double now = now_seconds();
      if (control.progress && now - last_progress >= control.progress_interval_s) {
        last_progress = now;
        // The threads must still be joined if the caller's callback throws.
        try {
          control.progress(frames_written(), now - start);
        } catch (...) {
          job_.fail(internal_error("pipeline: the progress callback threw an exception"));
        }
      }
      lock.lock();
    }
    lock.unlock();
    for (std::thread& t : threads_) t.join();
    threads_.clear();
    seconds_ = now_seconds() - start;
    return job_.error();
  }

  int in_flight_max() const { return limit_->max_in_use(); }
  double seconds() const { return seconds_; }

  long frames_written() const {
    long least = -1;
    for (const Node& n : g_.nodes) {
      if (n.info.kind != StageKind::Sink) continue;
      long f = 0;
      for (const WorkerStats& s : n.stats) f += s.frames.load(std::memory_order_relaxed);
      least = least < 0 ? f : std::min(least, f);
    }
    return std::max(0L, least);
  }

 private:
  // Hands frames to the stages after `n`, in the order the source read them.
  bool emit(Node& n, std::vector<Packet>& outs, WorkerStats& st) {
    if (outs.empty()) return true;
    if (n.workers.size() <= 1) {
      for (Packet& p : outs)
        if (!deliver(n, std::move(p), st)) return false;
      outs.clear();
      return true;
    }
    std::lock_guard<std::mutex> lock(n.emit_mutex);
    for (Packet& p : outs) n.reorder.emplace(p.seq, std::move(p));
    outs.clear();
    while (!n.reorder.empty() && n.reorder.begin()->first == n.next_seq) {
      Packet p = std::move(n.reorder.begin()->second);
      n.reorder.erase(n.reorder.begin());
      ++n.next_seq;
      if (!deliver(n, std::move(p), st)) return false;
    }
    return true;
  }

  bool deliver(Node& n, Packet p, WorkerStats& st) {
    for (size_t c = 0; c < n.consumers.size(); ++c) {
      PacketQueue& q = *g_.nodes[n.consumers[c]].queue;
      const bool last = c + 1 == n.consumers.size();
      if (!q.push(last ? std::move(p) : p, &st.wait_output_s)) return false;
    }
    return true;
  }

  void close_outputs(Node& n) {
    if (n.live_workers.fetch_sub(1) != 1) return;
    for (int c : n.consumers) g_.nodes[c].queue->producer_done();
  }

  void source_loop(Node& n) {
    Context& ctx = *n.contexts[0];
    WorkerStats& st = n.stats[0];
    Status bound = bind_device(ctx);
    if (!bound) job_.fail(bound);
    std::vector<Packet> outs;
    while (!job_.stopped()) {
      const double t0 = now_seconds();
      if (!limit_->acquire()) break;
      st.wait_output_s += now_seconds() - t0;
      auto ticket = std::make_shared<Ticket>(limit_);
      Packet p;
      const double t1 = now_seconds(), c1 = thread_cpu_seconds();
      Status timer = st.gpu.begin(ctx);
      Result<bool> more = timer ? n.source->produce(p, ctx) : Result<bool>(timer);
      if (timer) timer = st.gpu.end(ctx);
      st.busy_s += now_seconds() - t1;
      st.cpu_s += thread_cpu_seconds() - c1;
      if (!more || !timer) {
        const Status& s = !more ? more.status() : timer;
        job_.fail(s.with_context("stage '" + n.info.name + "' (" + n.info.what + ")"));
        break;
      }
      if (!*more) break;
      p.ticket = std::move(ticket);
      st.frames.fetch_add(1, std::memory_order_relaxed);
      outs.push_back(std::move(p));
      if (!emit(n, outs, st)) break;
    }
    close_outputs(n);
  }

  void worker_loop(Node& n, size_t w) {
    Context& ctx = *n.contexts[w];
    WorkerStats& st = n.stats[w];
    StageWorker& worker = *n.workers[w];
    Status bound = bind_device(ctx);
    if (!bound) job_.fail(bound);
    std::vector<Packet> in, out;
    long calls = 0;
    while (!job_.stopped()) {
      // A batch waits until it is full or the input has ended. With several workers, one fills
      // its whole batch before another takes a frame, so a batch is a run of consecutive frames
      // and the frames it waits for are the source's next ones. Taken one by one into each
      // worker's batch, a worker could hold frame k in a partial batch while the other ran ahead:
      // its outputs then waited in the reorder buffer for frame k, until every frame in flight
      // was held and the source could make no more (a hang; PipelineRun.BatchedWorkersDoNot...).
      std::unique_lock<std::mutex> filling(n.fill_mutex, std::defer_lock);
      if (n.info.batch > 1 && n.workers.size() > 1) filling.lock();
      while (static_cast<int>(in.size()) < n.info.batch) {
        std::optional<Packet> p = n.queue->pop(&st.wait_input_s);
        if (!p) break;
        in.push_back(std::move(*p));
      }
      if (filling.owns_lock()) filling.unlock();
      if (in.empty()) break;
      Status s = run_work(n, worker, in, out, ctx, st);
      if (!s) {
        job_.fail(s);
        break;
      }
      if (!emit(n, out, st)) break;
      if (++calls % 16 == 0) {
        Status t = st.gpu.collect(false);
        if (!t) job_.fail(t);
      }
    }
    in.clear();
    out.clear();
    close_outputs(n);
  }

  Graph& g_;
  JobState& job_;
  std::shared_ptr<FrameLimit> limit_;
  std::vector<std::thread> threads_;
  std::mutex done_mutex_;
  std::condition_variable done_;
  int threads_live_ = 0;
  double seconds_ = 0;
};

class SyncRunner {
 public:
  SyncRunner(Graph& g, JobState& job) : g_(g), job_(job) {}

  Status run(const RunControl& control) {
    Node& src = g_.nodes[0];
    Context& ctx = *src.contexts[0];
    const double start = now_seconds();
    double last_progress = start;
    Status s;
    while (s) {
      if (control.cancel && control.cancel->load()) job_.fail(cancelled("cancelled"));
      if (job_.stopped()) break;
      Packet p;
      const double t0 = now_seconds(), c0 = thread_cpu_seconds();
      Result<bool> more = src.source->produce(p, ctx);
      src.stats[0].busy_s += now_seconds() - t0;
      src.stats[0].cpu_s += thread_cpu_seconds() - c0;
      if (!more) {
        s = more.status().with_context("stage '" + src.info.name + "' (" + src.info.what + ")");
        break;
      }
      if (!*more) break;
      src.stats[0].frames.fetch_add(1, std::memory_order_relaxed);
      std::vector<Packet> outs{std::move(p)};
      s = deliver(src, outs);
      const double now = now_seconds();
      if (control.progress && now - last_progress >= control.progress_interval_s) {
        last_progress = now;
        control.progress(src.stats[0].frames.load(), now - start);
      }
    }
    // End of stream: partial batches run, in order, so later stages see their frames.
    for (size_t i = 1; s && !job_.stopped() && i < g_.nodes.size(); ++i) {
      Node& n = g_.nodes[i];
      if (n.pending.empty()) continue;
      std::vector<Packet> batch = std::move(n.pending);
      n.pending.clear();
      s = process(n, batch);
    }
    if (!s) job_.fail(s);
    seconds_ = now_seconds() - start;
    return job_.error();
  }

  double seconds() const { return seconds_; }

 private:
  Status deliver(Node& n, std::vector<Packet>& outs) {
    for (int c : n.consumers) {
      Node& next = g_.nodes[c];
      for (const Packet& p : outs) next.pending.push_back(p);
      while (static_cast<int>(next.pending.size()) >= next.info.batch) {
        std::vector<Packet> batch(std::make_move_iterator(next.pending.begin()),
                                  std::make_move_iterator(next.pending.begin() + next.info.batch));
        next.pending.erase(next.pending.begin(), next.pending.begin() + next.info.batch);
        CALDERA_RETURN_IF_ERROR(process(next, batch));
      }
    }
    outs.clear();
    return Status::ok();
  }

  Status process(Node& n, std::vector<Packet>& in) {
    std::vector<Packet> out;
    CALDERA_RETURN_IF_ERROR(run_work(n, *n.workers[0], in, out, *n.contexts[0], n.stats[0]));
    return deliver(n, out);
  }

  Graph& g_;
  JobState& job_;
  double seconds_ = 0;
};

}  // namespace

Status run_graph(Graph& g, const RunControl& control, JobState& job, PipelineStats& stats) {
  stats = PipelineStats{};
  stats.synchronous = g.synchronous;
  stats.frames_in_flight_limit = g.synchronous ? 0 : g.frames_in_flight;
  for (Node& n : g.nodes) {
    n.stats.clear();
    const size_t workers = std::max<size_t>(1, n.workers.size());
    for (size_t w = 0; w < workers; ++w) n.stats.emplace_back();
  }
  if (job.stopped()) return job.error();
  // Sinks create their files now (under temporary names), before any frame is read.
  for (Node& n : g.nodes) {
    if (n.info.kind != StageKind::Sink) continue;
    Status s = n.sink->open(n.info.in, g.source_info);
    if (!s) return s.with_context("stage '" + n.info.name + "' (" + n.info.what + ")");
  }
  GpuSampler sampler;
  // Steady once a frame has come out of the last stage: the start-up (model loading, cuDNN's
  // algorithm choice, queues filling) is then over.
  const Node* last = &g.nodes.back();
  if (g.uses_gpu && g.sample_gpu)
    sampler.start(g.gpu_device, 0.1, [last] {
      for (const auto& w : last->stats)
        if (w.frames.load() > 0) return true;
      return false;
    });

  double seconds = 0;
  int in_flight_max = 0;
  Status s;
  if (g.synchronous) {
    SyncRunner r(g, job);
    s = r.run(control);
    seconds = r.seconds();
    in_flight_max = 1;
  } else {
    AsyncRunner r(g, job);
    s = r.run(control);
    seconds = r.seconds();
    in_flight_max = r.in_flight_max();
  }
  if (s && g.nodes[0].stats[0].frames.load() == 0 && !g.allow_empty)
    s = io_error("stage '" + g.nodes[0].info.name + "' (" + g.nodes[0].info.what + "): no frames to process");
  // Every sink finishes only when the whole job succeeded, so a failure leaves no output at all.
  for (Node& n : g.nodes) {
    if (!s) break;
    if (n.info.kind != StageKind::Sink) continue;
    s = n.sink->finish();
    if (!s) s = s.with_context("stage '" + n.info.name + "' (" + n.info.what + ")");
  }
  sampler.stop();
  // Leftovers of a failed run go back to their pools; then the streams are idle and every
  // timer can be read.
  for (Node& n : g.nodes) {
    if (n.queue) n.queue->clear();
    n.reorder.clear();
    n.pending.clear();
  }
  g.synchronize_all();
  for (Node& n : g.nodes)
    for (WorkerStats& w : n.stats) {
      Status t = w.gpu.collect(true);
      if (s && !t) s = t;
    }
  fill_stats(g, seconds, in_flight_max, stats);
  stats.gpu = sampler.result();
  if (!g.uses_gpu) stats.gpu.note = "no GPU stage";
  else if (!g.sample_gpu) stats.gpu.note = "not sampled";
  return s;
}

}  // namespace caldera::pipeline
