// The CPU reference of convert(): plain loops in double precision, written to be read. It is the
// truth the CUDA kernels are tested against and the fallback for host images. docs/ops/color.md
// states the semantics implemented here.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "caldera/half.hpp"
#include "caldera/ops/color_convert.hpp"
#include "core/sample_io.hpp"

namespace caldera {
namespace {

// ---- reading and writing one sample --------------------------------------------------------------

// The code value of a sample (P010's word >> 6), or the value of a float sample.
double read_sample(ConstImageView v, int plane, int x, int y, int channel) { return read_code(v, plane, x, y, channel); }

// Writes `value` (a code value before rounding, or a float value): integer formats round half up
// and clamp to their code range; float formats store the value as it is.
void write_sample(ImageView v, int plane, int x, int y, int channel, double value) {
  write_code(v, plane, x, y, channel, value);
}

// ---- code values <-> normalised values ---------------------------------------------------------

// YUV luma and chroma of bit depth b: limited range puts black at 16 * 2^(b-8) with 219 * 2^(b-8)
// steps to white and chroma at 128 * 2^(b-8) +- 112 * 2^(b-8); full range uses every code.
struct YuvCodec {
  double y_scale, y_offset;  // code = Y' * y_scale + y_offset
  double c_scale, c_offset;  // code = C * c_scale + c_offset
};

YuvCodec yuv_codec(int bits, Range range) {
  const double unit = std::ldexp(1.0, bits - 8);
  if (range == Range::Limited) return {219 * unit, 16 * unit, 224 * unit, 128 * unit};
  const double max = std::ldexp(1.0, bits) - 1;
  return {max, 0, max, std::ldexp(1.0, bits - 1)};
}

// RGB and gray: integer codes span [0, 1]; float formats hold the value itself.
double rgb_scale(PixelFormat f) { return is_float(f) ? 1.0 : max_code(f); }

// ---- where a format keeps its channels ------------------------------------------------------------

struct SampleAt {
  int plane, channel;
};

// R, G, B or A of an RGB format: a channel of the one interleaved plane, or a plane of its own.
SampleAt rgb_location(PixelFormat f, int index) {
  return format_info(f).num_planes == 1 ? SampleAt{0, index} : SampleAt{index, 0};
}
SampleAt u_location(PixelFormat f) {
  const FormatInfo& fi = format_info(f);
  return fi.num_planes == 2 ? SampleAt{1, fi.u_channel} : SampleAt{1, 0};
}
SampleAt v_location(PixelFormat f) {
  const FormatInfo& fi = format_info(f);
  return fi.num_planes == 2 ? SampleAt{1, fi.v_channel} : SampleAt{2, 0};
}

// ---- full-resolution planes of doubles --------------------------------------------------------------

struct Plane {
  int width = 0, height = 0;
  std::vector<double> v;
  Plane() = default;
  Plane(int w, int h, double fill = 0) : width(w), height(h), v(static_cast<size_t>(w) * h, fill) {}
  double& at(int x, int y) { return v[static_cast<size_t>(y) * width + x]; }
  double at(int x, int y) const { return v[static_cast<size_t>(y) * width + x]; }
  // Reads with coordinates clamped to the plane: how every filter treats the edges.
  double clamped(int x, int y) const { return at(std::clamp(x, 0, width - 1), std::clamp(y, 0, height - 1)); }
};

// The matrix: Y' = Kr R + Kg G + Kb B, Cb = (B - Y') / (2 (1 - Kb)), Cr = (R - Y') / (2 (1 - Kr)).
struct Rgb {
  double r, g, b;
};
struct Ycc {
  double y, cb, cr;
};
Ycc rgb_to_ycc(const Rgb& c, Matrix m) {
  const auto k = luma_coefficients(m);
  const double kg = 1 - k.kr - k.kb;
  const double y = k.kr * c.r + kg * c.g + k.kb * c.b;
  return {y, (c.b - y) / (2 * (1 - k.kb)), (c.r - y) / (2 * (1 - k.kr))};
}
Rgb ycc_to_rgb(const Ycc& c, Matrix m) {
  const auto k = luma_coefficients(m);
  const double kg = 1 - k.kr - k.kb;
  const double r = c.y + 2 * (1 - k.kr) * c.cr;
  const double b = c.y + 2 * (1 - k.kb) * c.cb;
  return {r, (c.y - k.kr * r - k.kb * b) / kg, b};
}

// ---- chroma resampling ----------------------------------------------------------------------------

// Chroma sample (i, j) of a plane subsampled by (sub_x, sub_y) brought to luma pixel (x, y).
double upsample(const Plane& c, int sub_x, int sub_y, int x, int y, ChromaSiting siting, ChromaFilter filter) {
  if (filter == ChromaFilter::Nearest) return c.at(x >> sub_x, y >> sub_y);
  // Position of the pixel in chroma sample units: sample i sits at luma x = 2i (+0.5 when
  // centred), sample j at luma y = 2j + 0.5 (2j for top-left siting).
  const double cx = sub_x ? (x - (siting == ChromaSiting::Center ? 0.5 : 0.0)) / 2 : x;
  const double cy = sub_y ? (y - (siting == ChromaSiting::TopLeft ? 0.0 : 0.5)) / 2 : y;
  const int i = static_cast<int>(std::floor(cx)), j = static_cast<int>(std::floor(cy));
  const double fx = cx - i, fy = cy - j;
  const double top = (1 - fx) * c.clamped(i, j) + fx * c.clamped(i + 1, j);
  const double bottom = (1 - fx) * c.clamped(i, j + 1) + fx * c.clamped(i + 1, j + 1);
  return (1 - fy) * top + fy * bottom;
}

// Taps at offsets -1, 0, +1 around luma position 2i (or 2j): a box over {2i, 2i+1}, or [1 2 1]/4
// centred on 2i.
struct Taps {
  double w[3];
};
constexpr Taps kBox{{0, 0.5, 0.5}};
constexpr Taps kTriangle{{0.25, 0.5, 0.25}};

// Chroma sample (i, j) of the destination, filtered from full-resolution chroma `full`.
double downsample(const Plane& full, int sub_x, int sub_y, int i, int j, ChromaSiting siting, ChromaFilter filter) {
  const bool linear = filter == ChromaFilter::Linear;
  const Taps hx = linear && siting != ChromaSiting::Center ? kTriangle : kBox;
  const Taps vy = linear && siting == ChromaSiting::TopLeft ? kTriangle : kBox;
  double sum = 0;
  for (int b = 0; b < 3; ++b) {
    double wy = sub_y ? vy.w[b] : (b == 1 ? 1.0 : 0.0);
    if (wy == 0) continue;
    const int y = sub_y ? 2 * j + (b == 0 ? -1 : b == 1 ? 0 : 1) : j;
    for (int a = 0; a < 3; ++a) {
      double wx = sub_x ? hx.w[a] : (a == 1 ? 1.0 : 0.0);
      if (wx == 0) continue;
      const int x = sub_x ? 2 * i + (a == 0 ? -1 : a == 1 ? 0 : 1) : i;
      sum += wx * wy * full.clamped(x, y);
    }
  }
  return sum;
}

// ---- the source, decoded ----------------------------------------------------------------------------

struct Decoded {
  ColorFamily family;
  Plane r, g, b, a;  // RGB (a only when the source has alpha)
  Plane y;           // gray or YUV luma, normalised
  Plane cb, cr;      // YUV chroma at its own resolution, normalised
  bool has_alpha = false;
};

Decoded decode(ConstImageView src) {
  const PixelFormat f = src.format();
  const FormatInfo& fi = format_info(f);
  const int w = src.width(), h = src.height();
  Decoded d;
  d.family = fi.family;
  if (fi.family == ColorFamily::Rgb) {
    const double s = rgb_scale(f);
    d.r = Plane(w, h), d.g = Plane(w, h), d.b = Plane(w, h);
    d.has_alpha = fi.a_index >= 0;
    if (d.has_alpha) d.a = Plane(w, h);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        auto get = [&](int index) {
          const SampleAt at = rgb_location(f, index);
          return read_sample(src, at.plane, x, y, at.channel) / s;
        };
        d.r.at(x, y) = get(fi.r_index);
        d.g.at(x, y) = get(fi.g_index);
        d.b.at(x, y) = get(fi.b_index);
        if (d.has_alpha) d.a.at(x, y) = get(fi.a_index);
      }
    return d;
  }
  if (fi.family == ColorFamily::Gray) {
    d.y = Plane(w, h);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) d.y.at(x, y) = read_sample(src, 0, x, y, 0) / max_code(f);
    return d;
  }
  const YuvCodec k = yuv_codec(fi.bit_depth, src.color().range);
  d.y = Plane(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) d.y.at(x, y) = (read_sample(src, 0, x, y, 0) - k.y_offset) / k.y_scale;
  const int cw = plane_width(f, 1, w), ch = plane_height(f, 1, h);
  d.cb = Plane(cw, ch), d.cr = Plane(cw, ch);
  const SampleAt u = u_location(f), v = v_location(f);
  for (int y = 0; y < ch; ++y)
    for (int x = 0; x < cw; ++x) {
      d.cb.at(x, y) = (read_sample(src, u.plane, x, y, u.channel) - k.c_offset) / k.c_scale;
      d.cr.at(x, y) = (read_sample(src, v.plane, x, y, v.channel) - k.c_offset) / k.c_scale;
    }
  return d;
}

// ---- the destination, per family --------------------------------------------------------------------

struct Job {
  ConstImageView src;
  ImageView dst;
  const ConvertParams& params;
  const Decoded& in;
};

// Source YUV chroma brought to luma pixel (x, y) with the source's siting.
Ycc source_ycc(const Job& j, int x, int y) {
  const FormatInfo& fi = format_info(j.src.format());
  const int sx = fi.planes[1].sub_x, sy = fi.planes[1].sub_y;
  const ChromaSiting s = j.src.color().siting;
  return {j.in.y.at(x, y), upsample(j.in.cb, sx, sy, x, y, s, j.params.chroma),
          upsample(j.in.cr, sx, sy, x, y, s, j.params.chroma)};
}

// The source's pixel (x, y) as RGB (normalised, unclamped).
Rgb source_rgb(const Job& j, int x, int y) {
  switch (j.in.family) {
    case ColorFamily::Rgb: return {j.in.r.at(x, y), j.in.g.at(x, y), j.in.b.at(x, y)};
    case ColorFamily::Gray: return {j.in.y.at(x, y), j.in.y.at(x, y), j.in.y.at(x, y)};
    case ColorFamily::Yuv: return ycc_to_rgb(source_ycc(j, x, y), j.src.color().matrix);
  }
  return {0, 0, 0};
}

// The source's pixel (x, y) in the destination's Y'CbCr (dst matrix). Luma and chroma move as
// they are when the matrices agree or the source is gray; otherwise they go through RGB.
Ycc source_in_dst_ycc(const Job& j, int x, int y) {
  if (j.in.family == ColorFamily::Gray) return {j.in.y.at(x, y), 0, 0};
  if (j.in.family == ColorFamily::Yuv && j.src.color().matrix == j.dst.color().matrix) return source_ycc(j, x, y);
  return rgb_to_ycc(source_rgb(j, x, y), j.dst.color().matrix);
}

void write_rgb(const Job& j) {
  const PixelFormat f = j.dst.format();
  const FormatInfo& fi = format_info(f);
  const double s = rgb_scale(f);
  const double alpha = std::clamp(static_cast<double>(j.params.alpha), 0.0, 1.0);
  for (int y = 0; y < j.dst.height(); ++y)
    for (int x = 0; x < j.dst.width(); ++x) {
      const Rgb c = source_rgb(j, x, y);
      auto put = [&](int index, double value) {
        const SampleAt at = rgb_location(f, index);
        write_sample(j.dst, at.plane, x, y, at.channel, value * s);
      };
      put(fi.r_index, c.r);
      put(fi.g_index, c.g);
      put(fi.b_index, c.b);
      if (fi.a_index >= 0) put(fi.a_index, j.in.has_alpha ? j.in.a.at(x, y) : alpha);
    }
}

void write_gray(const Job& j) {
  const double s = max_code(j.dst.format());
  for (int y = 0; y < j.dst.height(); ++y)
    for (int x = 0; x < j.dst.width(); ++x) {
      double luma = 0;
      if (j.in.family == ColorFamily::Rgb) {
        luma = rgb_to_ycc(source_rgb(j, x, y), j.dst.color().matrix).y;  // RGB -> gray: dst matrix
      } else {
        luma = j.in.y.at(x, y);  // gray and YUV luma move as they are
      }
      write_sample(j.dst, 0, x, y, 0, luma * s);
    }
}

void write_yuv(const Job& j) {
  const PixelFormat f = j.dst.format();
  const FormatInfo& fi = format_info(f);
  const YuvCodec k = yuv_codec(fi.bit_depth, j.dst.color().range);
  const int w = j.dst.width(), h = j.dst.height();
  const int sx = fi.planes[1].sub_x, sy = fi.planes[1].sub_y;
  const int cw = plane_width(f, 1, w), ch = plane_height(f, 1, h);
  const SampleAt u = u_location(f), v = v_location(f);

  // Same matrix and same chroma subsampling: chroma moves sample by sample, no resampling.
  const FormatInfo& si = format_info(j.src.format());
  if (si.family == ColorFamily::Yuv && j.src.color().matrix == j.dst.color().matrix &&
      si.planes[1].sub_x == sx && si.planes[1].sub_y == sy) {
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) write_sample(j.dst, 0, x, y, 0, j.in.y.at(x, y) * k.y_scale + k.y_offset);
    for (int y = 0; y < ch; ++y)
      for (int x = 0; x < cw; ++x) {
        write_sample(j.dst, u.plane, x, y, u.channel, j.in.cb.at(x, y) * k.c_scale + k.c_offset);
        write_sample(j.dst, v.plane, x, y, v.channel, j.in.cr.at(x, y) * k.c_scale + k.c_offset);
      }
    return;
  }

  // Otherwise: full-resolution Y'CbCr in the destination's matrix, then chroma filtered down.
  Plane cb(w, h), cr(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const Ycc c = source_in_dst_ycc(j, x, y);
      write_sample(j.dst, 0, x, y, 0, c.y * k.y_scale + k.y_offset);
      cb.at(x, y) = c.cb;
      cr.at(x, y) = c.cr;
    }
  const ChromaSiting s = j.dst.color().siting;
  for (int y = 0; y < ch; ++y)
    for (int x = 0; x < cw; ++x) {
      write_sample(j.dst, u.plane, x, y, u.channel, downsample(cb, sx, sy, x, y, s, j.params.chroma) * k.c_scale + k.c_offset);
      write_sample(j.dst, v.plane, x, y, v.channel, downsample(cr, sx, sy, x, y, s, j.params.chroma) * k.c_scale + k.c_offset);
    }
}

}  // namespace

Status convert_reference(ConstImageView src, ImageView dst, const ConvertParams& params) {
  CALDERA_RETURN_IF_ERROR(check_convert(src.desc(), dst.desc(), params));
  if (!is_host_memory(src.memory()) || !is_host_memory(dst.memory()))
    return invalid_argument(std::string("convert_reference: runs on the CPU, but ") +
                            (is_host_memory(src.memory()) ? "dst" : "src") +
                            " is in device memory; use convert_cuda or convert");
  if (src.empty() || dst.empty())
    return invalid_argument(std::string("convert_reference: ") + (src.empty() ? "src" : "dst") + " has no pixels");
  const Decoded in = decode(src);
  const Job job{src, dst, params, in};
  switch (format_info(dst.format()).family) {
    case ColorFamily::Rgb: write_rgb(job); break;
    case ColorFamily::Gray: write_gray(job); break;
    case ColorFamily::Yuv: write_yuv(job); break;
  }
  return Status::ok();
}

}  // namespace caldera
