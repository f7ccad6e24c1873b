// Edge detection benchmarks at 3840x2160 gray8: Canny (random data and a photograph scaled to 4K)
// against NPP's nppiFilterCannyBorder, Sobel against nppiFilterSobelVertBorder, and our other
// derivative outputs. Inputs and helpers: bench/support/filter_inputs.hpp.
#include <string>

#include "caldera/ops/canny.hpp"
#include "caldera/ops/gradient.hpp"
#include "support/filter_inputs.hpp"
#include "support/bench.hpp"

namespace caldera::bench {
namespace {

constexpr int kW = 3840, kH = 2160;

Status canny_row(BenchEnv& env, const ImageSet& src, const std::string& input, const CannyParams& p, bool npp_like) {
  const std::string op = "canny " + input + " " + (p.l2_gradient ? "L2" : "L1") + " aperture " + std::to_string(p.aperture) +
                         " " + std::to_string(static_cast<int>(p.low)) + "/" + std::to_string(static_cast<int>(p.high)) +
                         (p.blur_sigma > 0 ? " + blur sigma " + std::to_string(p.blur_sigma).substr(0, 3) : "");
  if (!env.wants("edges", op)) return Status::ok();
  Context& ctx = *env.ctx;
  const ImageDesc d{kW, kH, PixelFormat::Gray8};
  const int n = static_cast<int>(src.images.size());
  CALDERA_ASSIGN_OR_RETURN(ImageSet dst, device_images(d, n, ctx));
  CALDERA_ASSIGN_OR_RETURN(double ours, env.time_us([&](int i) {
    return canny_cuda(src[i].cview(), dst[i].view(), p, ctx.workspace(), ctx.stream());
  }));
  BenchRow row;
  row.group = "edges";
  row.op = op;
  row.size = size_name(kW, kH);
  row.ours_us = ours;
  row.bytes = 2.0 * tight_size_bytes(d);
  if (npp_like && env.npp && env.npp->canny_8u && env.npp->canny_buffer_size) {
    const int scratch_bytes = env.npp->canny_buffer_size(kW, kH);
    if (scratch_bytes < 0) {
      row.note = "npp: nppiFilterCannyBorderGetBufferSize returned " + std::to_string(scratch_bytes);
    } else {
      CALDERA_ASSIGN_OR_RETURN(DeviceBuffer scratch, DeviceBuffer::allocate(static_cast<size_t>(scratch_bytes) + 1, ctx.stream()));
      CALDERA_ASSIGN_OR_RETURN(ImageSet peer_dst, device_images(d, n, ctx));
      auto npp_call = [&](int i) -> Status {
        const int r = env.npp->canny_8u(src[i].cview().plane(0).data, static_cast<int>(src[i].cview().plane(0).pitch),
                                        peer_dst[i].view().plane(0).data, static_cast<int>(peer_dst[i].view().plane(0).pitch),
                                        kW, kH, p.aperture, static_cast<int>(p.low), static_cast<int>(p.high), p.l2_gradient,
                                        static_cast<CalderaU8*>(scratch.data()), ctx.stream());
        return r == 0 ? Status::ok() : internal_error("NPP Canny returned " + std::to_string(r));
      };
      auto peer = env.time_us(npp_call);
      if (peer) {
        row.peer_us = *peer;
        row.peer = std::string("nppiFilterCannyBorder_8u_C1R_Ctx Sobel ") + std::to_string(p.aperture) + "x" +
                   std::to_string(p.aperture) + (p.l2_gradient ? " L2" : " L1");
        CALDERA_RETURN_IF_ERROR(canny_cuda(src[0].cview(), dst[0].view(), p, ctx.workspace(), ctx.stream()));
        CALDERA_RETURN_IF_ERROR(npp_call(0));
        auto diff = count_differing(dst[0].cview(), peer_dst[0].cview(), ctx);
        if (diff) row.note = std::to_string(*diff) + " of " + std::to_string(kW * kH) + " pixels differ from NPP";
      } else {
        row.note = "npp: " + peer.status().message();
      }
    }
  }
  // The reference is the truth: say whether image 0's GPU edges are exactly the CPU's.
  auto exact = matches_reference_gray(src[0].cview(), dst[0].cview(), ctx, [&](ConstImageView s, ImageView o) {
    return canny_reference(s, o, p);
  });
  if (exact) row.note += std::string(row.note.empty() ? "" : "; ") + (*exact == 0 ? "= CPU reference" : std::to_string(*exact) + " pixels differ from the CPU reference");
  env.rows.push_back(std::move(row));
  return Status::ok();
}

Status sobel_row(BenchEnv& env, const ImageSet& src, const std::string& what, const SobelParams& p, PixelFormat out,
                 bool npp_vert) {
  const std::string op = "sobel " + what;
  if (!env.wants("edges", op)) return Status::ok();
  Context& ctx = *env.ctx;
  const int n = static_cast<int>(src.images.size());
  const ImageDesc d{kW, kH, out};
  CALDERA_ASSIGN_OR_RETURN(ImageSet dst, device_images(d, n, ctx));
  CALDERA_ASSIGN_OR_RETURN(double ours, env.time_us([&](int i) { return sobel_cuda(src[i].cview(), dst[i].view(), p, ctx.stream()); }));
  BenchRow row;
  row.group = "edges";
  row.op = op;
  row.size = size_name(kW, kH);
  row.ours_us = ours;
  row.bytes = static_cast<double>(tight_size_bytes({kW, kH, PixelFormat::Gray8}) + tight_size_bytes(d));
  if (npp_vert && env.npp && env.npp->sobel_vert_8u) {
    CALDERA_ASSIGN_OR_RETURN(ImageSet peer_dst, device_images(d, n, ctx));
    auto npp_call = [&](int i) -> Status {
      const int r = env.npp->sobel_vert_8u(src[i].cview().plane(0).data, static_cast<int>(src[i].cview().plane(0).pitch),
                                           peer_dst[i].view().plane(0).data, static_cast<int>(peer_dst[i].view().plane(0).pitch),
                                           kW, kH, ctx.stream());
      return r == 0 ? Status::ok() : internal_error("NPP Sobel returned " + std::to_string(r));
    };
    auto peer = env.time_us(npp_call);
    if (peer) {
      row.peer_us = *peer;
      row.peer = "nppiFilterSobelVertBorder_8u_C1R_Ctx";
      CALDERA_RETURN_IF_ERROR(sobel_cuda(src[0].cview(), dst[0].view(), p, ctx.stream()));
      CALDERA_RETURN_IF_ERROR(npp_call(0));
      auto diff = count_differing(dst[0].cview(), peer_dst[0].cview(), ctx);
      if (diff) row.note = std::to_string(*diff) + " pixels differ from NPP (its sign convention may be -dx)";
    } else {
      row.note = "npp: " + peer.status().message();
    }
  }
  env.rows.push_back(std::move(row));
  return Status::ok();
}

}  // namespace

CALDERA_BENCH(edges_canny) {
  if (!env.wants("edges", "canny")) return Status::ok();
  const ImageDesc d{kW, kH, PixelFormat::Gray8};
  const int n = rotation_count(2 * tight_size_bytes(d));
  CALDERA_ASSIGN_OR_RETURN(ImageSet random, random_device_images(d, n, 11, *env.ctx));
  CannyParams p;
  p.low = 50;
  p.high = 150;
  CALDERA_RETURN_IF_ERROR(canny_row(env, random, "random", p, true));
  auto photo = photo_4k_gray_set(n, *env.ctx);
  if (!photo) {
    env.rows.push_back({"edges", "canny photo", size_name(kW, kH), NAN, 0, NAN, "", "skipped: " + photo.status().message()});
    return Status::ok();
  }
  CALDERA_RETURN_IF_ERROR(canny_row(env, *photo, "photo", p, true));
  p.l2_gradient = true;
  CALDERA_RETURN_IF_ERROR(canny_row(env, *photo, "photo", p, true));
  p.l2_gradient = false;
  p.aperture = 5;
  p.low = 200;
  p.high = 600;
  CALDERA_RETURN_IF_ERROR(canny_row(env, *photo, "photo", p, true));
  p.aperture = 3;
  p.low = 30;
  p.high = 90;
  p.blur_sigma = 1.4;
  return canny_row(env, *photo, "photo", p, false);
}

CALDERA_BENCH(edges_sobel) {
  if (!env.wants("edges", "sobel")) return Status::ok();
  const ImageDesc d{kW, kH, PixelFormat::Gray8};
  const int n = rotation_count(3 * tight_size_bytes(d));
  CALDERA_ASSIGN_OR_RETURN(ImageSet src, random_device_images(d, n, 12, *env.ctx));
  SobelParams dx;
  dx.border = FilterBorder::Replicate;
  dx.absolute = false;
  CALDERA_RETURN_IF_ERROR(sobel_row(env, src, "dx 3x3 saturated gray8", dx, PixelFormat::Gray8, true));
  dx.absolute = true;
  CALDERA_RETURN_IF_ERROR(sobel_row(env, src, "|dx| 3x3 gray8", dx, PixelFormat::Gray8, false));
  SobelParams mag = dx;
  mag.output = GradientOutput::Magnitude;
  CALDERA_RETURN_IF_ERROR(sobel_row(env, src, "magnitude L2 3x3 gray8", mag, PixelFormat::Gray8, false));
  mag.ksize = 5;
  CALDERA_RETURN_IF_ERROR(sobel_row(env, src, "magnitude L2 5x5 gray8", mag, PixelFormat::Gray8, false));
  SobelParams wide = dx;
  wide.absolute = false;
  wide.delta = 32768;
  return sobel_row(env, src, "dx 3x3 signed gray16", wide, PixelFormat::Gray16, false);
}

}  // namespace caldera::bench
