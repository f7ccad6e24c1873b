// The pieces the scheduler is made of: packet queues, the job's stop switch, GPU timers.
#include <cuda_runtime_api.h>

#include "core/cuda_check.hpp"
#include "pipeline/graph.hpp"

namespace caldera::pipeline {

// ---- queues -------------------------------------------------------------------------------------

void PacketQueue::account_locked(double now) {
  depth_integral_ += double(items_.size()) * (now - last_change_);
  last_change_ = now;
}

bool PacketQueue::push(Packet p, double* waited) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (static_cast<int>(items_.size()) >= capacity_ && !cancelled_) {
    const double t0 = now_seconds();
    not_full_.wait(lock, [&] { return cancelled_ || static_cast<int>(items_.size()) < capacity_; });
    if (waited) *waited += now_seconds() - t0;
  }
  if (cancelled_) return false;
  account_locked(now_seconds());
  items_.push_back(std::move(p));
  if (static_cast<int>(items_.size()) > max_depth_) max_depth_ = static_cast<int>(items_.size());
  lock.unlock();
  not_empty_.notify_one();
  return true;
}

std::optional<Packet> PacketQueue::pop(double* waited) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (items_.empty() && producers_ > 0 && !cancelled_) {
    const double t0 = now_seconds();
    not_empty_.wait(lock, [&] { return cancelled_ || !items_.empty() || producers_ == 0; });
    if (waited) *waited += now_seconds() - t0;
  }
  if (cancelled_ || items_.empty()) return std::nullopt;
  account_locked(now_seconds());
  Packet p = std::move(items_.front());
  items_.pop_front();
  lock.unlock();
  not_full_.notify_one();
  return p;
}

void PacketQueue::producer_done() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    --producers_;
  }
  not_empty_.notify_all();
}

void PacketQueue::cancel() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    cancelled_ = true;
  }
  not_full_.notify_all();
  not_empty_.notify_all();
}

void PacketQueue::clear() {
  std::deque<Packet> dropped;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    account_locked(now_seconds());
    dropped.swap(items_);
  }
  // Packets are dropped outside the lock: their leases lock their pools.
}

int PacketQueue::max_depth() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return max_depth_;
}

double PacketQueue::mean_depth(double end_time) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const double span = end_time - start_;
  if (span <= 0) return 0;
  const double tail = double(items_.size()) * std::max(0.0, end_time - last_change_);
  return (depth_integral_ + tail) / span;
}

// ---- the job ------------------------------------------------------------------------------------

void JobState::fail(const Status& s) {
  std::function<void()> stop;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!error_.is_ok() || s.is_ok()) return;
    error_ = s;
    stopped_.store(true, std::memory_order_release);
    stop = stop_;
  }
  if (stop) stop();
}

void JobState::on_stop(std::function<void()> f) {
  bool now = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = std::move(f);
    now = stopped();
  }
  if (now && stop_) stop_();
}

Status JobState::error() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return error_;
}

// ---- GPU timing ---------------------------------------------------------------------------------

// Enough pairs that the one reused was recorded many items ago and has long completed.
static constexpr size_t kTimerRing = 32;

Status GpuTimer::begin(Context& ctx) {
  if (!ctx.is_cuda()) return Status::ok();
  if (ring_.empty()) ring_.resize(kTimerRing);
  Pair& p = ring_[next_];
  if (p.pending) {
    CALDERA_RETURN_IF_ERROR(p.stop.synchronize());
    CALDERA_ASSIGN_OR_RETURN(float ms, Event::elapsed_ms(p.start, p.stop));
    ms_ += ms;
    p.pending = false;
  }
  if (!p.start.get()) {
    CALDERA_ASSIGN_OR_RETURN(p.start, Event::create(true));
    CALDERA_ASSIGN_OR_RETURN(p.stop, Event::create(true));
  }
  return p.start.record(ctx.stream());
}

Status GpuTimer::end(Context& ctx) {
  if (!ctx.is_cuda() || ring_.empty()) return Status::ok();
  Pair& p = ring_[next_];
  CALDERA_RETURN_IF_ERROR(p.stop.record(ctx.stream()));
  p.pending = true;
  next_ = (next_ + 1) % ring_.size();
  return Status::ok();
}

Status GpuTimer::collect(bool wait) {
  for (Pair& p : ring_) {
    if (!p.pending) continue;
    if (wait) {
      CALDERA_RETURN_IF_ERROR(p.stop.synchronize());
    } else {
      CALDERA_ASSIGN_OR_RETURN(bool done, event_done(p.stop));
      if (!done) continue;
    }
    CALDERA_ASSIGN_OR_RETURN(float ms, Event::elapsed_ms(p.start, p.stop));
    ms_ += ms;
    p.pending = false;
  }
  return Status::ok();
}

// ---- the graph ----------------------------------------------------------------------------------

void Graph::synchronize_all() {
  for (Context& c : contexts)
    if (c.is_cuda()) (void)c.synchronize();
}

Graph::~Graph() {
  // Every stream idle, then everything that queued work or holds memory on them, then the
  // contexts (the deque's own order would destroy the nodes first anyway; this says why).
  synchronize_all();
  for (Node& n : nodes) {
    if (n.queue) n.queue->clear();
    n.reorder.clear();
    n.pending.clear();
    n.workers.clear();
    n.source.reset();
    n.media_source.reset();
    n.sink.reset();
    if (n.pool) n.pool->drop_pending();
    n.pool.reset();
  }
  nodes.clear();
  contexts.clear();
}

}  // namespace caldera::pipeline
