// CPU reference kernels for the layers beyond convolutions and elementwise arithmetic:
// transposed convolution, normalisation, data movement (slice, pad, space-to-depth, transpose),
// fully connected layers, reductions and pooling. Plain loops; sums in double where many terms
// meet (normalisation statistics, reductions, fully connected layers).
#include <limits>

#include "nn/cpu/cpu_kernels.hpp"

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

size_t at(Dims d, int n, int c, int y, int x) {
  return ((static_cast<size_t>(n) * d.c + c) * d.h + y) * d.w + x;
}

}  // namespace

void conv_transpose2d(const float* in, Dims id, float* out, Dims od, const ir::ConvTranspose2dAttrs& a,
                      const float* weight, const float* bias, int threads) {
  const int icg = a.in_channels / a.groups, ocg = a.out_channels / a.groups;
  const int kh = a.kernel_h, kw = a.kernel_w;
  const int total = od.n * od.c;
  // One output plane per task: every input pixel of the group scatters its kernel into it.
#pragma omp parallel for schedule(dynamic) num_threads(team_size(threads))
  for (int task = 0; task < total; ++task) {
    const int b = task / od.c, oc = task % od.c;
    const int g = oc / ocg, ocl = oc % ocg;
    float* dst = out + (static_cast<size_t>(b) * od.c + oc) * od.plane();
    std::fill(dst, dst + od.plane(), bias ? bias[oc] : 0.f);
    for (int icl = 0; icl < icg; ++icl) {
      const int ic = g * icg + icl;
      const float* src = in + (static_cast<size_t>(b) * id.c + ic) * id.plane();
      const float* wk = weight + (static_cast<size_t>(ic) * ocg + ocl) * kh * kw;
      for (int iy = 0; iy < id.h; ++iy)
        for (int ky = 0; ky < kh; ++ky) {
          const int oy = iy * a.stride_h - a.pad_top + ky * a.dilation_h;
          if (oy < 0 || oy >= od.h) continue;
          for (int ix = 0; ix < id.w; ++ix) {
            const float v = src[static_cast<size_t>(iy) * id.w + ix];
            for (int kx = 0; kx < kw; ++kx) {
              const int ox = ix * a.stride_w - a.pad_left + kx * a.dilation_w;
              if (ox < 0 || ox >= od.w) continue;
              dst[static_cast<size_t>(oy) * od.w + ox] += v * wk[ky * kw + kx];
            }
          }
        }
    }
    if (a.activation.kind != ir::ActivationKind::None)
      for (size_t i = 0; i < od.plane(); ++i) dst[i] = activate(dst[i], a.activation);
  }
}

void instance_norm(float* data, Dims d, const float* scale, const float* bias, float eps, int threads) {
  const int planes = d.n * d.c;
  const size_t plane = d.plane();
#pragma omp parallel for num_threads(team_size(threads))
  for (int p = 0; p < planes; ++p) {
    float* x = data + static_cast<size_t>(p) * plane;
    double sum = 0;
    for (size_t i = 0; i < plane; ++i) sum += x[i];
    const double mean = sum / static_cast<double>(plane);
    double sq = 0;
    for (size_t i = 0; i < plane; ++i) sq += (x[i] - mean) * (x[i] - mean);
    const double var = sq / static_cast<double>(plane);
    const int c = p % d.c;
    const double k = scale[c] / std::sqrt(var + eps);
    for (size_t i = 0; i < plane; ++i) x[i] = static_cast<float>((x[i] - mean) * k + bias[c]);
  }
}

void slice(const float* in, Dims id, float* out, Dims od, const ir::SliceAttrs& a) {
  const int64_t c0 = ir::resolve_slice(a.begin[0], a.end[0], id.c).start;
  const int64_t y0 = ir::resolve_slice(a.begin[1], a.end[1], id.h).start;
  const int64_t x0 = ir::resolve_slice(a.begin[2], a.end[2], id.w).start;
  for (int b = 0; b < od.n; ++b)
    for (int c = 0; c < od.c; ++c)
      for (int y = 0; y < od.h; ++y) {
        const float* src = in + at(id, b, static_cast<int>(c0) + c, static_cast<int>(y0) + y, static_cast<int>(x0));
        std::copy(src, src + od.w, out + at(od, b, c, y, 0));
      }
}

void pad(const float* in, Dims id, float* out, Dims od, const ir::PadAttrs& a, int threads) {
  // Source index of output index o along an axis of `size` with `before` padding, or -1 for the
  // constant value.
  const auto source = [&a](int o, int before, int size) {
    int i = o - before;
    if (i >= 0 && i < size) return i;
    if (a.mode == ir::PadMode::Constant) return -1;
    if (a.mode == ir::PadMode::Edge) return std::min(std::max(i, 0), size - 1);
    // Reflect without repeating the edge: -1 -> 1, size -> size - 2 (pad < size, so one bounce).
    if (i < 0) i = -i;
    if (i >= size) i = 2 * (size - 1) - i;
    return i;
  };
  const int planes = od.n * od.c;
#pragma omp parallel for num_threads(team_size(threads))
  for (int p = 0; p < planes; ++p) {
    const float* src = in + static_cast<size_t>(p) * id.plane();
    float* dst = out + static_cast<size_t>(p) * od.plane();
    for (int y = 0; y < od.h; ++y) {
      const int sy = source(y, a.top, id.h);
      for (int x = 0; x < od.w; ++x) {
        const int sx = source(x, a.left, id.w);
        dst[static_cast<size_t>(y) * od.w + x] = sy < 0 || sx < 0 ? a.value : src[static_cast<size_t>(sy) * id.w + sx];
      }
    }
  }
}

void space_to_depth(const float* in, Dims id, float* out, Dims od, int block, int mode, int threads) {
  const int planes = od.n * od.c;
#pragma omp parallel for num_threads(team_size(threads))
  for (int p = 0; p < planes; ++p) {
    const int b = p / od.c, oc = p % od.c;
    // Output channel -> (input channel, offset in the block).
    const int bb = block * block;
    const int c = mode == 0 ? oc / bb : oc % id.c;
    const int k = mode == 0 ? oc % bb : oc / id.c;
    const int by = k / block, bx = k % block;
    for (int y = 0; y < od.h; ++y)
      for (int x = 0; x < od.w; ++x) out[at(od, b, oc, y, x)] = in[at(id, b, c, y * block + by, x * block + bx)];
  }
}

void gemm(const float* in, Dims id, float* out, Dims od, const ir::GemmAttrs& a, const float* weight, const float* bias,
          int threads) {
  const size_t plane = id.plane();
  const int tasks = od.n * od.c;
#pragma omp parallel for num_threads(team_size(threads))
  for (int task = 0; task < tasks; ++task) {
    const int b = task / od.c, m = task % od.c;
    const float* wrow = weight + static_cast<size_t>(m) * a.in_features;
    for (size_t p = 0; p < plane; ++p) {
      double acc = bias ? bias[m] : 0.0;
      const float* x = in + static_cast<size_t>(b) * id.c * plane + p;
      for (int k = 0; k < a.in_features; ++k) acc += static_cast<double>(wrow[k]) * x[static_cast<size_t>(k) * plane];
      out[(static_cast<size_t>(b) * od.c + m) * plane + p] = activate(static_cast<float>(acc), a.activation);
    }
  }
}

void reduce(const float* in, Dims id, float* out, Dims od, const ir::ReduceAttrs& a, int threads) {
  const int rc = a.channels ? id.c : 1, rh = a.rows ? id.h : 1, rw = a.columns ? id.w : 1;
  const double count = static_cast<double>(rc) * rh * rw;
  const long total = static_cast<long>(od.count());
#pragma omp parallel for num_threads(team_size(threads))
  for (long i = 0; i < total; ++i) {
    const int x = static_cast<int>(i % od.w), y = static_cast<int>(i / od.w % od.h);
    const int c = static_cast<int>(i / od.plane() % od.c), b = static_cast<int>(i / od.plane() / od.c);
    double acc = a.kind == ir::ReduceKind::Max ? -std::numeric_limits<double>::infinity()
                 : a.kind == ir::ReduceKind::Min ? std::numeric_limits<double>::infinity()
                                                 : 0.0;
    for (int dc = 0; dc < rc; ++dc)
      for (int dy = 0; dy < rh; ++dy)
        for (int dx = 0; dx < rw; ++dx) {
          const double v = in[at(id, b, a.channels ? dc : c, a.rows ? dy : y, a.columns ? dx : x)];
          if (a.kind == ir::ReduceKind::Max) acc = std::max(acc, v);
          else if (a.kind == ir::ReduceKind::Min) acc = std::min(acc, v);
          else acc += v;
        }
    out[i] = static_cast<float>(a.kind == ir::ReduceKind::Mean ? acc / count : acc);
  }
}

void pool2d(const float* in, Dims id, float* out, Dims od, const ir::Pool2dAttrs& a, int threads) {
  const int planes = od.n * od.c;
#pragma omp parallel for num_threads(team_size(threads))
  for (int p = 0; p < planes; ++p) {
    const float* src = in + static_cast<size_t>(p) * id.plane();
    float* dst = out + static_cast<size_t>(p) * od.plane();
    for (int oy = 0; oy < od.h; ++oy) {
      const int y0 = oy * a.stride_h - a.pad_top, y1 = y0 + a.kernel_h;  // window rows [y0, y1)
      for (int ox = 0; ox < od.w; ++ox) {
        const int x0 = ox * a.stride_w - a.pad_left, x1 = x0 + a.kernel_w;
        const int ya = std::max(y0, 0), yb = std::min(y1, id.h), xa = std::max(x0, 0), xb = std::min(x1, id.w);
        float result;
        if (a.kind == ir::PoolKind::Max) {
          float m = -std::numeric_limits<float>::infinity();
          for (int y = ya; y < yb; ++y)
            for (int x = xa; x < xb; ++x) m = std::max(m, src[static_cast<size_t>(y) * id.w + x]);
          result = m;
        } else {
          double sum = 0;
          for (int y = ya; y < yb; ++y)
            for (int x = xa; x < xb; ++x) sum += src[static_cast<size_t>(y) * id.w + x];
          double area;
          if (a.count_include_pad) {
            // The window clipped to the padded input (a ceil-mode window can reach past the pads).
            const int ph = std::min(y1, id.h + a.pad_bottom) - y0, pw = std::min(x1, id.w + a.pad_right) - x0;
            area = static_cast<double>(ph) * pw;
          } else {
            area = static_cast<double>(yb - ya) * (xb - xa);
          }
          result = static_cast<float>(sum / area);
        }
        dst[static_cast<size_t>(oy) * od.w + ox] = result;
      }
    }
  }
}

void transpose(const float* in, const std::vector<int64_t>& id, float* out, const std::vector<int>& perm) {
  const size_t rank = id.size();
  std::vector<int64_t> in_stride(rank, 1), od(rank);
  for (size_t i = rank; i-- > 1;) in_stride[i - 1] = in_stride[i] * id[i];
  for (size_t i = 0; i < rank; ++i) od[i] = id[static_cast<size_t>(perm[i])];
  int64_t total = 1;
  for (int64_t d : od) total *= d;
  std::vector<int64_t> idx(rank, 0);
  for (int64_t o = 0; o < total; ++o) {
    int64_t src = 0;
    for (size_t k = 0; k < rank; ++k) src += idx[k] * in_stride[static_cast<size_t>(perm[k])];
    out[o] = in[src];
    for (size_t k = rank; k-- > 0;) {  // next output index, row-major
      if (++idx[k] < od[k]) break;
      idx[k] = 0;
    }
  }
}

}  // namespace caldera::nn::cpu
