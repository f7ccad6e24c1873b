// A Context is where work runs: the CPU, or one CUDA device with its own stream, the device's
// stream-ordered memory pool and a workspace arena. Operators take a Context and never own
// global state, so one process can run many contexts (one per pipeline stage or client).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "caldera/image.hpp"
#include "caldera/memory.hpp"
#include "caldera/status.hpp"

namespace caldera {

enum class DeviceChoice { Cpu, Cuda, Auto };
Result<DeviceChoice> parse_device_choice(std::string_view s);

class Context {
 public:
  static constexpr size_t kDefaultWorkspaceBytes = 64u << 20;

  Context() = default;  // a CPU context
  Context(Context&&) noexcept = default;
  Context& operator=(Context&&) noexcept = default;
  ~Context();

  static Context cpu() { return Context(); }
  static Result<Context> cuda(int device = 0, size_t workspace_bytes = kDefaultWorkspaceBytes);
  // Auto picks CUDA device 0 when one is usable, else the CPU; Cuda fails without a GPU.
  static Result<Context> create(DeviceChoice choice);

  bool is_cuda() const { return device_ >= 0; }
  int device() const { return device_; }
  StreamHandle stream() const { return stream_.get(); }
  // Where images this context allocates for its own work should live.
  MemoryKind memory() const { return is_cuda() ? MemoryKind::Device : MemoryKind::Host; }

  // The workspace arena, reset: valid until the next call of workspace().
  Workspace workspace();
  size_t workspace_bytes() const { return arena_.size(); }

  // Waits for all work queued on this context's stream (a no-op on the CPU).
  Status synchronize() const;

 private:
  int device_ = -1;
  Stream stream_;
  DeviceBuffer arena_;
};

// Number of usable CUDA devices; 0 when there is no GPU or no driver (never an error).
int cuda_device_count();
// Why CUDA is not usable, for messages ("no CUDA-capable device is detected").
std::string cuda_unavailable_reason();

}  // namespace caldera
