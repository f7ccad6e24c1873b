// Standalone experiment (not part of the CMake build): how far packed f16 arithmetic in the fused
// HDR10 -> SDR kernel's middle stages (the gain product, the BT.2020 -> BT.709 matrix, the gamut
// compression and desaturation; the two reciprocals kept in float, as MUFU would) would move
// the output codes, against the same math in float, over random 10-bit Y'CbCr codes with the
// default curve (BT.2390, source 4000 cd/m2). The EOTF and BT.1886 are exact here, so this is
// f16's error alone; the kernel's tables add theirs (tests/ops/tonemap_test.cpp: 2.1e-4 of the
// samples beyond 1 code, budget 1e-3). On the development machine, after a build:
//   g++ -std=c++20 -O2 -Isrc -Iinclude bench/experiments/f16_middle_stages.cpp build/libcaldera.a
//     -L/usr/local/cuda/lib64 -lcudart_static -ldl -lpthread -lrt -o /tmp/f16 && /tmp/f16
// (one command line)
// 2026-12-04: luma moves by more than 0.5 code for 8.2e-3 of the pixels, by more than 1 code for
// 3.7e-4, at most 3.6 codes; one pixel's chroma by more than 1 code for 1.4e-2, at most 9.3 codes
// (the worst are dark colours, light ~1e-5..4e-3: the compression's products fall below f16's
// normal range, the factor comes out 0 and the pixel grey). With the compression on the ratios
// to the luminance (mid_ratio): luma 4.1e-5 beyond 1 code, at most 1.15; one pixel's chroma still
// 1.3e-2 beyond 1 code, at most 2.7. Neither fits the fused kernel's 1-code budget (1e-3 of the
// samples, of which the tables already take 2.1e-4) as it is; the 2x2 chroma mean and keeping
// the final mix in float were not tried.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

#include "ops/color_pipeline/transfer_math.hpp"
#include "ops/tonemap/tonemap_internal.hpp"
using namespace caldera;
struct Out {
  float v[3];
};

// The stages both forms share: the gain product, the matrix, the luminance and the channels'
// extremes (in H); then one form's desaturation factor s (in float, from H values), and the mix.
template <class H>
struct Light {
  H l[3], y, mn, mx;
};
template <class H>
Light<H> light(const hd::GamutCoeffs<float>& c, float er, float eg, float eb, float k) {
  const H in[3] = {H(std::clamp(er * k, 0.f, 1.f)), H(std::clamp(eg * k, 0.f, 1.f)), H(std::clamp(eb * k, 0.f, 1.f))};
  Light<H> o;
  for (int j = 0; j < 3; ++j) o.l[j] = H(c.m.m[j][0]) * in[0] + H(c.m.m[j][1]) * in[1] + H(c.m.m[j][2]) * in[2];
  o.y = H(c.ky[0]) * o.l[0] + H(c.ky[1]) * o.l[1] + H(c.ky[2]) * o.l[2];
  o.mn = std::min({o.l[0], o.l[1], o.l[2]}), o.mx = std::max({o.l[0], o.l[1], o.l[2]});
  return o;
}
template <class H>
Out mix(const Light<H>& x, float s) {
  auto sat = [](H v) { return v < H(0) ? H(0) : (v > H(1) ? H(1) : v); };
  const H hs = H(s);
  Out o;
  for (int j = 0; j < 3; ++j) o.v[j] = float(sat(x.y + hs * (x.l[j] - x.y)));
  return o;
}

// As the kernel computes it (pixel_fast), the two reciprocals in float (MUFU).
template <class H>
Out mid(const hd::GamutCoeffs<float>& c, float er, float eg, float eb, float k) {
  const Light<H> x = light<H>(c, er, eg, eb, k);
  const H d = x.y - x.mn, h = x.mx - x.y, t = H(c.threshold);
  const H u = std::max(H(d - t * x.y), H(0));
  const H w = (H(1) - t) * x.y, den = H(c.k) * u + w;
  const float f = float(t * x.y * den + w * u) / float(d * den);
  return mix(x, std::clamp(std::min(f, float(H(1) - x.y) / float(h)), 0.f, 1.f));
}
// The same in terms of the distances relative to the luminance (r = d / y, q = h / y; one float
// reciprocal of y): the compression's factor is homogeneous of degree 0, and its products stay
// near 1 instead of falling below f16's normal range for dark colours.
template <class H>
Out mid_ratio(const hd::GamutCoeffs<float>& c, float er, float eg, float eb, float k) {
  const Light<H> x = light<H>(c, er, eg, eb, k);
  const H iy = H(1.0f / float(x.y));
  const H r = (x.y - x.mn) * iy, q = (x.mx - x.y) * iy, t = H(c.threshold);
  const H u = std::max(H(r - t), H(0));
  const H w = H(1) - t, den = H(c.k) * u + w;
  const float f = float(t * den + w * u) / float(r * den);
  return mix(x, std::clamp(std::min(f, float(iy - H(1)) / float(q)), 0.f, 1.f));
}

int main() {
  ToneMapParams p;
  p.source_peak = 4000;
  ColorDesc s;
  s.transfer = Transfer::PQ, s.primaries = Primaries::BT2020, s.matrix = Matrix::BT2020NCL;
  const auto st = pipeline::cast_stages<float>(tonemap_detail::tonemap_stages(s, ColorDesc{}, p, 4000, false));
  hd::GamutCoeffs<float> c = st.gamut;
  c.peak = 1;
  const float target = st.tone.target, a = st.dst.bt1886.a, b = st.dst.bt1886.b;
  for (int ratio = 0; ratio < 2; ++ratio) {
    std::mt19937 rng(1);
    std::uniform_int_distribution<int> code(64, 940), ccode(64, 960);
    const double kr = 0.2627, kb = 0.0593, kg = 1 - kr - kb;
    long n = 0, over_half = 0, over_one = 0, c_over_one = 0;
    double worst = 0, c_worst = 0;
    for (int i = 0; i < 2000000; ++i) {
      const float Y = (code(rng) - 64) / 876.f, Cb = (ccode(rng) - 512) / 896.f, Cr = (ccode(rng) - 512) / 896.f;
      float r = std::clamp(float(Y + 2 * (1 - kr) * Cr), 0.f, 1.f),
            bb = std::clamp(float(Y + 2 * (1 - kb) * Cb), 0.f, 1.f);
      float g = std::clamp(float(Y - (kr * 2 * (1 - kr) * Cr + kb * 2 * (1 - kb) * Cb) / kg), 0.f, 1.f);
      const float mp = std::max({r, g, bb});
      const float k = hd::tone_gain(st.tone.coeffs, hd::pq_eotf(mp));
      const float er = hd::pq_eotf(r) / target, eg = hd::pq_eotf(g) / target, eb = hd::pq_eotf(bb) / target;
      const auto o32 = mid<float>(c, er, eg, eb, k);
      const auto o16 = ratio ? mid_ratio<_Float16>(c, er, eg, eb, k) : mid<_Float16>(c, er, eg, eb, k);
      auto luma = [&](const float* v) {
        double s = 0;
        const double ky[3] = {0.2126, 0.7152, 0.0722};
        for (int j = 0; j < 3; ++j) s += ky[j] * (std::pow(v[j] * target / a, 1 / 2.4) - b);
        return 219 * s + 16;
      };
      // Chroma of the pixel alone (the kernel averages a 2x2 block, which can only shrink this).
      auto chroma = [&](const float* v, int which) {
        double e[3];
        for (int j = 0; j < 3; ++j) e[j] = std::pow(v[j] * target / a, 1 / 2.4) - b;
        const double y = 0.2126 * e[0] + 0.7152 * e[1] + 0.0722 * e[2];
        return 224 * (which ? (e[0] - y) / 1.5748 : (e[2] - y) / 1.8556) + 128;
      };
      const double dy = std::fabs(luma(o32.v) - luma(o16.v));
      const double dc =
          std::max(std::fabs(chroma(o32.v, 0) - chroma(o16.v, 0)), std::fabs(chroma(o32.v, 1) - chroma(o16.v, 1)));
      ++n;
      over_half += dy > 0.5;
      over_one += dy > 1;
      worst = std::max(worst, dy);
      c_over_one += dc > 1;
      c_worst = std::max(c_worst, dc);
    }
    printf("%s: ", ratio ? "f16, compression on r = d / y" : "f16 as the kernel's float");
    printf("luma: %ld pixels, |f16 - f32| > 0.5 code: %.2e, > 1 code: %.2e, worst %.2f codes\n", n,
           double(over_half) / n, double(over_one) / n, worst);
    printf("chroma (one pixel): > 1 code: %.2e, worst %.2f codes\n", double(c_over_one) / n, c_worst);
  }
}
