// Test-only: a host emulation of the CUDA execution model, so the operators' real .cu files can run
// (compiled as C++ by the host compiler) on machines without a GPU and be compared with their CPU
// references. tests/emu/emulate_cu.py turns a .cu file into a C++ file that includes this header
// first and launches through emu::launch; see tests/emu/README.md.
//
// What is emulated: every thread of a block is a fiber (cuda_emu.cpp) that runs until it reaches
// __syncthreads(), a warp-synchronous intrinsic (__shfl_*_sync, __ballot_sync) or its end; blocks
// run one after another. __shared__ variables become function statics (one block runs at a time)
// and dynamic shared memory is a buffer of exactly the launch's size, filled with NaN bytes (0xFF) per block.
// What is checked, besides the results the tests compare: launch limits (block and grid sizes,
// gridDim.y/z <= 65535, dynamic shared memory <= 48 KiB, a non-null stream), barriers reached by
// every thread of the block at the same line and with no thread exited, warp intrinsics met by
// every lane of the mask at the same line, __ldg alignment, and (under AddressSanitizer, which
// the emulated tests are built with) every out-of-bounds read or write of global or shared memory.
// Schedules: fibers and blocks in order, reversed, or shuffled (with random yields at atomics), so a
// result that depends on an ordering a kernel does not enforce shows up as a difference.
#pragma once

#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

namespace emu {

enum class Schedule { Forward, Reverse, Shuffled };

// The schedule of the following launches and the seed of the shuffled one.
void set_schedule(Schedule s, uint64_t seed = 1);
// Everything the checks found since the last call (empty: no problem), and clears it.
std::vector<std::string> take_problems();
// How many launches ran since the last call, and clears the count.
int take_launch_count();

// ---- used by the rewritten .cu files --------------------------------------------------------------

void launch(dim3 grid, dim3 block, size_t shared_bytes, cudaStream_t stream, const std::function<void()>& body,
            const char* kernel, const char* file, int line);
void* dynamic_shared();
void syncthreads(const char* file, int line);
const uint3& thread_idx();
extern uint3 g_block_idx;
extern dim3 g_block_dim, g_grid_dim;
void report(const std::string& problem);
// A point where the shuffled schedule may switch to another thread (atomics, union-find reads).
void maybe_yield();

enum class WarpOp : int { ShflUp, ShflDown, ShflIdx, ShflXor, Ballot };
uint64_t warp_op(WarpOp op, unsigned mask, uint64_t value, int arg, const char* file, int line);

template <class T>
T shfl(WarpOp op, unsigned mask, T v, int arg, const char* file, int line) {
  static_assert(sizeof(T) <= 8 && std::is_trivially_copyable_v<T>);
  uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof(T));
  bits = warp_op(op, mask, bits, arg, file, line);
  T out;
  std::memcpy(&out, &bits, sizeof(T));
  return out;
}

// Read checking (off until allow_reads is called): every __ldg / __ldcg must lie inside one
// registered range - for images the bytes of each row's pixels, not the pitch's padding, which
// AddressSanitizer cannot tell from the pixels.
void allow_reads(const void* p, size_t bytes);
void stop_checking_reads();
void check_read(const void* p, size_t bytes, const char* file, int line);

// The most dynamic shared memory the next launches may take (48 KiB, as without an opt-in; the
// fused HDR kernels opt in to more with cudaFuncSetAttribute).
void set_shared_limit(size_t bytes);
// The order in which the next launch runs its blocks (linear indices; empty: the schedule's).
void set_block_order(std::vector<long long> order);

template <class T>
T ldg(const T* p, const char* file, int line) {
  if (reinterpret_cast<uintptr_t>(p) % alignof(T) != 0)
    report(std::string(file) + ":" + std::to_string(line) + ": __ldg of a " + std::to_string(sizeof(T)) +
           "-byte value from a misaligned address");
  check_read(p, sizeof(T), file, line);
  return *p;
}

cudaError_t get_last_error();
cudaError_t memcpy2d_async(void* dst, size_t dpitch, const void* src, size_t spitch, size_t width, size_t height,
                           cudaMemcpyKind kind, cudaStream_t stream);
cudaError_t memset_async(void* dst, int value, size_t bytes, cudaStream_t stream);

// Programmatic dependent launch (cudaLaunchKernelEx with the stream-serialization attribute):
// the emulation runs launches one after another, so a kernel always starts after the previous one
// ended and its cudaGridDependencySynchronize() has nothing to wait for.
template <class... Params, class... Args>
cudaError_t launch_kernel_ex(const cudaLaunchConfig_t* cfg, void (*kernel)(Params...), Args&&... args) {
  launch(cfg->gridDim, cfg->blockDim, cfg->dynamicSmemBytes, cfg->stream, [&] { kernel(args...); },
         "cudaLaunchKernelEx", __FILE__, __LINE__);
  return cudaSuccess;
}

}  // namespace emu

// ---- the CUDA names the kernels use ----------------------------------------------------------------

#undef __shared__
#define __shared__ static
#undef __launch_bounds__
#define __launch_bounds__(...)
#undef __grid_constant__
#define __grid_constant__
#define threadIdx (::emu::thread_idx())
#define blockIdx (::emu::g_block_idx)
#define blockDim (::emu::g_block_dim)
#define gridDim (::emu::g_grid_dim)
#define __syncthreads() ::emu::syncthreads(__FILE__, __LINE__)
#define __shfl_up_sync(mask, v, d) ::emu::shfl(::emu::WarpOp::ShflUp, (mask), (v), (d), __FILE__, __LINE__)
#define __shfl_down_sync(mask, v, d) ::emu::shfl(::emu::WarpOp::ShflDown, (mask), (v), (d), __FILE__, __LINE__)
#define __shfl_sync(mask, v, l) ::emu::shfl(::emu::WarpOp::ShflIdx, (mask), (v), (l), __FILE__, __LINE__)
#define __shfl_xor_sync(mask, v, l) ::emu::shfl(::emu::WarpOp::ShflXor, (mask), (v), (l), __FILE__, __LINE__)
#define __ballot_sync(mask, pred) \
  static_cast<unsigned>(::emu::warp_op(::emu::WarpOp::Ballot, (mask), (pred) ? 1u : 0u, 0, __FILE__, __LINE__))
#define __ldg(p) ::emu::ldg((p), __FILE__, __LINE__)
#define __ldcg(p) ::emu::ldg((p), __FILE__, __LINE__)
#define __threadfence() ::emu::maybe_yield()
#define cudaLaunchKernelEx ::emu::launch_kernel_ex
#define cudaGridDependencySynchronize() ((void)0)
#define cudaTriggerProgrammaticLaunchCompletion() ((void)0)
// Host CUDA runtime calls the kernels' launchers make, redirected (there is no device).
#define cudaGetLastError() ::emu::get_last_error()
#define cudaMemcpy2DAsync ::emu::memcpy2d_async
#define cudaMemsetAsync ::emu::memset_async
// core/cuda_check.hpp's inline helpers call cudaGetLastError: renamed here, so this translation
// unit's copies (which call the emulation) never merge with the library's.
#define check_launch emu_check_launch
#define cuda_status emu_cuda_status
// The Canny union-find's host path (ops/canny/hysteresis.hpp): internal linkage in emulated units
// (the same reason), and a switch point before each shared read-modify-write so the shuffled
// schedule interleaves concurrent unions.
#define CALDERA_CANNY_HD static inline
#define CALDERA_CANNY_YIELD() ::emu::maybe_yield()

inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }
inline unsigned min(unsigned a, unsigned b) { return a < b ? a : b; }
inline unsigned max(unsigned a, unsigned b) { return a > b ? a : b; }
inline long long min(long long a, long long b) { return a < b ? a : b; }
inline long long max(long long a, long long b) { return a > b ? a : b; }

inline float __fdiv_rn(float a, float b) { return a / b; }  // IEEE division, as the device's
inline double __dadd_rn(double a, double b) { return a + b; }
inline double __dmul_rn(double a, double b) { return a * b; }
inline double __ddiv_rn(double a, double b) { return a / b; }

inline int atomicMin(int* p, int v) {
  ::emu::maybe_yield();
  const int old = *p;
  if (v < old) *p = v;
  return old;
}
inline unsigned atomicMin(unsigned* p, unsigned v) {
  ::emu::maybe_yield();
  const unsigned old = *p;
  if (v < old) *p = v;
  return old;
}
inline int atomicAdd(int* p, int v) {
  ::emu::maybe_yield();
  const int old = *p;
  *p = old + v;
  return old;
}
inline unsigned atomicAdd(unsigned* p, unsigned v) {
  ::emu::maybe_yield();
  const unsigned old = *p;
  *p = old + v;
  return old;
}
inline int atomicCAS(int* p, int cmp, int v) {
  ::emu::maybe_yield();
  const int old = *p;
  if (old == cmp) *p = v;
  return old;
}
inline unsigned atomicOr(unsigned* p, unsigned v) {
  ::emu::maybe_yield();
  const unsigned old = *p;
  *p = old | v;
  return old;
}

// Bit casts and arithmetic intrinsics, each with its CUDA meaning (__fadd_rd rounds down exactly;
// __log2f, __frcp_rn and the like are the accurate host functions, the device's are within an ulp
// or two of them).
inline float __uint_as_float(unsigned u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
inline unsigned __float_as_uint(float f) {
  unsigned u;
  std::memcpy(&u, &f, 4);
  return u;
}
// a + b rounded toward -inf: the nearest sum, one step down where the exact sum is below it (the
// rounding error from Knuth's two-sum, exact in round-to-nearest).
inline float __fadd_rd(float a, float b) {
  volatile float s = a + b;
  const float bb = s - a;
  const float e = (a - (s - bb)) + (b - bb);
  return e < 0 ? std::nextafter(static_cast<float>(s), -INFINITY) : static_cast<float>(s);
}
inline float __saturatef(float x) { return x > 0.0f ? (x < 1.0f ? x : 1.0f) : 0.0f; }  // NaN -> 0
inline float __frcp_rn(float x) { return 1.0f / x; }
inline float __log2f(float x) { return log2f(x); }
inline float __fdividef(float a, float b) { return a / b; }
inline unsigned __umulhi(unsigned a, unsigned b) { return static_cast<unsigned>((static_cast<uint64_t>(a) * b) >> 32); }
// The SIMD halfword ops: each 16-bit half on its own (no carry or borrow across).
template <class F>
inline unsigned emu_per_half(unsigned a, unsigned b, F f) {
  const unsigned lo = f(a & 0xFFFFu, b & 0xFFFFu) & 0xFFFFu, hi = f(a >> 16, b >> 16) & 0xFFFFu;
  return hi << 16 | lo;
}
inline unsigned __vminu2(unsigned a, unsigned b) { return emu_per_half(a, b, [](unsigned x, unsigned y) { return x < y ? x : y; }); }
inline unsigned __vsubus2(unsigned a, unsigned b) { return emu_per_half(a, b, [](unsigned x, unsigned y) { return x > y ? x - y : 0u; }); }
inline unsigned __vabsdiffu2(unsigned a, unsigned b) { return emu_per_half(a, b, [](unsigned x, unsigned y) { return x > y ? x - y : y - x; }); }
inline unsigned __byte_perm(unsigned x, unsigned y, unsigned s) {
  const uint64_t v = static_cast<uint64_t>(y) << 32 | x;
  unsigned r = 0;
  for (int n = 0; n < 4; ++n) {
    const unsigned sel = (s >> (4 * n)) & 0xf;
    if (sel & 8) ::emu::report("__byte_perm's sign-replicating selector is not emulated");
    r |= static_cast<unsigned>((v >> (8 * (sel & 7))) & 0xff) << (8 * n);
  }
  return r;
}
