// Internal (CUDA): the end of every measuring kernel. Each block adds its shared-memory histogram
// into one of the state's sub-histograms (skipping empty bins, so real content makes few
// atomics); the last block to finish (a ticket counter) sums the sub-histograms, clears them,
// computes the frame's peak and average and updates the smoothed state, so a stream's
// measurement needs no extra launch and no host round trip. Blocks must have 256 threads.
#pragma once

#include <cuda_runtime.h>

#include "ops/color_pipeline/peak_math.hpp"

namespace caldera::pipeline {

inline constexpr int kPeakThreads = 256;  // = hd::kPeakBins: one thread per bin in the finish
static_assert(kPeakThreads == hd::kPeakBins, "the histogram finish gives every thread one bin");

// An acquire-release fence at GPU scope (host emulation: its scheduling point).
__device__ __forceinline__ void fence_acq_rel_gpu() {
#if defined(__CUDA_ARCH__)
  asm volatile("fence.acq_rel.gpu;" ::: "memory");
#else
  __threadfence();
#endif
}

// Call with every thread of the block (after the block's last atomicAdd to s_hist); `t` is the
// thread's index in the block, `block` the block's index in the grid of `blocks`. Returns, to
// every thread, whether this block was the last (it has updated the state: after a
// __syncthreads() its threads see the new peak).
__device__ inline bool finish_block_histogram(uint32_t* s_hist, hd::PeakStateData* state,
                                              const hd::PeakRule<float>& rule, int t, unsigned block,
                                              unsigned blocks) {
  __shared__ int s_last;
  __shared__ uint32_t s_cum[hd::kPeakBins];
  __shared__ double s_sum[kPeakThreads / 32];
  __shared__ float s_quantile;
  __syncthreads();
  if (s_hist[t]) atomicAdd(&state->hist[block % hd::kPeakSubHistograms][t], s_hist[t]);
  // The block's adds happen before thread 0's release (the barrier orders them at block scope and
  // the fence is cumulative), and the last block's reads after thread 0's acquire: only one
  // thread fences, with acquire-release rather than __threadfence's sequential consistency
  // (whose fence and L1 invalidation in every warp of all 528 blocks, and again in the last
  // one, lengthened the kernel's end).
  __syncthreads();
  if (t == 0) {
    fence_acq_rel_gpu();
    s_last = atomicAdd(&state->blocks_done, 1u) == blocks - 1;
    if (s_last) fence_acq_rel_gpu();
  }
  __syncthreads();
  if (!s_last) return false;
  // The last block: the frame's histogram, one bin per thread (L2 reads: other SMs wrote it).
  uint32_t count = 0;
  for (int k = 0; k < hd::kPeakSubHistograms; ++k) {
    count += __ldcg(&state->hist[k][t]);
    state->hist[k][t] = 0;  // ready for the next frame
  }
  s_cum[t] = count;
  __syncthreads();
  for (int off = 1; off < hd::kPeakBins; off <<= 1) {  // inclusive scan
    const uint32_t v = s_cum[t] + (t >= off ? s_cum[t - off] : 0u);
    __syncthreads();
    s_cum[t] = v;
    __syncthreads();
  }
  double mean_part = static_cast<double>(count) * (t + 0.5);
  for (int off = 16; off > 0; off >>= 1) mean_part += __shfl_down_sync(0xffffffffu, mean_part, off);
  if ((t & 31) == 0) s_sum[t >> 5] = mean_part;
  const double total = s_cum[hd::kPeakBins - 1];
  const double target = static_cast<double>(rule.quantile) * total;
  const double through = s_cum[t], before = through - count;
  if (t == 0) s_quantile = 1.0f;
  __syncthreads();
  if (hd::bin_holds_quantile(before, through, target))
    s_quantile = static_cast<float>(hd::quantile_in_bin<double>(t, before, count, target));
  __syncthreads();
  if (t != 0) return true;
  double sum = 0;
  for (int w = 0; w < kPeakThreads / 32; ++w) sum += s_sum[w];
  const float frame_peak = total > 0 ? s_quantile : 0.0f;
  const float frame_average = total > 0 ? static_cast<float>(sum / (total * hd::kPeakBins)) : 0.0f;
  float peak = state->peak_pq, average = state->average_pq;
  uint32_t frames = state->frames, cuts = state->scene_cuts;
  hd::update_peak_state(rule, frame_peak, frame_average, peak, average, frames, cuts);
  state->peak_pq = peak, state->average_pq = average;
  state->frame_peak_pq = frame_peak, state->frame_average_pq = frame_average;
  state->frames = frames, state->scene_cuts = cuts;
  state->blocks_done = 0;
  return true;
}

}  // namespace caldera::pipeline
