// Internal: the transfer functions of SMPTE ST 2084 (PQ), ITU-R BT.2100 (HLG, with its OOTF),
// ITU-R BT.1886 and IEC 61966-2-1 (sRGB), written once for the reference (double) and the kernels
// (float). Linear light is absolute: cd/m2 ("nits") everywhere. docs/ops/transfer.md states the
// formulas and where each constant comes from.
#pragma once

#include "ops/color_pipeline/hd.hpp"

namespace caldera::hd {

// ---- SMPTE ST 2084 / BT.2100 PQ ------------------------------------------------------------------
// The constants are exact rationals in ST 2084 (m1 = 2610/16384, m2 = 2523/4096 * 128,
// c1 = 3424/4096 = c3 - c2 + 1, c2 = 2413/4096 * 32, c3 = 2392/4096 * 32).
inline constexpr double kPqM1 = 2610.0 / 16384.0;
inline constexpr double kPqM2 = 2523.0 / 4096.0 * 128.0;
inline constexpr double kPqC1 = 3424.0 / 4096.0;
inline constexpr double kPqC2 = 2413.0 / 4096.0 * 32.0;
inline constexpr double kPqC3 = 2392.0 / 4096.0 * 32.0;
inline constexpr double kPqPeak = 10000.0;  // cd/m2 of E' = 1

// E' in [0, 1] (clamped) -> cd/m2 in [0, 10000]. With t = E'^(1/m2) the formula is
// ((t - c1) / (c2 - c3 t))^(1/m1); since 1 - c1 = c2 - c3 = 0.1640625 exactly, it is written in
// u = 1 - t (from expm1, accurate where t is near 1): ((0.1640625 - u) / (0.1640625 + c3 u))^(1/m1).
// The same function; but t - c1 and c2 - c3 t, computed from a rounded t, lose up to 5.7e-5 of the
// light in float (cancellation: c3 t is about 18.5 where c2 - c3 t is 0.16 .. 1), and this form
// 1.7e-6 (measured over every 16-bit code; the double reference is the same either way).
static_assert(1 - kPqC1 == kPqC2 - kPqC3, "ST 2084's c1 = c3 - c2 + 1, exactly in binary");
template <class T>
CALDERA_HD T pq_eotf(T e) {
  e = clamp_(e, T(0), T(1));
  const T u = -expm1_(log_(e) * T(1.0 / kPqM2));  // 1 - E'^(1/m2); E' = 0 gives u = 1
  const T num = max_(T(1 - kPqC1) - u, T(0));
  return T(kPqPeak) * pow_(num / (T(kPqC2 - kPqC3) + T(kPqC3) * u), T(1.0 / kPqM1));
}

// cd/m2 (clamped to [0, 10000]) -> E'.
template <class T>
CALDERA_HD T pq_inverse_eotf(T nits) {
  const T y = clamp_(nits / T(kPqPeak), T(0), T(1));
  const T t = pow_(y, T(kPqM1));
  return pow_((T(kPqC1) + T(kPqC2) * t) / (T(1) + T(kPqC3) * t), T(kPqM2));
}

// ---- BT.2100 HLG ---------------------------------------------------------------------------------
// OETF constants (BT.2100 Table 5): a = 0.17883277, b = 1 - 4a, c = 0.5 - a ln(4a). BT.2100
// prints b and c rounded to 8 digits (0.28466892, 0.55991073); these are the defining formulas
// evaluated in double, so the curve is continuous at E = 1/12.
inline constexpr double kHlgA = 0.17883277;
inline constexpr double kHlgB = 1 - 4 * kHlgA;          // 0.28466892
inline constexpr double kHlgC = 0.559910729529562;      // 0.5 - a ln(4a)

// Scene linear E >= 0 -> E' (E is not clamped above 1: the inverse of E' = 1 is 1 + 3e-8 with the
// rounded a, and a round trip must not lose that; encoders clamp the signal).
template <class T>
CALDERA_HD T hlg_oetf(T e) {
  e = max_(e, T(0));
  return e <= T(1.0 / 12.0) ? sqrt_(T(3) * e) : T(kHlgA) * log_(T(12) * e - T(kHlgB)) + T(kHlgC);
}

// E' in [0, 1] -> scene linear E.
template <class T>
CALDERA_HD T hlg_inverse_oetf(T e) {
  e = clamp_(e, T(0), T(1));
  return e <= T(0.5) ? e * e / T(3) : (exp_((e - T(kHlgC)) / T(kHlgA)) + T(kHlgB)) / T(12);
}

// The HLG display model of BT.2100-2: nominal peak L_W, black L_B, system gamma from L_W
// (1.2 + 0.42 log10(L_W / 1000) for 400..2000 cd/m2; BT.2390's extension 1.2 * 1.111^log2(L_W/1000)
// outside that range), alpha = L_W, beta = sqrt(3 (L_B / L_W)^(1/gamma)) (the black lift).
template <class T>
struct HlgDisplay {
  T alpha = T(1000), beta = T(0), gamma = T(1.2);
};

inline double hlg_system_gamma(double peak) {
  if (peak >= 400 && peak <= 2000) return 1.2 + 0.42 * log10(peak / 1000.0);
  return 1.2 * pow(1.111, log2(peak / 1000.0));
}

template <class T>
HlgDisplay<T> hlg_display(double peak, double black) {
  const double g = hlg_system_gamma(peak);
  HlgDisplay<T> d;
  d.alpha = static_cast<T>(peak);
  d.gamma = static_cast<T>(g);
  d.beta = static_cast<T>(sqrt(3.0 * pow(black / peak, 1.0 / g)));
  return d;
}

// HLG signal (three components) -> display light in cd/m2: F_D = OOTF[OETF^-1[max(0, (1-b)E' + b)]],
// OOTF: F_D = alpha * Y_S^(gamma - 1) * E with Y_S the scene luminance (ky: the signal's luminance
// coefficients).
template <class T>
CALDERA_HD void hlg_to_display(const HlgDisplay<T>& d, const T ky[3], T& r, T& g, T& b) {
  auto scene = [&](T e) { return hlg_inverse_oetf(max_((T(1) - d.beta) * clamp_(e, T(0), T(1)) + d.beta, T(0))); };
  r = scene(r), g = scene(g), b = scene(b);
  const T ys = ky[0] * r + ky[1] * g + ky[2] * b;
  const T s = ys > T(0) ? d.alpha * pow_(ys, d.gamma - T(1)) : T(0);
  r *= s, g *= s, b *= s;
}

// Display light in cd/m2 -> HLG signal: the inverse OOTF (Y_S = (Y_D / alpha)^(1/gamma),
// E = F_D / (alpha Y_S^(gamma-1))), the OETF, then the black lift undone.
template <class T>
CALDERA_HD void display_to_hlg(const HlgDisplay<T>& d, const T ky[3], T& r, T& g, T& b) {
  r = max_(r, T(0)), g = max_(g, T(0)), b = max_(b, T(0));
  const T yd = ky[0] * r + ky[1] * g + ky[2] * b;
  T s = T(0);
  if (yd > T(0)) {
    const T ys = pow_(yd / d.alpha, T(1) / d.gamma);
    s = pow_(ys, T(1) - d.gamma) / d.alpha;
  }
  auto signal = [&](T f) { return clamp_((hlg_oetf(f * s) - d.beta) / (T(1) - d.beta), T(0), T(1)); };
  r = signal(r), g = signal(g), b = signal(b);
}

// ---- BT.1886 -------------------------------------------------------------------------------------
// L = a * max(V + b, 0)^2.4 with a = (Lw^(1/2.4) - Lb^(1/2.4))^2.4, b = Lb^(1/2.4) / (Lw^(1/2.4) - Lb^(1/2.4)).
template <class T>
struct Bt1886 {
  T a = T(100), b = T(0);
};

template <class T>
Bt1886<T> bt1886(double white, double black) {
  const double w = pow(white, 1 / 2.4), k = pow(black, 1 / 2.4);
  return {static_cast<T>(pow(w - k, 2.4)), static_cast<T>(k / (w - k))};
}

template <class T>
CALDERA_HD T bt1886_eotf(const Bt1886<T>& p, T v) {
  return p.a * pow_(max_(v + p.b, T(0)), T(2.4));
}
template <class T>
CALDERA_HD T bt1886_inverse_eotf(const Bt1886<T>& p, T nits) {
  return pow_(max_(nits, T(0)) / p.a, T(1 / 2.4)) - p.b;
}

// ---- IEC 61966-2-1 sRGB (relative: 1.0 is the display white) ---------------------------------------
template <class T>
CALDERA_HD T srgb_eotf(T v) {
  v = max_(v, T(0));
  return v <= T(0.04045) ? v / T(12.92) : pow_((v + T(0.055)) / T(1.055), T(2.4));
}
template <class T>
CALDERA_HD T srgb_inverse_eotf(T l) {
  l = max_(l, T(0));
  return l <= T(0.0031308) ? l * T(12.92) : T(1.055) * pow_(l, T(1 / 2.4)) - T(0.055);
}

// ---- one side of a conversion: a signal and how it becomes light ------------------------------------

enum TransferKind : int { kBt1886 = 0, kSrgb = 1, kLinear = 2, kPq = 3, kHlg = 4 };  // = caldera::Transfer

template <class T>
struct TransferSide {
  int kind = kBt1886;
  Bt1886<T> bt1886{};
  T white = T(100);   // cd/m2 of sRGB 1.0 and of linear 1.0
  HlgDisplay<T> hlg{};
  T ky[3] = {T(0.2627), T(0.678), T(0.0593)};  // luminance coefficients of the signal's primaries (HLG OOTF)
};

template <class To, class From>
TransferSide<To> cast_side(const TransferSide<From>& s) {
  TransferSide<To> o;
  o.kind = s.kind;
  o.bt1886 = {static_cast<To>(s.bt1886.a), static_cast<To>(s.bt1886.b)};
  o.white = static_cast<To>(s.white);
  o.hlg = {static_cast<To>(s.hlg.alpha), static_cast<To>(s.hlg.beta), static_cast<To>(s.hlg.gamma)};
  for (int i = 0; i < 3; ++i) o.ky[i] = static_cast<To>(s.ky[i]);
  return o;
}

// Signal (normalised R'G'B') -> cd/m2. PQ and HLG signals are clamped to [0, 1]; BT.1886 and sRGB
// clamp below 0 and extrapolate above 1; linear is scaled as it is.
template <class T>
CALDERA_HD void signal_to_nits(const TransferSide<T>& s, T& r, T& g, T& b) {
  switch (s.kind) {
    case kBt1886: r = bt1886_eotf(s.bt1886, r), g = bt1886_eotf(s.bt1886, g), b = bt1886_eotf(s.bt1886, b); break;
    case kSrgb: r = s.white * srgb_eotf(r), g = s.white * srgb_eotf(g), b = s.white * srgb_eotf(b); break;
    case kLinear: r *= s.white, g *= s.white, b *= s.white; break;
    case kPq: r = pq_eotf(r), g = pq_eotf(g), b = pq_eotf(b); break;
    default: hlg_to_display(s.hlg, s.ky, r, g, b); break;
  }
}

// cd/m2 -> signal. Negative light is 0 for every non-linear transfer; PQ clamps at 10000 cd/m2 and
// HLG at its signal range; BT.1886 and sRGB are not clamped above (integer outputs clamp codes).
template <class T>
CALDERA_HD void nits_to_signal(const TransferSide<T>& s, T& r, T& g, T& b) {
  switch (s.kind) {
    case kBt1886:
      r = bt1886_inverse_eotf(s.bt1886, r), g = bt1886_inverse_eotf(s.bt1886, g), b = bt1886_inverse_eotf(s.bt1886, b);
      break;
    case kSrgb: r = srgb_inverse_eotf(r / s.white), g = srgb_inverse_eotf(g / s.white), b = srgb_inverse_eotf(b / s.white); break;
    case kLinear: r /= s.white, g /= s.white, b /= s.white; break;
    case kPq: r = pq_inverse_eotf(r), g = pq_inverse_eotf(g), b = pq_inverse_eotf(b); break;
    default: display_to_hlg(s.hlg, s.ky, r, g, b); break;
  }
}

}  // namespace caldera::hd
