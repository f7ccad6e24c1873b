// Colour adjustment on the GPU: the launch (the kernel: adjust_kernel.cuh).
#include <string>

#include "core/cuda_check.hpp"
#include "ops/adjust/adjust_kernel.cuh"

namespace caldera {

Status adjust_cuda(ConstImageView src, ImageView dst, const AdjustParams& params, Workspace ws, StreamHandle stream) {
  (void)ws;
  CALDERA_RETURN_IF_ERROR(check_adjust(src.desc(), dst.desc(), params));
  if (!src.on_device() || !dst.on_device())
    return invalid_argument("adjust_cuda: needs device images (use adjust_reference or adjust for host images)");
  if (src.empty() || dst.empty()) return invalid_argument("adjust_cuda: src or dst has no pixels");
  const Launch p = adjust_launch(src, dst, params);
  adjust_kernel<<<adjust_grid(p), adjust_block(), 0, stream>>>(p);
  return check_launch("adjust_cuda: adjust kernel");
}

}  // namespace caldera
