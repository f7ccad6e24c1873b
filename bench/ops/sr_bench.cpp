// Super-resolution models through the CUDA fp16 runtime: ms/frame (CUDA events, median) and
// device memory, rgbf16p device images in and out (the tensors model_input / model_output
// exchange), batch 1. Rows are skipped, with a note on stderr, when a model is not in the model
// directory (CALDERA_MODEL_DIR). PyTorch's times for the same network come from
// scripts/device/torch_srvgg.py in the same device run.
#include <cuda_runtime_api.h>
#include <fmt/core.h>

#include <filesystem>

#include "caldera/nn/model.hpp"
#include "support/bench.hpp"

namespace caldera::bench {
namespace {

Result<size_t> device_free_bytes() {
  size_t free_b = 0, total_b = 0;
  const cudaError_t e = cudaMemGetInfo(&free_b, &total_b);
  if (e != cudaSuccess) return internal_error(std::string("cudaMemGetInfo: ") + cudaGetErrorString(e));
  return free_b;
}

Status sr_row(BenchEnv& env, const std::string& name, int w, int h) {
  Context& ctx = *env.ctx;
  const std::string param = nn::Model::model_dir() + "/" + name + ".param";
  if (!std::filesystem::exists(param)) {
    fmt::print(stderr, "sr bench: {} is not in {}; row skipped\n", name, nn::Model::model_dir());
    return Status::ok();
  }
  CALDERA_ASSIGN_OR_RETURN(nn::Model model, nn::Model::load(name));
  const nn::TensorShape in_shape{1, 3, h, w};
  CALDERA_ASSIGN_OR_RETURN(nn::TensorShape out_shape, model.output_shape(in_shape));
  const int n = rotation_count(tight_size_bytes({w, h, PixelFormat::RGBPlanarF16}));
  CALDERA_ASSIGN_OR_RETURN(ImageSet src, random_device_images({w, h, PixelFormat::RGBPlanarF16}, n, 31, ctx));
  CALDERA_ASSIGN_OR_RETURN(ImageSet dst, device_images({out_shape.w, out_shape.h, PixelFormat::RGBPlanarF16}, 2, ctx));
  CALDERA_RETURN_IF_ERROR(ctx.synchronize());

  // Device memory the session takes: free memory before it exists and after its first run.
  CALDERA_ASSIGN_OR_RETURN(size_t free_before, device_free_bytes());
  CALDERA_ASSIGN_OR_RETURN(nn::Session session, nn::Session::create(model, ctx));
  CALDERA_ASSIGN_OR_RETURN(nn::SessionMemory mem, session.prepare(in_shape));
  CALDERA_RETURN_IF_ERROR(session.run(src[0].cview(), dst[0].view()));
  CALDERA_RETURN_IF_ERROR(ctx.synchronize());
  CALDERA_ASSIGN_OR_RETURN(size_t free_after, device_free_bytes());

  CALDERA_ASSIGN_OR_RETURN(double us, env.time_us([&](int i) { return session.run(src[i].cview(), dst[i].view()); }));
  BenchRow row;
  row.group = "sr";
  row.op = name + " fp16 b1";
  row.size = size_name(w, h) + "->" + size_name(out_shape.w, out_shape.h);
  row.ours_us = us;
  row.bytes = static_cast<double>(tight_size_bytes({w, h, PixelFormat::RGBPlanarF16}) +
                                  tight_size_bytes({out_shape.w, out_shape.h, PixelFormat::RGBPlanarF16}));
  const double mib = 1.0 / (1 << 20);
  row.note = fmt::format(
      "{:.3f} ms/frame, {:.1f} fps; memory: weights {:.2f} MiB + planned {:.1f} MiB (naive {:.1f}, live max {:.1f}, "
      "conv ws {:.1f}) = {:.1f} MiB; cudaMemGetInfo delta {:.1f} MiB (the stream-ordered pool may reuse memory it already held)",
      us / 1000.0, 1e6 / us, mem.weights * mib, mem.planned * mib, mem.naive * mib, mem.live_max * mib,
      mem.workspace * mib, (mem.weights + mem.planned) * mib,
      (static_cast<double>(free_before) - static_cast<double>(free_after)) * mib);
  env.rows.push_back(row);
  return Status::ok();
}

}  // namespace

CALDERA_BENCH(sr_models) {
  if (!env.wants("sr", "realesr")) return Status::ok();
  CALDERA_RETURN_IF_ERROR(sr_row(env, "realesr-animevideov3-x4", 960, 540));
  CALDERA_RETURN_IF_ERROR(sr_row(env, "realesr-animevideov3-x2", 1920, 1080));
  return Status::ok();
}

}  // namespace caldera::bench
