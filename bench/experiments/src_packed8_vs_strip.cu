// Standalone experiment (not part of the CMake build): the library's 4K Gaussian 3x3 path
// (blur_detail::launch_fast8, src/ops/blur/fast8.cu, Replicate border) against the standalone
// kernel of strip_tiling.cu in one harness, and that kernel with a 2 KB parameter block (as big as
// SepArgs), each checked against the CPU reference over the whole frame, then timed against a
// copy of the frame. It found the edge strips' gathers that set the library kernel's end
// (docs/benchmarks.md, 2026-12-04). On the GPU machine, from the repository root:
//   nvcc -O3 -std=c++20 -arch=sm_90 -I. -Isrc -Iinclude -o /tmp/src_vs_strip bench/experiments/src_packed8_vs_strip.cu && /tmp/src_vs_strip
// (Nsight Compute: -k regex:packed8_kernelILi1ELb0 or regex:grid_kernelILi8ELi2ELi0.)
// strip_tiling.cu's own main is renamed out of the way.
#define main strip_main
#include "bench/experiments/strip_tiling.cu"  // its kernels, reference and timing
#undef main
#include "src/ops/blur/fast8.cu"

struct BigArgs {
  const uint8_t* src;
  uint8_t* dst;
  int w, h, pitch;
  uint32_t pad[512];
};
__global__ void __launch_bounds__(256) big_kernel(const BigArgs b) {
  tile<8, 2, 0>(Args{b.src, b.dst, b.w, b.h, b.pitch}, blockIdx.x, blockIdx.y);
}

int main() {
  const int w = 3840, h = 2160;
  const size_t bytes = size_t(w) * h;
  cudaDeviceProp prop{};
  CK(cudaGetDeviceProperties(&prop, 0));
  const int n = 12;
  Bufs b{{}, {}, w, h};
  std::vector<uint8_t> host(bytes);
  std::mt19937 rng(7);
  for (int i = 0; i < n; ++i) {
    for (auto& v : host) v = uint8_t(rng());
    uint8_t *s, *d;
    CK(cudaMalloc(&s, bytes));
    CK(cudaMalloc(&d, bytes));
    CK(cudaMemcpy(s, host.data(), bytes, cudaMemcpyHostToDevice));
    b.src.push_back(s), b.dst.push_back(d);
  }
  std::vector<uint8_t> s0(bytes), gauss(bytes);
  CK(cudaMemcpy(s0.data(), b.src[0], bytes, cudaMemcpyDeviceToHost));
  reference(s0, gauss, w, h, 0);
  const double cu = time_us(b, [&](int i) { CK(cudaMemcpyAsync(b.dst[i], b.src[i], bytes, cudaMemcpyDeviceToDevice)); });
  std::printf("memcpy %.2f us\n", cu);
  const dim3 block(32, 8), grid(16, 135);
  for (int rep = 0; rep < 2; ++rep) {
    report(b, gauss, cu, "exp grid 8/2", [&](int i) { grid_kernel<8, 2, 0><<<grid, block>>>(Args{b.src[i], b.dst[i], w, h, w}); }, 2160, 8);
    report(b, gauss, cu, "exp grid 8/2 2KB params", [&](int i) { BigArgs a{b.src[i], b.dst[i], w, h, w, {}}; big_kernel<<<grid, block>>>(a); }, 2160, 8);
    report(b, gauss, cu, "src launch_fast8", [&](int i) {
      caldera::blur_detail::SepArgs a;
      a.src = b.src[i]; a.dst = b.dst[i]; a.src_pitch = a.dst_pitch = w; a.w = w; a.h = h; a.ch = 1;
      a.kx = a.ky = 3; a.ax = a.ay = 1; a.op = 0; a.border = 0;
      a.wx_q16[0] = a.wy_q16[0] = 16384; a.wx_q16[1] = a.wy_q16[1] = 32768; a.wx_q16[2] = a.wy_q16[2] = 16384;
      auto r = caldera::blur_detail::launch_fast8(a, 0);
      if (!r.is_ok() || !*r) { std::printf("launch_fast8 refused\n"); std::exit(1); }
    }, 2160, 8);
  }
  return 0;
}
