// Internal: the per-pixel colour pipeline shared by the transfer, gamut, tone-mapping, inverse
// tone-mapping and 3D LUT operators. Each operator switches on the stages it needs:
//
//   decode (src format -> R'G'B') -> [lut3d] -> [bt2446a expand | to linear] -> [tone map]
//     -> [gamut] -> [to signal] -> encode (R'G'B' -> dst format)
//
// The stages run on one pixel at a time in the scalar type T (double in the reference, float in
// the generic kernel). Decoding and encoding work on 2x2 blocks (see pipeline_image.hpp).
#pragma once

#include "ops/color_pipeline/gamut_math.hpp"
#include "ops/color_pipeline/lut3d_math.hpp"
#include "ops/color_pipeline/peak_math.hpp"
#include "ops/color_pipeline/tone_math.hpp"
#include "ops/color_pipeline/transfer_math.hpp"

namespace caldera::pipeline {

enum StageFlag : unsigned {
  kStageLut3d = 1u << 0,
  kStageExpand = 1u << 1,    // BT.2446 method A: SDR signal -> cd/m2 (replaces kStageToLinear)
  kStageToLinear = 1u << 2,
  kStageToneMap = 1u << 3,
  kStageGamut = 1u << 4,
  kStageToSignal = 1u << 5,
  kStageMeasure = 1u << 6,   // histogram of the blocks' PQ max-RGB (taken in source light)
};

// How the tone curve's coefficients are found: fixed (computed on the host for a known source
// peak) or rebuilt per launch from a stream's measured peak (device state or host state).
template <class T>
struct ToneStage {
  hd::ToneCoeffs<T> coeffs{};
  int luminance = 0;  // signal: luminance instead of max-RGB
  T ky[3] = {T(0.2627), T(0.678), T(0.0593)};  // source luminance coefficients
  // For rebuilding from a measured peak.
  int curve = hd::kBt2390;
  T target = T(100), target_black = T(0), param = T(0);
};

template <class T>
struct Stages {
  unsigned flags = 0;
  hd::LutView<T> lut{};
  // BT.2446A on a source that is not BT.2020: linearise with gamma 2.4, convert, re-encode.
  int expand_convert = 0;
  hd::Mat3<T> expand_matrix{};
  hd::TransferSide<T> src{}, dst{};
  ToneStage<T> tone{};
  hd::GamutCoeffs<T> gamut{};
  int measure_signal_is_pq = 0;  // the source signal is PQ: measure max(R', G', B') directly
};

template <class To, class From>
Stages<To> cast_stages(const Stages<From>& s) {
  Stages<To> o;
  o.flags = s.flags;
  o.lut.table = s.lut.table;
  o.lut.size = s.lut.size;
  o.lut.tetrahedral = s.lut.tetrahedral;
  for (int i = 0; i < 3; ++i) {
    o.lut.dmin[i] = static_cast<To>(s.lut.dmin[i]);
    o.lut.dscale[i] = static_cast<To>(s.lut.dscale[i]);
    o.tone.ky[i] = static_cast<To>(s.tone.ky[i]);
  }
  o.expand_convert = s.expand_convert;
  o.expand_matrix = hd::cast_mat<To>(s.expand_matrix);
  o.src = hd::cast_side<To>(s.src);
  o.dst = hd::cast_side<To>(s.dst);
  const auto& k = s.tone.coeffs;
  auto& q = o.tone.coeffs;
  q.curve = k.curve, q.identity = k.identity;
  q.target = To(k.target), q.peak = To(k.peak), q.norm = To(k.norm), q.c = To(k.c), q.j = To(k.j);
  q.a = To(k.a), q.b = To(k.b), q.scale = To(k.scale), q.pq_black = To(k.pq_black), q.pq_range = To(k.pq_range);
  q.max_lum = To(k.max_lum), q.min_lum = To(k.min_lum), q.ks = To(k.ks);
  o.tone.luminance = s.tone.luminance;
  o.tone.curve = s.tone.curve;
  o.tone.target = To(s.tone.target), o.tone.target_black = To(s.tone.target_black), o.tone.param = To(s.tone.param);
  o.gamut = hd::cast_gamut<To>(s.gamut);
  o.measure_signal_is_pq = s.measure_signal_is_pq;
  return o;
}

// Runs the stages between decode and encode on one pixel (R'G'B' in, R'G'B' out). `measured`
// receives the pixel's PQ-encoded max-RGB in source light when kStageMeasure is set.
template <class T>
CALDERA_HD void process_pixel(const Stages<T>& s, const hd::ToneCoeffs<T>& tone, T& r, T& g, T& b, T* measured) {
  const unsigned f = s.flags;
  if (f & kStageLut3d) hd::apply_lut(s.lut, r, g, b);
  if ((f & kStageMeasure) && s.measure_signal_is_pq) *measured = hd::clamp_(hd::max3_(r, g, b), T(0), T(1));
  if (f & kStageExpand) {
    if (s.expand_convert) {
      auto lin = [](T v) { return hd::pow_(hd::clamp_(v, T(0), T(1)), T(2.4)); };
      r = lin(r), g = lin(g), b = lin(b);
      s.expand_matrix.apply(r, g, b);
      auto enc = [](T v) { return hd::pow_(hd::clamp_(v, T(0), T(1)), T(1 / 2.4)); };
      r = enc(r), g = enc(g), b = enc(b);
    }
    hd::bt2446a_expand(r, g, b);
  } else if (f & kStageToLinear) {
    hd::signal_to_nits(s.src, r, g, b);
  }
  if ((f & kStageMeasure) && !s.measure_signal_is_pq) *measured = hd::pq_inverse_eotf(hd::max3_(r, g, b));
  if (f & kStageToneMap) {
    const T sig = s.tone.luminance ? s.tone.ky[0] * r + s.tone.ky[1] * g + s.tone.ky[2] * b : hd::max3_(r, g, b);
    const T gain = hd::tone_gain(tone, sig);
    r *= gain, g *= gain, b *= gain;
  }
  if (f & kStageGamut) hd::map_gamut(s.gamut, r, g, b);
  if (f & kStageToSignal) hd::nits_to_signal(s.dst, r, g, b);
}

// The tone coefficients for a launch: the fixed ones, or rebuilt from a measured peak (PQ).
template <class T>
CALDERA_HD hd::ToneCoeffs<T> tone_coeffs_for_peak(const ToneStage<T>& t, T peak_pq) {
  const T peak = hd::max_(hd::pq_eotf(peak_pq), T(1e-3));
  return hd::make_tone_coeffs<T>(t.curve, peak, t.target, t.target_black, t.param);
}

}  // namespace caldera::pipeline
