// Canny: thresholds and rounding as OpenCV, known edges and hysteresis of the reference, the GPU's
// tiled hysteresis scheme emulated on the host against the reference's flood fill (the same
// slot, union-find and resolve functions the kernels call), then CUDA against the reference.
#include <gtest/gtest.h>

#include <algorithm>
#include <cfenv>
#include <cmath>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "caldera/filter.hpp"
#include "caldera/ops/blur.hpp"
#include "caldera/ops/canny.hpp"
#include "ops/canny/canny_internal.hpp"
#include "ops/canny/hysteresis.hpp"
#include "support/image_testing.hpp"
#include "support/photos.hpp"

namespace caldera {
namespace {

using namespace canny_detail;
using testing::random_image;

CannyParams params(double low, double high, int aperture = 3, bool l2 = false) {
  CannyParams p;
  p.low = low;
  p.high = high;
  p.aperture = aperture;
  p.l2_gradient = l2;
  return p;
}

Image run_reference(ConstImageView src, const CannyParams& p) {
  Image dst = testing::filled_image(src.desc(), 0xA5);
  Status s = canny_reference(src, dst.view(), p);
  EXPECT_TRUE(s) << s.to_string();
  return dst;
}

long count_edges(const Image& img) {
  long n = 0;
  for (int y = 0; y < img.height(); ++y)
    for (int x = 0; x < img.width(); ++x) n += img.view().row(0, y)[x] == 255;
  return n;
}

// ---- plan and arithmetic ----------------------------------------------------------------------------

TEST(CannyPlan, ThresholdsFollowOpenCv) {
  auto p = plan_canny(params(50.7, 120.2));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->low, 50);
  EXPECT_EQ(p->high, 120);
  p = plan_canny(params(200, 100));  // swapped
  EXPECT_EQ(p->low, 100);
  EXPECT_EQ(p->high, 200);
  p = plan_canny(params(10.5, 40000, 3, true));  // squared, capped at 32767 first
  EXPECT_EQ(p->low, 110);                         // floor(110.25)
  EXPECT_EQ(p->high, 32767 * 32767);
  p = plan_canny(params(100, 300, 7));  // divided by 16
  EXPECT_EQ(p->low, 6);
  EXPECT_EQ(p->high, 18);
  EXPECT_TRUE(p->div16);
  EXPECT_EQ(p->kx_dx, (std::vector<int>{-1, -4, -5, 0, 5, 4, 1}));
  for (auto [bad, what] : {std::pair{params(-1, 10), "must be finite and >= 0"}, std::pair{params(1, 10, 4), "aperture 4"}}) {
    auto r = plan_canny(bad);
    ASSERT_FALSE(r);
    EXPECT_NE(r.status().message().find(what), std::string::npos) << r.status().message();
  }
  CannyParams s = params(1, 2, 5);
  s.kernel = DerivKernel::Scharr;
  EXPECT_NE(plan_canny(s).status().message().find("Scharr"), std::string::npos);
}

TEST(CannyPlan, ThresholdsAboveEveryMagnitudeFindNothing) {
  // Thresholds beyond int's range must not wrap (to INT_MIN: every pixel strong); no magnitude
  // (at most about 1.2e9, L2 aperture 5) exceeds them.
  for (double t : {3e9, 1e12, 1e300}) {
    auto p = plan_canny(params(t, t));
    ASSERT_TRUE(p) << t;
    EXPECT_GT(p->low, 1'200'000'000) << t;
    EXPECT_GT(p->high, 1'200'000'000) << t;
  }
  Image step = testing::filled_image({24, 20, PixelFormat::Gray8}, 0);
  for (int y = 0; y < 20; ++y)
    for (int x = 12; x < 24; ++x) step.view().row(0, y)[x] = 255;
  EXPECT_EQ(count_edges(run_reference(step.view(), params(1e10, 2e10))), 0);
  EXPECT_EQ(count_edges(run_reference(step.view(), params(1e10, 2e10, 5, true))), 0);
}

TEST(CannyPlan, DivideBySixteenRoundsHalvesToEven) {
  std::fesetround(FE_TONEAREST);
  for (int raw = -200000; raw <= 200000; ++raw)
    ASSERT_EQ(div16_round_even(raw), static_cast<int>(std::nearbyint(raw / 16.0))) << raw;
}

// ---- reference: known edges and hysteresis ---------------------------------------------------------------

TEST(CannyReference, StepEdgeGivesOneLineAndConstantGivesNone) {
  Image step = testing::filled_image({24, 20, PixelFormat::Gray8}, 0);
  for (int y = 0; y < 20; ++y)
    for (int x = 12; x < 24; ++x) step.view().row(0, y)[x] = 200;
  Image e = run_reference(step.view(), params(50, 150));
  // |gx| = 800 on columns 11 and 12; non-maximum suppression keeps column 11 (m > left and m >=
  // right), the tie at 12 fails m > left.
  for (int y = 0; y < 20; ++y)
    for (int x = 0; x < 24; ++x) EXPECT_EQ(e.view().row(0, y)[x], x == 11 ? 255 : 0) << x << "," << y;
  Image flat = testing::filled_image({24, 20, PixelFormat::Gray8}, 90);
  EXPECT_EQ(count_edges(run_reference(flat.view(), params(0, 1))), 0);
}

TEST(CannyReference, HysteresisFollowsEightConnectedWeakPaths) {
  // 0 none, 1 weak, 2 strong. The strong pixel reaches the weak chain through a diagonal step;
  // the weak island on the right touches nothing strong.
  const std::vector<std::vector<int>> m = {{0, 0, 0, 0, 0, 0, 0, 0},
                                           {0, 2, 0, 0, 0, 0, 1, 1},
                                           {0, 0, 1, 0, 0, 0, 1, 0},
                                           {0, 0, 0, 1, 1, 0, 0, 0},
                                           {0, 0, 0, 0, 0, 1, 0, 0}};
  std::vector<uint8_t> cls;
  for (const auto& r : m)
    for (int v : r) cls.push_back(static_cast<uint8_t>(v));
  const auto e = hysteresis_reference(cls, 8, 5);
  for (int y = 0; y < 5; ++y)
    for (int x = 0; x < 8; ++x) {
      const bool want = (x == 1 && y == 1) || (x == 2 && y == 2) || (x == 3 && y == 3) || (x == 4 && y == 3) || (x == 5 && y == 4);
      EXPECT_EQ(e[y * 8 + x], want ? 255 : 0) << x << "," << y;
    }
}

TEST(CannyReference, MoreThresholdFewerEdgesAndBlurOption) {
  Image photo = testing::example_photo_gray("photo_coffee.png");
  const long loose = count_edges(run_reference(photo.view(), params(20, 60)));
  const long mid = count_edges(run_reference(photo.view(), params(50, 150)));
  const long tight = count_edges(run_reference(photo.view(), params(100, 300)));
  EXPECT_GT(loose, mid);
  EXPECT_GT(mid, tight);
  EXPECT_GT(tight, 0);
  // A pre-blur removes fine texture, so fewer edges remain; it equals blurring first.
  CannyParams b = params(50, 150);
  b.blur_sigma = 1.5;
  const Image with_blur = run_reference(photo.view(), b);
  EXPECT_LT(count_edges(with_blur), mid);
  GaussianParams g;
  g.sigma_x = 1.5;
  Image blurred = testing::filled_image(photo.desc(), 0);
  ASSERT_TRUE(gaussian_blur_reference(photo.view(), blurred.view(), g));
  EXPECT_IMAGES_CLOSE(with_blur.view(), run_reference(blurred.view(), params(50, 150)).view(), 0);
}

TEST(CannyChecks, MessagesNameTheProblem) {
  Status s = check_canny({8, 8, PixelFormat::RGB24}, {8, 8, PixelFormat::Gray8}, CannyParams{});
  EXPECT_NE(s.message().find("src is rgb24"), std::string::npos) << s.message();
  s = check_canny({8, 8, PixelFormat::Gray8}, {8, 9, PixelFormat::Gray8}, CannyParams{});
  EXPECT_NE(s.message().find("8x9"), std::string::npos) << s.message();
  CannyParams p;
  p.blur_sigma = 1;
  p.blur_ksize = 4;
  s = check_canny({8, 8, PixelFormat::Gray8}, {8, 8, PixelFormat::Gray8}, p);
  EXPECT_NE(s.message().find("pre-blur"), std::string::npos) << s.message();
  Image host = random_image(8, 8, PixelFormat::Gray8, 1);
  uint8_t* fake = reinterpret_cast<uint8_t*>(uintptr_t{0x1000});
  ImageView dev({8, 8, PixelFormat::Gray8}, MemoryKind::Device, {ImageView::Plane{fake, 256}, {}, {}}, 0);
  s = canny_cuda(host.view(), dev, CannyParams{}, Workspace{}, nullptr);
  EXPECT_NE(s.message().find("needs device images"), std::string::npos) << s.message();
  EXPECT_GT(canny_workspace_bytes(3840, 2160, CannyParams{}), size_t{120 * 68 * 128 * 5});
  Context cpu;
  Image img = random_image(16, 16, PixelFormat::Gray8, 3);
  s = canny(img.view(), img.view(), CannyParams{}, cpu);
  EXPECT_NE(s.message().find("overlap"), std::string::npos) << s.message();
}

TEST(CannyFilter, ParsesAndRunsOnTheYPlane) {
  Context cpu;
  Image i420 = random_image(64, 40, PixelFormat::I420, 2);
  auto c = parse_filter_chain("canny=low=30:high=90:aperture=5:l2=1:blur=1.2");
  ASSERT_TRUE(c) << c.status().to_string();
  auto out = c->filters[0]->plan(i420.desc());
  ASSERT_TRUE(out) << out.status().to_string();
  EXPECT_EQ(out->format, PixelFormat::Gray8);
  Image dst = testing::filled_image(*out, 0);
  ASSERT_TRUE(c->filters[0]->run(i420.view(), dst.view(), cpu));
  for (auto [chain, what] : {std::pair{"canny=aperture=4", "aperture 4"}, std::pair{"canny=kernel=prewitt", "prewitt"},
                             std::pair{"canny=lo=3", "unknown option 'lo'"}}) {
    auto r = parse_filter_chain(chain);
    ASSERT_FALSE(r) << chain;
    EXPECT_NE(r.status().message().find(what), std::string::npos) << r.status().message();
  }
}

// ---- the GPU's tiled hysteresis, emulated ------------------------------------------------------------------

// Runs the scheme of hysteresis.hpp sequentially, in the kernels' phases, with the union order
// inside each phase shuffled by `seed` (the GPU's order is arbitrary).
std::vector<uint8_t> emulate_tiled(const std::vector<uint8_t>& cls, int w, int h, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const int tiles_x = (w + kTile - 1) / kTile, tiles_y = (h + kTile - 1) / kTile, tiles = tiles_x * tiles_y;
  std::vector<int> parent(static_cast<size_t>(tiles) * kSlots);
  std::vector<uint8_t> flag(parent.size()), out(cls.size());
  std::vector<RingMasks> masks(tiles);
  constexpr int kPix = kTile * kTile;
  std::vector<int> order(kPix);
  std::iota(order.begin(), order.end(), 0);
  for (int ty = 0; ty < tiles_y; ++ty)
    for (int tx = 0; tx < tiles_x; ++tx) {
      const int tile = ty * tiles_x + tx;
      auto cand = [&](int x, int y) {
        const int gx = tx * kTile + x, gy = ty * kTile + y;
        return gx < w && gy < h && cls[static_cast<size_t>(gy) * w + gx] != kNone;
      };
      std::vector<int> label(kPix), rep(kPix, kNoSlot);
      std::vector<uint8_t> root_strong(kPix, 0);
      for (int i = 0; i < kPix; ++i) label[i] = cand(i % kTile, i / kTile) ? i : -1;
      std::shuffle(order.begin(), order.end(), rng);
      for (int i : order) {
        const int x = i % kTile, y = i / kTile;
        if (!cand(x, y)) continue;
        if (x > 0 && cand(x - 1, y)) uf_union(label.data(), i, i - 1);
        if (y > 0 && x > 0 && cand(x - 1, y - 1)) uf_union(label.data(), i, i - kTile - 1);
        if (y > 0 && cand(x, y - 1)) uf_union(label.data(), i, i - kTile);
        if (y > 0 && x < kTile - 1 && cand(x + 1, y - 1)) uf_union(label.data(), i, i - kTile + 1);
      }
      for (int i = 0; i < kPix; ++i)
        if (label[i] >= 0) label[i] = uf_find(label.data(), i);
      for (int i = 0; i < kPix; ++i) {
        if (label[i] < 0) continue;
        const int x = i % kTile, y = i / kTile;
        if (cls[static_cast<size_t>(ty * kTile + y) * w + tx * kTile + x] == kStrong) root_strong[label[i]] = 1;
        const int s = tile_slot(x, y);
        if (s >= 0) rep[label[i]] = std::min(rep[label[i]], s);
      }
      for (int i = 0; i < kPix; ++i) {
        const int gx = tx * kTile + i % kTile, gy = ty * kTile + i / kTile;
        if (gx >= w || gy >= h) continue;
        uint8_t code = 0;
        if (label[i] >= 0) code = rep[label[i]] != kNoSlot ? static_cast<uint8_t>(1 + rep[label[i]]) : (root_strong[label[i]] ? 255 : 0);
        out[static_cast<size_t>(gy) * w + gx] = code;
      }
      for (int s = 0; s < kSlots; ++s) {
        const int node = tile * kSlots + s;
        int px, py;
        parent[node] = node;
        flag[node] = 0;
        if (slot_pixel(s, &px, &py) && label[py * kTile + px] >= 0) {
          const int r = label[py * kTile + px];
          parent[node] = tile * kSlots + rep[r];
          flag[node] = rep[r] == s && root_strong[r];
        }
      }
      RingMasks m{};
      for (int i = 0; i < kTile; ++i) {
        m.m[0] |= uint32_t{cand(i, 0)} << i;
        m.m[1] |= uint32_t{cand(i, kTile - 1)} << i;
        m.m[2] |= uint32_t{cand(0, i)} << i;
        m.m[3] |= uint32_t{cand(kTile - 1, i)} << i;
      }
      masks[tile] = m;
    }
  std::vector<std::pair<int, int>> cross;
  for (int tile = 0; tile < tiles; ++tile)
    for (int t = 0; t < 2 * kTile; ++t) cross.push_back({tile, t});
  std::shuffle(cross.begin(), cross.end(), rng);
  for (auto [tile, t] : cross)
    cross_tile_unions(tile % tiles_x, tile / tiles_x, t, tiles_x, tiles_y, w, h, masks.data(), parent.data());
  std::vector<int> nodes(parent.size());
  std::iota(nodes.begin(), nodes.end(), 0);
  std::shuffle(nodes.begin(), nodes.end(), rng);
  for (int n : nodes) propagate_flag(n, parent.data(), flag.data());
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      uint8_t& c = out[static_cast<size_t>(y) * w + x];
      c = resolve_code(c, (y / kTile) * tiles_x + x / kTile, parent.data(), flag.data());
    }
  return out;
}

std::vector<uint8_t> random_classes(int w, int h, double weak, double strong, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<uint8_t> c(static_cast<size_t>(w) * h);
  for (auto& v : c) {
    const double r = u(rng);
    v = r < strong ? kStrong : r < strong + weak ? kWeak : kNone;
  }
  return c;
}

void expect_emulation_matches(const std::vector<uint8_t>& cls, int w, int h, const std::string& what) {
  const auto want = hysteresis_reference(cls, w, h);
  for (uint64_t seed : {1u, 2u, 3u}) {
    const auto got = emulate_tiled(cls, w, h, seed);
    long diff = 0;
    for (size_t i = 0; i < got.size(); ++i) diff += got[i] != want[i];
    ASSERT_EQ(diff, 0) << what << " seed " << seed;
  }
}

TEST(CannyTiledHysteresis, EqualsTheFloodFillOnRandomClassMaps) {
  const std::pair<int, int> sizes[] = {{1, 1}, {3, 5}, {32, 32}, {33, 31}, {31, 33}, {64, 64}, {100, 70}, {257, 130}};
  for (auto [w, h] : sizes)
    for (auto [weak, strong] : {std::pair{0.3, 0.01}, std::pair{0.5, 0.002}, std::pair{0.6, 0.0005}, std::pair{0.2, 0.2}})
      expect_emulation_matches(random_classes(w, h, weak, strong, static_cast<uint64_t>(w * h)), w, h,
                               std::to_string(w) + "x" + std::to_string(h) + " weak " + std::to_string(weak));
}

TEST(CannyTiledHysteresis, EqualsTheFloodFillOnPathsThatCrossManyTiles) {
  const int w = 300, h = 200;
  // A weak spiral with its only strong pixel at the inner end: it winds through many tiles.
  std::vector<uint8_t> spiral(static_cast<size_t>(w) * h, kNone);
  int x0 = 2, y0 = 2, x1 = w - 3, y1 = h - 3;
  while (x0 < x1 && y0 < y1) {
    for (int x = x0; x <= x1; ++x) spiral[y0 * w + x] = kWeak;
    for (int y = y0; y <= y1; ++y) spiral[y * w + x1] = kWeak;
    for (int x = x0; x <= x1; ++x) spiral[y1 * w + x] = kWeak;
    for (int y = y0 + 2; y <= y1; ++y) spiral[y * w + x0] = kWeak;
    x0 += 2;
    y0 += 2;
    x1 -= 2;
    y1 -= 2;
    if (x0 < x1) spiral[y0 * w + x0 - 2] = kWeak;  // joins the next ring
  }
  spiral[(h / 2) * w + w / 2] = kStrong;
  expect_emulation_matches(spiral, w, h, "spiral");
  // Diagonal lines through tile corners (adjacent only diagonally across four tiles).
  std::vector<uint8_t> diag(static_cast<size_t>(w) * h, kNone);
  for (int i = 0; i < h; ++i) {
    diag[i * w + i] = kWeak;
    diag[i * w + (w - 1 - i)] = kWeak;
    diag[i * w + (i + 64) % w] = i == 150 ? kStrong : kWeak;
  }
  diag[0] = kStrong;
  expect_emulation_matches(diag, w, h, "diagonals");
  // A checkerboard of candidates: everything 8-connected through corners.
  std::vector<uint8_t> checker(static_cast<size_t>(w) * h, kNone);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) checker[y * w + x] = (x + y) % 2 ? kNone : kWeak;
  checker[(h - 1) * w + (w - 1) - ((w - 1 + h - 1) % 2)] = kStrong;
  expect_emulation_matches(checker, w, h, "checkerboard");
}

TEST(CannyTiledHysteresis, EqualsTheFloodFillOnPhotoClassMaps) {
  for (const char* photo : testing::kPhotos) {
    Image g = testing::example_photo_gray(photo);
    for (const CannyParams& p : {params(20, 60), params(50, 150), params(5, 200, 5, true)}) {
      const auto cls = classify_reference(g.view(), *plan_canny(p));
      expect_emulation_matches(cls, g.width(), g.height(), photo);
    }
  }
}

// ---- CUDA against the reference ------------------------------------------------------------------------

void expect_cuda_matches(ConstImageView src, const CannyParams& p, const std::string& what) {
  Context& gpu = *testing::gpu_context();
  const Image want = run_reference(src, p);
  Image dsrc = testing::to_device(src, gpu);
  Image ddst = testing::filled_image(src.desc(), 0xA5, MemoryKind::Device, &gpu);
  Status st = canny_cuda(dsrc.view(), ddst.view(), p, gpu.workspace(), gpu.stream());
  ASSERT_TRUE(st) << what << ": " << st.to_string();
  Image got = testing::to_host(ddst.view(), gpu);
  EXPECT_IMAGES_CLOSE(got.view(), want.view(), 0) << what;
}

std::vector<std::pair<CannyParams, std::string>> cuda_cases() {
  std::vector<std::pair<CannyParams, std::string>> v;
  for (int ap : {3, 5, 7})
    for (bool l2 : {false, true}) v.push_back({params(40, 120, ap, l2), "aperture " + std::to_string(ap) + (l2 ? " L2" : " L1")});
  CannyParams s = params(30, 100);
  s.kernel = DerivKernel::Scharr;
  v.push_back({s, "scharr"});
  CannyParams b = params(20, 60);
  b.blur_sigma = 1.4;
  v.push_back({b, "blur 1.4"});
  CannyParams b5 = params(20, 60, 5);
  b5.blur_ksize = 5;
  v.push_back({b5, "blur ksize 5"});
  v.push_back({params(0, 0), "zero thresholds"});
  v.push_back({params(1000, 2000), "nothing strong"});
  return v;
}

TEST(CannyCuda, MatchesReferenceOnOddSizesAndRandomData) {
  CALDERA_REQUIRE_GPU();
  const std::pair<int, int> sizes[] = {{1, 1}, {3, 5}, {31, 33}, {32, 32}, {41, 39}, {100, 7}, {257, 130}};
  for (auto& [p, name] : cuda_cases())
    for (auto [w, h] : sizes) {
      Image src = random_image(w, h, PixelFormat::Gray8, static_cast<uint64_t>(w * 3 + h));
      expect_cuda_matches(src.view(), p, name + " " + std::to_string(w) + "x" + std::to_string(h));
    }
}

TEST(CannyCuda, MatchesReferenceOnPhotosLargeFramesAndCrops) {
  CALDERA_REQUIRE_GPU();
  Image big = random_image(1921, 1081, PixelFormat::Gray8, 4);
  for (auto& [p, name] : cuda_cases()) {
    for (const char* photo : testing::kPhotos) {
      Image g = testing::example_photo_gray(photo);
      expect_cuda_matches(g.view(), p, name + " " + photo);
      // An odd crop: unaligned rows (the byte-wise resolve kernel).
      expect_cuda_matches(*ConstImageView(g.view()).sub_view({3, 1, 401, 257}), p, name + " crop " + photo);
    }
    expect_cuda_matches(big.view(), p, name + " 1921x1081");
  }
}

TEST(CannyCuda, LongEdgesAcrossManyTiles) {
  CALDERA_REQUIRE_GPU();
  // Smooth rings: long closed edges that wind through many tiles, with weak stretches.
  Image rings = testing::filled_image({1000, 700, PixelFormat::Gray8}, 0);
  for (int y = 0; y < 700; ++y)
    for (int x = 0; x < 1000; ++x) {
      const double r = std::hypot(x - 480.0, y - 340.0);
      rings.view().row(0, y)[x] = static_cast<uint8_t>(127.5 + 127.5 * std::sin(r / 9.0 + 0.002 * x));
    }
  for (auto& [p, name] : cuda_cases()) expect_cuda_matches(rings.view(), p, name + " rings");
}

}  // namespace
}  // namespace caldera
