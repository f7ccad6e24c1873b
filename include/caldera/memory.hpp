// Memory: stream-ordered device buffers from the CUDA pool (no cudaMalloc on the hot path once
// the pool is warm), pinned host staging buffers, and the workspace arena operators take
// scratch from. Every resource is RAII.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "caldera/status.hpp"

struct CUstream_st;
struct CUevent_st;

namespace caldera {

using StreamHandle = CUstream_st*;  // the same type as cudaStream_t, without the CUDA header
using EventHandle = CUevent_st*;

// Device memory from the current device's stream-ordered pool. Freed on the stream it was
// allocated on, so it is safe to drop while work that uses it is still queued there.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  DeviceBuffer(DeviceBuffer&& o) noexcept { *this = std::move(o); }
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer() { reset(); }

  static Result<DeviceBuffer> allocate(size_t bytes, StreamHandle stream);
  void reset();
  void* data() const { return ptr_; }
  size_t size() const { return size_; }

 private:
  void* ptr_ = nullptr;
  size_t size_ = 0;
  StreamHandle stream_ = nullptr;
};

// Page-locked host memory, so host<->device copies are asynchronous and run at full speed.
class PinnedBuffer {
 public:
  PinnedBuffer() = default;
  PinnedBuffer(PinnedBuffer&& o) noexcept { *this = std::move(o); }
  PinnedBuffer& operator=(PinnedBuffer&& o) noexcept;
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;
  ~PinnedBuffer() { reset(); }

  static Result<PinnedBuffer> allocate(size_t bytes);
  void reset();
  void* data() const { return ptr_; }
  size_t size() const { return size_; }

 private:
  void* ptr_ = nullptr;
  size_t size_ = 0;
};

// A bump allocator over one device buffer: operators take scratch from it for one call; the
// caller resets it between calls. It never allocates, so it never syncs.
class Workspace {
 public:
  Workspace() = default;
  Workspace(void* base, size_t capacity) : base_(static_cast<uint8_t*>(base)), capacity_(capacity) {}

  // Aligned scratch of `bytes`; an OutOfMemory error names how much was asked and what is left.
  Result<void*> take(size_t bytes, size_t alignment = 256);
  void reset() { used_ = 0; }
  size_t used() const { return used_; }
  size_t capacity() const { return capacity_; }

 private:
  uint8_t* base_ = nullptr;
  size_t capacity_ = 0;
  size_t used_ = 0;
};

// RAII CUDA stream (non-blocking, so it never serialises against the legacy default stream).
class Stream {
 public:
  Stream() = default;
  Stream(Stream&& o) noexcept : handle_(o.handle_) { o.handle_ = nullptr; }
  Stream& operator=(Stream&& o) noexcept;
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  ~Stream();

  static Result<Stream> create();
  StreamHandle get() const { return handle_; }
  Status synchronize() const;

 private:
  StreamHandle handle_ = nullptr;
};

// RAII CUDA event, with timing enabled on request.
class Event {
 public:
  Event() = default;
  Event(Event&& o) noexcept : handle_(o.handle_) { o.handle_ = nullptr; }
  Event& operator=(Event&& o) noexcept;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  ~Event();

  static Result<Event> create(bool timing = false);
  EventHandle get() const { return handle_; }
  Status record(StreamHandle stream) const;
  Status synchronize() const;
  // Milliseconds between two recorded timing events.
  static Result<float> elapsed_ms(const Event& start, const Event& stop);

 private:
  EventHandle handle_ = nullptr;
};

}  // namespace caldera
