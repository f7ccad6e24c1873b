// The host emulation of CUDA (cuda_emu.hpp, through header_kernels.hpp as the header kernels' tests
// use it) reports the mistakes it is there to find, and its intrinsics mean what CUDA's do: a
// checker that stays silent proves nothing.
#include "emu/header_kernels.hpp"

#include <gtest/gtest.h>

#include <cfenv>
#include <cmath>

namespace caldera {
namespace {

bool reported(const std::vector<std::string>& errors, const std::string& what) {
  for (const auto& e : errors)
    if (e.find(what) != std::string::npos) return true;
  return false;
}

void divergent_barrier_kernel() {
  if (threadIdx.x < 100) __syncthreads();
  else __syncthreads();
}

void barrier_after_return_kernel() {
  if (threadIdx.x == 5) return;
  __syncthreads();
}

void uniform_kernel(unsigned* counter, double* sums) {
  __shared__ unsigned s_value;
  const int t = threadIdx.y * blockDim.x + threadIdx.x;
  if (t == 0) s_value = 40;
  __syncthreads();
  atomicAdd(counter, s_value + blockIdx.x);
  double v = t;
  for (int off = 16; off > 0; off >>= 1) v += __shfl_down_sync(0xffffffffu, v, off);
  if ((t & 31) == 0) sums[t / 32] = v;
}

TEST(CudaHostEmulation, ReportsDivergentBarriersAndBarriersAfterAReturn) {
  emu::HostGrid grid;
  grid.run(dim3(2), dim3(128), 0, [] { divergent_barrier_kernel(); });
  EXPECT_TRUE(reported(emu::take_errors(), "wait at different barriers"));
  grid.run(dim3(1), dim3(128), 0, [] { barrier_after_return_kernel(); });
  EXPECT_TRUE(reported(emu::take_errors(), "reached by 127 of 128"));
}

TEST(CudaHostEmulation, RunsEveryThreadOfEveryBlockWithSharedMemoryAndShuffles) {
  emu::HostGrid grid;
  unsigned counter = 0;
  double sums[4] = {};
  grid.run(dim3(3, 2), dim3(32, 4), 0, [&] { uniform_kernel(&counter, sums); }, {5, 0, 3, 1, 4, 2});
  EXPECT_TRUE(emu::take_errors().empty());
  EXPECT_EQ(counter, 128u * (6 * 40 + 0 + 1 + 2 + 0 + 1 + 2));  // blockIdx.x of the 3x2 grid
  for (int w = 0; w < 4; ++w) EXPECT_EQ(sums[w], 32 * (32 * w) + 31 * 32 / 2) << w;
}

TEST(CudaHostEmulation, RefusesABlockOrderThatIsNotAPermutation) {
  unsigned counter = 0;
  emu::HostGrid().run(dim3(3), dim3(32), 0, [&] { atomicAdd(&counter, 1u); }, {0, 0, 2});
  EXPECT_TRUE(reported(emu::take_errors(), "does not name each of the 3 blocks once"));
  EXPECT_EQ(counter, 0u);
}

TEST(CudaHostEmulation, DynamicSharedMemoryStartsAsNanAndHasTheLaunchSize) {
  float first = 0;
  emu::HostGrid().run(dim3(1), dim3(32), 64 * 1024, [&] {
    CALDERA_DYNAMIC_SHARED(float, s);
    if (threadIdx.x == 0) first = s[0];
  });
  for (const std::string& e : emu::take_errors()) ADD_FAILURE() << e;
  EXPECT_TRUE(std::isnan(first)) << first;
}

TEST(CudaHostEmulation, ReportsLoadsOutsideTheRegisteredRanges) {
  alignas(16) unsigned char buf[64] = {};
  emu::allow_reads(buf, 20);
  (void)__ldg(reinterpret_cast<const uint4*>(buf));  // bytes 0..15: inside
  EXPECT_TRUE(emu::take_errors().empty());
  (void)__ldg(reinterpret_cast<const uint4*>(buf + 16));  // bytes 16..31: past the end
  EXPECT_TRUE(reported(emu::take_errors(), "outside every readable range"));
  (void)__ldg(buf + 40);
  EXPECT_TRUE(reported(emu::take_errors(), "outside every readable range"));
  emu::stop_checking_reads();
}

TEST(CudaHostEmulation, IntrinsicsMeanWhatCudasDo) {
  // __fadd_rd against the host's own round-down mode.
  std::fesetround(FE_DOWNWARD);
  volatile float a = 0.1f, b = 12582912.0f, c = 1e-30f, d = 255.99998f;
  const float want1 = a + b, want2 = c + b, want3 = d + b;
  std::fesetround(FE_TONEAREST);
  EXPECT_EQ(__fadd_rd(a, b), want1);
  EXPECT_EQ(__fadd_rd(c, b), want2);
  EXPECT_EQ(__fadd_rd(d, b), want3);
  EXPECT_EQ(__float_as_uint(__fadd_rd(255.0f, 12582912.0f)) & 0xffu, 255u);
  EXPECT_EQ(__byte_perm(0x44332211u, 0x88776655u, 0x0040), 0x11115511u);
  EXPECT_EQ(__byte_perm(0x44332211u, 0x88776655u, 0x5410), 0x66552211u);
  EXPECT_EQ(__saturatef(NAN), 0.0f);
  EXPECT_EQ(__saturatef(-1.0f), 0.0f);
  EXPECT_EQ(__saturatef(2.0f), 1.0f);
}

}  // namespace
}  // namespace caldera
