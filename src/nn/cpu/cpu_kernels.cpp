#include "nn/cpu/cpu_kernels.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace caldera::nn::cpu {
namespace {

int team_size(int threads) {
#ifdef _OPENMP
  return threads > 0 ? threads : omp_get_max_threads();
#else
  (void)threads;
  return 1;
#endif
}

float apply_binary(float x, float y, ir::BinaryKind k) {
  switch (k) {
    case ir::BinaryKind::Add: return x + y;
    case ir::BinaryKind::Sub: return x - y;
    case ir::BinaryKind::Mul: return x * y;
    case ir::BinaryKind::Div: return x / y;
    case ir::BinaryKind::Max: return std::max(x, y);
    case ir::BinaryKind::Min: return std::min(x, y);
  }
  return 0.f;
}

// Source taps and weights of one output coordinate of a separable resize. Indices are clamped
// to the edge, which is what ncnn's edge rewrites of the weights amount to.
struct Taps {
  int index[4] = {0, 0, 0, 0};
  float weight[4] = {0.f, 0.f, 0.f, 0.f};
  int count = 0;
};

void cubic_weights(float t, float A, float* w) {
  const float x0 = t + 1.f, x1 = t, x2 = 1.f - t;
  w[0] = ((A * x0 - 5.f * A) * x0 + 8.f * A) * x0 - 4.f * A;
  w[1] = ((A + 2.f) * x1 - (A + 3.f)) * x1 * x1 + 1.f;
  w[2] = ((A + 2.f) * x2 - (A + 3.f)) * x2 * x2 + 1.f;
  w[3] = 1.f - w[0] - w[1] - w[2];
}

std::vector<Taps> resize_taps(int in, int out, const ir::ResizeAttrs& a, float scale, bool by_scale) {
  std::vector<Taps> taps(static_cast<size_t>(out));
  const auto clamp = [in](int i) { return std::min(std::max(i, 0), in - 1); };
  for (int o = 0; o < out; ++o) {
    Taps& t = taps[static_cast<size_t>(o)];
    if (a.mode == ir::ResizeMode::Nearest) {
      // ncnn: floor(o * (1 / scale)) by a factor, floor(o * in / out) to a size, in float.
      const float step = by_scale ? 1.f / scale : static_cast<float>(in) / static_cast<float>(out);
      t.count = 1;
      t.index[0] = std::min(static_cast<int>(static_cast<float>(o) * step), in - 1);
      t.weight[0] = 1.f;
      continue;
    }
    const float f = resize_source_coord(o, in, out, a, scale);
    const int s = static_cast<int>(std::floor(f));
    const float frac = f - static_cast<float>(s);
    if (a.mode == ir::ResizeMode::Bilinear) {
      t.count = 2;
      t.index[0] = clamp(s);
      t.index[1] = clamp(s + 1);
      t.weight[0] = 1.f - frac;
      t.weight[1] = frac;
    } else {
      t.count = 4;
      cubic_weights(frac, a.cubic_a, t.weight);
      for (int k = 0; k < 4; ++k) t.index[k] = clamp(s - 1 + k);
    }
  }
  return taps;
}

}  // namespace

float resize_source_coord(int o, int in, int out, const ir::ResizeAttrs& a, float scale) {
  const float x = static_cast<float>(o);
  switch (a.coord) {
    case ir::ResizeCoord::AlignCorners:
      return out == 1 ? 0.f : x * static_cast<float>(in - 1) / static_cast<float>(out - 1);
    case ir::ResizeCoord::Asymmetric:
      return a.scale_coords ? x / scale : x * static_cast<float>(in) / static_cast<float>(out);
    case ir::ResizeCoord::PytorchHalfPixel:
      if (out == 1) return 0.f;
      [[fallthrough]];
    case ir::ResizeCoord::HalfPixel:
      if (a.scale_coords) return (x + 0.5f) / scale - 0.5f;  // ONNX Runtime's float expression
      // Half-pixel centres, as ncnn computes them (the ratio of sizes in double).
      return static_cast<float>((o + 0.5) * (static_cast<double>(in) / out) - 0.5);
  }
  return 0.f;
}

void conv2d(const float* in, Dims id, float* out, Dims od, const ir::Conv2dAttrs& a, const float* weight,
            const float* bias, const float* residual, int threads) {
  const int groups = a.groups;
  const int icg = a.in_channels / groups;   // input channels per group
  const int ocg = a.out_channels / groups;  // output channels per group
  const int kh = a.kernel_h, kw = a.kernel_w;
  const int sh = a.stride_h, sw = a.stride_w, dh = a.dilation_h, dw = a.dilation_w;
  const int pt = a.pad_top, pl = a.pad_left;
  const size_t in_plane = id.plane(), out_plane = od.plane();
  const int total = od.n * od.c;
  // One output plane per task: it stays in cache while every input channel and tap adds to it.
#pragma omp parallel for schedule(dynamic) num_threads(team_size(threads))
  for (int task = 0; task < total; ++task) {
    const int b = task / od.c;
    const int oc = task % od.c;
    const int g = oc / ocg;
    float* dst = out + (static_cast<size_t>(b) * od.c + oc) * out_plane;
    std::fill(dst, dst + out_plane, bias ? bias[oc] : 0.f);
    for (int icl = 0; icl < icg; ++icl) {
      const int ic = g * icg + icl;
      const float* src = in + (static_cast<size_t>(b) * id.c + ic) * in_plane;
      const float* wk = weight + (static_cast<size_t>(oc) * icg + icl) * kh * kw;
      for (int ky = 0; ky < kh; ++ky) {
        for (int kx = 0; kx < kw; ++kx) {
          const float wv = wk[ky * kw + kx];
          // Output columns whose input column ox*sw - pl + kx*dw lies inside the row.
          const int off = kx * dw - pl;
          int ox_lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
          int ox_hi = id.w - 1 - off < 0 ? 0 : (id.w - 1 - off) / sw + 1;
          ox_hi = std::min(ox_hi, od.w);
          if (ox_lo >= ox_hi) continue;
          for (int oy = 0; oy < od.h; ++oy) {
            const int iy = oy * sh - pt + ky * dh;
            if (iy < 0 || iy >= id.h) continue;
            const float* srow = src + static_cast<size_t>(iy) * id.w + off;
            float* drow = dst + static_cast<size_t>(oy) * od.w;
            if (sw == 1) {
              for (int ox = ox_lo; ox < ox_hi; ++ox) drow[ox] += wv * srow[ox];
            } else {
              for (int ox = ox_lo; ox < ox_hi; ++ox) drow[ox] += wv * srow[ox * sw];
            }
          }
        }
      }
    }
    const float* res = a.has_residual && residual ? residual + (static_cast<size_t>(b) * od.c + oc) * out_plane : nullptr;
    if (res && a.residual_before_activation)
      for (size_t i = 0; i < out_plane; ++i) dst[i] += res[i];
    if (a.activation.kind != ir::ActivationKind::None)
      for (size_t i = 0; i < out_plane; ++i) dst[i] = activate(dst[i], a.activation);
    if (res && !a.residual_before_activation)
      for (size_t i = 0; i < out_plane; ++i) dst[i] += res[i];
  }
}

void activation(float* data, size_t count, const ir::ActivationAttrs& a, int threads) {
  const long n = static_cast<long>(count);
#pragma omp parallel for num_threads(team_size(threads))
  for (long i = 0; i < n; ++i) data[i] = activate(data[i], a);
}

void prelu(float* data, Dims d, const float* slope, size_t slopes, int threads) {
  const int planes = d.n * d.c;
  const size_t plane = d.plane();
#pragma omp parallel for num_threads(team_size(threads))
  for (int p = 0; p < planes; ++p) {
    const float s = slopes == 1 ? slope[0] : slope[p % d.c];
    float* x = data + static_cast<size_t>(p) * plane;
    for (size_t i = 0; i < plane; ++i) x[i] = x[i] < 0.f ? x[i] * s : x[i];
  }
}

void batch_norm(float* data, Dims d, const float* scale, const float* bias, const float* mean, const float* var,
                float eps, int threads) {
  const int planes = d.n * d.c;
  const size_t plane = d.plane();
#pragma omp parallel for num_threads(team_size(threads))
  for (int p = 0; p < planes; ++p) {
    const int c = p % d.c;
    const float m = mean[c], inv = 1.f / std::sqrt(var[c] + eps), s = scale[c], b = bias[c];
    float* x = data + static_cast<size_t>(p) * plane;
    for (size_t i = 0; i < plane; ++i) x[i] = (x[i] - m) * inv * s + b;
  }
}

void binary(const float* a, Dims ad, const float* b, Dims bd, float* out, Dims od, ir::BinaryKind kind, int threads) {
  // Strides of 0 where a dimension is broadcast.
  const auto strides = [](Dims d, Dims o) {
    const size_t sw = d.w == 1 && o.w != 1 ? 0 : 1;
    const size_t sh = d.h == 1 && o.h != 1 ? 0 : static_cast<size_t>(d.w);
    const size_t sc = d.c == 1 && o.c != 1 ? 0 : d.plane();
    const size_t sn = d.n == 1 && o.n != 1 ? 0 : static_cast<size_t>(d.c) * d.plane();
    return std::array<size_t, 4>{sn, sc, sh, sw};
  };
  const auto as = strides(ad, od), bs = strides(bd, od);
  const int planes = od.n * od.c;
#pragma omp parallel for num_threads(team_size(threads))
  for (int p = 0; p < planes; ++p) {
    const int n = p / od.c, c = p % od.c;
    const float* ap = a + n * as[0] + c * as[1];
    const float* bp = b + n * bs[0] + c * bs[1];
    float* op = out + static_cast<size_t>(p) * od.plane();
    for (int y = 0; y < od.h; ++y)
      for (int x = 0; x < od.w; ++x)
        op[static_cast<size_t>(y) * od.w + x] = apply_binary(ap[y * as[2] + x * as[3]], bp[y * bs[2] + x * bs[3]], kind);
  }
}

void binary_scalar(const float* x, float* out, size_t count, ir::BinaryKind kind, float scalar, int threads) {
  const long n = static_cast<long>(count);
#pragma omp parallel for num_threads(team_size(threads))
  for (long i = 0; i < n; ++i) out[i] = apply_binary(x[i], scalar, kind);
}

void eltwise(const std::vector<const float*>& in, float* out, size_t count, const ir::EltwiseAttrs& a, int threads) {
  const long n = static_cast<long>(count);
  const size_t k = in.size();
#pragma omp parallel for num_threads(team_size(threads))
  for (long i = 0; i < n; ++i) {
    float acc;
    if (a.kind == ir::EltwiseKind::Sum) {
      acc = 0.f;
      for (size_t j = 0; j < k; ++j) acc += (a.coeffs.empty() ? 1.f : a.coeffs[j]) * in[j][i];
    } else if (a.kind == ir::EltwiseKind::Prod) {
      acc = in[0][i];
      for (size_t j = 1; j < k; ++j) acc *= in[j][i];
    } else {
      acc = in[0][i];
      for (size_t j = 1; j < k; ++j) acc = std::max(acc, in[j][i]);
    }
    out[i] = acc;
  }
}

void concat_channels(const std::vector<const float*>& in, const std::vector<Dims>& in_dims, float* out, Dims od) {
  const size_t plane = od.plane();
  for (int b = 0; b < od.n; ++b) {
    float* dst = out + static_cast<size_t>(b) * od.c * plane;
    for (size_t j = 0; j < in.size(); ++j) {
      const size_t block = static_cast<size_t>(in_dims[j].c) * plane;
      std::memcpy(dst, in[j] + static_cast<size_t>(b) * block, block * sizeof(float));
      dst += block;
    }
  }
}

void pixel_shuffle(const float* in, Dims id, float* out, Dims od, int f, int mode, int threads) {
  const int planes = od.n * od.c;
#pragma omp parallel for num_threads(team_size(threads))
  for (int p = 0; p < planes; ++p) {
    const int b = p / od.c, oc = p % od.c;
    float* dst = out + static_cast<size_t>(p) * od.plane();
    for (int sh = 0; sh < f; ++sh)
      for (int sw = 0; sw < f; ++sw) {
        const int ic = mode == 0 ? oc * f * f + sh * f + sw : (sh * f + sw) * od.c + oc;
        const float* src = in + (static_cast<size_t>(b) * id.c + ic) * id.plane();
        for (int y = 0; y < id.h; ++y)
          for (int x = 0; x < id.w; ++x)
            dst[static_cast<size_t>(y * f + sh) * od.w + (x * f + sw)] = src[static_cast<size_t>(y) * id.w + x];
      }
  }
}

void resize(const float* in, Dims id, float* out, Dims od, const ir::ResizeAttrs& a, int threads) {
  const bool by_scale = a.out_h <= 0 || a.out_w <= 0;
  const std::vector<Taps> ty = resize_taps(id.h, od.h, a, a.scale_h, by_scale);
  const std::vector<Taps> tx = resize_taps(id.w, od.w, a, a.scale_w, by_scale);
  const int planes = od.n * od.c;
#pragma omp parallel for num_threads(team_size(threads))
  for (int p = 0; p < planes; ++p) {
    const float* src = in + static_cast<size_t>(p) * id.plane();
    float* dst = out + static_cast<size_t>(p) * od.plane();
    std::vector<float> row(static_cast<size_t>(od.w));
    for (int y = 0; y < od.h; ++y) {
      const Taps& vy = ty[static_cast<size_t>(y)];
      std::fill(row.begin(), row.end(), 0.f);
      // Horizontal pass on each source row the output row needs, then the vertical blend.
      for (int k = 0; k < vy.count; ++k) {
        const float* srow = src + static_cast<size_t>(vy.index[k]) * id.w;
        for (int x = 0; x < od.w; ++x) {
          const Taps& hx = tx[static_cast<size_t>(x)];
          float h = 0.f;
          for (int j = 0; j < hx.count; ++j) h += hx.weight[j] * srow[hx.index[j]];
          row[static_cast<size_t>(x)] += vy.weight[k] * h;
        }
      }
      std::copy(row.begin(), row.end(), dst + static_cast<size_t>(y) * od.w);
    }
  }
}

}  // namespace caldera::nn::cpu
