// Resize benchmarks: RGB24 4K <-> 1080p in every mode, NV12 and gray8 4K -> 1080p, against NPP's
// nppiResize where the peer plugin is loaded.
#include <cmath>
#include <string>

#include "support/bench.hpp"
#include "caldera/ops/resize.hpp"

namespace caldera::bench {
namespace {

int npp_interp(Interp i) {
  switch (i) {
    case Interp::Nearest: return CALDERA_PEER_NEAREST;
    case Interp::Bilinear: return CALDERA_PEER_LINEAR;
    case Interp::Bicubic: return CALDERA_PEER_CUBIC;
    case Interp::Area: return CALDERA_PEER_SUPER;
    case Interp::Lanczos3: return CALDERA_PEER_LANCZOS;
  }
  return CALDERA_PEER_LINEAR;
}

struct Case {
  PixelFormat format;
  int sw, sh, dw, dh;
  Interp interp;
  bool antialias;
};

Status run_case(BenchEnv& env, const Case& c) {
  ResizeParams p;
  p.interp = c.interp;
  p.antialias = c.antialias;
  // NPP does not antialias, so the rows against it run ours without it (lanczos also with it,
  // noted); nearest and area do not depend on the flag.
  std::string op = std::string(format_name(c.format)) + " " + interp_name(c.interp);
  if (c.interp == Interp::Bilinear || c.interp == Interp::Bicubic || c.interp == Interp::Lanczos3)
    op += c.antialias ? " aa" : " no-aa";
  if (!env.wants("resize", op)) return Status::ok();
  Context& ctx = *env.ctx;
  const ImageDesc sd{c.sw, c.sh, c.format}, dd{c.dw, c.dh, c.format};
  const size_t bytes = tight_size_bytes(sd) + tight_size_bytes(dd);
  const int n = rotation_count(bytes);
  CALDERA_ASSIGN_OR_RETURN(ImageSet src, random_device_images(sd, n, 1, ctx));
  CALDERA_ASSIGN_OR_RETURN(ImageSet dst, device_images(dd, n, ctx));
  CALDERA_ASSIGN_OR_RETURN(double ours, env.time_us([&](int i) {
    return resize_cuda(src[i].cview(), dst[i].view(), p, ctx.workspace(), ctx.stream());
  }));
  BenchRow row;
  row.group = "resize";
  row.op = op;
  row.size = size_name(c.sw, c.sh) + "->" + size_name(c.dw, c.dh);
  row.ours_us = ours;
  row.bytes = static_cast<double>(bytes);
  const int channels = format_info(c.format).planes[0].channels;
  if (env.npp && env.npp->resize_8u && format_info(c.format).num_planes == 1 && (channels == 1 || channels == 3)) {
    CALDERA_ASSIGN_OR_RETURN(ImageSet peer_dst, device_images(dd, n, ctx));
    auto npp_call = [&](int i) -> Status {
      const int r = env.npp->resize_8u(src[i].cview().plane(0).data, static_cast<int>(src[i].cview().plane(0).pitch),
                                       c.sw, c.sh, peer_dst[i].view().plane(0).data,
                                       static_cast<int>(peer_dst[i].view().plane(0).pitch), c.dw, c.dh, channels,
                                       npp_interp(c.interp), ctx.stream());
      return r == 0 ? Status::ok() : internal_error("NPP resize returned " + std::to_string(r));
    };
    auto peer = env.time_us(npp_call);
    if (peer) {
      row.peer_us = *peer;
      row.peer = std::string(channels == 3 ? "nppiResize_8u_C3R_Ctx" : "nppiResize_8u_C1R_Ctx") + " " +
                 (c.interp == Interp::Area ? "SUPER (area)" : interp_name(c.interp));
      // Compare the same input: run both once more on image 0.
      CALDERA_RETURN_IF_ERROR(resize_cuda(src[0].cview(), dst[0].view(), p, ctx.workspace(), ctx.stream()));
      CALDERA_RETURN_IF_ERROR(npp_call(0));
      auto diff = max_abs_diff(dst[0].cview(), peer_dst[0].cview(), ctx);
      if (diff) row.note = "max |ours - npp| = " + std::to_string(static_cast<int>(std::lround(*diff)));
    } else {
      row.note = "npp: " + peer.status().message();
    }
  } else if (c.format == PixelFormat::NV12) {
    row.note = "no NPP peer (NPP has no 2-channel resize for the UV plane)";
  }
  if (c.interp == Interp::Lanczos3 && env.npp)
    row.note += (row.note.empty() ? "" : "; ") +
                std::string(c.antialias && c.sw > c.dw ? "ours antialiased (NPP's is not)" : "like for like (no antialias)");
  env.rows.push_back(std::move(row));
  return Status::ok();
}

}  // namespace

CALDERA_BENCH(resize_modes) {
  for (Interp i : {Interp::Nearest, Interp::Bilinear, Interp::Bicubic, Interp::Area, Interp::Lanczos3}) {
    // Against NPP: no antialias (NPP has none); lanczos 4K->1080p also with it.
    const bool aa = i == Interp::Area;
    CALDERA_RETURN_IF_ERROR(run_case(env, {PixelFormat::RGB24, 3840, 2160, 1920, 1080, i, aa}));
    if (i == Interp::Lanczos3) CALDERA_RETURN_IF_ERROR(run_case(env, {PixelFormat::RGB24, 3840, 2160, 1920, 1080, i, true}));
    CALDERA_RETURN_IF_ERROR(run_case(env, {PixelFormat::RGB24, 1920, 1080, 3840, 2160, i, aa}));
  }
  // Our antialiased downscales (no peer equivalent).
  CALDERA_RETURN_IF_ERROR(run_case(env, {PixelFormat::RGB24, 3840, 2160, 1920, 1080, Interp::Bilinear, true}));
  CALDERA_RETURN_IF_ERROR(run_case(env, {PixelFormat::RGB24, 3840, 2160, 1920, 1080, Interp::Bicubic, true}));
  CALDERA_RETURN_IF_ERROR(run_case(env, {PixelFormat::NV12, 3840, 2160, 1920, 1080, Interp::Bilinear, false}));
  CALDERA_RETURN_IF_ERROR(run_case(env, {PixelFormat::Gray8, 3840, 2160, 1920, 1080, Interp::Bilinear, false}));
  return Status::ok();
}

}  // namespace caldera::bench
