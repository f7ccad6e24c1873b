// The CUDA runtime's own kernels: fp16 NHWC activations (channels innermost, dense), fp32
// arithmetic inside every kernel. Each launcher queues on `stream`, never synchronises, and
// returns the launch status. Shapes were checked by shape inference; launchers trust them.
#pragma once

#include <cstddef>
#include <cstdint>

#include <cuda_runtime_api.h>

#include "caldera/status.hpp"
#include "nn/ir/graph.hpp"

namespace caldera::nn::cuda {

#ifdef __CUDACC__
#define CALDERA_NN_HD __host__ __device__
#else
#define CALDERA_NN_HD
#endif

using half_t = uint16_t;  // storage of an IEEE binary16 value (the kernels use __half)

struct Nhwc {
  int n = 1, h = 1, w = 1, c = 1;
  CALDERA_NN_HD size_t count() const { return static_cast<size_t>(n) * h * w * c; }
  CALDERA_NN_HD size_t pixels() const { return static_cast<size_t>(n) * h * w; }
};

// A planar (NCHW-ordered) tensor in device memory with byte strides: a dense NCHW tensor, or the
// three evenly spaced planes of an rgbf32p / rgbf16p image with pitched rows.
struct Planar {
  void* base = nullptr;
  bool f16 = false;  // float16 elements, else float32
  long long batch_stride = 0, channel_stride = 0, row_stride = 0;  // bytes
};

// Planar float32/float16 -> NHWC fp16, and back.
Status planar_to_nhwc(Planar src, half_t* dst, Nhwc d, cudaStream_t stream);
Status nhwc_to_planar(const half_t* src, Nhwc d, Planar dst, cudaStream_t stream);

// In place on y (NHWC): v = y + bias[c]; + residual before or after the activation
// (residual_first: act(v + r), else act(v) + r); then v < 0 ? v * slope[c] : v when `slopes` is
// given (slope_count 1 shares one slope) - the order of the IR's Conv2d with an absorbed PReLU.
// bias / slopes are float32 on the device, residual fp16 NHWC of y's dims; each may be null.
Status bias_activation(half_t* y, Nhwc d, const float* bias, const ir::ActivationAttrs& act, const float* slopes,
                       int slope_count, const half_t* residual, bool residual_first, cudaStream_t stream);
// out = act(in) (or PReLU with slopes); out may equal in.
Status activation(const half_t* in, half_t* out, Nhwc d, const ir::ActivationAttrs& act, const float* slopes,
                  int slope_count, cudaStream_t stream);

// out = a (op) b with broadcasting (each of a's and b's dims equals out's or is 1); out may
// alias an input of out's shape.
Status binary(const half_t* a, Nhwc ad, const half_t* b, Nhwc bd, half_t* out, Nhwc od, ir::BinaryKind kind,
              cudaStream_t stream);
Status binary_scalar(const half_t* x, half_t* out, Nhwc d, ir::BinaryKind kind, float scalar, cudaStream_t stream);

inline constexpr int kMaxEltwiseInputs = 8;
// out = sum coeffs[i] * in[i] (coeffs null: all 1), or product / max; up to kMaxEltwiseInputs.
Status eltwise(const half_t* const* in, int inputs, const float* coeffs, ir::EltwiseKind kind, half_t* out, Nhwc d,
               cudaStream_t stream);

// Copies `in` (d.c channels) into channels [channel_offset, channel_offset + d.c) of `out`,
// which has out_channels channels and d's other dims.
Status concat_slice(const half_t* in, Nhwc d, half_t* out, int out_channels, int channel_offset, cudaStream_t stream);

// ncnn / PyTorch pixel shuffle (mode 0) or DCR depth-to-space (mode 1).
Status pixel_shuffle(const half_t* in, Nhwc id, half_t* out, Nhwc od, int factor, int mode, cudaStream_t stream);

// Nearest / bilinear / bicubic as the CPU reference defines them (nn/cpu/cpu_kernels.cpp).
Status resize(const half_t* in, Nhwc id, half_t* out, Nhwc od, const ir::ResizeAttrs& a, cudaStream_t stream);

// ---- layer_kernels.cu: each mirrors its CPU reference in nn/cpu/cpu_layers.cpp ----------------

// out = in[c0 + c, y0 + y, x0 + x] (offsets already resolved against in's dims).
Status slice(const half_t* in, Nhwc id, half_t* out, Nhwc od, int c0, int y0, int x0, cudaStream_t stream);
Status pad(const half_t* in, Nhwc id, half_t* out, Nhwc od, const ir::PadAttrs& a, cudaStream_t stream);
Status space_to_depth(const half_t* in, Nhwc id, half_t* out, Nhwc od, int block, int mode, cudaStream_t stream);
// The same values in NCHW row-major order with od's dims (a rank-4 Reshape).
Status reshape(const half_t* in, Nhwc id, half_t* out, Nhwc od, cudaStream_t stream);
// Output NCHW dim k is input NCHW dim perm[k] (a rank-4 Transpose).
Status transpose(const half_t* in, Nhwc id, half_t* out, Nhwc od, const int perm[4], cudaStream_t stream);
Status reduce(const half_t* in, Nhwc id, half_t* out, Nhwc od, const ir::ReduceAttrs& a, cudaStream_t stream);
Status pool2d(const half_t* in, Nhwc id, half_t* out, Nhwc od, const ir::Pool2dAttrs& a, cudaStream_t stream);
// Per (n, c) plane; scale / bias float32 on the device. out may equal in.
Status instance_norm(const half_t* in, half_t* out, Nhwc d, const float* scale, const float* bias, float eps,
                     cudaStream_t stream);
// Per pixel over channels: out[m] = act(bias[m] + sum_k w[m][k] in[k]); w float32 m-major, bias
// float32 or null.
Status gemm(const half_t* in, Nhwc id, half_t* out, Nhwc od, const float* w, const float* bias,
            const ir::ActivationAttrs& act, cudaStream_t stream);

}  // namespace caldera::nn::cuda
