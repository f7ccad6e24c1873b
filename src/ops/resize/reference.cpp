// Resize reference: plain separable loops in double, one plane and channel at a time. The test
// oracle and the CPU fallback.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "caldera/half.hpp"
#include "caldera/ops/resize.hpp"
#include "core/sample_io.hpp"
#include "ops/resize/filter.hpp"

namespace caldera {
namespace {

using resize_detail::AxisFilter;

struct Table {
  int taps = 1;
  std::vector<int> start;
  std::vector<double> w;  // n_out * taps
};

Table make_table(const AxisFilter& f) {
  Table t;
  t.taps = f.taps;
  t.start.resize(f.n_out);
  t.w.resize(static_cast<size_t>(f.n_out) * f.taps);
  for (int o = 0; o < f.n_out; ++o) t.start[o] = resize_detail::axis_weights(f, o, &t.w[static_cast<size_t>(o) * f.taps]);
  return t;
}

}  // namespace

Status resize_reference(ConstImageView src, ImageView dst, const ResizeParams& params) {
  CALDERA_RETURN_IF_ERROR(check_resize(src.desc(), dst.desc(), params));
  if (src.empty() || dst.empty()) return invalid_argument("resize_reference: src or dst view is empty");
  if (src.on_device() || dst.on_device())
    return invalid_argument(std::string("resize_reference: needs host images, src is in ") +
                            memory_kind_name(src.memory()) + " memory and dst in " + memory_kind_name(dst.memory()));
  const PixelFormat fmt = src.format();
  const FormatInfo& fi = format_info(fmt);
  const int max_code = caldera::max_code(fmt);
  for (int p = 0; p < fi.num_planes; ++p) {
    const int ch = fi.planes[p].channels;
    const int sw = plane_width(fmt, p, src.width()), sh = plane_height(fmt, p, src.height());
    const int dw = plane_width(fmt, p, dst.width()), dh = plane_height(fmt, p, dst.height());
    const Table tx = make_table(resize_detail::make_axis(sw, dw, params.interp, params.antialias, params.cubic_a));
    const Table ty = make_table(resize_detail::make_axis(sh, dh, params.interp, params.antialias, params.cubic_a));
    // Horizontal pass over every source row into `mid` (sh x dw x ch), then vertical.
    std::vector<double> mid(static_cast<size_t>(sh) * dw * ch);
    for (int y = 0; y < sh; ++y) {
      const uint8_t* row = src.row(p, y);
      double* out = &mid[static_cast<size_t>(y) * dw * ch];
      for (int x = 0; x < dw; ++x)
        for (int c = 0; c < ch; ++c) {
          double acc = 0;
          for (int k = 0; k < tx.taps; ++k) {
            const int sx = resize_detail::clamp_index(tx.start[x] + k, sw);
            acc += tx.w[static_cast<size_t>(x) * tx.taps + k] * load_sample(row, static_cast<size_t>(sx) * ch + c, fi.sample, fi.msb_shift);
          }
          out[static_cast<size_t>(x) * ch + c] = acc;
        }
    }
    for (int y = 0; y < dh; ++y) {
      uint8_t* row = dst.row(p, y);
      for (int i = 0; i < dw * ch; ++i) {
        double acc = 0;
        for (int k = 0; k < ty.taps; ++k) {
          const int sy = resize_detail::clamp_index(ty.start[y] + k, sh);
          acc += ty.w[static_cast<size_t>(y) * ty.taps + k] * mid[static_cast<size_t>(sy) * dw * ch + i];
        }
        store_sample(row, static_cast<size_t>(i), acc, fi.sample, fi.msb_shift, max_code);
      }
    }
  }
  return Status::ok();
}

}  // namespace caldera
