// 3D LUTs: .cube parsing (sizes 17, 33, 65, domains, titles, comments) and its errors with line
// numbers; trilinear and tetrahedral interpolation against independent evaluations; the operator
// on images; CUDA against the reference.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include <unistd.h>

#include "caldera/ops/lut3d.hpp"
#include "core/sample_io.hpp"
#include "ops/color_pipeline/lut3d_math.hpp"
#include "support/image_testing.hpp"

namespace caldera {
namespace {

// A smooth non-linear grade: what the table samples.
void grade(const double in[3], double out[3]) {
  out[0] = std::copysign(std::pow(std::fabs(in[0]), 0.8), in[0]) * 0.9 + 0.05 * in[2];
  out[1] = 0.5 + 0.5 * std::sin(2.0 * in[1] - 1.0) * 0.9;
  out[2] = in[2] * in[2] * 0.7 + 0.2 * in[0] * in[1];
}

std::string cube_text(int n, const std::string& extra_header = "", double lo = 0, double hi = 1) {
  std::ostringstream s;
  s << "# a test LUT\nTITLE \"grade #1\"\n" << extra_header << "LUT_3D_SIZE " << n << "\n\n";
  s.precision(9);
  for (int b = 0; b < n; ++b)
    for (int g = 0; g < n; ++g)
      for (int r = 0; r < n; ++r) {
        const double in[3] = {lo + (hi - lo) * r / (n - 1), lo + (hi - lo) * g / (n - 1), lo + (hi - lo) * b / (n - 1)};
        double out[3];
        grade(in, out);
        s << out[0] << " " << out[1] << " " << out[2] << "\r\n";
      }
  return s.str();
}

TEST(CubeFile, ParsesTheUsualSizes) {
  for (int n : {17, 33, 65}) {
    auto lut = Lut3d::parse_cube(cube_text(n));
    ASSERT_TRUE(lut) << lut.status().to_string();
    EXPECT_EQ(lut->size(), n);
    EXPECT_EQ(lut->title(), "grade #1");
    // Entries in file order: red fastest.
    for (auto [r, g, b] : {std::array<int, 3>{0, 0, 0}, {n - 1, 0, 0}, {3, 7, 11}, {n - 1, n - 1, n - 1}}) {
      const double in[3] = {double(r) / (n - 1), double(g) / (n - 1), double(b) / (n - 1)};
      double out[3];
      grade(in, out);
      const auto e = lut->entry(r, g, b);
      for (int c = 0; c < 3; ++c) EXPECT_NEAR(e[c], out[c], 1e-7) << n << " " << r << g << b;
    }
  }
}

TEST(CubeFile, ReadsDomainsAndResolveRanges) {
  auto lut = Lut3d::parse_cube(cube_text(5, "DOMAIN_MIN 0 -0.5 0\nDOMAIN_MAX 1 1.5 2\n"));
  ASSERT_TRUE(lut) << lut.status().to_string();
  EXPECT_EQ(lut->domain_min()[1], -0.5);
  EXPECT_EQ(lut->domain_max()[2], 2);
  auto resolve = Lut3d::parse_cube(cube_text(5, "LUT_3D_INPUT_RANGE 0 4\n"));
  ASSERT_TRUE(resolve) << resolve.status().to_string();
  EXPECT_EQ(resolve->domain_max()[0], 4);
}

TEST(CubeFile, MalformedFilesNameTheLine) {
  struct Case {
    std::string text, says;
  };
  const std::string rows8 = "0 0 0\n1 0 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n";
  const Case cases[] = {
      {"LUT_3D_SIZE 2\n" + rows8 + "1 1 1\n0 0 0\n", "line 10: more table lines than LUT_3D_SIZE^3 = 8"},
      {"LUT_3D_SIZE 2\n" + rows8, "ends after 7 of 8 lines"},
      {"LUT_3D_SIZE 2\n0 0\n", "line 2: expected 3 numbers (r g b), found 2"},
      {"LUT_3D_SIZE 2\n0 0 x\n", "line 2: 'x' is not a number"},
      {"LUT_3D_SIZE 2\n0 0 nan\n", "line 2: value nan is not finite"},
      {"# c\nLUT_3D_SIZE 1\n", "line 2: LUT_3D_SIZE 1 is outside 2..256"},
      {"LUT_3D_SIZE 2.5\n", "line 1: LUT_3D_SIZE needs one integer"},
      {"LUT_3D_SIZE 2\nLUT_3D_SIZE 2\n", "line 2: LUT_3D_SIZE given twice"},
      {"LUT_1D_SIZE 1024\n", "line 1: LUT_1D_SIZE: 1D LUTs are not supported"},
      {"0 0 0\n", "line 1: table data before LUT_3D_SIZE"},
      {"LUT_3D_SIZE 2\n0 0 0\nTITLE \"late\"\n", "line 3: keyword TITLE after the table data"},
      {"LUT_3D_SZE 2\n", "line 1: unknown keyword 'LUT_3D_SZE'"},
      {"DOMAIN_MIN 0 0\n", "line 1: DOMAIN_MIN needs three numbers"},
      {"DOMAIN_MIN 1 0 0\nDOMAIN_MAX 1 1 1\nLUT_3D_SIZE 2\n" + rows8 + "1 1 1\n", "DOMAIN_MIN must be below DOMAIN_MAX"},
      {"# nothing\n", "no LUT_3D_SIZE line"},
  };
  for (const Case& c : cases) {
    auto lut = Lut3d::parse_cube(c.text, "bad.cube");
    ASSERT_FALSE(lut) << c.says;
    EXPECT_NE(lut.status().message().find(c.says), std::string::npos) << lut.status().message();
    EXPECT_EQ(lut.status().message().rfind("bad.cube: ", 0), 0u) << lut.status().message();
  }
  auto missing = Lut3d::load_cube("/nonexistent/look.cube");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.status().code(), StatusCode::IoError);
}

TEST(CubeFile, LoadsFromAFile) {
  const std::string path = ::testing::TempDir() + "caldera_lut3d_test_" + std::to_string(::getpid()) + ".cube";
  {
    std::ofstream f(path);
    f << cube_text(17);
  }
  auto lut = Lut3d::load_cube(path);
  ASSERT_TRUE(lut) << lut.status().to_string();
  EXPECT_EQ(lut->size(), 17);
}

// ---- interpolation -----------------------------------------------------------------------------------

hd::LutView<double> view(const Lut3d& l, bool tetra) {
  hd::LutView<double> v;
  v.table = l.host_table();
  v.size = l.size();
  v.tetrahedral = tetra;
  for (int c = 0; c < 3; ++c) {
    v.dmin[c] = l.domain_min()[c];
    v.dscale[c] = (l.size() - 1) / (l.domain_max()[c] - l.domain_min()[c]);
  }
  return v;
}

// Tetrahedral interpolation written another way: walk from corner 000 to 111 along the axes in
// decreasing order of their fractions, adding each step's difference.
void tetra_walk(const Lut3d& l, const double in[3], double out[3]) {
  const int n = l.size();
  int base[3];
  double f[3];
  for (int c = 0; c < 3; ++c) {
    const double u = std::clamp(in[c], 0.0, 1.0) * (n - 1);
    base[c] = std::min(static_cast<int>(u), n - 2);
    f[c] = u - base[c];
  }
  int order[3] = {0, 1, 2};
  std::stable_sort(order, order + 3, [&](int a, int b) { return f[a] > f[b]; });
  int at[3] = {base[0], base[1], base[2]};
  auto e = [&](const int p[3]) { return l.entry(p[0], p[1], p[2]); };
  auto cur = e(at);
  for (int c = 0; c < 3; ++c) out[c] = cur[c];
  for (int k = 0; k < 3; ++k) {
    int next[3] = {at[0], at[1], at[2]};
    next[order[k]] += 1;
    const auto nx = e(next);
    for (int c = 0; c < 3; ++c) out[c] += f[order[k]] * (double(nx[c]) - double(cur[c]));
    cur = nx;
    std::copy(next, next + 3, at);
  }
}

// Trilinear as 8 weighted corners.
void trilinear_corners(const Lut3d& l, const double in[3], double out[3]) {
  const int n = l.size();
  int base[3];
  double f[3];
  for (int c = 0; c < 3; ++c) {
    const double u = std::clamp(in[c], 0.0, 1.0) * (n - 1);
    base[c] = std::min(static_cast<int>(u), n - 2);
    f[c] = u - base[c];
  }
  out[0] = out[1] = out[2] = 0;
  for (int k = 0; k < 8; ++k) {
    const int d[3] = {k & 1, (k >> 1) & 1, (k >> 2) & 1};
    const double w = (d[0] ? f[0] : 1 - f[0]) * (d[1] ? f[1] : 1 - f[1]) * (d[2] ? f[2] : 1 - f[2]);
    const auto e = l.entry(base[0] + d[0], base[1] + d[1], base[2] + d[2]);
    for (int c = 0; c < 3; ++c) out[c] += w * e[c];
  }
}

TEST(Lut3dInterpolation, MatchesIndependentEvaluations) {
  auto lut = Lut3d::parse_cube(cube_text(17));
  ASSERT_TRUE(lut);
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> u(-0.1, 1.1);  // outside the domain too: clamped
  for (int i = 0; i < 5000; ++i) {
    const double in[3] = {u(rng), u(rng), u(rng)};
    double want_t[3], want_l[3];
    tetra_walk(*lut, in, want_t);
    trilinear_corners(*lut, in, want_l);
    double t[3] = {in[0], in[1], in[2]}, l[3] = {in[0], in[1], in[2]};
    hd::apply_lut(view(*lut, true), t[0], t[1], t[2]);
    hd::apply_lut(view(*lut, false), l[0], l[1], l[2]);
    for (int c = 0; c < 3; ++c) {
      EXPECT_NEAR(t[c], want_t[c], 1e-12);
      EXPECT_NEAR(l[c], want_l[c], 1e-12);
    }
  }
}

TEST(Lut3dInterpolation, BothAreExactOnTheGridAndForLinearTables) {
  // A linear function is reproduced exactly between the grid points by both interpolations.
  auto lin = Lut3d::from_function(9, [](const double in[3], double out[3]) {
    out[0] = 0.5 * in[0] + 0.25 * in[1];
    out[1] = in[1];
    out[2] = 0.1 + 0.8 * in[2] - 0.05 * in[0];
  });
  ASSERT_TRUE(lin);
  std::mt19937 rng(4);
  std::uniform_real_distribution<double> u(0, 1);
  for (int i = 0; i < 1000; ++i)
    for (bool tetra : {true, false}) {
      double c[3] = {u(rng), u(rng), u(rng)};
      const double want[3] = {0.5 * c[0] + 0.25 * c[1], c[1], 0.1 + 0.8 * c[2] - 0.05 * c[0]};
      hd::apply_lut(view(*lin, tetra), c[0], c[1], c[2]);
      for (int k = 0; k < 3; ++k) EXPECT_NEAR(c[k], want[k], 1e-6);
    }
}

TEST(Lut3dInterpolation, DomainMapsInputsOntoTheGrid) {
  auto lut = Lut3d::parse_cube(cube_text(9, "DOMAIN_MIN -1 -1 -1\nDOMAIN_MAX 3 3 3\n", -1, 3));
  ASSERT_TRUE(lut);
  double c[3] = {2.0, -1.0, 0.5};  // grid points 6, 0, 3 of 0..8
  hd::apply_lut(view(*lut, true), c[0], c[1], c[2]);
  const auto e = lut->entry(6, 0, 3);
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(c[k], e[k], 1e-7);
}

// ---- the operator -------------------------------------------------------------------------------------

TEST(Lut3dOp, IdentityTableLeavesTheImage) {
  auto id = Lut3d::from_function(33, [](const double in[3], double out[3]) { std::copy(in, in + 3, out); });
  ASSERT_TRUE(id);
  for (PixelFormat f : {PixelFormat::RGB24, PixelFormat::RGB48, PixelFormat::RGBPlanarF32}) {
    Image src = testing::random_image(41, 39, f, 5);
    Image dst = testing::filled_image({41, 39, f}, 0);
    ASSERT_TRUE(lut3d_reference(src.view(), dst.view(), *id, Lut3dParams{}));
    EXPECT_IMAGES_CLOSE(dst.view(), src.view(), is_float(f) ? 1e-6 : 0) << format_name(f);
  }
}

TEST(Lut3dOp, AppliesTheTableToEveryPixel) {
  auto lut = Lut3d::parse_cube(cube_text(33));
  ASSERT_TRUE(lut);
  Image src = testing::random_image(17, 9, PixelFormat::RGB24, 6);
  Image dst = testing::filled_image({17, 9, PixelFormat::RGB24}, 0);
  Lut3dParams p;
  p.interp = Lut3dInterp::Trilinear;
  ASSERT_TRUE(lut3d_reference(src.view(), dst.view(), *lut, p));
  for (int y = 0; y < 9; ++y)
    for (int x = 0; x < 17; ++x) {
      double in[3], want[3];
      for (int c = 0; c < 3; ++c) in[c] = read_code(src.view(), 0, x, y, c) / 255.0;
      trilinear_corners(*lut, in, want);
      for (int c = 0; c < 3; ++c) EXPECT_NEAR(read_code(dst.view(), 0, x, y, c), std::floor(want[c] * 255 + 0.5), 0);
    }
}

TEST(Lut3dCuda, MatchesReference) {
  CALDERA_REQUIRE_GPU();
  Context& gpu = *testing::gpu_context();
  for (int n : {17, 33, 65}) {
    auto lut = Lut3d::parse_cube(cube_text(n));
    ASSERT_TRUE(lut);
    ASSERT_TRUE(lut->upload(gpu));
    for (Lut3dInterp interp : {Lut3dInterp::Tetrahedral, Lut3dInterp::Trilinear})
      for (PixelFormat f : {PixelFormat::RGB24, PixelFormat::RGBA, PixelFormat::P010, PixelFormat::NV12, PixelFormat::RGBPlanarF32})
        for (auto [w, h] : {std::pair{1, 1}, std::pair{3, 5}, std::pair{41, 39}, std::pair{1921, 1081}}) {
          Lut3dParams p;
          p.interp = interp;
          Image src = testing::random_image(w, h, f, 9);
          Image want = testing::filled_image({w, h, f}, 0);
          ASSERT_TRUE(lut3d_reference(src.view(), want.view(), *lut, p));
          Image dsrc = testing::to_device(src.view(), gpu);
          Image ddst = testing::filled_image({w, h, f}, 0xA5, MemoryKind::Device, &gpu);
          ASSERT_TRUE(apply_lut3d(dsrc.view(), ddst.view(), *lut, p, gpu));
          const double tol = is_float(f) ? 1e-5 : (format_info(f).msb_shift ? 64 : 1);
          EXPECT_IMAGES_CLOSE(testing::to_host(ddst.view(), gpu).view(), want.view(), tol)
              << n << " " << lut3d_interp_name(interp) << " " << format_name(f) << " " << w << "x" << h;
        }
  }
}

}  // namespace
}  // namespace caldera
