// The model-input/-output paths as plain CPU loops in double: the truth the CUDA kernels are
// tested against, and the CPU fallback.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

#include "caldera/half.hpp"
#include "caldera/ops/model_io.hpp"
#include "core/sample_io.hpp"
#include "ops/model_io/model_io_common.hpp"

namespace caldera {
namespace {

using Rgb = std::array<double, 3>;

double cubic_weight(double t, double a) {
  t = std::fabs(t);
  if (t <= 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
  return 0;
}

// Taps (index, weight) of a filter centred at continuous source coordinate f (pixel centres at
// integers) on a plane of `len` samples, edges clamped.
int taps_at(Interp interp, float cubic_a, double f, int len, int idx[4], double w[4]) {
  if (interp == Interp::Nearest) {
    idx[0] = std::clamp(static_cast<int>(std::floor(f + 0.5)), 0, len - 1);
    w[0] = 1;
    return 1;
  }
  const int i0 = static_cast<int>(std::floor(f));
  const double t = f - i0;
  if (interp == Interp::Bilinear) {
    idx[0] = std::clamp(i0, 0, len - 1);
    idx[1] = std::clamp(i0 + 1, 0, len - 1);
    w[0] = 1 - t;
    w[1] = t;
    return 2;
  }
  for (int k = 0; k < 4; ++k) {
    idx[k] = std::clamp(i0 - 1 + k, 0, len - 1);
    w[k] = cubic_weight(t - (k - 1), cubic_a);
  }
  return 4;
}

// One channel of one plane resampled at (fx, fy) in that plane's own sample coordinates.
double sample_plane(ConstImageView img, int plane, int channel, Interp interp, float cubic_a, double fx, double fy) {
  const int len_x = plane_width(img.format(), plane, img.width());
  const int len_y = plane_height(img.format(), plane, img.height());
  int xi[4], yi[4];
  double xw[4], yw[4];
  const int nx = taps_at(interp, cubic_a, fx, len_x, xi, xw);
  const int ny = taps_at(interp, cubic_a, fy, len_y, yi, yw);
  double acc = 0;
  for (int j = 0; j < ny; ++j)
    for (int i = 0; i < nx; ++i) acc += xw[i] * yw[j] * read_code(img, plane, xi[i], yi[j], channel);
  return acc;
}

}  // namespace

Status model_input_reference(ConstImageView src, ImageView dst, const ModelInputParams& p) {
  CALDERA_RETURN_IF_ERROR(check_model_input(src.desc(), dst.desc(), p));
  if (src.on_device() || dst.on_device()) return invalid_argument("model_input_reference: images must be in host memory");
  const FormatInfo& fi = format_info(src.format());
  const double sx = static_cast<double>(src.width()) / dst.width();
  const double sy = static_cast<double>(src.height()) / dst.height();
  const bool nearest = p.interp == Interp::Nearest;
  const ChromaSiting siting = src.color().siting;
  const double cx0 = siting == ChromaSiting::Center ? 0.5 : 0.0;  // luma position of chroma sample 0
  const double cy0 = siting == ChromaSiting::TopLeft ? 0.0 : 0.5;
  const bool two_planes = fi.num_planes == 2;
  for (int oy = 0; oy < dst.height(); ++oy) {
    for (int ox = 0; ox < dst.width(); ++ox) {
      // The output pixel's centre in source luma coordinates; nearest snaps to a source pixel.
      double fx = (ox + 0.5) * sx - 0.5, fy = (oy + 0.5) * sy - 0.5;
      if (nearest) {
        fx = std::min(std::floor((ox + 0.5) * sx), src.width() - 1.0);
        fy = std::min(std::floor((oy + 0.5) * sy), src.height() - 1.0);
      }
      Rgb rgb{};
      if (fi.family == ColorFamily::Rgb) {
        const double m = max_code(src.format());
        rgb = {sample_plane(src, 0, fi.r_index, p.interp, p.cubic_a, fx, fy) / m,
               sample_plane(src, 0, fi.g_index, p.interp, p.cubic_a, fx, fy) / m,
               sample_plane(src, 0, fi.b_index, p.interp, p.cubic_a, fx, fy) / m};
      } else {
        // Each plane is resampled at its own position (chroma placed by the siting), then the
        // resampled Y'CbCr is converted once.
        const model_io::YuvCoeffs k = model_io::yuv_coeffs(src.color(), fi.bit_depth);
        const double yv = (sample_plane(src, 0, 0, p.interp, p.cubic_a, fx, fy) - k.y_off) * k.y_scale;
        double cb, cr;
        if (nearest && p.chroma == ChromaFilter::Nearest) {
          const int ci = static_cast<int>(fx) >> 1, cj = static_cast<int>(fy) >> 1;
          cb = two_planes ? read_code(src, 1, ci, cj, fi.u_channel) : read_code(src, 1, ci, cj, 0);
          cr = two_planes ? read_code(src, 1, ci, cj, fi.v_channel) : read_code(src, 2, ci, cj, 0);
        } else {
          // Nearest luma with linear chroma interpolates chroma at the chosen pixel's position.
          const Interp ci = nearest ? Interp::Bilinear : p.interp;
          const double cfx = (fx - cx0) / 2, cfy = (fy - cy0) / 2;
          cb = two_planes ? sample_plane(src, 1, fi.u_channel, ci, p.cubic_a, cfx, cfy)
                          : sample_plane(src, 1, 0, ci, p.cubic_a, cfx, cfy);
          cr = two_planes ? sample_plane(src, 1, fi.v_channel, ci, p.cubic_a, cfx, cfy)
                          : sample_plane(src, 2, 0, ci, p.cubic_a, cfx, cfy);
        }
        cb = (cb - k.c_off) * k.c_scale;
        cr = (cr - k.c_off) * k.c_scale;
        rgb = {yv + k.rv * cr, yv + k.gu * cb + k.gv * cr, yv + k.bu * cb};
      }
      for (int c = 0; c < 3; ++c)
        write_code(dst, c, ox, oy, 0, (std::clamp(rgb[c], 0.0, 1.0) - p.norm.mean[c]) / p.norm.std[c]);
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
    for (int c = 0; c < 3; ++c) v[c] = std::clamp(read_code(src, c, x, y, 0) * p.norm.std[c] + p.norm.mean[c], 0.0, 1.0);
    return v;
  };
  const FormatInfo& fi = format_info(dst.format());
  if (fi.family == ColorFamily::Rgb) {
    const double m = max_code(dst.format());
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        const Rgb v = rgb(x, y);
        write_code(dst, 0, x, y, fi.r_index, v[0] * m);
        write_code(dst, 0, x, y, fi.g_index, v[1] * m);
        write_code(dst, 0, x, y, fi.b_index, v[2] * m);
        if (fi.a_index >= 0) write_code(dst, 0, x, y, fi.a_index, m);
      }
    return Status::ok();
  }
  const model_io::YuvCoeffs k = model_io::yuv_coeffs(dst.color(), fi.bit_depth);
  auto luma = [&](const Rgb& v) { return k.kr * v[0] + k.kg * v[1] + k.kb * v[2]; };
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) write_code(dst, 0, x, y, 0, luma(rgb(x, y)) / k.y_scale + k.y_off);
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
        write_code(dst, 1, i, j, fi.u_channel, cb_code);
        write_code(dst, 1, i, j, fi.v_channel, cr_code);
      } else {
        write_code(dst, 1, i, j, 0, cb_code);
        write_code(dst, 2, i, j, 0, cr_code);
      }
    }
  return Status::ok();
}

}  // namespace caldera
