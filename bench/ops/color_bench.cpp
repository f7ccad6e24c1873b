// Color conversion benchmarks: the hot pairs at 1080p and 4K, ours against NPP where NPP has the
// operation, on the same inputs in the same run.
#include <cuda_runtime_api.h>

#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "support/bench.hpp"
#include "caldera/ops/color_convert.hpp"

namespace caldera::bench {
namespace {

struct HotPair {
  PixelFormat src, dst;
  ChromaFilter chroma;
  Matrix matrix;
};

constexpr HotPair kPairs[] = {
    {PixelFormat::NV12, PixelFormat::RGB24, ChromaFilter::Nearest, Matrix::BT709},
    {PixelFormat::NV12, PixelFormat::RGB24, ChromaFilter::Linear, Matrix::BT709},
    {PixelFormat::NV12, PixelFormat::BGR24, ChromaFilter::Nearest, Matrix::BT709},
    {PixelFormat::NV12, PixelFormat::RGB24, ChromaFilter::Nearest, Matrix::BT601},
    {PixelFormat::NV12, PixelFormat::RGBA, ChromaFilter::Linear, Matrix::BT709},
    {PixelFormat::NV12, PixelFormat::BGRA, ChromaFilter::Nearest, Matrix::BT709},
    {PixelFormat::NV12, PixelFormat::BGRA, ChromaFilter::Linear, Matrix::BT709},
    {PixelFormat::I420, PixelFormat::RGB24, ChromaFilter::Nearest, Matrix::BT601},
    {PixelFormat::I420, PixelFormat::RGB24, ChromaFilter::Linear, Matrix::BT709},
    {PixelFormat::RGB24, PixelFormat::NV12, ChromaFilter::Linear, Matrix::BT709},
    {PixelFormat::BGR24, PixelFormat::NV12, ChromaFilter::Linear, Matrix::BT709},
    {PixelFormat::RGBA, PixelFormat::NV12, ChromaFilter::Linear, Matrix::BT709},
    {PixelFormat::RGBA, PixelFormat::I420, ChromaFilter::Linear, Matrix::BT709},
    {PixelFormat::RGB24, PixelFormat::I420, ChromaFilter::Nearest, Matrix::BT601},
    {PixelFormat::RGB24, PixelFormat::I420, ChromaFilter::Linear, Matrix::BT709},
    {PixelFormat::P010, PixelFormat::RGB48, ChromaFilter::Linear, Matrix::BT2020NCL},
    {PixelFormat::P010, PixelFormat::RGBPlanarF16, ChromaFilter::Linear, Matrix::BT2020NCL},
    {PixelFormat::P010, PixelFormat::RGBPlanarF32, ChromaFilter::Linear, Matrix::BT2020NCL},
    {PixelFormat::NV12, PixelFormat::RGBPlanarF32, ChromaFilter::Linear, Matrix::BT709},
    {PixelFormat::NV12, PixelFormat::RGBPlanarF16, ChromaFilter::Linear, Matrix::BT709},
    {PixelFormat::RGB24, PixelFormat::RGBPlanarF32, ChromaFilter::Linear, Matrix::BT709},
    {PixelFormat::RGB24, PixelFormat::RGBPlanarF16, ChromaFilter::Linear, Matrix::BT709},
    {PixelFormat::RGB24, PixelFormat::BGR24, ChromaFilter::Linear, Matrix::BT709},
    {PixelFormat::BGR24, PixelFormat::RGB24, ChromaFilter::Linear, Matrix::BT709},
    {PixelFormat::RGB24, PixelFormat::RGBA, ChromaFilter::Linear, Matrix::BT709},
    {PixelFormat::NV12, PixelFormat::I420, ChromaFilter::Linear, Matrix::BT709},
    {PixelFormat::I420, PixelFormat::NV12, ChromaFilter::Linear, Matrix::BT709},
    {PixelFormat::P010, PixelFormat::YUV420P10, ChromaFilter::Linear, Matrix::BT2020NCL},
    {PixelFormat::YUV420P10, PixelFormat::P010, ChromaFilter::Linear, Matrix::BT2020NCL},
};

std::string op_name(const HotPair& p) {
  std::string s = std::string(format_name(p.src)) + "->" + format_name(p.dst);
  if (is_yuv(p.src) || is_yuv(p.dst)) s += std::string(" ") + matrix_name(p.matrix);
  if (is_yuv(p.src) && !is_yuv(p.dst)) s += p.chroma == ChromaFilter::Linear ? " linear" : " nearest";
  return s;
}

const uint8_t* cdata(const Image& img, int plane) { return img.view().plane(plane).data; }
uint8_t* data(Image& img, int plane) { return img.view().plane(plane).data; }
int step(const Image& img, int plane) { return static_cast<int>(img.view().plane(plane).pitch); }

// Runs NPP's version of the pair on input i into `out`, or reports that NPP has none. `what`
// names the NPP function for the row; `range` notes which of our ranges NPP is compared with.
struct NppCall {
  std::string what;
  std::function<int(int, Image&)> run;  // (input index, output image) -> NPP status
};

std::optional<NppCall> npp_call(const CalderaNppPeer& npp, const HotPair& p, ImageSet& in, Image& scratch, StreamHandle s) {
  using F = PixelFormat;
  if (p.src == F::NV12 && (p.dst == F::RGB24 || p.dst == F::BGR24) && p.matrix == Matrix::BT709 && npp.nv12_to_rgb709) {
    const int bgr = p.dst == F::BGR24;
    return NppCall{bgr ? "nppiNV12ToBGR_709HDTV_8u_P2C3R_Ctx" : "nppiNV12ToRGB_709HDTV_8u_P2C3R_Ctx",
                   [&npp, &in, bgr, s](int i, Image& out) {
                     const Image& src = in[i];
                     return npp.nv12_to_rgb709(cdata(src, 0), cdata(src, 1), step(src, 0), data(out, 0), step(out, 0),
                                               src.width(), src.height(), bgr, s);
                   }};
  }
  if (p.src == F::NV12 && p.dst == F::RGB24 && p.matrix == Matrix::BT601 && npp.nv12_to_rgb601)
    return NppCall{"nppiNV12ToRGB_8u_P2C3R_Ctx", [&npp, &in, s](int i, Image& out) {
                     const Image& src = in[i];
                     return npp.nv12_to_rgb601(cdata(src, 0), cdata(src, 1), step(src, 0), data(out, 0), step(out, 0),
                                               src.width(), src.height(), s);
                   }};
  if (p.src == F::I420 && p.dst == F::RGB24 && p.matrix == Matrix::BT601 && npp.i420_to_rgb)
    return NppCall{"nppiYUV420ToRGB_8u_P3C3R_Ctx", [&npp, &in, s](int i, Image& out) {
                     const Image& src = in[i];
                     return npp.i420_to_rgb(cdata(src, 0), step(src, 0), cdata(src, 1), step(src, 1), cdata(src, 2),
                                            step(src, 2), data(out, 0), step(out, 0), src.width(), src.height(), s);
                   }};
  if (p.src == F::RGB24 && p.dst == F::I420 && p.matrix == Matrix::BT601 && npp.rgb_to_i420)
    return NppCall{"nppiRGBToYUV420_8u_C3P3R_Ctx", [&npp, &in, s](int i, Image& out) {
                     const Image& src = in[i];
                     return npp.rgb_to_i420(cdata(src, 0), step(src, 0), data(out, 0), step(out, 0), data(out, 1),
                                            step(out, 1), data(out, 2), step(out, 2), src.width(), src.height(), s);
                   }};
  if (p.src == F::RGB24 && p.dst == F::BGR24 && npp.swap_channels_c3)
    return NppCall{"nppiSwapChannels_8u_C3R_Ctx", [&npp, &in, s](int i, Image& out) {
                     static const int order[3] = {2, 1, 0};
                     const Image& src = in[i];
                     return npp.swap_channels_c3(cdata(src, 0), step(src, 0), data(out, 0), step(out, 0), src.width(),
                                                 src.height(), order, s);
                   }};
  if (p.src == F::RGB24 && p.dst == F::RGBA && npp.rgb_to_rgba)
    return NppCall{"nppiSwapChannels_8u_C3C4R_Ctx", [&npp, &in, s](int i, Image& out) {
                     const Image& src = in[i];
                     return npp.rgb_to_rgba(cdata(src, 0), step(src, 0), data(out, 0), step(out, 0), src.width(),
                                            src.height(), s);
                   }};
  if (p.src == F::RGB24 && p.dst == F::RGBPlanarF32 && npp.rgb_to_planar_f32 && !scratch.empty())
    return NppCall{"nppiConvert_8u32f_C3R + MulC + Copy_32f_C3P3R", [&npp, &in, &scratch, s](int i, Image& out) {
                     const Image& src = in[i];
                     float* planes[3];
                     for (int c = 0; c < 3; ++c) planes[c] = reinterpret_cast<float*>(data(out, c));
                     return npp.rgb_to_planar_f32(cdata(src, 0), step(src, 0), planes, step(out, 0),
                                                  reinterpret_cast<float*>(data(scratch, 0)), src.width(), src.height(), s);
                   }};
  return std::nullopt;
}

std::string diff_note(double d) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4g", d);
  return buf;
}

Status bench_pair(BenchEnv& env, const HotPair& pair, int w, int h) {
  Context& ctx = *env.ctx;
  ColorDesc color;
  color.matrix = pair.matrix;
  const ImageDesc sd{w, h, pair.src, color}, dd{w, h, pair.dst, color};
  const size_t bytes = tight_size_bytes(sd) + tight_size_bytes(dd);
  const int count = rotation_count(bytes);
  CALDERA_ASSIGN_OR_RETURN(ImageSet in, random_device_images(sd, count, 11, ctx));
  CALDERA_ASSIGN_OR_RETURN(ImageSet out, device_images(dd, count, ctx));
  ConvertParams params;
  params.chroma = pair.chroma;
  BenchRow row;
  row.group = "color";
  row.op = op_name(pair);
  row.size = size_name(w, h);
  row.bytes = static_cast<double>(bytes);
  CALDERA_ASSIGN_OR_RETURN(row.ours_us, env.time_us([&](int i) {
    return convert_cuda(in[i].view(), out[i].view(), params, ctx.workspace(), ctx.stream());
  }));

  if (env.npp) {
    Image scratch;  // NPP's float path converts into an interleaved scratch image first
    if (pair.dst == PixelFormat::RGBPlanarF32) {
      CALDERA_ASSIGN_OR_RETURN(scratch, Image::create({w * 3, h, PixelFormat::RGBPlanarF32}, MemoryKind::Device, &ctx));
    }
    auto call = npp_call(*env.npp, pair, in, scratch, ctx.stream());
    if (call) {
      CALDERA_ASSIGN_OR_RETURN(ImageSet npp_out, device_images(dd, count, ctx));
      CALDERA_ASSIGN_OR_RETURN(row.peer_us, env.time_us([&](int i) -> Status {
        const int rc = call->run(i, npp_out[i]);
        if (rc < 0) return unavailable("NPP returned " + std::to_string(rc) + " from " + call->what);
        return Status::ok();
      }));
      row.peer = call->what;
      // Compare on input 0: our output for the pair's description against NPP's.
      CALDERA_RETURN_IF_ERROR(convert_cuda(in[0].view(), out[0].view(), params, ctx.workspace(), ctx.stream()));
      CALDERA_RETURN_IF_ERROR(ctx.synchronize());
      CALDERA_ASSIGN_OR_RETURN(double d, max_abs_diff(out[0].view(), npp_out[0].view(), ctx));
      row.note = "max |ours - npp| " + diff_note(d);
      if (pair.src == PixelFormat::NV12 && pair.matrix == Matrix::BT709) {
        // Which range does NPP's 709HDTV assume? Compare with our full-range decode too.
        CALDERA_ASSIGN_OR_RETURN(Image full, Image::create(dd, MemoryKind::Device, &ctx));
        ImageView src_full = in[0].view();
        ColorDesc full_color = color;
        full_color.range = Range::Full;
        src_full.set_color(full_color);
        CALDERA_RETURN_IF_ERROR(convert_cuda(src_full, full.view(), params, ctx.workspace(), ctx.stream()));
        CALDERA_RETURN_IF_ERROR(ctx.synchronize());
        CALDERA_ASSIGN_OR_RETURN(double df, max_abs_diff(full.view(), npp_out[0].view(), ctx));
        row.note = "max |ours - npp| limited " + diff_note(d) + ", full " + diff_note(df) + (pair.chroma == ChromaFilter::Linear ? " (ours interpolates chroma, NPP replicates it)" : "");
      }
    }
  }
  env.rows.push_back(row);
  return Status::ok();
}

}  // namespace

CALDERA_BENCH(color_conversions) {
  for (auto [w, h] : {std::pair{1920, 1080}, std::pair{3840, 2160}})
    for (const HotPair& pair : kPairs) {
      if (!env.wants("color", op_name(pair))) continue;
      CALDERA_RETURN_IF_ERROR(bench_pair(env, pair, w, h).with_context("color " + op_name(pair) + " " + size_name(w, h)));
    }
  return Status::ok();
}

}  // namespace caldera::bench
