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

// What the last block's fold leaves for its block (PeakStateData's new values).
struct PeakUpdate {
  float peak_pq;
  uint32_t frames;
};

// Call with every thread of the block (after the block's last atomicAdd to s_hist); `t` is the
// thread's index in the block, `block` the block's index in the grid of `blocks`. Returns, to
// every thread, whether this block was the last (it has updated the state; `update`, in shared
// memory, if given, holds the new peak and frame count after a __syncthreads()).
__device__ inline bool finish_block_histogram(uint32_t* s_hist, hd::PeakStateData* state,
                                              const hd::PeakRule<float>& rule, int t, unsigned block,
                                              unsigned blocks, PeakUpdate* update = nullptr) {
  constexpr int kWarps = kPeakThreads / 32;
  __shared__ int s_last;
  __shared__ uint32_t s_warp_count[kWarps];
  __shared__ double s_sum[kWarps];
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
  // The last block runs on one SM while the others idle, so its steps are kept short: thread 0
  // reads the smoothed state now (no other block writes it in this kernel), in the shadow of
  // the fold's loads, and the scan is two warp-shuffle levels rather than eight barrier rounds.
  float peak = 0, average = 0;
  uint32_t frames = 0, cuts = 0;
  if (t == 0) peak = state->peak_pq, average = state->average_pq, frames = state->frames, cuts = state->scene_cuts;
  // The frame's histogram, one bin per thread (L2 reads: other SMs wrote it).
  uint32_t count = 0;
  for (int k = 0; k < hd::kPeakSubHistograms; ++k) {
    count += __ldcg(&state->hist[k][t]);
    state->hist[k][t] = 0;  // ready for the next frame
  }
  const int lane = t & 31, warp = t >> 5;
  uint32_t through_in_warp = count;  // inclusive scan within the warp
  for (int off = 1; off < 32; off <<= 1) {
    const uint32_t v = __shfl_up_sync(0xffffffffu, through_in_warp, off);
    if (lane >= off) through_in_warp += v;
  }
  double mean_part = static_cast<double>(count) * (t + 0.5);
  for (int off = 16; off > 0; off >>= 1) mean_part += __shfl_down_sync(0xffffffffu, mean_part, off);
  if (lane == 31) s_warp_count[warp] = through_in_warp;
  if (lane == 0) s_sum[warp] = mean_part;
  if (t == 0) s_quantile = 1.0f;
  __syncthreads();
  uint32_t before_warp = 0, all = 0;
  for (int w = 0; w < kWarps; ++w) {
    before_warp += w < warp ? s_warp_count[w] : 0u;
    all += s_warp_count[w];
  }
  const double total = all;
  const double target = static_cast<double>(rule.quantile) * total;
  const double through = before_warp + through_in_warp, before = through - count;
  if (hd::bin_holds_quantile(before, through, target))
    s_quantile = static_cast<float>(hd::quantile_in_bin<double>(t, before, count, target));
  __syncthreads();
  if (t != 0) return true;
  double sum = 0;
  for (int w = 0; w < kWarps; ++w) sum += s_sum[w];
  const float frame_peak = total > 0 ? s_quantile : 0.0f;
  const float frame_average = total > 0 ? static_cast<float>(sum / (total * hd::kPeakBins)) : 0.0f;
  hd::update_peak_state(rule, frame_peak, frame_average, peak, average, frames, cuts);
  state->peak_pq = peak, state->average_pq = average;
  state->frame_peak_pq = frame_peak, state->frame_average_pq = frame_average;
  state->frames = frames, state->scene_cuts = cuts;
  state->blocks_done = 0;
  if (update) update->peak_pq = peak, update->frames = frames;
  return true;
}

}  // namespace caldera::pipeline
