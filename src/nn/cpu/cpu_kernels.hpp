// CPU reference kernels of the neural engine: fp32, dense NCHW, plain loops that a reader can
// check against the op's definition. They are the truth the CUDA runtime is tested against and
// the fallback without a GPU. OpenMP (when the build has it) splits the outer loops; `threads`
// 0 means OpenMP's default. Shapes are checked by the caller (shape inference); kernels trust them.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "nn/ir/graph.hpp"

namespace caldera::nn::cpu {

struct Dims {
  int n = 1, c = 1, h = 1, w = 1;
  size_t count() const { return static_cast<size_t>(n) * c * h * w; }
  size_t plane() const { return static_cast<size_t>(h) * w; }
  bool operator==(const Dims&) const = default;
};

// One activation, as every runtime computes it (the CUDA kernels mirror this in float).
inline float activate(float x, const ir::ActivationAttrs& a) {
  switch (a.kind) {
    case ir::ActivationKind::None: return x;
    case ir::ActivationKind::Relu: return x < 0.f ? 0.f : x;
    case ir::ActivationKind::LeakyRelu: return x < 0.f ? x * a.alpha : x;
    case ir::ActivationKind::Clip: return std::min(std::max(x, a.alpha), a.beta);
    case ir::ActivationKind::Sigmoid: return 1.f / (1.f + std::exp(-x));
    case ir::ActivationKind::Tanh: return std::tanh(x);
    case ir::ActivationKind::HardSigmoid: return std::min(std::max(a.alpha * x + a.beta, 0.f), 1.f);
    case ir::ActivationKind::HardSwish: return x * std::min(std::max(a.alpha * x + a.beta, 0.f), 1.f);
  }
  return x;
}

// out (out_dims) = activation(conv(in, weight) + bias), with the residual (out_dims, may be null
// unless a.has_residual) added before or after the activation as `a` says; weight is
// OC x (IC/groups) x KH x KW, bias may be null.
void conv2d(const float* in, Dims in_dims, float* out, Dims out_dims, const ir::Conv2dAttrs& a, const float* weight,
            const float* bias, const float* residual, int threads);

// out = activation(conv_transpose(in, weight) + bias); weight is IC x (OC/groups) x KH x KW.
void conv_transpose2d(const float* in, Dims in_dims, float* out, Dims out_dims, const ir::ConvTranspose2dAttrs& a,
                      const float* weight, const float* bias, int threads);

// In place.
void activation(float* data, size_t count, const ir::ActivationAttrs& a, int threads);
// In place: x < 0 ? x * slope[c] : x; one slope for all channels when `slopes` is 1.
void prelu(float* data, Dims dims, const float* slope, size_t slopes, int threads);

// In place: x = (x - mean[c]) / sqrt(var[c] + eps) * scale[c] + bias[c].
void batch_norm(float* data, Dims dims, const float* scale, const float* bias, const float* mean, const float* var,
                float eps, int threads);

// out = a (op) b with NumPy broadcasting to out_dims (each input dim equals out's or is 1).
void binary(const float* a, Dims a_dims, const float* b, Dims b_dims, float* out, Dims out_dims, ir::BinaryKind kind,
            int threads);
// out = x (op) scalar.
void binary_scalar(const float* x, float* out, size_t count, ir::BinaryKind kind, float scalar, int threads);

// out = sum coeffs[i] * in[i] (or product / max), all of `count` elements.
void eltwise(const std::vector<const float*>& in, float* out, size_t count, const ir::EltwiseAttrs& a, int threads);

// Along channels: out has sum of the inputs' channels, in input order.
void concat_channels(const std::vector<const float*>& in, const std::vector<Dims>& in_dims, float* out, Dims out_dims);

// Output channel p, sub-pixel (sh, sw) reads input channel p*f*f + sh*f + sw (mode 0) or
// (sh*f + sw)*C_out + p (mode 1) - ncnn's PixelShuffle.
void pixel_shuffle(const float* in, Dims in_dims, float* out, Dims out_dims, int factor, int mode, int threads);

void resize(const float* in, Dims in_dims, float* out, Dims out_dims, const ir::ResizeAttrs& a, int threads);

// The coordinate in the input that output pixel `o` of `out` samples (bilinear / bicubic), as
// ir::ResizeAttrs defines it; the CUDA kernel evaluates the same expression.
float resize_source_coord(int o, int in, int out, const ir::ResizeAttrs& a, float scale);

// In place per (n, c) plane: (x - mean) / sqrt(var + eps) * scale[c] + bias[c] (mean and biased
// variance accumulated in double).
void instance_norm(float* data, Dims dims, const float* scale, const float* bias, float eps, int threads);

// The box that ir::SliceAttrs describes (offsets resolved against in_dims).
void slice(const float* in, Dims in_dims, float* out, Dims out_dims, const ir::SliceAttrs& a);

void pad(const float* in, Dims in_dims, float* out, Dims out_dims, const ir::PadAttrs& a, int threads);

void space_to_depth(const float* in, Dims in_dims, float* out, Dims out_dims, int block, int mode, int threads);

// Per pixel over channels, accumulated in double; weight is out_features x in_features.
void gemm(const float* in, Dims in_dims, float* out, Dims out_dims, const ir::GemmAttrs& a, const float* weight,
          const float* bias, int threads);

void reduce(const float* in, Dims in_dims, float* out, Dims out_dims, const ir::ReduceAttrs& a, int threads);

void pool2d(const float* in, Dims in_dims, float* out, Dims out_dims, const ir::Pool2dAttrs& a, int threads);

// Any rank: out[i] = in[j] where the output index i, read in `out_dims` (row-major), is the
// input index j permuted: output dim k is input dim perm[k].
void transpose(const float* in, const std::vector<int64_t>& in_dims, float* out, const std::vector<int>& perm);

}  // namespace caldera::nn::cpu
