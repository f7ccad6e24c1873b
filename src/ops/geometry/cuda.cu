// Geometry on the GPU: flip and pad, one thread per pixel of each plane, a pixel copied as its
// samples (1, 2 or 4 bytes wide, 1 to 4 of them).
#include <cuda_runtime.h>

#include <string>

#include "caldera/ops/geometry.hpp"
#include "core/cuda_check.hpp"
#include "ops/geometry/geometry_internal.hpp"

namespace caldera {
namespace {

constexpr int kBx = 32, kBy = 8;

struct PlaneCopy {
  const uint8_t* src = nullptr;
  size_t src_pitch = 0;
  int sw = 0, sh = 0;
  uint8_t* dst = nullptr;
  size_t dst_pitch = 0;
  int dw = 0, dh = 0;
  // flip
  bool flip_x = false, flip_y = false;
  // pad
  int left = 0, top = 0;
  int border = 0;  // BorderMode
  bool copy_inside = true;
  uint32_t value[4] = {};
};

template <class E, int N>
__global__ void flip_kernel(PlaneCopy a) {
  const int x = blockIdx.x * kBx + threadIdx.x, y = blockIdx.y * kBy + threadIdx.y;
  if (x >= a.dw || y >= a.dh) return;
  const int sx = a.flip_x ? a.sw - 1 - x : x, sy = a.flip_y ? a.sh - 1 - y : y;
  const E* s = reinterpret_cast<const E*>(a.src + static_cast<size_t>(sy) * a.src_pitch) + static_cast<size_t>(sx) * N;
  E* d = reinterpret_cast<E*>(a.dst + static_cast<size_t>(y) * a.dst_pitch) + static_cast<size_t>(x) * N;
#pragma unroll
  for (int c = 0; c < N; ++c) d[c] = __ldg(s + c);
}

template <class E, int N>
__global__ void pad_kernel(PlaneCopy a) {
  const int x = blockIdx.x * kBx + threadIdx.x, y = blockIdx.y * kBy + threadIdx.y;
  if (x >= a.dw || y >= a.dh) return;
  int sx = x - a.left, sy = y - a.top;
  const bool inside = sx >= 0 && sx < a.sw && sy >= 0 && sy < a.sh;
  if (inside && !a.copy_inside) return;
  E* d = reinterpret_cast<E*>(a.dst + static_cast<size_t>(y) * a.dst_pitch) + static_cast<size_t>(x) * N;
  if (!inside) {
    if (a.border == static_cast<int>(BorderMode::Constant)) {
#pragma unroll
      for (int c = 0; c < N; ++c) d[c] = static_cast<E>(a.value[c]);
      return;
    }
    const bool rep = a.border == static_cast<int>(BorderMode::Replicate);
    sx = rep ? geometry_detail::replicate_index(sx, a.sw) : geometry_detail::reflect_index(sx, a.sw);
    sy = rep ? geometry_detail::replicate_index(sy, a.sh) : geometry_detail::reflect_index(sy, a.sh);
  }
  const E* s = reinterpret_cast<const E*>(a.src + static_cast<size_t>(sy) * a.src_pitch) + static_cast<size_t>(sx) * N;
#pragma unroll
  for (int c = 0; c < N; ++c) d[c] = __ldg(s + c);
}

template <class E, int N>
Status launch(bool is_flip, const PlaneCopy& a, StreamHandle stream) {
  const dim3 block(kBx, kBy), grid((a.dw + kBx - 1) / kBx, (a.dh + kBy - 1) / kBy);
  if (is_flip) {
    flip_kernel<E, N><<<grid, block, 0, stream>>>(a);
    return check_launch("flip_kernel");
  }
  pad_kernel<E, N><<<grid, block, 0, stream>>>(a);
  return check_launch("pad_kernel");
}

Status launch_typed(bool is_flip, int bytes_per_sample, int channels, const PlaneCopy& a, StreamHandle stream) {
  if (bytes_per_sample == 1) {
    switch (channels) {
      case 1: return launch<uint8_t, 1>(is_flip, a, stream);
      case 2: return launch<uint8_t, 2>(is_flip, a, stream);
      case 3: return launch<uint8_t, 3>(is_flip, a, stream);
      case 4: return launch<uint8_t, 4>(is_flip, a, stream);
    }
  } else if (bytes_per_sample == 2) {
    switch (channels) {
      case 1: return launch<uint16_t, 1>(is_flip, a, stream);
      case 2: return launch<uint16_t, 2>(is_flip, a, stream);
      case 3: return launch<uint16_t, 3>(is_flip, a, stream);
    }
  } else if (bytes_per_sample == 4 && channels == 1) {
    return launch<uint32_t, 1>(is_flip, a, stream);
  }
  return internal_error("geometry: no kernel for " + std::to_string(channels) + " samples of " +
                        std::to_string(bytes_per_sample) + " bytes");
}

Status require_device(const char* op, ConstImageView src, ConstImageView dst) {
  if (src.empty() || dst.empty()) return invalid_argument(std::string(op) + ": src or dst view is empty");
  if (!src.on_device() || !dst.on_device())
    return invalid_argument(std::string(op) + ": needs device images, src is in " + memory_kind_name(src.memory()) +
                            " memory and dst in " + memory_kind_name(dst.memory()));
  const FormatInfo& fi = format_info(dst.format());
  for (int p = 0; p < fi.num_planes; ++p) {
    const uintptr_t align = static_cast<uintptr_t>(fi.planes[p].bytes_per_sample);
    if (reinterpret_cast<uintptr_t>(src.plane(p).data) % align || src.plane(p).pitch % align ||
        reinterpret_cast<uintptr_t>(dst.plane(p).data) % align || dst.plane(p).pitch % align)
      return invalid_argument(std::string(op) + ": plane " + std::to_string(p) + " data or pitch is not aligned to its " +
                              std::to_string(align) + "-byte samples");
  }
  return Status::ok();
}

PlaneCopy plane_copy(ConstImageView src, ImageView dst, int p) {
  const PixelFormat f = dst.format();
  PlaneCopy a;
  a.src = src.plane(p).data;
  a.src_pitch = src.plane(p).pitch;
  a.sw = plane_width(f, p, src.width());
  a.sh = plane_height(f, p, src.height());
  a.dst = dst.plane(p).data;
  a.dst_pitch = dst.plane(p).pitch;
  a.dw = plane_width(f, p, dst.width());
  a.dh = plane_height(f, p, dst.height());
  return a;
}

}  // namespace

Status flip_cuda(ConstImageView src, ImageView dst, FlipMode mode, StreamHandle stream) {
  CALDERA_RETURN_IF_ERROR(check_flip(src.desc(), dst.desc()));
  CALDERA_RETURN_IF_ERROR(require_device("flip_cuda", src, dst));
  const FormatInfo& fi = format_info(dst.format());
  for (int p = 0; p < fi.num_planes; ++p) {
    PlaneCopy a = plane_copy(src, dst, p);
    a.flip_x = mode != FlipMode::Vertical;
    a.flip_y = mode != FlipMode::Horizontal;
    CALDERA_RETURN_IF_ERROR(launch_typed(true, fi.planes[p].bytes_per_sample, fi.planes[p].channels, a, stream));
  }
  return Status::ok();
}

namespace geometry_detail {

Status pad_cuda_impl(ConstImageView src, ImageView dst, const PadParams& params, bool copy_inside, StreamHandle stream) {
  CALDERA_RETURN_IF_ERROR(check_pad(src.desc(), dst.desc(), params));
  CALDERA_RETURN_IF_ERROR(require_device("pad_cuda", src, dst));
  const FormatInfo& fi = format_info(dst.format());
  const BorderBits bits = border_bits(dst.format(), params.value);
  for (int p = 0; p < fi.num_planes; ++p) {
    PlaneCopy a = plane_copy(src, dst, p);
    a.left = params.left >> fi.planes[p].sub_x;
    a.top = params.top >> fi.planes[p].sub_y;
    a.border = static_cast<int>(params.border);
    a.copy_inside = copy_inside;
    for (int c = 0; c < 4; ++c) a.value[c] = bits.bits[p][c];
    CALDERA_RETURN_IF_ERROR(launch_typed(false, fi.planes[p].bytes_per_sample, fi.planes[p].channels, a, stream));
  }
  return Status::ok();
}

}  // namespace geometry_detail
}  // namespace caldera
