// Blur reference: plain separable loops, one plane and channel at a time. 8-bit samples take the
// exact fixed-point path of blur_internal.hpp (the CUDA kernels reproduce it bit for bit), other
// samples are filtered in double. The test oracle and the CPU fallback.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/sample_io.hpp"
#include "ops/blur/blur_internal.hpp"
#include "ops/blur/border.hpp"

namespace caldera::blur_detail {
namespace {

using filter_detail::border_index;

struct PlaneGeom {
  int w = 0, h = 0, ch = 1;
};

void copy_plane(ConstImageView src, ImageView dst, int p, const PlaneGeom& g, int bytes_per_sample) {
  for (int y = 0; y < g.h; ++y)
    std::memcpy(dst.row(p, y), src.row(p, y), static_cast<size_t>(g.w) * g.ch * bytes_per_sample);
}

// 8-bit: exact integers, as documented in blur_internal.hpp.
void filter_plane_u8(ConstImageView src, ImageView dst, int p, const PlaneGeom& g, const Plan& plan) {
  const int cv = static_cast<int>(std::clamp(std::floor(plan.border_value + 0.5), 0.0, 255.0));
  const int n = g.w * g.ch;
  // Vertical pass: V8 (Gaussian, Unsharp) or plain column sums (Box), per row and sample.
  std::vector<uint32_t> v(static_cast<size_t>(n) * g.h);
  for (int y = 0; y < g.h; ++y)
    for (int s = 0; s < n; ++s) {
      uint32_t acc = 0;
      for (int j = 0; j < plan.ky; ++j) {
        const int sy = border_index(y + j - plan.ay, g.h, plan.border);
        const uint32_t px = sy < 0 ? static_cast<uint32_t>(cv) : src.row(p, sy)[s];
        acc += (plan.op == Op::Box ? 1u : plan.wy_q16[j]) * px;
      }
      v[static_cast<size_t>(y) * n + s] = plan.op == Op::Box ? acc : (acc + 128) >> 8;
    }
  // A column outside the image: its border column, or the constant's vertical pass.
  const uint32_t v_const = plan.op == Op::Box ? static_cast<uint32_t>(plan.ky * cv) : static_cast<uint32_t>(cv) << 8;
  const uint32_t n_box = static_cast<uint32_t>(plan.kx * plan.ky);
  for (int y = 0; y < g.h; ++y) {
    const uint32_t* vr = &v[static_cast<size_t>(y) * n];
    uint8_t* out = dst.row(p, y);
    const uint8_t* in = src.row(p, y);
    for (int x = 0; x < g.w; ++x)
      for (int c = 0; c < g.ch; ++c) {
        uint32_t acc = 0;
        for (int i = 0; i < plan.kx; ++i) {
          const int sx = border_index(x + i - plan.ax, g.w, plan.border);
          const uint32_t vv = sx < 0 ? v_const : vr[sx * g.ch + c];
          acc += (plan.op == Op::Box ? 1u : plan.wx_q16[i]) * vv;
        }
        const int s = x * g.ch + c;
        if (plan.op == Op::Gaussian) {
          out[s] = static_cast<uint8_t>((acc + (1u << 23)) >> 24);
        } else if (plan.op == Op::Box) {
          out[s] = static_cast<uint8_t>((2 * acc + n_box) / (2 * n_box));
        } else {
          const int blur8 = static_cast<int>((acc + (1u << 15)) >> 16);
          const int d = 256 * in[s] - blur8;
          if (std::abs(d) < plan.threshold_q8) {
            out[s] = in[s];
          } else {
            const int r = (65536 * in[s] + plan.amount_q8 * d + 32768) >> 16;  // arithmetic shift: floor
            out[s] = static_cast<uint8_t>(std::clamp(r, 0, 255));
          }
        }
      }
  }
}

// 16-bit and float samples: double arithmetic, stored with the format's rounding.
void filter_plane_float(ConstImageView src, ImageView dst, int p, const PlaneGeom& g, const Plan& plan) {
  const FormatInfo& fi = format_info(src.format());
  const int mc = max_code(src.format());
  const int n = g.w * g.ch;
  std::vector<double> v(static_cast<size_t>(n) * g.h);
  for (int y = 0; y < g.h; ++y)
    for (int s = 0; s < n; ++s) {
      double acc = 0;
      for (int j = 0; j < plan.ky; ++j) {
        const int sy = border_index(y + j - plan.ay, g.h, plan.border);
        const double px = sy < 0 ? plan.border_value : load_sample(src.row(p, sy), s, fi.sample, fi.msb_shift);
        acc += plan.wy[j] * px;
      }
      v[static_cast<size_t>(y) * n + s] = acc;
    }
  for (int y = 0; y < g.h; ++y) {
    const double* vr = &v[static_cast<size_t>(y) * n];
    uint8_t* out = dst.row(p, y);
    for (int x = 0; x < g.w; ++x)
      for (int c = 0; c < g.ch; ++c) {
        double acc = 0;
        for (int i = 0; i < plan.kx; ++i) {
          const int sx = border_index(x + i - plan.ax, g.w, plan.border);
          acc += plan.wx[i] * (sx < 0 ? plan.border_value : vr[sx * g.ch + c]);
        }
        store_sample(out, static_cast<size_t>(x) * g.ch + c, acc, fi.sample, fi.msb_shift, mc);
      }
  }
}

}  // namespace

Status blur_reference(ConstImageView src, ImageView dst, const Plan& plan) {
  const PixelFormat f = src.format();
  const FormatInfo& fi = format_info(f);
  for (int p = 0; p < fi.num_planes; ++p) {
    const PlaneGeom g{plane_width(f, p, src.width()), plane_height(f, p, src.height()), fi.planes[p].channels};
    if (!filters_plane(plan, f, p)) copy_plane(src, dst, p, g, fi.planes[p].bytes_per_sample);
    else if (fi.sample == SampleType::U8) filter_plane_u8(src, dst, p, g, plan);
    else filter_plane_float(src, dst, p, g, plan);
  }
  return Status::ok();
}

}  // namespace caldera::blur_detail
