// What moves between pipeline stages: packets (a frame's timing and side data, a view of its
// picture, the pooled buffer that holds the picture, and the frame's in-flight ticket), the
// pools those buffers come from, and the CUDA event rules that make reuse safe across streams:
//
//  - a producer on a CUDA stream records the buffer's `ready` event after writing it; a consumer
//    on a stream waits for it there (cudaStreamWaitEvent), a consumer on the CPU waits on the host;
//  - a consumer that used the buffer on a stream records a `released` event when it lets go; the
//    next producer of that buffer waits for every such event (on its stream, or on the host for
//    a CPU producer) before writing into it again.
// Device memory is never freed while the pipeline runs, only recycled, so no free needs ordering.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "caldera/context.hpp"
#include "caldera/frame.hpp"
#include "caldera/image.hpp"
#include "caldera/memory.hpp"

namespace caldera::pipeline {

class BufferPool;

// One pooled picture and the events that order its use.
struct Buffer {
  Image image;
  Event ready;                  // created on the first producer on a stream
  bool ready_recorded = false;  // `ready` marks the current contents
  std::vector<Event> released;  // consumers' events since the last producer
  bool counted = false;         // its image is in the pool's count of images made
};

// A buffer lent out; shared by every packet that shows the picture (a crop's view, the copies
// fan-out makes). The last holder to let go returns the buffer to its pool.
class Lease {
 public:
  Lease(std::shared_ptr<BufferPool> pool, std::unique_ptr<Buffer> buffer) : pool_(std::move(pool)), buf_(std::move(buffer)) {}
  ~Lease();
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;

  Image& image() { return buf_->image; }
  // The producer has queued (or done) its writes on ctx.
  Status produced(Context& ctx);
  // Orders ctx's coming work (or the calling thread, on the CPU) after the producer's writes.
  Status wait_ready(Context& ctx);
  // A consumer is done with the picture on ctx (records its event there on a GPU).
  Status consumed(Context& ctx);

 private:
  std::shared_ptr<BufferPool> pool_;
  std::unique_ptr<Buffer> buf_;
  std::mutex mutex_;  // consumed() from several consumers
};

// Counts the frames inside a pipeline; the source takes a ticket per frame and waits while
// none is left, so a slow stage holds the source back.
class FrameLimit {
 public:
  explicit FrameLimit(int limit) : limit_(limit) {}
  // False when cancelled.
  bool acquire();
  void release();
  void cancel();
  int limit() const { return limit_; }
  int max_in_use() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  const int limit_;
  int in_use_ = 0, max_in_use_ = 0;
  bool cancelled_ = false;
};

class Ticket {
 public:
  explicit Ticket(std::shared_ptr<FrameLimit> limit) : limit_(std::move(limit)) {}
  ~Ticket() { limit_->release(); }
  Ticket(const Ticket&) = delete;
  Ticket& operator=(const Ticket&) = delete;

 private:
  std::shared_ptr<FrameLimit> limit_;
};

struct Packet {
  long seq = 0;  // order the source read it in, from 0: what reordering restores
  long index = 0;
  int64_t pts = kNoTimestamp, duration = 0;
  Rational time_base{1, 25};
  std::string name;  // the frame's file name (folders of images), for the sinks
  std::vector<std::shared_ptr<const PassthroughPacket>> passthrough;
  // Declared before the lease so that it is destroyed after it: a frame's buffer is back in its
  // pool before its ticket lets the source read another frame (else the pool can be asked for
  // a buffer while this one is still on its way back, and make one more than the limit allows).
  std::shared_ptr<Ticket> ticket;  // null in a synchronous run
  std::shared_ptr<Lease> lease;
  ConstImageView view;

  // A packet for a new picture of the same frame (timing, side data and ticket carried over).
  Packet with_picture(std::shared_ptr<Lease> l, ConstImageView v) const {
    Packet p = *this;
    p.lease = std::move(l);
    p.view = v;
    return p;
  }
  // The frame as a sink takes it (its image a wrap of this packet's view).
  Frame to_frame() const;
};

// Buffers of one description and memory kind for one stage's outputs. Images are made on
// demand and kept for reuse; the frame limit bounds how many can be out at once.
class BufferPool : public std::enable_shared_from_this<BufferPool> {
 public:
  BufferPool(ImageDesc desc, MemoryKind memory) : desc_(desc), memory_(memory) {}
  ~BufferPool();
  // A buffer for a producer working on ctx, its earlier users ordered before ctx's coming work.
  // With `allocate` false the buffer may come with an empty image (a source fills its own).
  Result<std::shared_ptr<Lease>> acquire(Context& ctx, bool allocate = true);

  const ImageDesc& desc() const { return desc_; }
  MemoryKind memory() const { return memory_; }
  long created() const;
  size_t bytes() const;
  long outstanding() const;
  // Images handed back that this pool did not make (a decoder's own buffers) are dropped once
  // their consumers' events have completed; this drops what is left, after the streams are idle.
  void drop_pending();

 private:
  friend class Lease;
  void give_back(std::unique_ptr<Buffer> buffer);
  void poll_pending_locked();
  std::unique_ptr<Event> take_event_locked(bool* ok);
  void recycle_events_locked(std::vector<Event>& events);
  void count_locked(Buffer& b);

  const ImageDesc desc_;
  const MemoryKind memory_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Buffer>> free_;
  std::vector<std::unique_ptr<Buffer>> pending_;  // foreign images waiting for their events
  std::vector<Event> spare_;                      // consumers' events, for reuse
  long created_ = 0, outstanding_ = 0;
  size_t bytes_ = 0;
};

// CUDA helpers the pipeline needs beyond memory.hpp (no-ops or errors without CUDA as noted).
Status stream_wait(Context& ctx, const Event& event);   // ctx's stream waits for the event
Result<bool> event_done(const Event& event);            // cudaEventQuery
Status bind_device(const Context& ctx);                 // this thread's current device = ctx's
Status zero_device(void* data, size_t bytes, Context& ctx);

// Wall-clock seconds, and this thread's CPU seconds.
double now_seconds();
double thread_cpu_seconds();

}  // namespace caldera::pipeline
