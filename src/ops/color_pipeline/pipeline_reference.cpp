// The colour pipeline's layouts and its CPU runner: plain loops over 2x2 blocks in double, the
// truth the kernels are tested against.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/sample_io.hpp"
#include "ops/color_pipeline/pipeline_image.hpp"

namespace caldera::pipeline {

Result<Layout> pipeline_layout(const ImageDesc& d, const char* what, const char* op) {
  const FormatInfo& fi = format_info(d.format);
  Layout l;
  l.sample = static_cast<int>(fi.sample);
  l.shift = fi.msb_shift;
  l.max = is_float(d.format) ? 1.0 : max_code(d.format);
  if (fi.family == ColorFamily::Gray)
    return invalid_argument(std::string(op) + ": " + what + " is " + fi.name +
                            ", which has no colour; convert it to an RGB or YUV format first");
  if (fi.family == ColorFamily::Rgb) {
    l.family = kFamilyRgb;
    l.rgb_planar = fi.num_planes == 3;
    l.channels0 = fi.planes[0].channels;
    l.ri = fi.r_index, l.gi = fi.g_index, l.bi = fi.b_index, l.ai = fi.a_index;
    return l;
  }
  l.family = kFamilyYuv;
  l.sub_x = fi.planes[1].sub_x, l.sub_y = fi.planes[1].sub_y;
  if (fi.num_planes == 2) {
    l.u_plane = l.v_plane = 1;
    l.u_ch = fi.u_channel, l.v_ch = fi.v_channel, l.c_channels = 2;
  } else {
    l.u_plane = 1, l.v_plane = 2, l.u_ch = l.v_ch = 0, l.c_channels = 1;
  }
  const double unit = std::ldexp(1.0, fi.bit_depth - 8);
  if (d.color.range == Range::Limited) {
    l.y_scale = 219 * unit, l.y_off = 16 * unit, l.c_scale = 224 * unit, l.c_off = 128 * unit;
  } else {
    const double m = std::ldexp(1.0, fi.bit_depth) - 1;
    l.y_scale = m, l.y_off = 0, l.c_scale = m, l.c_off = std::ldexp(1.0, fi.bit_depth - 1);
  }
  const auto k = luma_coefficients(d.color.matrix);
  l.kr = k.kr, l.kb = k.kb;
  return l;
}

Status check_pipeline_images(const ImageDesc& src, const ImageDesc& dst, const char* op) {
  CALDERA_RETURN_IF_ERROR(validate_desc(src, (std::string(op) + ": src").c_str()));
  CALDERA_RETURN_IF_ERROR(validate_desc(dst, (std::string(op) + ": dst").c_str()));
  if (src.width != dst.width || src.height != dst.height)
    return invalid_argument(std::string(op) + ": src is " + std::to_string(src.width) + "x" + std::to_string(src.height) +
                            " but dst is " + std::to_string(dst.width) + "x" + std::to_string(dst.height) +
                            "; it does not scale (use resize)");
  CALDERA_RETURN_IF_ERROR(pipeline_layout(src, "src", op).status());
  CALDERA_RETURN_IF_ERROR(pipeline_layout(dst, "dst", op).status());
  return Status::ok();
}

namespace {

double sanitized(double v) { return std::isfinite(v) ? v : 0.0; }

struct Pixel {
  double r, g, b, a;
};

Pixel decode(ConstImageView img, const Layout& l, int x, int y) {
  const bool flt = is_float(img.format());
  auto norm = [&](double code) { return flt ? sanitized(code) : code / l.max; };
  if (l.family == kFamilyRgb) {
    auto get = [&](int index) {
      return norm(l.rgb_planar ? read_code(img, index, x, y, 0) : read_code(img, 0, x, y, index));
    };
    return {get(l.ri), get(l.gi), get(l.bi), l.ai >= 0 ? get(l.ai) : 1.0};
  }
  const double yv = (read_code(img, 0, x, y, 0) - l.y_off) / l.y_scale;
  const int cx = x >> l.sub_x, cy = y >> l.sub_y;
  const double cb = (read_code(img, l.u_plane, cx, cy, l.u_ch) - l.c_off) / l.c_scale;
  const double cr = (read_code(img, l.v_plane, cx, cy, l.v_ch) - l.c_off) / l.c_scale;
  const double kg = 1 - l.kr - l.kb;
  const double r = yv + 2 * (1 - l.kr) * cr, b = yv + 2 * (1 - l.kb) * cb;
  return {r, (yv - l.kr * r - l.kb * b) / kg, b, 1.0};
}

void put_rgb(ImageView img, const Layout& l, int x, int y, const Pixel& p) {
  const double s = is_float(img.format()) ? 1.0 : l.max;
  auto put = [&](int index, double v) {
    if (l.rgb_planar) write_code(img, index, x, y, 0, v * s);
    else write_code(img, 0, x, y, index, v * s);
  };
  put(l.ri, p.r), put(l.gi, p.g), put(l.bi, p.b);
  if (l.ai >= 0) put(l.ai, p.a);
}

}  // namespace

Status run_pipeline_reference(ConstImageView src, ImageView dst, const Stages<double>& stages,
                              const hd::ToneCoeffs<double>& tone, uint32_t* histogram, bool write, const char* op) {
  if (src.empty() || dst.empty())
    return invalid_argument(std::string(op) + ": " + (src.empty() ? "src" : "dst") + " has no pixels");
  if (!is_host_memory(src.memory()) || !is_host_memory(dst.memory()))
    return invalid_argument(std::string(op) + " (reference) runs on the CPU, but " +
                            (is_host_memory(src.memory()) ? "dst" : "src") + " is in device memory");
  CALDERA_ASSIGN_OR_RETURN(Layout sl, pipeline_layout(src.desc(), "src", op));
  CALDERA_ASSIGN_OR_RETURN(Layout dl, pipeline_layout(dst.desc(), "dst", op));
  const int w = src.width(), h = src.height();
  const bool measure = (stages.flags & kStageMeasure) && histogram;
  for (int by = 0; by < h; by += 2)
    for (int bx = 0; bx < w; bx += 2) {
      double block_max = 0;
      // Chroma sums for the destination's chroma samples inside this block (at most 4).
      double cb_sum[2][2] = {}, cr_sum[2][2] = {};
      int count[2][2] = {};
      for (int y = by; y < by + 2 && y < h; ++y)
        for (int x = bx; x < bx + 2 && x < w; ++x) {
          Pixel p = decode(src, sl, x, y);
          double m = 0;
          process_pixel(stages, tone, p.r, p.g, p.b, &m);
          block_max = std::max(block_max, m);
          if (!write) continue;
          if (dl.family == kFamilyRgb) {
            put_rgb(dst, dl, x, y, p);
            continue;
          }
          const double r = p.r, g = p.g, b = p.b;
          const double kg = 1 - dl.kr - dl.kb;
          const double yv = dl.kr * r + kg * g + dl.kb * b;
          write_code(dst, 0, x, y, 0, yv * dl.y_scale + dl.y_off);
          const int i = dl.sub_x ? 0 : x - bx, j = dl.sub_y ? 0 : y - by;
          cb_sum[j][i] += (b - yv) / (2 * (1 - dl.kb));
          cr_sum[j][i] += (r - yv) / (2 * (1 - dl.kr));
          ++count[j][i];
        }
      if (measure) ++histogram[hd::peak_bin(block_max)];
      if (!write || dl.family != kFamilyYuv) continue;
      for (int j = 0; j < 2; ++j)
        for (int i = 0; i < 2; ++i) {
          if (!count[j][i]) continue;
          const int cx = (bx + i) >> dl.sub_x, cy = (by + j) >> dl.sub_y;
          write_code(dst, dl.u_plane, cx, cy, dl.u_ch, cb_sum[j][i] / count[j][i] * dl.c_scale + dl.c_off);
          write_code(dst, dl.v_plane, cx, cy, dl.v_ch, cr_sum[j][i] / count[j][i] * dl.c_scale + dl.c_off);
        }
    }
  return Status::ok();
}

}  // namespace caldera::pipeline
