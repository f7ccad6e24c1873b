#include "io/video/cuda_device.hpp"

extern "C" {
#include <libavutil/hwcontext.h>
#include <libavutil/hwcontext_cuda.h>
}

#include <cuda_runtime.h>

namespace caldera::io::av {

Result<BufferRef> make_cuda_device(const Context& ctx) {
  if (!ctx.is_cuda()) return internal_error("make_cuda_device needs a CUDA context");
  // The runtime makes the device's primary context current on this thread; the driver call that
  // names it comes through the runtime, so Caldera needs no link to libcuda.
  cudaError_t e = cudaSetDevice(ctx.device());
  if (e == cudaSuccess) e = cudaFree(nullptr);
  if (e != cudaSuccess) return Status(StatusCode::CudaError, std::string("CUDA device for FFmpeg: ") + cudaGetErrorString(e));
  using CtxGetCurrent = CUresult (*)(CUcontext*);
  void* fn = nullptr;
  cudaDriverEntryPointQueryResult q{};
  e = cudaGetDriverEntryPointByVersion("cuCtxGetCurrent", &fn, 12000, cudaEnableDefault, &q);
  if (e != cudaSuccess || q != cudaDriverEntryPointSuccess || !fn)
    return Status(StatusCode::CudaError, "CUDA device for FFmpeg: cuCtxGetCurrent is not available from the driver");
  CUcontext cu = nullptr;
  if (reinterpret_cast<CtxGetCurrent>(fn)(&cu) != CUDA_SUCCESS || !cu)
    return Status(StatusCode::CudaError, "CUDA device for FFmpeg: no current CUDA context");

  BufferRef ref(av_hwdevice_ctx_alloc(AV_HWDEVICE_TYPE_CUDA));
  if (!ref) return out_of_memory("cannot allocate FFmpeg's CUDA device");
  auto* hw = reinterpret_cast<AVHWDeviceContext*>(ref->data);
  auto* c = static_cast<AVCUDADeviceContext*>(hw->hwctx);
  c->cuda_ctx = cu;  // not FFmpeg's to destroy: it did not create it
  c->stream = reinterpret_cast<CUstream>(ctx.stream());
  const int r = av_hwdevice_ctx_init(ref.get());
  if (r < 0) return error("FFmpeg's CUDA device did not start", r);
  return ref;
}

}  // namespace caldera::io::av
