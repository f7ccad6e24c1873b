// Internal: turning CUDA errors into Status values. Never include from public headers.
#pragma once

#include <cuda_runtime_api.h>

#include <string>

#include "caldera/status.hpp"

namespace caldera {

inline Status cuda_status(cudaError_t err, const char* what) {
  if (err == cudaSuccess) return Status::ok();
  if (err == cudaErrorMemoryAllocation) {
    cudaGetLastError();  // clear the sticky-free error so later calls work
    return out_of_memory(std::string(what) + ": " + cudaGetErrorString(err));
  }
  return {StatusCode::CudaError, std::string(what) + ": " + cudaGetErrorName(err) + " (" + cudaGetErrorString(err) + ")"};
}

// After a kernel launch: reports launch-configuration errors without synchronising.
inline Status check_launch(const char* kernel) { return cuda_status(cudaGetLastError(), kernel); }

}  // namespace caldera

#define CALDERA_CUDA_TRY(call) CALDERA_RETURN_IF_ERROR(::caldera::cuda_status((call), #call))
