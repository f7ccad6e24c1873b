// Internal: peak detection for tone mapping. Each frame's 2x2 blocks go into a histogram of their
// PQ-encoded max-RGB (256 bins over [0, 1]); the frame's peak is a percentile of it (interpolated
// inside its bin), its average the histogram's mean. Both are smoothed over frames by an
// exponential moving average in the PQ domain and reset at a scene cut (the frame average moving
// by more than a threshold). The same code runs on the host (the reference, double) and in the
// last block of the kernels (float).
#pragma once

#include <stdint.h>

#include "ops/color_pipeline/hd.hpp"

namespace caldera::hd {

inline constexpr int kPeakBins = 256;
inline constexpr int kPeakSubHistograms = 8;  // blocks flush into one of these to spread atomics
inline constexpr int kCurveEntries = 129;      // lines of a curve table kept in the state

// The device state of one stream (also mirrored on the host for the reference).
struct PeakStateData {
  float peak_pq = 0, average_pq = 0;              // smoothed
  float frame_peak_pq = 0, frame_average_pq = 0;  // last frame
  uint32_t frames = 0, scene_cuts = 0;
  uint32_t blocks_done = 0;  // blocks of the running kernel that have flushed their histogram
  uint32_t pad = 0;
  uint32_t hist[kPeakSubHistograms][kPeakBins] = {};
  // A curve table for peak_pq: the fused HDR10 -> SDR kernel's last block writes its gain table
  // (kCurveEntries lines a, b) after it has updated the peak, so that the blocks of the next frame
  // read it instead of each rebuilding it. The key names the curve it was built for, curve_frames
  // the value of `frames` it goes with (another kernel that updates the state leaves it stale).
  uint64_t curve_key = 0;
  uint32_t curve_frames = 0, curve_pad = 0;
  float curve_lines[2 * kCurveEntries] = {};
};

template <class T>
struct PeakRule {
  T quantile = T(0.99995);  // percentile / 100
  T alpha = T(1);           // moving-average weight of the new frame
  T scene_threshold = T(0.1);
};

// The bin of a block's PQ-encoded max-RGB v in [0, 1].
template <class T>
CALDERA_HD int peak_bin(T v) {
  const int b = static_cast<int>(clamp_(v, T(0), T(1)) * T(kPeakBins));
  return b < kPeakBins ? b : kPeakBins - 1;
}

// Bin b holds the quantile when the blocks below it are fewer than `target` (= quantile * total)
// and those up to it are not; the value is interpolated inside the bin.
template <class T>
CALDERA_HD bool bin_holds_quantile(T before, T through, T target) {
  return before < target && through >= target;
}
template <class T>
CALDERA_HD T quantile_in_bin(int b, T before, T count, T target) {
  return (T(b) + clamp_((target - before) / count, T(0), T(1))) / T(kPeakBins);
}

// The quantile of a histogram (serially; the kernels test every bin at once).
template <class T>
CALDERA_HD T histogram_quantile(const uint32_t* count, T quantile) {
  T total = T(0);
  for (int b = 0; b < kPeakBins; ++b) total += T(count[b]);
  if (!(total > T(0))) return T(0);
  const T target = quantile * total;
  T before = T(0);
  for (int b = 0; b < kPeakBins; ++b) {
    const T through = before + T(count[b]);
    if (bin_holds_quantile(before, through, target)) return quantile_in_bin(b, before, T(count[b]), target);
    before = through;
  }
  return T(1);
}

// The histogram's mean, each block at its bin's centre.
template <class T>
CALDERA_HD T histogram_mean(const uint32_t* count) {
  T total = T(0), sum = T(0);
  for (int b = 0; b < kPeakBins; ++b) {
    total += T(count[b]);
    sum += T(count[b]) * (T(b) + T(0.5));
  }
  return total > T(0) ? sum / (total * T(kPeakBins)) : T(0);
}

// Folds one frame's measurement into the state.
template <class T>
CALDERA_HD void update_peak_state(const PeakRule<T>& rule, T frame_peak, T frame_average, T& peak, T& average,
                                  uint32_t& frames, uint32_t& scene_cuts) {
  const T change = frame_average - average;
  if (frames == 0 || change >= rule.scene_threshold || -change >= rule.scene_threshold) {
    if (frames > 0) ++scene_cuts;
    peak = frame_peak;
    average = frame_average;
  } else {
    peak += rule.alpha * (frame_peak - peak);
    average += rule.alpha * (frame_average - average);
  }
  ++frames;
}

}  // namespace caldera::hd
