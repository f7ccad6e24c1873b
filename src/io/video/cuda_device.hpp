// FFmpeg's CUDA device on Caldera's own CUDA context and stream, for NVDEC and NVENC.
#pragma once

#include "caldera/context.hpp"
#include "io/video/av_common.hpp"

namespace caldera::io::av {

// An AVHWDeviceContext of type CUDA whose context is the device's primary context (the one the
// CUDA runtime, and so every Caldera kernel, uses) and whose stream is ctx's. FFmpeg's own
// "primary_ctx" option is not used: it refuses a primary context that is already active with
// other scheduling flags than its own, which Caldera's always is by then.
Result<BufferRef> make_cuda_device(const Context& ctx);

}  // namespace caldera::io::av
