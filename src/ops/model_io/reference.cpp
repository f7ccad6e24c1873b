// The model-input/-output paths as plain CPU loops in double: the truth the CUDA kernels are
// tested against, and the CPU fallback.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

#include "caldera/half.hpp"
#include "caldera/ops/model_io.hpp"
#include "ops/model_io/model_io_common.hpp"

namespace caldera {
namespace {

using Rgb = std::array<double, 3>;

double read_code(ConstImageView img, int plane, int x, int y, int channel) {
  const FormatInfo& fi = format_info(img.format());
  const int ch = fi.planes[plane].channels;
  const uint8_t* row = img.row(plane, y);
  if (fi.sample == SampleType::U8) return row[x * ch + channel];
  uint16_t v;
  std::memcpy(&v, row + 2 * (x * ch + channel), 2);
  return v >> fi.msb_shift;
}

// Chroma sample (cb, cr) codes of a 4:2:0 image at chroma index (i, j).
std::array<double, 2> chroma_codes(ConstImageView img, int i, int j) {
  const FormatInfo& fi = format_info(img.format());
  if (fi.num_planes == 2) return {read_code(img, 1, i, j, fi.u_channel), read_code(img, 1, i, j, fi.v_channel)};
  return {read_code(img, 1, i, j, 0), read_code(img, 2, i, j, 0)};
}

// Normalised Cb, Cr at luma pixel (x, y), upsampled as the filter and the siting say.
std::array<double, 2> chroma_at(ConstImageView img, int x, int y, ChromaFilter filter, const model_io::YuvCoeffs& k) {
  const int cw = plane_width(img.format(), 1, img.width());
  const int ch = plane_height(img.format(), 1, img.height());
  std::array<double, 2> c{};
  if (filter == ChromaFilter::Nearest) {
    c = chroma_codes(img, x >> 1, y >> 1);
  } else {
    const ChromaSiting s = img.color().siting;
    const double cx = (x - (s == ChromaSiting::Center ? 0.5 : 0.0)) / 2.0;
    const double cy = (y - (s == ChromaSiting::TopLeft ? 0.0 : 0.5)) / 2.0;
    const int i0 = static_cast<int>(std::floor(cx)), j0 = static_cast<int>(std::floor(cy));
    const double tx = cx - i0, ty = cy - j0;
    for (int dj = 0; dj < 2; ++dj)
      for (int di = 0; di < 2; ++di) {
        const double w = (di ? tx : 1 - tx) * (dj ? ty : 1 - ty);
        const auto s2 = chroma_codes(img, std::clamp(i0 + di, 0, cw - 1), std::clamp(j0 + dj, 0, ch - 1));
        c[0] += w * s2[0];
        c[1] += w * s2[1];
      }
  }
  return {(c[0] - k.c_off) * k.c_scale, (c[1] - k.c_off) * k.c_scale};
}

// RGB in [0, 1] of source pixel (x, y).
Rgb rgb_at(ConstImageView img, int x, int y, ChromaFilter filter) {
  const FormatInfo& fi = format_info(img.format());
  if (fi.family == ColorFamily::Rgb) {
    const double m = max_code(img.format());
    return {read_code(img, 0, x, y, fi.r_index) / m, read_code(img, 0, x, y, fi.g_index) / m,
            read_code(img, 0, x, y, fi.b_index) / m};
  }
  const model_io::YuvCoeffs k = model_io::yuv_coeffs(img.color(), fi.bit_depth);
  const double yv = (read_code(img, 0, x, y, 0) - k.y_off) * k.y_scale;
  const auto c = chroma_at(img, x, y, filter, k);
  Rgb rgb = {yv + k.rv * c[1], yv + k.gu * c[0] + k.gv * c[1], yv + k.bu * c[0]};
  for (double& v : rgb) v = std::clamp(v, 0.0, 1.0);
  return rgb;
}

double cubic_weight(double t, double a) {
  t = std::fabs(t);
  if (t <= 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
  return 0;
}

// Taps (index, weight) of one output coordinate along one axis.
int taps_for(Interp interp, float cubic_a, int o, int src_len, int dst_len, int idx[4], double w[4]) {
  const double scale = static_cast<double>(src_len) / dst_len;
  if (interp == Interp::Nearest) {
    idx[0] = std::min(static_cast<int>(std::floor((o + 0.5) * scale)), src_len - 1);
    w[0] = 1;
    return 1;
  }
  const double f = (o + 0.5) * scale - 0.5;
  const int i0 = static_cast<int>(std::floor(f));
  const double t = f - i0;
  if (interp == Interp::Bilinear) {
    idx[0] = std::clamp(i0, 0, src_len - 1);
    idx[1] = std::clamp(i0 + 1, 0, src_len - 1);
    w[0] = 1 - t;
    w[1] = t;
    return 2;
  }
  for (int k = 0; k < 4; ++k) {
    idx[k] = std::clamp(i0 - 1 + k, 0, src_len - 1);
    w[k] = cubic_weight(t - (k - 1), cubic_a);
  }
  return 4;
}

void store_tensor(ImageView dst, int c, int x, int y, double v) {
  uint8_t* row = dst.row(c, y);
  if (dst.format() == PixelFormat::RGBPlanarF32) {
    const float f = static_cast<float>(v);
    std::memcpy(row + 4 * x, &f, 4);
  } else {
    const uint16_t h = float_to_half(static_cast<float>(v));
    std::memcpy(row + 2 * x, &h, 2);
  }
}

double load_tensor(ConstImageView src, int c, int x, int y) {
  const uint8_t* row = src.row(c, y);
  if (src.format() == PixelFormat::RGBPlanarF32) {
    float f;
    std::memcpy(&f, row + 4 * x, 4);
    return f;
  }
  uint16_t h;
  std::memcpy(&h, row + 2 * x, 2);
  return half_to_float(h);
}

void write_code(ImageView img, int plane, int x, int y, int channel, double value, double max) {
  const FormatInfo& fi = format_info(img.format());
  const double code = std::clamp(std::floor(value + 0.5), 0.0, max);
  const int ch = fi.planes[plane].channels;
  uint8_t* row = img.row(plane, y);
  if (fi.sample == SampleType::U8) {
    row[x * ch + channel] = static_cast<uint8_t>(code);
  } else {
    const uint16_t v = static_cast<uint16_t>(static_cast<unsigned>(code) << fi.msb_shift);
    std::memcpy(row + 2 * (x * ch + channel), &v, 2);
  }
}

}  // namespace

Status model_input_reference(ConstImageView src, ImageView dst, const ModelInputParams& p) {
  CALDERA_RETURN_IF_ERROR(check_model_input(src.desc(), dst.desc(), p));
  if (src.on_device() || dst.on_device()) return invalid_argument("model_input_reference: images must be in host memory");
  int xi[4], yi[4];
  double xw[4], yw[4];
  for (int oy = 0; oy < dst.height(); ++oy) {
    const int ny = taps_for(p.interp, p.cubic_a, oy, src.height(), dst.height(), yi, yw);
    for (int ox = 0; ox < dst.width(); ++ox) {
      const int nx = taps_for(p.interp, p.cubic_a, ox, src.width(), dst.width(), xi, xw);
      Rgb acc{0, 0, 0};
      for (int j = 0; j < ny; ++j)
        for (int i = 0; i < nx; ++i) {
          const Rgb v = rgb_at(src, xi[i], yi[j], p.chroma);
          for (int c = 0; c < 3; ++c) acc[c] += xw[i] * yw[j] * v[c];
        }
      for (int c = 0; c < 3; ++c) store_tensor(dst, c, ox, oy, (acc[c] - p.norm.mean[c]) / p.norm.std[c]);
    }
  }
  return Status::ok();
}

Status model_output_reference(ConstImageView src, ImageView dst, const ModelOutputParams& p) {
  CALDERA_RETURN_IF_ERROR(check_model_output(src.desc(), dst.desc(), p));
  if (src.on_device() || dst.on_device()) return invalid_argument("model_output_reference: images must be in host memory");
  const int w = dst.width(), h = dst.height();
  auto rgb = [&](int x, int y) {
    x = std::clamp(x, 0, w - 1);
    y = std::clamp(y, 0, h - 1);
    Rgb v;
    for (int c = 0; c < 3; ++c) v[c] = std::clamp(load_tensor(src, c, x, y) * p.norm.std[c] + p.norm.mean[c], 0.0, 1.0);
    return v;
  };
  const FormatInfo& fi = format_info(dst.format());
  if (fi.family == ColorFamily::Rgb) {
    const double m = max_code(dst.format());
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        const Rgb v = rgb(x, y);
        write_code(dst, 0, x, y, fi.r_index, v[0] * m, m);
        write_code(dst, 0, x, y, fi.g_index, v[1] * m, m);
        write_code(dst, 0, x, y, fi.b_index, v[2] * m, m);
        if (fi.a_index >= 0) write_code(dst, 0, x, y, fi.a_index, m, m);
      }
    return Status::ok();
  }
  const model_io::YuvCoeffs k = model_io::yuv_coeffs(dst.color(), fi.bit_depth);
  const double maxc = k.max_code;
  auto luma = [&](const Rgb& v) { return k.kr * v[0] + k.kg * v[1] + k.kb * v[2]; };
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) write_code(dst, 0, x, y, 0, luma(rgb(x, y)) / k.y_scale + k.y_off, maxc);
  // Chroma: Cb, Cr of each pixel, filtered to the chroma grid as the siting says.
  auto cbcr = [&](int x, int y) {
    const Rgb v = rgb(x, y);
    const double yv = luma(v);
    return std::array<double, 2>{(v[2] - yv) / (2 * (1 - k.kb)), (v[0] - yv) / (2 * (1 - k.kr))};
  };
  const ChromaSiting s = dst.color().siting;
  const bool box = p.chroma == ChromaFilter::Nearest || s == ChromaSiting::Center;
  const int cw = plane_width(dst.format(), 1, w), chh = plane_height(dst.format(), 1, h);
  for (int j = 0; j < chh; ++j)
    for (int i = 0; i < cw; ++i) {
      std::array<double, 2> acc{0, 0};
      double wsum = 0;
      auto add = [&](int x, int y, double wt) {
        const auto c = cbcr(x, y);
        acc[0] += wt * c[0];
        acc[1] += wt * c[1];
        wsum += wt;
      };
      if (box) {
        for (int dy = 0; dy < 2; ++dy)
          for (int dx = 0; dx < 2; ++dx) add(2 * i + dx, 2 * j + dy, 1);  // clamped: edge pixels repeat
      } else if (s == ChromaSiting::Left) {
        const double hw[3] = {1, 2, 1};
        for (int dy = 0; dy < 2; ++dy)
          for (int dx = -1; dx <= 1; ++dx) add(2 * i + dx, 2 * j + dy, hw[dx + 1]);
      } else {  // TopLeft
        const double hw[3] = {1, 2, 1};
        for (int dy = -1; dy <= 1; ++dy)
          for (int dx = -1; dx <= 1; ++dx) add(2 * i + dx, 2 * j + dy, hw[dx + 1] * hw[dy + 1]);
      }
      const double cb = acc[0] / wsum, cr = acc[1] / wsum;
      const double cb_code = cb / k.c_scale + k.c_off, cr_code = cr / k.c_scale + k.c_off;
      if (fi.num_planes == 2) {
        write_code(dst, 1, i, j, fi.u_channel, cb_code, maxc);
        write_code(dst, 1, i, j, fi.v_channel, cr_code, maxc);
      } else {
        write_code(dst, 1, i, j, 0, cb_code, maxc);
        write_code(dst, 2, i, j, 0, cr_code, maxc);
      }
    }
  return Status::ok();
}

}  // namespace caldera
