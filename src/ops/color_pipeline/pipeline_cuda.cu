// The colour pipeline's generic kernel's launch (the kernel: pipeline_kernel.cuh).
#include <string>

#include "core/cuda_check.hpp"
#include "ops/color_pipeline/pipeline_kernel.cuh"

namespace caldera::pipeline {

Status run_pipeline_cuda(ConstImageView src, ImageView dst, const Stages<float>& stages, const DevicePeak& peak,
                         bool write, StreamHandle stream, const char* op) {
  if (src.empty() || dst.empty())
    return invalid_argument(std::string(op) + ": " + (src.empty() ? "src" : "dst") + " has no pixels");
  if (!src.on_device() || !dst.on_device())
    return invalid_argument(std::string(op) + " (CUDA) needs device images, but " + (src.on_device() ? "dst" : "src") +
                            " is in " + memory_kind_name(src.on_device() ? dst.memory() : src.memory()) + " memory");
  CALDERA_ASSIGN_OR_RETURN(Layout sl, pipeline_layout(src.desc(), "src", op));
  CALDERA_ASSIGN_OR_RETURN(Layout dl, pipeline_layout(dst.desc(), "dst", op));
  if (peak.dynamic_curve && !peak.state) return internal_error(std::string(op) + ": a dynamic curve needs a state");
  const GenericLaunch p = generic_launch(src, dst, sl, dl, stages, peak, write);
  pipeline_kernel<<<generic_grid(src.width(), src.height()), generic_block(), 0, stream>>>(p);
  return check_launch((std::string(op) + ": colour pipeline kernel").c_str());
}

}  // namespace caldera::pipeline
