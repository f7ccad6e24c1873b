// Neighbourhood filter benchmarks at 3840x2160: Gaussian (gray8, RGB24, NV12, float) against
// NPP's nppiFilterGaussBorder with its fixed masks, box against nppiFilterBoxBorder, unsharp,
// median, bilateral against nppiFilterBilateralGaussBorder, Laplacian. NPP's borders replicate,
// so the rows against it run ours with the replicate border too.
#include <cuda_runtime_api.h>

#include <cmath>
#include <functional>
#include <string>

#include "caldera/ops/bilateral.hpp"
#include "caldera/ops/blur.hpp"
#include "caldera/ops/gradient.hpp"
#include "caldera/ops/median.hpp"
#include "core/cuda_check.hpp"
#include "support/bench.hpp"
#include "support/filter_inputs.hpp"
#include "support/plain_copy.hpp"

namespace caldera::bench {
namespace {

constexpr int kW = 3840, kH = 2160;

using Run = std::function<Status(ConstImageView, ImageView)>;
// NPP on (src, dst) of image i, or null when the row has no peer.
using PeerRun = std::function<int(ConstImageView, ImageView)>;

Status row(BenchEnv& env, PixelFormat f, const std::string& op, const Run& ours, const std::string& peer_name,
           const PeerRun& peer, const std::string& note = "") {
  if (!env.wants("filter", op)) return Status::ok();
  Context& ctx = *env.ctx;
  const ImageDesc d{kW, kH, f};
  const int n = rotation_count(2 * tight_size_bytes(d));
  CALDERA_ASSIGN_OR_RETURN(ImageSet src, random_device_images(d, n, 21, ctx));
  CALDERA_ASSIGN_OR_RETURN(ImageSet dst, device_images(d, n, ctx));
  CALDERA_ASSIGN_OR_RETURN(double us, env.time_us([&](int i) { return ours(src[i].cview(), dst[i].view()); }));
  BenchRow r;
  r.group = "filter";
  r.op = op;
  r.size = size_name(kW, kH);
  r.ours_us = us;
  r.bytes = 2.0 * tight_size_bytes(d);
  r.note = note;
  if (peer && env.npp) {
    CALDERA_ASSIGN_OR_RETURN(ImageSet peer_dst, device_images(d, n, ctx));
    auto call = [&](int i) -> Status {
      const int s = peer(src[i].cview(), peer_dst[i].view());
      return s == 0 ? Status::ok() : internal_error(peer_name + " returned " + std::to_string(s));
    };
    auto t = env.time_us(call);
    if (t) {
      r.peer_us = *t;
      r.peer = peer_name;
      CALDERA_RETURN_IF_ERROR(ours(src[0].cview(), dst[0].view()));
      CALDERA_RETURN_IF_ERROR(call(0));
      auto diff = max_abs_diff(dst[0].cview(), peer_dst[0].cview(), ctx);
      if (diff) r.note += std::string(r.note.empty() ? "" : "; ") + "max |ours - npp| = " + std::to_string(static_cast<int>(*diff));
    } else {
      r.note += std::string(r.note.empty() ? "" : "; ") + "npp: " + t.status().message();
    }
  }
  env.rows.push_back(std::move(r));
  return Status::ok();
}

int step(ConstImageView v) { return static_cast<int>(v.plane(0).pitch); }

PeerRun npp_gauss(const BenchEnv& env, int channels, int mask) {
  if (!env.npp || !env.npp->gauss_8u) return nullptr;
  const CalderaNppPeer* npp = env.npp;
  StreamHandle s = env.ctx->stream();
  return [=](ConstImageView a, ImageView b) {
    return npp->gauss_8u(a.plane(0).data, step(a), b.plane(0).data, step(b), kW, kH, channels, mask, s);
  };
}

GaussianParams gauss(int k, double sigma, FilterBorder b = FilterBorder::Replicate) {
  GaussianParams p;
  p.ksize_x = k;
  p.sigma_x = sigma;
  p.border = b;
  return p;
}

}  // namespace

CALDERA_BENCH(filters_gaussian) {
  Context& ctx = *env.ctx;
  // No filter beats a plain copy of the same bytes timed the same way: these two rows say what
  // fraction of the (1 GiB) copy bandwidth a 4K gray8 frame's read + write reaches at all.
  CALDERA_RETURN_IF_ERROR(row(env, PixelFormat::Gray8, "copy gray8 (cudaMemcpy2DAsync)",
                              [&ctx](ConstImageView a, ImageView b) {
                                const auto& sp = a.plane(0);
                                const auto& dp = b.plane(0);
                                return cuda_status(cudaMemcpy2DAsync(dp.data, dp.pitch, sp.data, sp.pitch, kW, kH,
                                                                     cudaMemcpyDeviceToDevice, ctx.stream()),
                                                   "cudaMemcpy2DAsync");
                              },
                              "", nullptr));
  CALDERA_RETURN_IF_ERROR(row(env, PixelFormat::Gray8, "copy gray8 (a plain copy kernel, 16 bytes per thread)",
                              [&ctx](ConstImageView a, ImageView b) {
                                return plain_copy_cuda(a.plane(0).data, a.plane(0).pitch, b.plane(0).data,
                                                       b.plane(0).pitch, kW, kH, ctx.stream());
                              },
                              "", nullptr));
  auto g = [&](const GaussianParams& p) -> Run {
    return [&ctx, p](ConstImageView a, ImageView b) { return gaussian_blur_cuda(a, b, p, ctx.stream()); };
  };
  const std::string fixed = "ours binomial, NPP its own fixed weights";
  CALDERA_RETURN_IF_ERROR(row(env, PixelFormat::Gray8, "gaussian gray8 3x3", g(gauss(3, 0)), "nppiFilterGaussBorder_8u_C1R_Ctx 3x3",
                              npp_gauss(env, 1, 3), fixed));
  CALDERA_RETURN_IF_ERROR(row(env, PixelFormat::Gray8, "gaussian gray8 5x5", g(gauss(5, 0)), "nppiFilterGaussBorder_8u_C1R_Ctx 5x5",
                              npp_gauss(env, 1, 5), fixed));
  CALDERA_RETURN_IF_ERROR(row(env, PixelFormat::Gray8, "gaussian gray8 sigma 1 (7 taps)", g(gauss(0, 1.0)),
                              "nppiFilterGaussBorder_8u_C1R_Ctx 7x7", npp_gauss(env, 1, 7), "NPP's own 7x7 weights"));
  CALDERA_RETURN_IF_ERROR(row(env, PixelFormat::Gray8, "gaussian gray8 sigma 3 (19 taps, generic kernel)", g(gauss(0, 3.0)), "", nullptr));
  CALDERA_RETURN_IF_ERROR(row(env, PixelFormat::RGB24, "gaussian rgb24 5x5", g(gauss(5, 0)), "nppiFilterGaussBorder_8u_C3R_Ctx 5x5",
                              npp_gauss(env, 3, 5), fixed));
  CALDERA_RETURN_IF_ERROR(row(env, PixelFormat::NV12, "gaussian nv12 sigma 1 (planes)", g(gauss(0, 1.0)), "", nullptr));
  return row(env, PixelFormat::RGBPlanarF32, "gaussian rgbf32p sigma 1.5", g(gauss(0, 1.5)), "", nullptr);
}

CALDERA_BENCH(filters_other) {
  Context& ctx = *env.ctx;
  const CalderaNppPeer* npp = env.npp;
  StreamHandle s = ctx.stream();
  BoxParams box;
  box.ksize_x = 5;
  box.border = FilterBorder::Replicate;
  CALDERA_RETURN_IF_ERROR(row(env, PixelFormat::Gray8, "box gray8 5x5",
                              [&](ConstImageView a, ImageView b) { return box_blur_cuda(a, b, box, s); },
                              "nppiFilterBoxBorder_8u_C1R_Ctx 5x5",
                              npp && npp->box_8u ? PeerRun([=](ConstImageView a, ImageView b) {
                                return npp->box_8u(a.plane(0).data, step(a), b.plane(0).data, step(b), kW, kH, 5, 5, s);
                              })
                                                 : nullptr));
  UnsharpParams u;
  u.sigma = 1.0;
  u.amount = 1.0;
  CALDERA_RETURN_IF_ERROR(row(env, PixelFormat::Gray8, "unsharp gray8 sigma 1",
                              [&](ConstImageView a, ImageView b) { return unsharp_mask_cuda(a, b, u, s); }, "", nullptr));
  for (int k : {3, 5}) {
    MedianParams m;
    m.ksize = k;
    CALDERA_RETURN_IF_ERROR(row(env, PixelFormat::Gray8, "median gray8 " + std::to_string(k) + "x" + std::to_string(k),
                                [&, m](ConstImageView a, ImageView b) { return median_cuda(a, b, m, s); }, "", nullptr,
                                "no NPP peer (nppiFilterMedian has no border control)"));
  }
  BilateralParams bl;
  bl.diameter = 5;
  bl.sigma_color = 25;
  bl.sigma_space = 3;
  bl.border = FilterBorder::Replicate;
  CALDERA_RETURN_IF_ERROR(row(env, PixelFormat::Gray8, "bilateral gray8 d 5",
                              [&](ConstImageView a, ImageView b) { return bilateral_cuda(a, b, bl, s); },
                              "nppiFilterBilateralGaussBorder_8u_C1R_Ctx radius 2",
                              npp && npp->bilateral_8u ? PeerRun([=](ConstImageView a, ImageView b) {
                                return npp->bilateral_8u(a.plane(0).data, step(a), b.plane(0).data, step(b), kW, kH, 2,
                                                         25.0f * 25.0f, 3.0f * 3.0f, s);
                              })
                                                       : nullptr,
                              "ours a circular window (OpenCV's), NPP a square one"));
  CALDERA_RETURN_IF_ERROR(row(env, PixelFormat::RGB24, "bilateral rgb24 d 5",
                              [&](ConstImageView a, ImageView b) { return bilateral_cuda(a, b, bl, s); }, "", nullptr));
  LaplacianParams lp;
  lp.ksize = 3;
  return row(env, PixelFormat::Gray8, "laplacian gray8 3x3",
             [&](ConstImageView a, ImageView b) { return laplacian_cuda(a, b, lp, s); }, "", nullptr);
}

}  // namespace caldera::bench
