// Internal: the HDR -> SDR tone curves (ITU-R BT.2390 EETF, Hable, Reinhard, Moebius, clip) as
// functions of absolute luminance, and the SDR -> HDR expansion of ITU-R BT.2446 method A. Written
// once for the reference (double) and the kernels (float); the coefficients can be made on the
// device too, because the source peak of a stream with peak detection is only known there.
// docs/ops/tonemap.md states the formulas.
#pragma once

#include "ops/color_pipeline/transfer_math.hpp"

namespace caldera::hd {

enum ToneCurveKind : int { kBt2390 = 0, kHable = 1, kReinhard = 2, kMobius = 3, kClip = 4 };  // = caldera::ToneCurve

template <class T>
struct ToneCoeffs {
  int curve = kBt2390;
  int identity = 1;   // the source fits the target: out = min(L, target)
  T target = T(100);  // cd/m2
  T peak = T(1);      // source peak / target
  // Hable: 1 / h(peak). Reinhard: (peak + c) / peak and c. Moebius: j, a, b, scale.
  T norm = T(1), c = T(1), j = T(0.3), a = T(0), b = T(0), scale = T(1);
  // BT.2390: PQ of the source black and white, max/min target luminance and the knee KS in
  // the source's normalised PQ range.
  T pq_black = T(0), pq_range = T(1), max_lum = T(1), min_lum = T(0), ks = T(1);
};

// Hable's filmic curve with the constants FFmpeg's vf_tonemap uses (A..F = 0.15, 0.5, 0.1, 0.2,
// 0.02, 0.3): h(x) = (x (A x + C B) + D E) / (x (A x + B) + D F) - E / F, written as one fraction,
// x (A (F - E) x + B (C F - E)) / (F (x (A x + B) + D F)), so that small x (dark pixels, and the
// gain h(x) / x near 0) loses nothing to cancellation in float.
template <class T>
CALDERA_HD T hable_curve(T x) {
  const T A = T(0.15), B = T(0.5), C = T(0.1), D = T(0.2), E = T(0.02), F = T(0.3);
  return x * (A * (F - E) * x + B * (C * F - E)) / (F * (x * (A * x + B) + D * F));
}

// The coefficients of `curve` for a source peak and a target peak and black (cd/m2). `param` is
// Reinhard's c or Moebius's knee j (both in units of the target peak); NaN picks the default.
template <class T>
CALDERA_HD ToneCoeffs<T> make_tone_coeffs(int curve, T source_peak, T target_peak, T target_black, T param) {
  ToneCoeffs<T> k;
  k.curve = curve;
  k.target = target_peak;
  k.peak = source_peak / target_peak;
  // A source no brighter than the target (1/1024 of slack for rounding) is left alone.
  k.identity = curve == kClip || !(k.peak > T(1.0009765625));
  if (k.identity) return k;
  const T p = k.peak;
  switch (curve) {
    case kHable: k.norm = T(1) / hable_curve(p); break;
    case kReinhard:
      k.c = param == param ? param : T(1);
      k.norm = (p + k.c) / p;
      break;
    case kMobius: {
      const T j = param == param ? param : T(0.3);
      k.j = j;
      k.a = -j * j * (p - T(1)) / (j * j - T(2) * j + p);
      k.b = (j * j - T(2) * j * p + p) / (p - T(1));
      k.scale = (k.b * k.b + T(2) * k.b * j + j * j) / (k.b - k.a);
      break;
    }
    default: {  // BT.2390: the source range [0, source peak] in PQ, source black 0
      k.pq_black = pq_inverse_eotf(T(0));
      k.pq_range = pq_inverse_eotf(source_peak) - k.pq_black;
      k.max_lum = (pq_inverse_eotf(target_peak) - k.pq_black) / k.pq_range;
      k.min_lum = (pq_inverse_eotf(target_black) - k.pq_black) / k.pq_range;
      k.ks = max_(T(1.5) * k.max_lum - T(0.5), T(0));
      break;
    }
  }
  return k;
}

// Normalised input x = L / target (x >= 0) -> normalised output in [0, 1]. Inputs above the source
// peak map to the target peak.
template <class T>
CALDERA_HD T tone_curve_normalised(const ToneCoeffs<T>& k, T x) {
  if (k.identity) return min_(x, T(1));
  T y = x;
  switch (k.curve) {
    case kHable: y = hable_curve(x) * k.norm; break;
    case kReinhard: y = x / (x + k.c) * k.norm; break;
    case kMobius: y = x <= k.j ? x : k.scale * (x + k.a) / (x + k.b); break;
    default: {
      const T e1 = (pq_inverse_eotf(x * k.target) - k.pq_black) / k.pq_range;
      // Below the knee the EETF is the identity (E2 = E1, and without a black lift E3 = E2):
      // return the input itself rather than its PQ round trip, which float cannot keep near black.
      if (e1 <= k.ks && k.min_lum <= T(0)) return min_(x, T(1));
      T e2 = e1;
      if (e1 >= T(1)) {
        e2 = k.max_lum;
      } else if (e1 > k.ks) {
        // Hermite spline from (KS, KS) with slope 1 to (1, maxLum) with slope 0.
        const T t = (e1 - k.ks) / (T(1) - k.ks), t2 = t * t, t3 = t2 * t;
        e2 = (T(2) * t3 - T(3) * t2 + T(1)) * k.ks + (t3 - T(2) * t2 + t) * (T(1) - k.ks) +
             (T(3) * t2 - T(2) * t3) * k.max_lum;
      }
      const T m = T(1) - e2, m2 = m * m;
      const T e3 = e2 + k.min_lum * m2 * m2;  // black level lift
      y = pq_eotf(e3 * k.pq_range + k.pq_black) / k.target;
      break;
    }
  }
  return clamp_(y, T(0), T(1));
}

// Luminance (cd/m2) -> tone-mapped luminance (cd/m2, at most the target).
template <class T>
CALDERA_HD T tone_curve(const ToneCoeffs<T>& k, T nits) {
  return tone_curve_normalised(k, max_(nits, T(0)) / k.target) * k.target;
}

// The gain that maps a pixel whose tone signal (max-RGB or luminance) is `s` cd/m2: RGB * gain
// keeps the pixel's chromaticity. 0 for s <= 0 (black stays black).
template <class T>
CALDERA_HD T tone_gain(const ToneCoeffs<T>& k, T s) {
  if (!(s > T(0))) return T(0);
  return tone_curve(k, s) / s;
}

// ---- ITU-R BT.2446 method A, SDR -> HDR (Report BT.2446-1, Table 4) ------------------------------
// Input: SDR R'G'B' (gamma 2.4) in BT.2020 primaries. Output: linear light in cd/m2, 1000 at
// SDR white. Y'CbCr use BT.2020's coefficients; Y'' = 255 Y'; Y_HDR = Y''^E with E a quadratic
// in Y'' (T = 70); chroma scaled by 1.075 Y_HDR / Y'; R'G'B'_HDR clipped to [0, 1000] and
// linearised with gamma 2.4.
inline constexpr double kItmKr = 0.2627, kItmKb = 0.0593, kItmKg = 1 - kItmKr - kItmKb;
inline constexpr double kItmPeak = 1000.0;

// The method's luma expansion: Y' in [0, 1] -> Y_HDR in [0, 1000] (still non-linear).
template <class T>
CALDERA_HD T bt2446a_luma(T y) {
  const T y2 = T(255) * clamp_(y, T(0), T(1));
  const T e = y2 <= T(70) ? (T(1.8712e-5) * y2 + T(-2.7334e-3)) * y2 + T(1.3141)
                          : (T(2.8305e-6) * y2 + T(-7.4622e-4)) * y2 + T(1.2528);
  return pow_(y2, e);
}

template <class T>
CALDERA_HD void bt2446a_expand(T& r, T& g, T& b) {
  const T y = T(kItmKr) * r + T(kItmKg) * g + T(kItmKb) * b;
  const T cb = (b - y) / T(2 * (1 - kItmKb));  // 1.8814
  const T cr = (r - y) / T(2 * (1 - kItmKr));  // 1.4746
  const T yc = clamp_(y, T(0), T(1));
  const T yh = bt2446a_luma(yc);
  const T sc = yc > T(0) ? T(1.075) * yh / yc : T(1);
  const T cbh = cb * sc, crh = cr * sc;
  const T rh = yh + T(2 * (1 - kItmKr)) * crh;
  const T gh = yh - T(2 * kItmKb * (1 - kItmKb) / kItmKg) * cbh - T(2 * kItmKr * (1 - kItmKr) / kItmKg) * crh;
  const T bh = yh + T(2 * (1 - kItmKb)) * cbh;
  auto linear = [](T v) { return T(kItmPeak) * pow_(clamp_(v, T(0), T(kItmPeak)) / T(kItmPeak), T(2.4)); };
  r = linear(rh), g = linear(gh), b = linear(bh);
}

}  // namespace caldera::hd
