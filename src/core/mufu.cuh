// Internal (CUDA, and the host emulation of the header kernels): the bare MUFU approximations,
// without the fix-up sequences of the accurate library calls (denormal scaling, range handling),
// for the hot per-pixel paths whose inputs never need them. The host versions are the exact
// functions, which the device's are within an ulp or two of.
#pragma once

#include <cuda_runtime.h>

#include <cmath>

namespace caldera {

// 1 / x within 1 ulp (flush-to-zero): for bounds and ratios.
__device__ __forceinline__ float fast_rcp(float x) {
#if defined(__CUDA_ARCH__)
  float r;
  asm("rcp.approx.ftz.f32 %0, %1;" : "=f"(r) : "f"(x));
  return r;
#else
  return 1.0f / x;
#endif
}

// 1 / sqrt(x) within 2 ulp for normal x > 0 (rsqrtf adds a scaling for denormal inputs: three
// more instructions).
__device__ __forceinline__ float fast_rsqrt(float x) {
#if defined(__CUDA_ARCH__)
  float r;
  asm("rsqrt.approx.ftz.f32 %0, %1;" : "=f"(r) : "f"(x));
  return r;
#else
  return 1.0f / std::sqrt(x);
#endif
}

// log2(x) and 2^x, flush-to-zero (log2(0) = -inf, 2^-inf = 0): for powers x^e = 2^(e log2 x)
// whose result is an 8- or 10-bit code, where exp2f / log2f's range fix-ups cannot matter.
__device__ __forceinline__ float fast_log2(float x) {
#if defined(__CUDA_ARCH__)
  float r;
  asm("lg2.approx.ftz.f32 %0, %1;" : "=f"(r) : "f"(x));
  return r;
#else
  return std::log2(x);
#endif
}
__device__ __forceinline__ float fast_exp2(float x) {
#if defined(__CUDA_ARCH__)
  float r;
  asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(r) : "f"(x));
  return r;
#else
  return std::exp2(x);
#endif
}

}  // namespace caldera
