// Internal (CUDA): sample access for the colour-pipeline kernels, matching core/sample_io.hpp:
// integer codes (P010 shifted down), float values; stores round half up and clamp to the code
// range (NaN gives 0), floats are stored as they are.
#pragma once

#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

namespace caldera::pipeline {

struct DevPlane {
  uint8_t* data = nullptr;
  size_t pitch = 0;
};

enum DevSample : int { kDevU8 = 0, kDevU16 = 1, kDevF16 = 2, kDevF32 = 3 };  // = caldera::SampleType

__device__ __forceinline__ const uint8_t* dev_row(const DevPlane& p, int y) {
  return p.data + p.pitch * static_cast<size_t>(y);
}

__device__ __forceinline__ float dev_load(const DevPlane& p, int sample, int shift, int i, int y) {
  const uint8_t* r = dev_row(p, y);
  switch (sample) {
    case kDevU8: return static_cast<float>(__ldg(r + i));
    case kDevU16: return static_cast<float>(__ldg(reinterpret_cast<const uint16_t*>(r) + i) >> shift);
    case kDevF16: return __half2float(__ushort_as_half(__ldg(reinterpret_cast<const unsigned short*>(r) + i)));
    default: return __ldg(reinterpret_cast<const float*>(r) + i);
  }
}

__device__ __forceinline__ unsigned dev_round_code(float v, float max) {
  return static_cast<unsigned>(floorf(fminf(fmaxf(v, 0.0f), max) + 0.5f));
}

__device__ __forceinline__ void dev_store(const DevPlane& p, int sample, int shift, float max, int i, int y, float v) {
  uint8_t* r = p.data + p.pitch * static_cast<size_t>(y);
  switch (sample) {
    case kDevU8: r[i] = static_cast<uint8_t>(dev_round_code(v, max)); break;
    case kDevU16: reinterpret_cast<uint16_t*>(r)[i] = static_cast<uint16_t>(dev_round_code(v, max) << shift); break;
    case kDevF16: reinterpret_cast<__half*>(r)[i] = __float2half_rn(v); break;
    default: reinterpret_cast<float*>(r)[i] = v; break;
  }
}

}  // namespace caldera::pipeline
