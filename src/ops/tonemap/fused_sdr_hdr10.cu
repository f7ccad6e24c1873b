// The fused SDR -> HDR10 expansion's launch (the kernel: fused_sdr_hdr10_kernel.cuh).
#include <cuda_runtime.h>

#include <algorithm>
#include <string>

#include "core/cuda_check.hpp"
#include "ops/tonemap/fused_sdr_hdr10_kernel.cuh"

namespace caldera::tonemap_detail {

bool fused_inverse_fits(ConstImageView src, ConstImageView dst) {
  const ColorDesc& s = src.color();
  const ColorDesc& d = dst.color();
  return src.format() == PixelFormat::NV12 && dst.format() == PixelFormat::P010 && s.transfer == Transfer::BT1886 &&
         (s.primaries == Primaries::BT709 || s.primaries == Primaries::BT2020) && d.transfer == Transfer::PQ &&
         d.primaries == Primaries::BT2020;
}

Status launch_fused_inverse(ConstImageView src, ImageView dst, const pipeline::Stages<float>& st, StreamHandle stream,
                            bool* launched) {
  *launched = false;
  if (!fused_inverse_fits(src, dst)) return internal_error("inverse tonemap: the fused kernel does not take this pair");
  CALDERA_ASSIGN_OR_RETURN(InverseParams p, inverse_params(src, dst, st));
  const int resident = persistent_blocks(reinterpret_cast<const void*>(fused_inverse_kernel), kThreads, kInverseDynamic);
  if (resident == 0) return Status::ok();
  const int wanted = (p.tiles + kThreads - 1) / kThreads;
  const int blocks = std::max(1, std::min(wanted, resident));
  CALDERA_CUDA_TRY(launch_after_previous(fused_inverse_kernel, dim3(blocks), dim3(kThreads), kInverseDynamic, stream, p));
  *launched = true;
  return check_launch("inverse tonemap: fused NV12 -> P010 kernel");
}

}  // namespace caldera::tonemap_detail
