// The fused HDR10 -> SDR tone map's launch (the kernel: fused_hdr10_sdr_kernel.cuh).
#include <cuda_runtime.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "core/cuda_check.hpp"
#include "ops/tonemap/fused_hdr10_sdr_kernel.cuh"

namespace caldera::tonemap_detail {
namespace {

template <bool kMeasure, bool kWrite>
Status launch(const ForwardParams& p, StreamHandle stream, bool* launched) {
  auto kernel = fused_forward_kernel<kMeasure, kWrite>;
  *launched = false;
  const int resident = persistent_blocks(reinterpret_cast<const void*>(kernel), kThreads, kForwardDynamic);
  if (resident == 0) return Status::ok();
  const int wanted = (p.tiles + kThreads - 1) / kThreads;
  const int blocks = std::max(1, std::min(wanted, resident));
  CALDERA_CUDA_TRY(launch_after_previous(kernel, dim3(blocks), dim3(kThreads), kForwardDynamic, stream, p));
  *launched = true;
  return check_launch("tonemap: fused P010 -> NV12 kernel");
}

}  // namespace

int persistent_blocks(const void* kernel, int threads, size_t dynamic) {
  int device = 0;
  if (cudaGetDevice(&device) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  static std::mutex mutex;
  static std::map<std::pair<const void*, int>, int> cache;
  std::lock_guard<std::mutex> lock(mutex);
  const auto key = std::make_pair(kernel, device);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  int blocks = 0, optin = 0, sms = 0, per_sm = 0;
  cudaFuncAttributes attr{};
  const bool queried = cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, device) == cudaSuccess &&
                       cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device) == cudaSuccess &&
                       cudaFuncGetAttributes(&attr, kernel) == cudaSuccess;
  if (queried && attr.sharedSizeBytes + dynamic <= static_cast<size_t>(optin)) {
    // Above the default 48 KiB a kernel must ask for its dynamic shared memory.
    if (cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(dynamic)) == cudaSuccess &&
        cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kernel, threads, dynamic) == cudaSuccess)
      blocks = per_sm * sms;
    else
      cudaGetLastError();  // the failed call's error, so the next launch check does not report it
  } else if (!queried) {
    cudaGetLastError();
  }
  cache[key] = blocks;
  return blocks;
}

bool fused_forward_fits(ConstImageView src, ConstImageView dst) {
  const ColorDesc& s = src.color();
  const ColorDesc& d = dst.color();
  return src.format() == PixelFormat::P010 && dst.format() == PixelFormat::NV12 && s.transfer == Transfer::PQ &&
         s.primaries == Primaries::BT2020 && d.transfer == Transfer::BT1886;
}

Status launch_fused_forward(ConstImageView src, ImageView dst, const pipeline::Stages<float>& st,
                            const pipeline::DevicePeak& peak, bool write, StreamHandle stream, bool* launched,
                            PeakCurves* curves) {
  *launched = false;
  if (!fused_forward_fits(src, dst)) return internal_error("tonemap: the fused kernel does not take this pair");
  if (!fused_forward_takes(st)) return Status::ok();  // not launched: the caller runs the generic kernel
  CALDERA_ASSIGN_OR_RETURN(ForwardParams p, forward_params(src, dst, st, peak, write));
  if (curves && uses_peak_curves(p)) {
    if (curves->key != p.curve_key) {
      const PeakCurveTable table = peak_curve_table_for(p);
      const size_t bytes = table.lines.size() * sizeof(Line);
      if (curves->buffer.size() < bytes) {
        curves->key = 0;
        CALDERA_ASSIGN_OR_RETURN(curves->buffer, DeviceBuffer::allocate(bytes, stream));
      }
      // From pageable memory: the call returns once the table is staged, so it may go out of scope.
      CALDERA_CUDA_TRY(cudaMemcpyAsync(curves->buffer.data(), table.lines.data(), bytes, cudaMemcpyHostToDevice, stream));
      curves->key = p.curve_key, curves->q0 = table.q0;
    }
    p.peak_curves = static_cast<const Line*>(curves->buffer.data());
    p.peak_curve_q0 = curves->q0;
  }
  if (!write) {
    if (!p.measure) return internal_error("tonemap: a pass that neither writes nor measures");
    return launch<true, false>(p, stream, launched);
  }
  return p.measure ? launch<true, true>(p, stream, launched) : launch<false, true>(p, stream, launched);
}

}  // namespace caldera::tonemap_detail
