// The measuring kernels' block finish (ops/color_pipeline/peak_cuda.cuh) run on the host through
// the CUDA emulation: every block flushes its histogram, takes a ticket, and the last one folds the
// frame into the state and leaves the state ready for the next launch. Checked against the host
// reference (peak_math.hpp in double) over frames, grid sizes and block orders.
#include "emu/header_kernels.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "ops/color_pipeline/peak_cuda.cuh"

namespace caldera {
namespace {

struct Frame {
  const float* values;  // one PQ value per 2x2 block
  int count;
  hd::PeakStateData* state;
  hd::PeakRule<float> rule;
};

// A measuring kernel reduced to its histogram: a grid-stride loop over the frame's block values
// (so some blocks of a large grid find nothing), then the finish every measuring kernel ends with.
void measure_kernel(const Frame f) {
  __shared__ uint32_t s_hist[hd::kPeakBins];
  const int t = threadIdx.x;
  s_hist[t] = 0;
  __syncthreads();
  for (int i = blockIdx.x * pipeline::kPeakThreads + t; i < f.count; i += gridDim.x * pipeline::kPeakThreads)
    atomicAdd(&s_hist[hd::peak_bin(f.values[i])], 1u);
  pipeline::finish_block_histogram(s_hist, f.state, f.rule, t, blockIdx.x, gridDim.x);
}

struct HostState {
  double peak = 0, average = 0, frame_peak = 0, frame_average = 0;
  uint32_t frames = 0, cuts = 0;
};

TEST(PeakFinishEmulated, LastBlockFoldsEveryFrameAndResetsForTheNext) {
  emu::HostGrid grid(pipeline::kPeakThreads);
  std::mt19937 rng(7);
  hd::PeakRule<double> rule_d;
  rule_d.quantile = 0.999, rule_d.alpha = 0.25, rule_d.scene_threshold = 0.1;
  hd::PeakRule<float> rule;
  rule.quantile = static_cast<float>(rule_d.quantile), rule.alpha = static_cast<float>(rule_d.alpha);
  rule.scene_threshold = static_cast<float>(rule_d.scene_threshold);
  for (int blocks : {1, 3, 8, 37}) {
    hd::PeakStateData state{};
    HostState host;
    for (int frame = 0; frame < 6; ++frame) {
      // Frame sizes from empty through fewer values than threads to several per thread; a scene
      // cut at frame 3 (a darker distribution).
      const int count = frame == 0 ? 0 : (frame == 1 ? 5 : 1000 + 7919 * frame);
      std::uniform_real_distribution<float> u(frame >= 3 ? 0.0f : 0.3f, frame >= 3 ? 0.4f : 0.9f);
      std::vector<float> values(count);
      for (float& v : values) v = u(rng);
      if (count > 3) values[0] = 1.0f, values[1] = -0.5f, values[2] = 1.5f;  // the clamped ends
      std::vector<int> order(blocks);
      for (int b = 0; b < blocks; ++b) order[b] = b;
      std::shuffle(order.begin(), order.end(), rng);
      const Frame f{values.data(), count, &state, rule};
      grid.run(dim3(blocks), dim3(pipeline::kPeakThreads), 0, [&] { measure_kernel(f); }, order);
      for (const std::string& e : emu::take_errors()) ADD_FAILURE() << e;

      uint32_t hist[hd::kPeakBins] = {};
      for (float v : values) ++hist[hd::peak_bin<double>(v)];
      const double fp = hd::histogram_quantile<double>(hist, rule_d.quantile);
      const double fa = hd::histogram_mean<double>(hist);
      hd::update_peak_state(rule_d, fp, fa, host.peak, host.average, host.frames, host.cuts);
      SCOPED_TRACE(::testing::Message() << blocks << " blocks, frame " << frame);
      EXPECT_NEAR(state.frame_peak_pq, fp, 1e-6);
      EXPECT_NEAR(state.frame_average_pq, fa, 1e-6);
      EXPECT_NEAR(state.peak_pq, host.peak, 1e-6);
      EXPECT_NEAR(state.average_pq, host.average, 1e-6);
      EXPECT_EQ(state.frames, host.frames);
      EXPECT_EQ(state.scene_cuts, host.cuts);
      // Ready for the next launch: no tickets, empty sub-histograms.
      EXPECT_EQ(state.blocks_done, 0u);
      uint64_t left = 0;
      for (auto& sub : state.hist)
        for (uint32_t c : sub) left += c;
      EXPECT_EQ(left, 0u);
    }
    EXPECT_GE(state.scene_cuts, 1u) << blocks << " blocks: the darker scene from frame 3 on is a cut";
  }
}

}  // namespace
}  // namespace caldera
