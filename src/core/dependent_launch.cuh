// Internal (CUDA, and the host emulation of the header kernels): programmatic dependent launch.
// A kernel launched with launch_after_previous may be scheduled while the previous kernel on the
// stream still runs (once all that kernel's blocks have called allow_dependent_launch or exited):
// it does its setup that depends on nothing earlier (shared-memory tables from its parameters)
// and then waits in wait_for_previous_grid until the previous kernel has finished and its writes
// are visible. This hides the launch gap and the setup behind the previous kernel's tail. It
// exists from sm_90 on; on older GPUs the launches simply serialise and the calls do nothing.
#pragma once

#include <cuda_runtime.h>

#include <utility>

#include "caldera/memory.hpp"

namespace caldera {

// Lets the next kernel on the stream be scheduled (call it once this block's own work is done).
__device__ __forceinline__ void allow_dependent_launch() {
#if !defined(__CUDA_ARCH__) || __CUDA_ARCH__ >= 900
  cudaTriggerProgrammaticLaunchCompletion();
#endif
}

// Waits until the previous kernel on the stream has finished and its writes are visible: every
// read of what earlier work wrote, and every write that work may still read, comes after it.
__device__ __forceinline__ void wait_for_previous_grid() {
#if !defined(__CUDA_ARCH__) || __CUDA_ARCH__ >= 900
  cudaGridDependencySynchronize();
#endif
}

// Launches kernel on the stream as a programmatic dependent launch (see above).
template <class... Params, class... Args>
cudaError_t launch_after_previous(void (*kernel)(Params...), dim3 grid, dim3 block, size_t dynamic_shared,
                                  StreamHandle stream, Args&&... args) {
  cudaLaunchAttribute attr[1];
  attr[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
  attr[0].val.programmaticStreamSerializationAllowed = 1;
  // Positional (grid, block, dynamic shared bytes, stream, attributes): the CUDA emulation of the
  // tests defines gridDim and blockDim as names.
  const cudaLaunchConfig_t cfg{grid, block, dynamic_shared, stream, attr, 1};
  return cudaLaunchKernelEx(&cfg, kernel, std::forward<Args>(args)...);
}

}  // namespace caldera
