// Internal: what lets one piece of arithmetic serve the CPU reference (double, compiled by the C++
// compiler) and the CUDA kernels (float, compiled by nvcc): a function qualifier and overloaded
// math wrappers, so templates on the scalar type call the right precision on either side.
#pragma once

#include <math.h>

#if defined(__CUDACC__)
#define CALDERA_HD __host__ __device__ __forceinline__
#else
#define CALDERA_HD inline
#endif

namespace caldera::hd {

CALDERA_HD float pow_(float x, float y) { return powf(x, y); }
CALDERA_HD double pow_(double x, double y) { return pow(x, y); }
CALDERA_HD float exp_(float x) { return expf(x); }
CALDERA_HD double exp_(double x) { return exp(x); }
CALDERA_HD float expm1_(float x) { return expm1f(x); }
CALDERA_HD double expm1_(double x) { return expm1(x); }
CALDERA_HD float log_(float x) { return logf(x); }
CALDERA_HD double log_(double x) { return log(x); }
CALDERA_HD float sqrt_(float x) { return sqrtf(x); }
CALDERA_HD double sqrt_(double x) { return sqrt(x); }
CALDERA_HD float cos_(float x) { return cosf(x); }
CALDERA_HD double cos_(double x) { return cos(x); }
CALDERA_HD float sin_(float x) { return sinf(x); }
CALDERA_HD double sin_(double x) { return sin(x); }
CALDERA_HD float floor_(float x) { return floorf(x); }
CALDERA_HD double floor_(double x) { return floor(x); }

// a / b; on the device the fast reciprocal-multiply (2 ulp for |b| in [2^-126, 2^126]) instead of
// IEEE division's instruction sequence: for the per-pixel ratios of small positive numbers here.
CALDERA_HD float div_(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fdividef(a, b);
#else
  return a / b;
#endif
}
CALDERA_HD double div_(double a, double b) { return a / b; }

// min/max that return the other operand for a NaN one (fmin/fmax semantics), so NaN inputs turn
// into a bound instead of spreading.
CALDERA_HD float min_(float a, float b) { return fminf(a, b); }
CALDERA_HD double min_(double a, double b) { return fmin(a, b); }
CALDERA_HD float max_(float a, float b) { return fmaxf(a, b); }
CALDERA_HD double max_(double a, double b) { return fmax(a, b); }
CALDERA_HD int imin_(int a, int b) { return a < b ? a : b; }
CALDERA_HD int imax_(int a, int b) { return a > b ? a : b; }
template <class T>
CALDERA_HD T clamp_(T x, T lo, T hi) {
  return min_(max_(x, lo), hi);
}
template <class T>
CALDERA_HD T max3_(T a, T b, T c) {
  return max_(max_(a, b), c);
}
template <class T>
CALDERA_HD T min3_(T a, T b, T c) {
  return min_(min_(a, b), c);
}
template <class T>
CALDERA_HD bool finite_(T x) {
  return x - x == T(0);  // false for NaN and +-inf
}

struct Vec3d {
  double v[3];
};

// A 3x3 matrix applied to (r, g, b): out_i = sum_j m[i][j] in_j.
template <class T>
struct Mat3 {
  T m[3][3];
  CALDERA_HD void apply(T& r, T& g, T& b) const {
    const T x = m[0][0] * r + m[0][1] * g + m[0][2] * b;
    const T y = m[1][0] * r + m[1][1] * g + m[1][2] * b;
    const T z = m[2][0] * r + m[2][1] * g + m[2][2] * b;
    r = x, g = y, b = z;
  }
};

template <class To, class From>
Mat3<To> cast_mat(const Mat3<From>& a) {
  Mat3<To> o{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) o.m[i][j] = static_cast<To>(a.m[i][j]);
  return o;
}

}  // namespace caldera::hd
