#include "pipeline/frames.hpp"

#include <cuda_runtime_api.h>

#include <chrono>
#include <ctime>

#include "core/cuda_check.hpp"

namespace caldera::pipeline {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double thread_cpu_seconds() {
  timespec t{};
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) != 0) return 0;
  return double(t.tv_sec) + t.tv_nsec * 1e-9;
}

Status stream_wait(Context& ctx, const Event& event) {
  return cuda_status(cudaStreamWaitEvent(ctx.stream(), event.get(), 0), "cudaStreamWaitEvent");
}

Result<bool> event_done(const Event& event) {
  const cudaError_t e = cudaEventQuery(event.get());
  if (e == cudaSuccess) return true;
  if (e == cudaErrorNotReady) return false;
  return cuda_status(e, "cudaEventQuery");
}

Status bind_device(const Context& ctx) {
  if (!ctx.is_cuda()) return Status::ok();
  return cuda_status(cudaSetDevice(ctx.device()), "cudaSetDevice");
}

Status zero_device(void* data, size_t bytes, Context& ctx) {
  return cuda_status(cudaMemsetAsync(data, 0, bytes, ctx.stream()), "cudaMemsetAsync");
}

// ---- frames in flight -------------------------------------------------------------------------

bool FrameLimit::acquire() {
  std::unique_lock<std::mutex> lock(mutex_);
  cv_.wait(lock, [&] { return cancelled_ || in_use_ < limit_; });
  if (cancelled_) return false;
  ++in_use_;
  if (in_use_ > max_in_use_) max_in_use_ = in_use_;
  return true;
}

void FrameLimit::release() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    --in_use_;
  }
  cv_.notify_one();
}

void FrameLimit::cancel() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    cancelled_ = true;
  }
  cv_.notify_all();
}

int FrameLimit::max_in_use() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return max_in_use_;
}

// ---- packets ------------------------------------------------------------------------------------

Frame Packet::to_frame() const {
  Frame f;
  std::array<ImageView::Plane, 3> planes{};
  for (int p = 0; p < 3; ++p) planes[p] = {const_cast<uint8_t*>(view.plane(p).data), view.plane(p).pitch};
  // The sink only reads the picture; the lease keeps its buffer out of the pool meanwhile.
  f.image = Image::wrap(ImageView(view.desc(), view.memory(), planes, view.device()), lease);
  f.index = index;
  f.pts = pts;
  f.duration = duration;
  f.time_base = time_base;
  f.name = name;
  f.passthrough = passthrough;
  return f;
}

// ---- leases -------------------------------------------------------------------------------------

Lease::~Lease() {
  if (buf_) pool_->give_back(std::move(buf_));
}

Status Lease::produced(Context& ctx) {
  if (!ctx.is_cuda()) return Status::ok();
  if (!buf_->ready.get()) {
    CALDERA_ASSIGN_OR_RETURN(buf_->ready, Event::create());
  }
  CALDERA_RETURN_IF_ERROR(buf_->ready.record(ctx.stream()));
  buf_->ready_recorded = true;
  return Status::ok();
}

Status Lease::wait_ready(Context& ctx) {
  if (!buf_->ready_recorded) return Status::ok();
  if (ctx.is_cuda()) return stream_wait(ctx, buf_->ready);
  return buf_->ready.synchronize();
}

Status Lease::consumed(Context& ctx) {
  if (!ctx.is_cuda()) return Status::ok();
  bool ok = true;
  std::unique_ptr<Event> e;
  {
    std::lock_guard<std::mutex> lock(pool_->mutex_);
    e = pool_->take_event_locked(&ok);
  }
  if (!ok || !e) return internal_error("pipeline: cannot create a CUDA event");
  CALDERA_RETURN_IF_ERROR(e->record(ctx.stream()));
  std::lock_guard<std::mutex> lock(mutex_);
  buf_->released.push_back(std::move(*e));
  return Status::ok();
}

// ---- pools --------------------------------------------------------------------------------------

BufferPool::~BufferPool() = default;

std::unique_ptr<Event> BufferPool::take_event_locked(bool* ok) {
  // Events come back through acquire() once the next producer waits on them, so after the first
  // frames every consumer's event is a recycled one.
  if (!spare_.empty()) {
    auto e = std::make_unique<Event>(std::move(spare_.back()));
    spare_.pop_back();
    return e;
  }
  auto e = Event::create();
  if (!e) {
    *ok = false;
    return nullptr;
  }
  return std::make_unique<Event>(std::move(e).value());
}

void BufferPool::count_locked(Buffer& b) {
  // Images this pool made or a source made in its buffer, counted once each.
  const bool ours = b.image.owns_memory() && b.image.memory() == memory_;
  if (!ours || b.counted) return;
  b.counted = true;
  ++created_;
  bytes_ += tight_size_bytes(desc_);
}

void BufferPool::recycle_events_locked(std::vector<Event>& events) {
  for (Event& e : events) spare_.push_back(std::move(e));
  events.clear();
}

void BufferPool::poll_pending_locked() {
  for (size_t i = 0; i < pending_.size();) {
    bool done = true;
    for (const Event& e : pending_[i]->released) {
      auto d = event_done(e);
      if (!d || !*d) {
        done = false;
        break;
      }
    }
    if (!done) {
      ++i;
      continue;
    }
    std::unique_ptr<Buffer> b = std::move(pending_[i]);
    pending_.erase(pending_.begin() + static_cast<long>(i));
    b->image = Image();
    b->counted = false;
    recycle_events_locked(b->released);
    free_.push_back(std::move(b));
  }
}

void BufferPool::drop_pending() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& b : pending_) {
    b->image = Image();
    b->counted = false;
    recycle_events_locked(b->released);
    free_.push_back(std::move(b));
  }
  pending_.clear();
}

Result<std::shared_ptr<Lease>> BufferPool::acquire(Context& ctx, bool allocate) {
  std::unique_ptr<Buffer> buf;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!pending_.empty()) poll_pending_locked();
    // Prefer a buffer that still holds an image.
    for (size_t i = free_.size(); i-- > 0;) {
      if (!free_[i]->image.empty()) {
        buf = std::move(free_[i]);
        free_.erase(free_.begin() + static_cast<long>(i));
        break;
      }
    }
    if (!buf && !free_.empty()) {
      buf = std::move(free_.back());
      free_.pop_back();
    }
  }
  if (!buf) buf = std::make_unique<Buffer>();
  // The buffer's earlier consumers come first: on ctx's stream, or here on the CPU.
  for (const Event& e : buf->released) {
    if (ctx.is_cuda()) {
      CALDERA_RETURN_IF_ERROR(stream_wait(ctx, e));
    } else {
      CALDERA_RETURN_IF_ERROR(e.synchronize());
    }
  }
  buf->ready_recorded = false;
  if (allocate && buf->image.empty()) {
    auto made = Image::create(desc_, memory_, memory_ == MemoryKind::Device ? &ctx : nullptr);
    if (!made) {
      std::lock_guard<std::mutex> lock(mutex_);
      recycle_events_locked(buf->released);
      return made.status();
    }
    buf->image = std::move(made).value();
  }
  std::lock_guard<std::mutex> lock(mutex_);
  recycle_events_locked(buf->released);
  if (!buf->image.empty()) count_locked(*buf);
  ++outstanding_;
  return std::make_shared<Lease>(shared_from_this(), std::move(buf));
}

void BufferPool::give_back(std::unique_ptr<Buffer> buf) {
  std::lock_guard<std::mutex> lock(mutex_);
  --outstanding_;
  const Image& img = buf->image;
  const bool ours = !img.empty() && img.owns_memory() && img.memory() == memory_ && img.width() == desc_.width &&
                    img.height() == desc_.height && img.format() == desc_.format;
  if (ours) count_locked(*buf);
  if (!img.empty() && !ours) {
    // Not an image this pool can reuse (a decoder's own buffer, another size): it goes once
    // every consumer's work on it has finished.
    if (!buf->released.empty()) {
      pending_.push_back(std::move(buf));
      poll_pending_locked();
      return;
    }
    buf->image = Image();
    buf->counted = false;
  }
  free_.push_back(std::move(buf));
}

long BufferPool::created() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return created_;
}

size_t BufferPool::bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return bytes_;
}

long BufferPool::outstanding() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return outstanding_;
}

}  // namespace caldera::pipeline
