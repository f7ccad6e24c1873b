// Standalone experiment (not part of the CMake build): could the fused HDR10 -> SDR kernel read its
// whole per-pixel map (PQ R'G'B' -> BT.1886 R'G'B': EOTF, tone curve, BT.2020 -> BT.709 matrix,
// gamut mapping, inverse EOTF) from one 3D LUT filtered by the texture unit, and stay within the
// fused kernel's budget against the reference (tests/ops/tonemap_test.cpp: at most 1e-3 of the
// samples beyond 1 code, none beyond 8)? On the device that would be one trilinear TEX per pixel
// in place of ~90 ALU instructions (the kernel is instruction-issue bound: 110.8 warp instructions
// per pixel, H200 2026-12-04), but the hardware filter holds each weight in 9-bit fixed point with
// 8 fractional bits (CUDA programming guide, "Texture Fetching", linear filtering), and the texels
// are f16 or f32. This emulates that filter on the host and compares the codes with
// tonemap_reference on the tests' random frames, for every curve, signal and gamut mapping.
// On the development machine, after a build:
//   g++ -std=c++20 -O2 -Isrc -Iinclude -Itests bench/experiments/lut3d_fused_tonemap.cpp
//     build/tests/libcaldera_test_support.a build/libcaldera.a -L/usr/local/cuda/lib64
//     -lcudart_static -ldl -lpthread -lrt -o /tmp/lut3d && /tmp/lut3d
// (one command line). The results are in the comment at the end of this file.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "caldera/ops/tonemap.hpp"
#include "ops/tonemap/tonemap_internal.hpp"
#include "support/image_testing.hpp"

using namespace caldera;

namespace {

ColorDesc hdr10() {
  ColorDesc c;
  c.transfer = Transfer::PQ, c.primaries = Primaries::BT2020, c.matrix = Matrix::BT2020NCL;
  return c;
}

// A cube of n^3 texels, 4 channels (BT.1886 R'G'B' of the destination and its Y' code), stored
// as the texture would hold them (f16 or f32).
struct Cube {
  int n = 0;
  bool f16 = false;
  bool light = false;  // texels hold the destination's light (cd/m2); BT.1886's inverse after the fetch
  hd::TransferSide<double> dst{};
  std::vector<float> texels;  // [b][g][r][4], already rounded to the storage type
  const float* at(int r, int g, int b) const { return &texels[((static_cast<size_t>(b) * n + g) * n + r) * 4]; }
};

float store(float v, bool f16) { return f16 ? static_cast<float>(static_cast<_Float16>(v)) : v; }

Cube build_cube(const pipeline::Stages<double>& st, int n, bool f16, bool light) {
  Cube c;
  c.n = n, c.f16 = f16, c.light = light, c.dst = st.dst;
  c.texels.resize(static_cast<size_t>(n) * n * n * 4);
  pipeline::Stages<double> s = st;
  s.flags &= ~static_cast<unsigned>(pipeline::kStageMeasure);
  if (light) s.flags &= ~static_cast<unsigned>(pipeline::kStageToSignal);
  const double ky[3] = {0.2126, 0.7152, 0.0722};
  for (int b = 0; b < n; ++b)
    for (int g = 0; g < n; ++g)
      for (int r = 0; r < n; ++r) {
        double v[3] = {double(r) / (n - 1), double(g) / (n - 1), double(b) / (n - 1)};
        pipeline::process_pixel(s, s.tone.coeffs, v[0], v[1], v[2], static_cast<double*>(nullptr));
        float* t = &c.texels[((static_cast<size_t>(b) * n + g) * n + r) * 4];
        for (int j = 0; j < 3; ++j) t[j] = store(static_cast<float>(v[j]), f16);
        t[3] = store(static_cast<float>(219 * (ky[0] * v[0] + ky[1] * v[1] + ky[2] * v[2]) + 16), f16);
      }
  return c;
}

// Linear filtering as the texture unit does it: unnormalized coordinate x = v (n - 1) + 0.5,
// clamped addressing, weights quantized to 1/256 (`quantize`: round to nearest; else exact).
void fetch(const Cube& c, float r, float g, float b, bool quantize, float out[4]) {
  int i0[3], i1[3];
  float a[3];
  const float v[3] = {r, g, b};
  for (int d = 0; d < 3; ++d) {
    const float xb = std::clamp(v[d], 0.0f, 1.0f) * (c.n - 1);  // x - 0.5
    int i = static_cast<int>(std::floor(xb));
    float f = xb - i;
    if (quantize) f = std::round(f * 256) / 256;
    if (i >= c.n - 1) i = c.n - 2, f = 1;
    i0[d] = i, i1[d] = i + 1, a[d] = f;
  }
  for (int k = 0; k < 4; ++k) out[k] = 0;
  for (int corner = 0; corner < 8; ++corner) {
    const int ir = corner & 1 ? i1[0] : i0[0], ig = corner & 2 ? i1[1] : i0[1], ib = corner & 4 ? i1[2] : i0[2];
    const float w = (corner & 1 ? a[0] : 1 - a[0]) * (corner & 2 ? a[1] : 1 - a[1]) * (corner & 4 ? a[2] : 1 - a[2]);
    const float* t = c.at(ir, ig, ib);
    for (int k = 0; k < 4; ++k) out[k] += w * t[k];
  }
}

uint8_t code8(double v) { return static_cast<uint8_t>(std::clamp(std::floor(v + 0.5), 0.0, 255.0)); }

struct Score {
  long samples = 0, over_one = 0;
  int worst = 0;
  void add(int got, int want) {
    const int d = std::abs(got - want);
    ++samples, over_one += d > 1, worst = std::max(worst, d);
  }
};

// The LUT kernel, emulated: decode as the fused kernel does (saturated PQ R'G'B'), one fetch per
// pixel, luma from the fourth channel, chroma from the 2x2 mean of R'G'B'.
Score compare(const Image& src, const Image& want, const Cube& cube, bool quantize) {
  const int w = src.width(), h = src.height();
  const double kr = 0.2627, kb = 0.0593, kg = 1 - kr - kb;
  const ConstImageView s = src.view(), o = want.view();
  Score sc;
  for (int by = 0; by < (h + 1) / 2; ++by)
    for (int bx = 0; bx < (w + 1) / 2; ++bx) {
      const uint16_t* crow = reinterpret_cast<const uint16_t*>(s.plane(1).data + s.plane(1).pitch * by);
      const float cb = ((crow[2 * bx] >> 6) - 512) / 896.0f, cr = ((crow[2 * bx + 1] >> 6) - 512) / 896.0f;
      double sum[3] = {0, 0, 0};
      int count = 0;
      for (int y = 2 * by; y < std::min(h, 2 * by + 2); ++y)
        for (int x = 2 * bx; x < std::min(w, 2 * bx + 2); ++x) {
          const uint16_t* row = reinterpret_cast<const uint16_t*>(s.plane(0).data + s.plane(0).pitch * y);
          const float Y = ((row[x] >> 6) - 64) / 876.0f;
          const float r = std::clamp(float(Y + 2 * (1 - kr) * cr), 0.f, 1.f),
                      b = std::clamp(float(Y + 2 * (1 - kb) * cb), 0.f, 1.f),
                      g = std::clamp(float(Y - (kr * 2 * (1 - kr) * cr + kb * 2 * (1 - kb) * cb) / kg), 0.f, 1.f);
          float t[4];
          fetch(cube, r, g, b, quantize, t);
          if (cube.light) {
            double v[3] = {std::max(0.0f, t[0]), std::max(0.0f, t[1]), std::max(0.0f, t[2])};
            hd::nits_to_signal(cube.dst, v[0], v[1], v[2]);
            for (int j = 0; j < 3; ++j) t[j] = static_cast<float>(v[j]);
            t[3] = static_cast<float>(219 * (0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]) + 16);
          }
          sc.add(code8(t[3]), o.plane(0).data[o.plane(0).pitch * y + x]);
          for (int j = 0; j < 3; ++j) sum[j] += t[j];
          ++count;
        }
      for (double& v : sum) v /= count;
      const double yy = 0.2126 * sum[0] + 0.7152 * sum[1] + 0.0722 * sum[2];
      const uint8_t* ouv = o.plane(1).data + o.plane(1).pitch * by;
      sc.add(code8(224 * (sum[2] - yy) / 1.8556 + 128), ouv[2 * bx]);
      sc.add(code8(224 * (sum[0] - yy) / 1.5748 + 128), ouv[2 * bx + 1]);
    }
  return sc;
}

}  // namespace

int main(int argc, char** argv) {
  const bool all = argc > 1 && std::strcmp(argv[1], "all") == 0;
  const ImageDesc sd{1921, 1081, PixelFormat::P010, hdr10()}, dd{1921, 1081, PixelFormat::NV12, ColorDesc{}};
  const Image src = caldera::testing::random_image(sd, 17);
  printf("%-9s %-9s %-10s | %-28s | %-28s | %-28s | %-28s\n", "curve", "signal", "gamut", "33^3 f16 q8", "65^3 f16 q8",
         "65^3 f32 exact",
         "65^3 f32 exact, light out");
  for (ToneCurve c : {ToneCurve::Bt2390, ToneCurve::Hable, ToneCurve::Reinhard, ToneCurve::Mobius, ToneCurve::Clip})
    for (ToneSignal sig : {ToneSignal::MaxRgb, ToneSignal::Luminance})
      for (GamutMapping g : {GamutMapping::Compress, GamutMapping::Desaturate, GamutMapping::Clip, GamutMapping::None}) {
        if (!all && (sig != ToneSignal::MaxRgb || (g != GamutMapping::Compress && c != ToneCurve::Bt2390))) continue;
        ToneMapParams p;
        p.curve = c, p.signal = sig, p.gamut.mapping = g, p.source_peak = 4000;
        Image want = caldera::testing::filled_image(dd, 0);
        if (Status s = tonemap_reference(src.view(), want.view(), p); !s) {
          printf("reference: %s\n", s.to_string().c_str());
          return 1;
        }
        const auto st = tonemap_detail::tonemap_stages(hdr10(), ColorDesc{}, p, 4000, false);
        printf("%-9s %-9s %-10s", tone_curve_name(c), tone_signal_name(sig), gamut_mapping_name(g));
        const struct {
          int n;
          bool f16, quantize, light;
        } variants[] = {{33, true, true, false}, {65, true, true, false}, {65, false, false, false}, {65, false, false, true}};
        for (const auto& v : variants) {
          const Score sc = compare(src, want, build_cube(st, v.n, v.f16, v.light), v.quantize);
          printf(" | >1: %8.2e worst %3d      ", double(sc.over_one) / sc.samples, sc.worst);
        }
        printf("\n");
        fflush(stdout);
      }
}

// 2026-12-04, on the tests' random 1921x1081 frame (seed 17; source 4000 cd/m2, BT.709 out), the
// fraction of samples beyond 1 code and the worst difference, against tonemap_reference:
//   curve     signal  gamut      | 33^3 f16 q8      | 65^3 f16 q8      | 65^3 f32 exact   | 65^3 f32, light out
//   bt2390    maxrgb  compress   | 1.32e-2, 37      | 4.03e-3, 31      | 4.04e-3, 31      | 4.22e-3, 34
//   bt2390    maxrgb  desaturate | 2.97e-2, 64      | 1.21e-2, 57      | 1.21e-2, 57      | 1.71e-2, 61
//   bt2390    maxrgb  clip       | 3.27e-2, 21      | 1.26e-2, 16      | 1.26e-2, 15      | 1.93e-2, 22
//   bt2390    maxrgb  none       | 2.93e-2, 20      | 1.22e-2, 16      | 1.22e-2, 16      | 5.54e-4, 6
//   hable     maxrgb  compress   | 1.16e-2, 25      | 3.21e-3, 23      | 3.22e-3, 23      | 3.31e-3, 25
//   reinhard  maxrgb  compress   | 1.23e-2, 28      | 3.85e-3, 25      | 3.85e-3, 25      | 4.04e-3, 28
//   mobius    maxrgb  compress   | 1.30e-2, 32      | 4.16e-3, 27      | 4.16e-3, 27      | 4.38e-3, 30
//   clip      maxrgb  compress   | 2.46e-2, 41      | 8.89e-3, 36      | 8.88e-3, 36      | 9.45e-3, 39
// The hardware's 8-bit weights and f16 texels cost nothing measurable (columns 2 and 3 agree):
// the error is the interpolation itself. The map has kinks inside the cube that no grid follows
// (max-RGB's switch of channel, the curve's end at the source peak, the gamut mapping's bounds
// where a channel reaches 0, steepest after BT.1886's inverse), and even 65^3 misses the budget
// 4x on the fraction and 4x on the worst code. Interpolating light instead of the signal helps
// only without gamut mapping. So the per-pixel math stays; a LUT would need a looser, documented
// accuracy (a grading LUT's, not the reference's), which the fused kernel does not offer.
