// convert_cuda(): turns the two images into kernel parameters (plane pointers, code <-> value
// scales, matrix coefficients, filter taps) and launches a fast kernel where one fits the pair,
// else the generic kernel. Asynchronous on the caller's stream; no allocation, no synchronisation.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

#include "caldera/ops/color_convert.hpp"
#include "ops/color/cuda_kernels.hpp"

namespace caldera {
namespace color_cuda {
namespace {

// code = normalised * scale + offset (YUV luma and chroma of bit depth b; see docs/ops/color.md).
struct Codec {
  double y_scale, y_off, c_scale, c_off;
};

Codec codec(PixelFormat f, Range range) {
  const FormatInfo& fi = format_info(f);
  if (fi.family != ColorFamily::Yuv) {
    const double s = is_float(f) ? 1.0 : max_code(f);
    return {s, 0, s, 0};
  }
  const int b = fi.bit_depth;
  const double unit = std::ldexp(1.0, b - 8);
  if (range == Range::Limited) return {219 * unit, 16 * unit, 224 * unit, 128 * unit};
  const double max = std::ldexp(1.0, b) - 1;
  return {max, 0, max, std::ldexp(1.0, b - 1)};
}

struct MatrixCoefficients {
  double kr, kg, kb;
  double rcr, gcb, gcr, bcb;              // Y'CbCr -> RGB
  double ky[3], kcb[3], kcr[3];           // RGB -> Y'CbCr
};

MatrixCoefficients matrix_coefficients(Matrix m) {
  const auto l = luma_coefficients(m);
  MatrixCoefficients c{};
  c.kr = l.kr, c.kb = l.kb, c.kg = 1 - l.kr - l.kb;
  c.rcr = 2 * (1 - c.kr);
  c.bcb = 2 * (1 - c.kb);
  c.gcr = -c.kr * c.rcr / c.kg;
  c.gcb = -c.kb * c.bcb / c.kg;
  const double sb = 1 / (2 * (1 - c.kb)), sr = 1 / (2 * (1 - c.kr));
  const double ky[3] = {c.kr, c.kg, c.kb};
  for (int i = 0; i < 3; ++i) {
    c.ky[i] = ky[i];
    c.kcb[i] = ((i == 2 ? 1.0 : 0.0) - ky[i]) * sb;
    c.kcr[i] = ((i == 0 ? 1.0 : 0.0) - ky[i]) * sr;
  }
  return c;
}

DevPlane dev_plane(ConstImageView v, int i) {
  return {const_cast<uint8_t*>(v.plane(i).data), v.plane(i).pitch};
}

bool aligned16(ConstImageView v) {
  for (int p = 0; p < v.num_planes(); ++p)
    if (reinterpret_cast<uintptr_t>(v.plane(p).data) % 16 != 0 || v.plane(p).pitch % 16 != 0) return false;
  return true;
}

std::optional<Yuv420> yuv420_layout(PixelFormat f) {
  switch (f) {
    case PixelFormat::NV12:
    case PixelFormat::NV21: return Yuv420::NV8;
    case PixelFormat::I420: return Yuv420::P8;
    case PixelFormat::P010:
    case PixelFormat::P016: return Yuv420::NV16;
    case PixelFormat::YUV420P10: return Yuv420::P16;
    default: return std::nullopt;
  }
}

std::optional<RgbLayout> rgb_layout(PixelFormat f) {
  switch (f) {
    case PixelFormat::RGB24:
    case PixelFormat::BGR24: return RgbLayout::C3U8;
    case PixelFormat::RGBA:
    case PixelFormat::BGRA: return RgbLayout::C4U8;
    case PixelFormat::RGB48: return RgbLayout::C3U16;
    case PixelFormat::RGBPlanarF32: return RgbLayout::PF32;
    case PixelFormat::RGBPlanarF16: return RgbLayout::PF16;
    default: return std::nullopt;
  }
}

YuvPlanes yuv_planes(ConstImageView v) {
  const FormatInfo& fi = format_info(v.format());
  YuvPlanes p;
  p.y = dev_plane(v, 0);
  p.u = dev_plane(v, 1);
  p.v = fi.num_planes == 3 ? dev_plane(v, 2) : dev_plane(v, 1);
  p.u_ch = fi.num_planes == 2 ? fi.u_channel : 0;
  p.v_ch = fi.num_planes == 2 ? fi.v_channel : 0;
  p.shift = fi.msb_shift;
  return p;
}

bool bgr_order(PixelFormat f) { return format_info(f).r_index == 2; }
unsigned alpha_code(const ConvertParams& params) {
  return static_cast<unsigned>(std::floor(std::clamp(params.alpha, 0.0f, 1.0f) * 255.0 + 0.5));
}

// ---- the fast paths -----------------------------------------------------------------------------

Status try_fast(ConstImageView src, ImageView dst, const ConvertParams& params, StreamHandle stream, bool* launched) {
  *launched = false;
  const PixelFormat sf = src.format(), df = dst.format();
  const bool vec = aligned16(src) && aligned16(ConstImageView(dst));
  const bool linear = params.chroma == ChromaFilter::Linear;
  const auto sy = yuv420_layout(sf), dy = yuv420_layout(df);
  const auto sr = rgb_layout(sf), dr = rgb_layout(df);
  const int w = src.width(), h = src.height();

  if (sy && dr) {
    YuvToRgbParams p;
    p.in = yuv_planes(src);
    for (int i = 0; i < 3; ++i) p.out[i] = i < dst.num_planes() ? dev_plane(dst, i) : DevPlane{};
    p.width = w, p.height = h;
    p.cw = plane_width(sf, 1, w), p.ch = plane_height(sf, 1, h);
    p.vec = vec;
    p.linear = linear;
    const ChromaSiting s = src.color().siting;
    const float keep[3] = {0, 1, 0};
    const float half_right[3] = {0, 0.5f, 0.5f};
    const float quarter_left[3] = {0.25f, 0.75f, 0};
    const float quarter_right[3] = {0, 0.75f, 0.25f};
    auto set = [](float (&dst_taps)[3], const float (&taps)[3]) {
      for (int i = 0; i < 3; ++i) dst_taps[i] = taps[i];
    };
    if (!linear) {
      set(p.hw[0], keep), set(p.hw[1], keep), set(p.vw[0], keep), set(p.vw[1], keep);
    } else {
      // Chroma sample i at luma x = 2i (left, top-left) or 2i + 0.5 (center); row j at luma
      // y = 2j + 0.5 (left, center) or 2j (top-left).
      if (s == ChromaSiting::Center) set(p.hw[0], quarter_left), set(p.hw[1], quarter_right);
      else set(p.hw[0], keep), set(p.hw[1], half_right);
      if (s == ChromaSiting::TopLeft) set(p.vw[0], keep), set(p.vw[1], half_right);
      else set(p.vw[0], quarter_left), set(p.vw[1], quarter_right);
    }
    const Codec in = codec(sf, src.color().range);
    const double out_scale = is_float(df) ? 1.0 : max_code(df);
    p.ys = static_cast<float>(out_scale / in.y_scale);
    p.yo = static_cast<float>(-in.y_off * out_scale / in.y_scale);
    p.cs = static_cast<float>(out_scale / in.c_scale);
    p.co = static_cast<float>(-in.c_off * out_scale / in.c_scale);
    const MatrixCoefficients m = matrix_coefficients(src.color().matrix);
    p.rcr = static_cast<float>(m.rcr), p.gcb = static_cast<float>(m.gcb);
    p.gcr = static_cast<float>(m.gcr), p.bcb = static_cast<float>(m.bcb);
    p.out_max = static_cast<float>(out_scale);
    p.swap_rb = bgr_order(df);
    p.alpha_code = alpha_code(params);
    return launch_yuv420_to_rgb(p, *sy, *dr, stream, launched);
  }

  if (sr && dy) {
    const ChromaSiting s = dst.color().siting;
    if (linear && s == ChromaSiting::TopLeft) return Status::ok();  // [1 2 1] both ways: generic
    RgbToYuvParams p;
    for (int i = 0; i < 3; ++i) p.in[i] = i < src.num_planes() ? dev_plane(src, i) : DevPlane{};
    p.out = yuv_planes(dst);
    p.width = w, p.height = h;
    p.cw = plane_width(df, 1, w), p.ch = plane_height(df, 1, h);
    p.vec = vec;
    p.triangle = linear && s == ChromaSiting::Left;
    p.swap_rb = bgr_order(sf);
    const Codec out = codec(df, dst.color().range);
    const double in_scale = is_float(sf) ? 1.0 : max_code(sf);
    const MatrixCoefficients m = matrix_coefficients(dst.color().matrix);
    for (int i = 0; i < 3; ++i) {
      p.ky[i] = static_cast<float>(m.ky[i] * out.y_scale / in_scale);
      p.kcb[i] = static_cast<float>(m.kcb[i] * out.c_scale / in_scale);
      p.kcr[i] = static_cast<float>(m.kcr[i] * out.c_scale / in_scale);
    }
    p.yo = static_cast<float>(out.y_off);
    p.co = static_cast<float>(out.c_off);
    p.y_max = static_cast<float>(max_code(df));
    return launch_rgb_to_yuv420(p, *sr, *dy, stream, launched);
  }

  if (sr && dr) {
    RgbToRgbParams p;
    for (int i = 0; i < 3; ++i) {
      p.in[i] = i < src.num_planes() ? dev_plane(src, i) : DevPlane{};
      p.out[i] = i < dst.num_planes() ? dev_plane(dst, i) : DevPlane{};
    }
    p.width = w, p.height = h;
    p.vec = vec;
    p.swap_rb = bgr_order(sf) != bgr_order(df);
    const double in_scale = is_float(sf) ? 1.0 : max_code(sf);
    const double out_scale = is_float(df) ? 1.0 : max_code(df);
    p.scale = static_cast<float>(out_scale / in_scale);
    p.out_max = static_cast<float>(out_scale);
    p.copy_alpha = format_info(sf).a_index >= 0 && format_info(df).a_index >= 0;
    p.alpha_code = alpha_code(params);
    return launch_rgb_to_rgb(p, *sr, *dr, stream, launched);
  }

  if (sy && dy && src.color().matrix == dst.color().matrix) {
    RepackParams p;
    p.in = yuv_planes(src);
    p.out = yuv_planes(dst);
    p.width = w, p.height = h;
    p.cw = plane_width(df, 1, w), p.ch = plane_height(df, 1, h);
    p.vec = vec;
    const Codec in = codec(sf, src.color().range), out = codec(df, dst.color().range);
    p.ls = static_cast<float>(out.y_scale / in.y_scale);
    p.lo = static_cast<float>(out.y_off - in.y_off * out.y_scale / in.y_scale);
    p.cs = static_cast<float>(out.c_scale / in.c_scale);
    p.co = static_cast<float>(out.c_off - in.c_off * out.c_scale / in.c_scale);
    p.out_max = static_cast<float>(max_code(df));
    return launch_yuv420_repack(p, *sy, *dy, stream, launched);
  }
  return Status::ok();
}

// ---- the generic path -------------------------------------------------------------------------------

GenericFormat generic_format(ConstImageView v, bool is_source) {
  const PixelFormat f = v.format();
  const FormatInfo& fi = format_info(f);
  GenericFormat g;
  for (int i = 0; i < 3; ++i) g.plane[i] = i < fi.num_planes ? dev_plane(v, i) : DevPlane{};
  g.family = fi.family == ColorFamily::Gray ? kGray : fi.family == ColorFamily::Yuv ? kYuv : kRgb;
  g.sample = fi.sample == SampleType::U8 ? kU8 : fi.sample == SampleType::U16 ? kU16 : fi.sample == SampleType::F16 ? kF16 : kF32;
  g.shift = fi.msb_shift;
  g.max = static_cast<float>(is_float(f) ? 1 : max_code(f));
  g.channels0 = fi.planes[0].channels;
  g.rgb_planar = fi.family == ColorFamily::Rgb && fi.num_planes == 3;
  g.ri = fi.r_index, g.gi = fi.g_index, g.bi = fi.b_index, g.ai = fi.a_index;
  if (fi.family == ColorFamily::Yuv) {
    g.sub_x = fi.planes[1].sub_x, g.sub_y = fi.planes[1].sub_y;
    g.cw = plane_width(f, 1, v.width()), g.ch = plane_height(f, 1, v.height());
    const bool semi = fi.num_planes == 2;
    g.u_plane = 1, g.v_plane = semi ? 1 : 2;
    g.u_ch = semi ? fi.u_channel : 0, g.v_ch = semi ? fi.v_channel : 0;
    g.c_channels = semi ? 2 : 1;
  }
  const Codec c = codec(f, v.color().range);
  if (is_source) {  // normalised = code * scale + offset
    g.y_scale = static_cast<float>(1 / c.y_scale), g.y_off = static_cast<float>(-c.y_off / c.y_scale);
    g.c_scale = static_cast<float>(1 / c.c_scale), g.c_off = static_cast<float>(-c.c_off / c.c_scale);
  } else {  // code = normalised * scale + offset
    g.y_scale = static_cast<float>(c.y_scale), g.y_off = static_cast<float>(c.y_off);
    g.c_scale = static_cast<float>(c.c_scale), g.c_off = static_cast<float>(c.c_off);
  }
  g.siting = static_cast<int>(v.color().siting);
  return g;
}

Status run_generic(ConstImageView src, ImageView dst, const ConvertParams& params, StreamHandle stream) {
  GenericParams p;
  p.src = generic_format(src, true);
  p.dst = generic_format(dst, false);
  p.width = src.width(), p.height = src.height();
  p.linear = params.chroma == ChromaFilter::Linear;
  p.same_matrix = is_yuv(src.format()) && is_yuv(dst.format()) && src.color().matrix == dst.color().matrix;
  p.chroma_direct = p.same_matrix && p.src.sub_x == p.dst.sub_x && p.src.sub_y == p.dst.sub_y;
  const Codec in = codec(src.format(), src.color().range), out = codec(dst.format(), dst.color().range);
  p.direct_c_scale = static_cast<float>(out.c_scale / in.c_scale);
  p.direct_c_off = static_cast<float>(out.c_off - in.c_off * out.c_scale / in.c_scale);
  const MatrixCoefficients ms = matrix_coefficients(src.color().matrix);
  p.rcr = static_cast<float>(ms.rcr), p.gcb = static_cast<float>(ms.gcb);
  p.gcr = static_cast<float>(ms.gcr), p.bcb = static_cast<float>(ms.bcb);
  const MatrixCoefficients md = matrix_coefficients(dst.color().matrix);
  for (int i = 0; i < 3; ++i) {
    p.ky[i] = static_cast<float>(md.ky[i]);
    p.kcb[i] = static_cast<float>(md.kcb[i]);
    p.kcr[i] = static_cast<float>(md.kcr[i]);
  }
  p.alpha = std::clamp(params.alpha, 0.0f, 1.0f);
  return launch_generic(p, stream);
}

}  // namespace
}  // namespace color_cuda

Status convert_cuda(ConstImageView src, ImageView dst, const ConvertParams& params, Workspace ws, StreamHandle stream) {
  (void)ws;  // no scratch needed: every path is a single pass
  CALDERA_RETURN_IF_ERROR(check_convert(src.desc(), dst.desc(), params));
  if (!src.on_device() || !dst.on_device())
    return invalid_argument(std::string("convert_cuda: ") + (src.on_device() ? "dst" : "src") + " is in " +
                            memory_kind_name(src.on_device() ? dst.memory() : src.memory()) +
                            " memory; convert_cuda needs device images (use convert_reference or convert)");
  if (src.empty() || dst.empty())
    return invalid_argument(std::string("convert_cuda: ") + (src.empty() ? "src" : "dst") + " has no pixels");
  bool launched = false;
  CALDERA_RETURN_IF_ERROR(color_cuda::try_fast(src, dst, params, stream, &launched));
  if (launched) return Status::ok();
  return color_cuda::run_generic(src, dst, params, stream);
}

}  // namespace caldera
