// Internal: what the blur reference and the CUDA kernels share, so both compute the same codes:
// the resolved kernels of one call (integer weights for 8-bit samples, double weights otherwise)
// and the fixed-point arithmetic of the 8-bit path. Never include from public headers.
//
// 8-bit path, per plane and channel (P reads a source sample through the border map):
//   Gaussian  V(x, y) = sum_j wy[j] * P(x, y + j - ry)          wy in 1/65536, sum 65536
//             V8      = (V + 128) >> 8                           <= 65280 (8 fraction bits)
//             S(x, y) = sum_i wx[i] * V8(x + i - rx, y)          < 2^32
//             out     = (S + 2^23) >> 24
//   Box       V = sum_j P, S = sum_i V, out = floor(S / n + 1/2) with n = kx * ky
//   Unsharp   blur8 = (S + 2^15) >> 16 (the Gaussian in 1/256), d = 256 src - blur8,
//             out = |d| < T ? src : clamp((65536 src + A d + 32768) >> 16, 0, 255)
//             with A = round(256 amount), T = round(256 threshold).
// A column outside the image reads its border column (Constant: every row is the value, so
// V8 = 256 v), so the separable passes equal the 2-D filter with that border.
#pragma once

#include <cstdint>
#include <vector>

#include "caldera/ops/blur.hpp"
#include "caldera/status.hpp"

namespace caldera::blur_detail {

enum class Op : uint8_t { Gaussian, Box, Unsharp };

constexpr int kMaxRadius = 64;  // the CUDA kernels' limit per axis (kernel sizes up to 129)

// One call, resolved: the same for every plane.
struct Plan {
  Op op = Op::Gaussian;
  int kx = 1, ky = 1;  // taps
  int ax = 0, ay = 0;  // anchor: tap i reads offset i - a (a = k / 2)
  std::vector<uint32_t> wx_q16, wy_q16;  // Gaussian and Unsharp, 8-bit path
  std::vector<double> wx, wy;            // every op, float path (box: 1 / k)
  int amount_q8 = 256;                   // Unsharp A
  int threshold_q8 = 0;                  // Unsharp T
  FilterBorder border = FilterBorder::Reflect101;
  double border_value = 0;
  PlaneSet planes = PlaneSet::All;
};

// Q16 weights from normalised doubles: every tap rounded, the centre takes what makes the sum
// exactly 65536 (the kernels are symmetric, so the result is too).
std::vector<uint32_t> quantize_q16(const std::vector<double>& w);

Result<Plan> plan_gaussian(const GaussianParams& p, PixelFormat format);
Result<Plan> plan_box(const BoxParams& p);
Result<Plan> plan_unsharp(const UnsharpParams& p, PixelFormat format);

// Formats each op accepts: 8-bit formats for all three; Gaussian and box also 16-bit and float.
Status check_blur_formats(const ImageDesc& src, const ImageDesc& dst, Op op, const char* name);

// Whether plane p is filtered (false: copied) for this plan and format.
bool filters_plane(const Plan& plan, PixelFormat format, int plane);

Status blur_reference(ConstImageView src, ImageView dst, const Plan& plan);
Status blur_cuda(ConstImageView src, ImageView dst, const Plan& plan, StreamHandle stream);

}  // namespace caldera::blur_detail
