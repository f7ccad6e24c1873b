// Super-resolution models through the CUDA fp16 runtime: per model and batch, frames/s (CUDA
// events around back-to-back calls, median of three groups), and device memory (the session's
// weights + its one planned arena, and the cudaMemGetInfo drop over creating and preparing it).
// Dense NCHW fp16 device tensors in and out (what model_input / model_output exchange, batched).
//
//   realesr-animevideov3-x4, realesrgan-x4plus-anime, realesrgan-x4plus   960x540 -> 3840x2160
//   realesr-animevideov3-x2                                              1920x1080 -> 3840x2160
//   realesr-animevideov3-x3                                              1280x720  -> 3840x2160
// each at batch 1 and 4. A model not in the model directory (CALDERA_MODEL_DIR) is skipped with
// a note on stderr; CALDERA_SR_MODELS (space-separated names) narrows the list. PyTorch's numbers
// for the same networks come from scripts/device/torch_srvgg.py in the same device run
// (scripts/device/run_sr.sh).
#include <cuda_runtime_api.h>
#include <fmt/core.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <sstream>

#include "caldera/half.hpp"
#include "caldera/memory.hpp"
#include "caldera/nn/model.hpp"
#include "core/cuda_check.hpp"
#include "support/bench.hpp"

namespace caldera::bench {
namespace {

struct SrCase {
  const char* model;
  int w, h;
};

constexpr SrCase kCases[] = {
    {"realesr-animevideov3-x4", 960, 540}, {"realesr-animevideov3-x2", 1920, 1080}, {"realesr-animevideov3-x3", 1280, 720},
    {"realesrgan-x4plus-anime", 960, 540}, {"realesrgan-x4plus", 960, 540},
};

Result<size_t> device_free_bytes() {
  size_t free_b = 0, total_b = 0;
  CALDERA_CUDA_TRY(cudaMemGetInfo(&free_b, &total_b));
  return free_b;
}

bool selected(const std::string& name) {
  const char* list = std::getenv("CALDERA_SR_MODELS");
  if (!list || !*list) return true;
  std::istringstream in(list);
  for (std::string item; in >> item;)
    if (item == name) return true;
  return false;
}

// Median microseconds per call: `calls` back to back between two events, three times. `calls`
// is chosen from one timed call so a row takes about `budget_ms` (at least 3 calls a group).
Result<double> time_calls(Context& ctx, const std::function<Status(int)>& fn, double budget_ms) {
  CALDERA_ASSIGN_OR_RETURN(Event start, Event::create(true));
  CALDERA_ASSIGN_OR_RETURN(Event stop, Event::create(true));
  CALDERA_RETURN_IF_ERROR(start.record(ctx.stream()));
  CALDERA_RETURN_IF_ERROR(fn(0));
  CALDERA_RETURN_IF_ERROR(stop.record(ctx.stream()));
  CALDERA_RETURN_IF_ERROR(stop.synchronize());
  CALDERA_ASSIGN_OR_RETURN(float one_ms, Event::elapsed_ms(start, stop));
  const int calls = std::clamp(static_cast<int>(budget_ms / 3.0 / std::max(one_ms, 1e-3f)), 3, 100);
  std::vector<float> per_call;
  int call = 1;
  for (int group = 0; group < 3; ++group) {
    CALDERA_RETURN_IF_ERROR(start.record(ctx.stream()));
    for (int k = 0; k < calls; ++k) CALDERA_RETURN_IF_ERROR(fn(call++));
    CALDERA_RETURN_IF_ERROR(stop.record(ctx.stream()));
    CALDERA_RETURN_IF_ERROR(stop.synchronize());
    CALDERA_ASSIGN_OR_RETURN(float ms, Event::elapsed_ms(start, stop));
    per_call.push_back(ms / static_cast<float>(calls));
  }
  std::sort(per_call.begin(), per_call.end());
  return static_cast<double>(per_call[1]) * 1000.0;
}

Status sr_row(BenchEnv& env, const SrCase& c, int batch) {
  Context& ctx = *env.ctx;
  const std::string name = c.model;
  CALDERA_ASSIGN_OR_RETURN(nn::Model model, nn::Model::load(name));
  const nn::TensorShape in_shape{batch, 3, c.h, c.w};
  CALDERA_ASSIGN_OR_RETURN(nn::TensorShape out_shape, model.output_shape(in_shape));
  const size_t in_bytes = in_shape.count() * 2, out_bytes = out_shape.count() * 2;

  CALDERA_ASSIGN_OR_RETURN(size_t free_before, device_free_bytes());
  // Two inputs in rotation (an input frame is never still in L2 from the previous call).
  std::vector<DeviceBuffer> inputs;
  std::mt19937 rng(31);
  std::uniform_real_distribution<float> dist(0.f, 1.f);
  std::vector<uint16_t> host(in_shape.count());
  for (int k = 0; k < 2; ++k) {
    for (uint16_t& v : host) v = float_to_half(dist(rng));
    CALDERA_ASSIGN_OR_RETURN(DeviceBuffer b, DeviceBuffer::allocate(in_bytes, ctx.stream()));
    CALDERA_CUDA_TRY(cudaMemcpyAsync(b.data(), host.data(), in_bytes, cudaMemcpyHostToDevice, ctx.stream()));
    inputs.push_back(std::move(b));
  }
  CALDERA_ASSIGN_OR_RETURN(DeviceBuffer output, DeviceBuffer::allocate(out_bytes, ctx.stream()));
  CALDERA_ASSIGN_OR_RETURN(nn::Session session, nn::Session::create(model, ctx));
  CALDERA_ASSIGN_OR_RETURN(nn::SessionMemory mem, session.prepare(in_shape));
  const auto run = [&](int i) {
    return session.run(nn::DeviceTensor{inputs[static_cast<size_t>(i % 2)].data(), true, in_shape},
                       nn::DeviceTensor{output.data(), true, out_shape});
  };
  CALDERA_RETURN_IF_ERROR(run(0));
  CALDERA_RETURN_IF_ERROR(ctx.synchronize());
  CALDERA_ASSIGN_OR_RETURN(size_t free_after, device_free_bytes());

  CALDERA_ASSIGN_OR_RETURN(double us_per_call, time_calls(ctx, run, 3000.0));
  const double us = us_per_call / batch;  // per frame
  BenchRow row;
  row.group = "sr";
  row.op = name + " fp16 b" + std::to_string(batch);
  row.size = size_name(c.w, c.h) + "->" + size_name(out_shape.w, out_shape.h);
  row.ours_us = us;
  row.bytes = static_cast<double>(in_bytes + out_bytes) / batch;
  const double mib = 1.0 / (1 << 20);
  row.note = fmt::format(
      "{:.3f} ms/frame, {:.2f} frames/s (batch {}: {:.3f} ms/call); device memory: weights {:.2f} MiB + planned arena "
      "{:.1f} MiB = {:.1f} MiB (naive {:.1f}, live max {:.1f}, conv ws {:.1f}) + I/O {:.1f} MiB; cudaMemGetInfo drop "
      "{:.1f} MiB (the stream-ordered pool may reuse memory it already held)",
      us / 1000.0, 1e6 / us, batch, us_per_call / 1000.0, mem.weights * mib, mem.planned * mib,
      (mem.weights + mem.planned) * mib, mem.naive * mib, mem.live_max * mib, mem.workspace * mib,
      (2.0 * in_bytes + out_bytes) * mib, (static_cast<double>(free_before) - static_cast<double>(free_after)) * mib);
  env.rows.push_back(row);
  fmt::print(stderr, "sr bench: {} b{} {}: {:.3f} ms/frame, {:.2f} frames/s, arena {:.1f} MiB\n", name, batch, row.size,
             us / 1000.0, 1e6 / us, mem.planned * mib);
  return Status::ok();
}

}  // namespace

CALDERA_BENCH(sr_models) {
  if (!env.wants("sr", "realesr")) return Status::ok();
  for (const SrCase& c : kCases) {
    if (!selected(c.model)) continue;
    const std::string param = nn::Model::model_dir() + "/" + c.model + ".param";
    if (!std::filesystem::exists(param)) {
      fmt::print(stderr, "sr bench: {} is not in {}; rows skipped\n", c.model, nn::Model::model_dir());
      continue;
    }
    for (int batch : {1, 4}) {
      Status s = sr_row(env, c, batch);
      // One model that cannot run (out of memory at batch 4, say) must not hide the others.
      if (!s) fmt::print(stderr, "sr bench: {} batch {}: {}\n", c.model, batch, s.to_string());
    }
  }
  return Status::ok();
}

}  // namespace caldera::bench
