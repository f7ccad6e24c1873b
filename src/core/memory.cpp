#include "caldera/memory.hpp"

#include <cuda_runtime_api.h>

#include <string>

#include "core/cuda_check.hpp"

namespace caldera {

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& o) noexcept {
  if (this != &o) {
    reset();
    ptr_ = o.ptr_;
    size_ = o.size_;
    stream_ = o.stream_;
    o.ptr_ = nullptr;
    o.size_ = 0;
  }
  return *this;
}

Result<DeviceBuffer> DeviceBuffer::allocate(size_t bytes, StreamHandle stream) {
  DeviceBuffer b;
  if (bytes == 0) return b;
  cudaError_t err = cudaMallocAsync(&b.ptr_, bytes, stream);
  if (err != cudaSuccess) {
    b.ptr_ = nullptr;
    return cuda_status(err, ("DeviceBuffer::allocate(" + std::to_string(bytes) + " bytes)").c_str());
  }
  b.size_ = bytes;
  b.stream_ = stream;
  return b;
}

void DeviceBuffer::reset() {
  if (ptr_) cudaFreeAsync(ptr_, stream_);  // a destructor cannot report; the pool keeps the block
  ptr_ = nullptr;
  size_ = 0;
}

PinnedBuffer& PinnedBuffer::operator=(PinnedBuffer&& o) noexcept {
  if (this != &o) {
    reset();
    ptr_ = o.ptr_;
    size_ = o.size_;
    o.ptr_ = nullptr;
    o.size_ = 0;
  }
  return *this;
}

Result<PinnedBuffer> PinnedBuffer::allocate(size_t bytes) {
  PinnedBuffer b;
  if (bytes == 0) return b;
  cudaError_t err = cudaMallocHost(&b.ptr_, bytes);
  if (err != cudaSuccess) {
    b.ptr_ = nullptr;
    return cuda_status(err, ("PinnedBuffer::allocate(" + std::to_string(bytes) + " bytes)").c_str());
  }
  b.size_ = bytes;
  return b;
}

void PinnedBuffer::reset() {
  if (ptr_) cudaFreeHost(ptr_);
  ptr_ = nullptr;
  size_ = 0;
}

Result<void*> Workspace::take(size_t bytes, size_t alignment) {
  const size_t start = (used_ + alignment - 1) / alignment * alignment;
  if (start + bytes > capacity_)
    return out_of_memory("workspace: asked for " + std::to_string(bytes) + " bytes with " +
                         std::to_string(capacity_ - std::min(capacity_, start)) + " of " + std::to_string(capacity_) +
                         " left");
  used_ = start + bytes;
  return static_cast<void*>(base_ + start);
}

Stream& Stream::operator=(Stream&& o) noexcept {
  if (this != &o) {
    if (handle_) cudaStreamDestroy(handle_);
    handle_ = o.handle_;
    o.handle_ = nullptr;
  }
  return *this;
}

Stream::~Stream() {
  if (handle_) cudaStreamDestroy(handle_);
}

Result<Stream> Stream::create() {
  Stream s;
  CALDERA_CUDA_TRY(cudaStreamCreateWithFlags(&s.handle_, cudaStreamNonBlocking));
  return s;
}

Status Stream::synchronize() const { return cuda_status(cudaStreamSynchronize(handle_), "cudaStreamSynchronize"); }

Event& Event::operator=(Event&& o) noexcept {
  if (this != &o) {
    if (handle_) cudaEventDestroy(handle_);
    handle_ = o.handle_;
    o.handle_ = nullptr;
  }
  return *this;
}

Event::~Event() {
  if (handle_) cudaEventDestroy(handle_);
}

Result<Event> Event::create(bool timing) {
  Event e;
  CALDERA_CUDA_TRY(cudaEventCreateWithFlags(&e.handle_, timing ? cudaEventDefault : cudaEventDisableTiming));
  return e;
}

Status Event::record(StreamHandle stream) const { return cuda_status(cudaEventRecord(handle_, stream), "cudaEventRecord"); }
Status Event::synchronize() const { return cuda_status(cudaEventSynchronize(handle_), "cudaEventSynchronize"); }

Result<float> Event::elapsed_ms(const Event& start, const Event& stop) {
  float ms = 0;
  CALDERA_CUDA_TRY(cudaEventElapsedTime(&ms, start.handle_, stop.handle_));
  return ms;
}

}  // namespace caldera
