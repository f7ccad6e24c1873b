// HDR and grading benchmarks: the fused P010 HDR10 -> NV12 SDR tone map at 4K (fixed curve, and a
// ToneMapper with peak detection, which is what a stream without metadata runs), its reverse, the
// generic pipeline kernel, transfer and gamut conversions, 3D LUTs (against NPP's trilinear LUT
// where the plugin is loaded) and the colour adjustment.
#include <cuda_runtime_api.h>

#include <cmath>
#include <string>
#include <vector>

#include "caldera/ops/adjust.hpp"
#include "caldera/ops/lut3d.hpp"
#include "caldera/ops/tonemap.hpp"
#include "core/cuda_check.hpp"
#include "core/sample_io.hpp"
#include "support/bench.hpp"

namespace caldera::bench {
namespace {

constexpr int kW = 3840, kH = 2160;

ColorDesc hdr10() {
  ColorDesc c;
  c.transfer = Transfer::PQ, c.primaries = Primaries::BT2020, c.matrix = Matrix::BT2020NCL;
  return c;
}

ColorDesc with(ColorDesc c, Transfer t, Primaries p) {
  c.transfer = t, c.primaries = p;
  return c;
}

Status add_row(BenchEnv& env, const std::string& group, const std::string& op, const ImageDesc& sd, const ImageDesc& dd,
               double us, const std::string& note = "") {
  BenchRow row;
  row.group = group;
  row.op = op;
  row.size = size_name(sd.width, sd.height);
  row.ours_us = us;
  row.bytes = static_cast<double>(tight_size_bytes(sd) + tight_size_bytes(dd));
  row.note = note;
  env.rows.push_back(std::move(row));
  return Status::ok();
}

// A smooth HDR10 frame (a level ramp with highlights to 4000 cd/m2 and slowly varying colour), the
// content a graded stream has, next to the random rows (every pixel unrelated to its neighbours).
Result<ImageSet> natural_hdr10(int count, Context& ctx) {
  CALDERA_ASSIGN_OR_RETURN(Image host, Image::create({kW, kH, PixelFormat::P010, hdr10()}, MemoryKind::PinnedHost));
  for (int y = 0; y < kH; ++y)
    for (int x = 0; x < kW; ++x) write_code(host.view(), 0, x, y, 0, 64 + 876 * (0.1 + 0.8 * x / kW) * (0.7 + 0.3 * y / kH));
  for (int y = 0; y < kH / 2; ++y)
    for (int x = 0; x < kW / 2; ++x) {
      write_code(host.view(), 1, x, y, 0, 512 + 120 * std::sin(x * 0.004));
      write_code(host.view(), 1, x, y, 1, 512 + 100 * std::cos(y * 0.006));
    }
  ImageSet set;
  for (int i = 0; i < count; ++i) {
    CALDERA_ASSIGN_OR_RETURN(Image dev, Image::create(host.desc(), MemoryKind::Device, &ctx));
    CALDERA_RETURN_IF_ERROR(copy_image(host.view(), dev.view(), ctx));
    set.images.push_back(std::move(dev));
  }
  CALDERA_RETURN_IF_ERROR(ctx.synchronize());
  return set;
}

Status tonemap_case(BenchEnv& env, const std::string& op, const ImageDesc& sd, const ImageDesc& dd, ToneMapParams p,
                    bool natural) {
  if (!env.wants("tonemap", op)) return Status::ok();
  Context& ctx = *env.ctx;
  const int n = rotation_count(tight_size_bytes(sd) + tight_size_bytes(dd));
  ImageSet src;
  if (natural) {
    CALDERA_ASSIGN_OR_RETURN(src, natural_hdr10(n, ctx));
  } else {
    CALDERA_ASSIGN_OR_RETURN(src, random_device_images(sd, n, 3, ctx));
  }
  CALDERA_ASSIGN_OR_RETURN(ImageSet dst, device_images(dd, n, ctx));
  CALDERA_ASSIGN_OR_RETURN(ToneMapper tm, ToneMapper::create(p));
  CALDERA_ASSIGN_OR_RETURN(double us, env.time_us([&](int i) { return tm.run(src[i].cview(), dst[i].view(), ctx); }));
  std::string note = natural ? "smooth graded content" : "random pixels";
  if (p.peak_detection.enabled) {
    CALDERA_ASSIGN_OR_RETURN(ToneMapStats s, tm.stats(ctx));
    note += "; peak measured in the same pass (previous frame's curve), last frame peak " +
            std::to_string(static_cast<int>(s.frame_peak_nits)) + " cd/m2";
  }
  return add_row(env, "tonemap", op, sd, dd, us, note);
}

CALDERA_BENCH(hdr_tonemap) {
  const ImageDesc p010{kW, kH, PixelFormat::P010, hdr10()};
  const ImageDesc nv12{kW, kH, PixelFormat::NV12, ColorDesc{}};
  ToneMapParams fixed;
  fixed.source_peak = 4000;
  ToneMapParams detect = fixed;
  detect.peak_detection.enabled = true;
  CALDERA_RETURN_IF_ERROR(tonemap_case(env, "p010 hdr10->nv12 bt2390 fused, peak detection", p010, nv12, detect, false));
  CALDERA_RETURN_IF_ERROR(tonemap_case(env, "p010 hdr10->nv12 bt2390 fused, peak detection", p010, nv12, detect, true));
  CALDERA_RETURN_IF_ERROR(tonemap_case(env, "p010 hdr10->nv12 bt2390 fused, fixed peak", p010, nv12, fixed, false));
  ToneMapParams hable = detect;
  hable.curve = ToneCurve::Hable;
  hable.signal = ToneSignal::Luminance;
  CALDERA_RETURN_IF_ERROR(tonemap_case(env, "p010 hdr10->nv12 hable luminance fused, peak detection", p010, nv12, hable, false));
  // The generic kernel on the same frame (what other format pairs run).
  CALDERA_RETURN_IF_ERROR(tonemap_case(env, "p010 hdr10->rgb24 bt2390 generic kernel", p010,
                                       {kW, kH, PixelFormat::RGB24, ColorDesc{}}, fixed, false));
  if (env.wants("tonemap", "nv12 sdr->p010 hdr10 bt2446a fused")) {
    Context& ctx = *env.ctx;
    const ImageDesc out{kW, kH, PixelFormat::P010, inverse_tonemapped_color(hdr10())};
    const int n = rotation_count(tight_size_bytes(nv12) + tight_size_bytes(out));
    CALDERA_ASSIGN_OR_RETURN(ImageSet src, random_device_images(nv12, n, 4, ctx));
    CALDERA_ASSIGN_OR_RETURN(ImageSet dst, device_images(out, n, ctx));
    CALDERA_ASSIGN_OR_RETURN(double us, env.time_us([&](int i) {
      return inverse_tonemap_cuda(src[i].cview(), dst[i].view(), InverseToneMapParams{}, ctx.workspace(), ctx.stream());
    }));
    CALDERA_RETURN_IF_ERROR(add_row(env, "tonemap", "nv12 sdr->p010 hdr10 bt2446a fused", nv12, out, us, "random pixels"));
  }
  return Status::ok();
}

CALDERA_BENCH(hdr_transfer_gamut) {
  Context& ctx = *env.ctx;
  struct Case {
    const char* group;
    const char* op;
    ImageDesc s, d;
  };
  const ColorDesc pq = hdr10();
  const Case cases[] = {
      {"transfer", "p010 pq->hlg", {kW, kH, PixelFormat::P010, pq}, {kW, kH, PixelFormat::P010, with(pq, Transfer::HLG, Primaries::BT2020)}},
      {"transfer", "rgbf32p pq->linear", {kW, kH, PixelFormat::RGBPlanarF32, pq},
       {kW, kH, PixelFormat::RGBPlanarF32, with(pq, Transfer::Linear, Primaries::BT2020)}},
      {"gamut", "p010 bt2020->bt709 compress (pq)", {kW, kH, PixelFormat::P010, pq},
       {kW, kH, PixelFormat::P010, with(pq, Transfer::PQ, Primaries::BT709)}},
      {"gamut", "rgb48 bt2020->p3 compress (pq)", {kW, kH, PixelFormat::RGB48, pq},
       {kW, kH, PixelFormat::RGB48, with(pq, Transfer::PQ, Primaries::DisplayP3)}},
  };
  for (const Case& c : cases) {
    if (!env.wants(c.group, c.op)) continue;
    const int n = rotation_count(tight_size_bytes(c.s) + tight_size_bytes(c.d));
    CALDERA_ASSIGN_OR_RETURN(ImageSet src, random_device_images(c.s, n, 5, ctx));
    CALDERA_ASSIGN_OR_RETURN(ImageSet dst, device_images(c.d, n, ctx));
    const bool is_transfer = std::string(c.group) == "transfer";
    CALDERA_ASSIGN_OR_RETURN(double us, env.time_us([&](int i) {
      return is_transfer ? transfer_cuda(src[i].cview(), dst[i].view(), TransferParams{}, ctx.workspace(), ctx.stream())
                         : gamut_cuda(src[i].cview(), dst[i].view(), GamutParams{}, TransferParams{}, ctx.workspace(),
                                      ctx.stream());
    }));
    CALDERA_RETURN_IF_ERROR(add_row(env, c.group, c.op, c.s, c.d, us, "generic pipeline kernel"));
  }
  return Status::ok();
}

// A grade for the LUT rows: smooth and non-linear (a LUT of random values would only measure cache misses).
void grade(const double in[3], double out[3]) {
  out[0] = std::pow(in[0], 0.9) * 0.95 + 0.03;
  out[1] = in[1] * (1.1 - 0.1 * in[1]);
  out[2] = 0.9 * in[2] + 0.05 * in[0];
}

Status lut_case(BenchEnv& env, PixelFormat f, int size, Lut3dInterp interp) {
  const std::string op = std::string(format_name(f)) + " " + std::to_string(size) + "^3 " + lut3d_interp_name(interp);
  if (!env.wants("lut3d", op)) return Status::ok();
  Context& ctx = *env.ctx;
  CALDERA_ASSIGN_OR_RETURN(Lut3d lut, Lut3d::from_function(size, grade));
  CALDERA_RETURN_IF_ERROR(lut.upload(ctx));
  const ImageDesc d{kW, kH, f};
  const int n = rotation_count(2 * tight_size_bytes(d));
  CALDERA_ASSIGN_OR_RETURN(ImageSet src, random_device_images(d, n, 6, ctx));
  CALDERA_ASSIGN_OR_RETURN(ImageSet dst, device_images(d, n, ctx));
  Lut3dParams p;
  p.interp = interp;
  CALDERA_ASSIGN_OR_RETURN(double us, env.time_us([&](int i) {
    return lut3d_cuda(src[i].cview(), dst[i].view(), lut, p, ctx.workspace(), ctx.stream());
  }));
  BenchRow row;
  row.group = "lut3d";
  row.op = op;
  row.size = size_name(kW, kH);
  row.ours_us = us;
  row.bytes = static_cast<double>(2 * tight_size_bytes(d));
  // NPP's trilinear LUT takes 4-channel 8-bit pixels with 8-bit table values and integer levels.
  if (env.npp && env.npp->lut_trilinear_8u_ac4 && f == PixelFormat::RGBA && interp == Lut3dInterp::Trilinear) {
    std::vector<unsigned> values(static_cast<size_t>(size) * size * size);
    for (int b = 0; b < size; ++b)
      for (int g = 0; g < size; ++g)
        for (int r = 0; r < size; ++r) {
          const auto e = lut.entry(r, g, b);
          auto code = [](float v) { return static_cast<unsigned>(std::lround(std::fmin(std::fmax(v, 0.0f), 1.0f) * 255)); };
          values[static_cast<size_t>(r) + static_cast<size_t>(size) * (g + static_cast<size_t>(size) * b)] =
              code(e[0]) | code(e[1]) << 8 | code(e[2]) << 16;
        }
    CALDERA_ASSIGN_OR_RETURN(DeviceBuffer dvalues, DeviceBuffer::allocate(values.size() * 4, ctx.stream()));
    CALDERA_CUDA_TRY(cudaMemcpyAsync(dvalues.data(), values.data(), values.size() * 4, cudaMemcpyHostToDevice, ctx.stream()));
    CALDERA_RETURN_IF_ERROR(ctx.synchronize());
    std::vector<CalderaU8> levels(static_cast<size_t>(size));
    for (int i = 0; i < size; ++i) levels[i] = static_cast<CalderaU8>(std::lround(255.0 * i / (size - 1)));
    CalderaU8* level_values[3] = {levels.data(), levels.data(), levels.data()};
    int counts[3] = {size, size, size};
    CALDERA_ASSIGN_OR_RETURN(ImageSet peer_dst, device_images(d, n, ctx));
    auto npp_call = [&](int i) -> Status {
      const int r = env.npp->lut_trilinear_8u_ac4(src[i].cview().plane(0).data, static_cast<int>(src[i].cview().plane(0).pitch),
                                                  peer_dst[i].view().plane(0).data,
                                                  static_cast<int>(peer_dst[i].view().plane(0).pitch), kW, kH,
                                                  static_cast<unsigned*>(dvalues.data()), level_values, counts, ctx.stream());
      return r == 0 ? Status::ok() : internal_error("NPP LUT_Trilinear returned " + std::to_string(r));
    };
    auto peer = env.time_us(npp_call);
    if (peer) {
      row.peer_us = *peer;
      row.peer = "nppiLUT_Trilinear_8u_AC4R_Ctx";
      CALDERA_RETURN_IF_ERROR(lut3d_cuda(src[0].cview(), dst[0].view(), lut, p, ctx.workspace(), ctx.stream()));
      // NPP's AC4 leaves the destination's alpha as it was (here the 0x5a fill), ours copies the
      // source's: NPP's destination starts as a copy of the source, so that the difference
      // measured is the colour's, not the alpha's.
      CALDERA_RETURN_IF_ERROR(copy_image(src[0].cview(), peer_dst[0].view(), ctx));
      CALDERA_RETURN_IF_ERROR(npp_call(0));
      auto diff = max_abs_diff(dst[0].cview(), peer_dst[0].cview(), ctx);
      if (diff) row.note = "max |ours - npp| = " + std::to_string(static_cast<int>(std::lround(*diff))) +
                           " (NPP: 8-bit table, integer levels)";
    } else {
      row.note = "npp: " + peer.status().message();
    }
  }
  env.rows.push_back(std::move(row));
  return Status::ok();
}

CALDERA_BENCH(hdr_lut3d) {
  CALDERA_RETURN_IF_ERROR(lut_case(env, PixelFormat::RGB24, 33, Lut3dInterp::Tetrahedral));
  CALDERA_RETURN_IF_ERROR(lut_case(env, PixelFormat::RGB24, 33, Lut3dInterp::Trilinear));
  CALDERA_RETURN_IF_ERROR(lut_case(env, PixelFormat::RGB24, 65, Lut3dInterp::Tetrahedral));
  CALDERA_RETURN_IF_ERROR(lut_case(env, PixelFormat::RGBA, 33, Lut3dInterp::Trilinear));
  CALDERA_RETURN_IF_ERROR(lut_case(env, PixelFormat::RGBA, 17, Lut3dInterp::Trilinear));
  CALDERA_RETURN_IF_ERROR(lut_case(env, PixelFormat::P010, 33, Lut3dInterp::Tetrahedral));
  return Status::ok();
}

CALDERA_BENCH(hdr_adjust) {
  Context& ctx = *env.ctx;
  AdjustParams a;
  a.brightness = 0.02, a.contrast = 1.1, a.saturation = 1.2, a.hue = 5, a.gamma = 1.1;
  for (PixelFormat f : {PixelFormat::NV12, PixelFormat::P010, PixelFormat::RGB24}) {
    const std::string op = std::string(format_name(f)) + " brightness contrast saturation hue gamma";
    if (!env.wants("adjust", op)) continue;
    const ImageDesc d{kW, kH, f};
    const int n = rotation_count(2 * tight_size_bytes(d));
    CALDERA_ASSIGN_OR_RETURN(ImageSet src, random_device_images(d, n, 7, ctx));
    CALDERA_ASSIGN_OR_RETURN(ImageSet dst, device_images(d, n, ctx));
    CALDERA_ASSIGN_OR_RETURN(double us, env.time_us([&](int i) {
      return adjust_cuda(src[i].cview(), dst[i].view(), a, ctx.workspace(), ctx.stream());
    }));
    CALDERA_RETURN_IF_ERROR(add_row(env, "adjust", op, d, d, us));
  }
  return Status::ok();
}

}  // namespace
}  // namespace caldera::bench
