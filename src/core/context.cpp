#include "caldera/context.hpp"

#include <cuda_runtime_api.h>

#include <cstdint>
#include <string>

#include "core/cuda_check.hpp"

namespace caldera {

Result<DeviceChoice> parse_device_choice(std::string_view s) {
  if (s == "cpu") return DeviceChoice::Cpu;
  if (s == "cuda" || s == "gpu") return DeviceChoice::Cuda;
  if (s == "auto") return DeviceChoice::Auto;
  return invalid_argument("unknown device '" + std::string(s) + "' (use cpu, cuda or auto)");
}

int cuda_device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return n;
}

std::string cuda_unavailable_reason() {
  int n = 0;
  cudaError_t err = cudaGetDeviceCount(&n);
  if (err != cudaSuccess) {
    cudaGetLastError();
    return std::string("CUDA is not usable: ") + cudaGetErrorString(err);
  }
  if (n == 0) return "no CUDA device is present";
  return "";
}

Context::~Context() {
  // Queued frees and kernels must finish before the stream and arena go away.
  if (is_cuda() && stream_.get()) cudaStreamSynchronize(stream_.get());
  arena_.reset();
  if (is_cuda() && stream_.get()) cudaStreamSynchronize(stream_.get());
}

Result<Context> Context::cuda(int device, size_t workspace_bytes) {
  const int n = cuda_device_count();
  if (n == 0) return unavailable(cuda_unavailable_reason());
  if (device < 0 || device >= n)
    return invalid_argument("CUDA device " + std::to_string(device) + " does not exist (" + std::to_string(n) +
                            " present)");
  CALDERA_CUDA_TRY(cudaSetDevice(device));
  // Keep freed blocks in the stream-ordered pool instead of returning them to the driver, so a
  // steady-state frame loop never reaches cudaMalloc/cudaFree.
  cudaMemPool_t pool;
  CALDERA_CUDA_TRY(cudaDeviceGetDefaultMemPool(&pool, device));
  uint64_t threshold = UINT64_MAX;
  CALDERA_CUDA_TRY(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &threshold));

  Context ctx;
  ctx.device_ = device;
  CALDERA_ASSIGN_OR_RETURN(ctx.stream_, Stream::create());
  CALDERA_ASSIGN_OR_RETURN(ctx.arena_, DeviceBuffer::allocate(workspace_bytes, ctx.stream_.get()));
  return ctx;
}

Result<Context> Context::create(DeviceChoice choice) {
  switch (choice) {
    case DeviceChoice::Cpu: return Context::cpu();
    case DeviceChoice::Cuda: return Context::cuda();
    case DeviceChoice::Auto:
      if (cuda_device_count() > 0) return Context::cuda();
      return Context::cpu();
  }
  return Context::cpu();
}

Workspace Context::workspace() { return Workspace(arena_.data(), arena_.size()); }

Status Context::synchronize() const {
  if (!is_cuda()) return Status::ok();
  return stream_.synchronize();
}

}  // namespace caldera
