// The fused model-input/-output paths against the same work done as separate operators (the
// "peer" column here is Caldera's own unfused chain, run in the same process on the same data).
#include <fmt/core.h>

#include "caldera/ops/color_convert.hpp"
#include "caldera/ops/model_io.hpp"
#include "caldera/ops/resize.hpp"
#include "support/bench.hpp"

namespace caldera::bench {
namespace {

Status input_row(BenchEnv& env, int sw, int sh, int dw, int dh, PixelFormat tensor) {
  Context& ctx = *env.ctx;
  const ImageDesc src_desc{sw, sh, PixelFormat::NV12};
  const int n = rotation_count(tight_size_bytes(src_desc));
  CALDERA_ASSIGN_OR_RETURN(ImageSet src, random_device_images(src_desc, n, 21, ctx));
  CALDERA_ASSIGN_OR_RETURN(ImageSet out, device_images({dw, dh, tensor}, 2, ctx));
  ModelInputParams p;
  p.norm = Normalization{{0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}};
  CALDERA_ASSIGN_OR_RETURN(double fused, env.time_us([&](int i) {
    return model_input_cuda(src[i].view(), out[i].view(), p, ctx.stream());
  }));
  // Unfused: NV12 -> RGB24 at full size, resize, RGB24 -> planar float (no normalisation even).
  CALDERA_ASSIGN_OR_RETURN(ImageSet rgb, device_images({sw, sh, PixelFormat::RGB24}, 1, ctx));
  CALDERA_ASSIGN_OR_RETURN(ImageSet small, device_images({dw, dh, PixelFormat::RGB24}, 1, ctx));
  ResizeParams rp;
  rp.antialias = false;
  const bool same = sw == dw && sh == dh;
  CALDERA_ASSIGN_OR_RETURN(double unfused, env.time_us([&](int i) -> Status {
    CALDERA_RETURN_IF_ERROR(convert_cuda(src[i].view(), rgb[0].view(), ConvertParams{}, ctx.workspace(), ctx.stream()));
    ConstImageView cur = rgb[0].view();
    if (!same) {
      CALDERA_RETURN_IF_ERROR(resize_cuda(rgb[0].view(), small[0].view(), rp, ctx.workspace(), ctx.stream()));
      cur = small[0].view();
    }
    return convert_cuda(cur, out[i].view(), ConvertParams{}, ctx.workspace(), ctx.stream());
  }));
  BenchRow row;
  row.group = "model_io";
  row.op = fmt::format("input nv12->{} bilinear", format_name(tensor));
  row.size = size_name(sw, sh) + "->" + size_name(dw, dh);
  row.ours_us = fused;
  // Fewest bytes: the source read once (bilinear at these ratios touches every line pair) and the tensor written.
  row.bytes = static_cast<double>(tight_size_bytes(src_desc) + tight_size_bytes({dw, dh, tensor}));
  row.peer_us = unfused;
  row.peer = same ? "caldera convert+convert" : "caldera convert+resize+convert";
  row.note = fmt::format("fused {:.2f}x faster", unfused / fused);
  if (sw >= 4 * dw) row.note += "; bilinear at 4x reads only half the source rows, so GB/s overstates";
  env.rows.push_back(row);
  return Status::ok();
}

Status output_row(BenchEnv& env, int w, int h, PixelFormat tensor) {
  Context& ctx = *env.ctx;
  const ImageDesc src_desc{w, h, tensor};
  const int n = rotation_count(tight_size_bytes(src_desc));
  CALDERA_ASSIGN_OR_RETURN(ImageSet src, random_device_images(src_desc, n, 22, ctx));
  CALDERA_ASSIGN_OR_RETURN(ImageSet out, device_images({w, h, PixelFormat::NV12}, 2, ctx));
  CALDERA_ASSIGN_OR_RETURN(double fused, env.time_us([&](int i) {
    return model_output_cuda(src[i].view(), out[i].view(), ModelOutputParams{}, ctx.stream());
  }));
  CALDERA_ASSIGN_OR_RETURN(ImageSet rgb, device_images({w, h, PixelFormat::RGB24}, 1, ctx));
  CALDERA_ASSIGN_OR_RETURN(double unfused, env.time_us([&](int i) -> Status {
    CALDERA_RETURN_IF_ERROR(convert_cuda(src[i].view(), rgb[0].view(), ConvertParams{}, ctx.workspace(), ctx.stream()));
    return convert_cuda(rgb[0].view(), out[i].view(), ConvertParams{}, ctx.workspace(), ctx.stream());
  }));
  BenchRow row;
  row.group = "model_io";
  row.op = fmt::format("output {}->nv12", format_name(tensor));
  row.size = size_name(w, h);
  row.ours_us = fused;
  row.bytes = static_cast<double>(tight_size_bytes(src_desc) + tight_size_bytes({w, h, PixelFormat::NV12}));
  row.peer_us = unfused;
  row.peer = "caldera convert+convert";
  row.note = fmt::format("fused {:.2f}x faster", unfused / fused);
  env.rows.push_back(row);
  return Status::ok();
}

}  // namespace

CALDERA_BENCH(model_io_paths) {
  if (!env.wants("model_io", "model_io")) return Status::ok();
  CALDERA_RETURN_IF_ERROR(input_row(env, 3840, 2160, 1920, 1080, PixelFormat::RGBPlanarF32));
  CALDERA_RETURN_IF_ERROR(input_row(env, 3840, 2160, 960, 540, PixelFormat::RGBPlanarF16));
  CALDERA_RETURN_IF_ERROR(input_row(env, 1920, 1080, 1920, 1080, PixelFormat::RGBPlanarF16));
  CALDERA_RETURN_IF_ERROR(output_row(env, 3840, 2160, PixelFormat::RGBPlanarF16));
  CALDERA_RETURN_IF_ERROR(output_row(env, 1920, 1080, PixelFormat::RGBPlanarF32));
  return Status::ok();
}

}  // namespace caldera::bench
