// The fused SDR -> HDR10 kernel (ops/tonemap/fused_sdr_hdr10_kernel.cuh) run on the host through
// the CUDA emulation: every tile of odd and tiny frames, aligned (vector) and unaligned (scalar)
// rows, persistent grids smaller and larger than the tile count, BT.709 and BT.2020 sources,
// against the reference at InverseTonemapCuda's tolerance; loads only inside the source's pixels,
// stores only inside the destination's.
#include "emu/header_kernels.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "emu/laid_out_image.hpp"
#include "ops/tonemap/fused_sdr_hdr10_kernel.cuh"
#include "support/image_testing.hpp"

namespace caldera {
namespace {

using namespace tonemap_detail;
using testing::LaidOutImage;
using testing::Rows;

emu::HostGrid& grid() {
  static emu::HostGrid g(kThreads);
  return g;
}

ColorDesc pq2020() {
  ColorDesc c;
  c.transfer = Transfer::PQ, c.primaries = Primaries::BT2020, c.matrix = Matrix::BT2020NCL;
  return c;
}

void expect_matches_reference(int w, int h, const ColorDesc& sc, Rows rows, int resident, uint64_t seed,
                              const ColorDesc& dc = pq2020()) {
  SCOPED_TRACE(::testing::Message() << w << "x" << h << " " << primaries_name(sc.primaries) << " rows "
                                    << static_cast<int>(rows) << ", " << resident << " blocks");
  const ImageDesc sd{w, h, PixelFormat::NV12, sc}, dd{w, h, PixelFormat::P010, dc};
  Image random = testing::random_image(sd, seed);
  LaidOutImage src(sd, rows, 0x3C), dst(dd, rows, 0xA5);
  src.copy_pixels_from(random.view());
  Image want = testing::filled_image(dd, 0);
  ASSERT_TRUE(inverse_tonemap_reference(src.cview(), want.view(), InverseToneMapParams{}));
  ASSERT_TRUE(fused_inverse_fits(src.cview(), dst.cview()));
  const auto st = pipeline::cast_stages<float>(inverse_stages(sd.color, dd.color, InverseToneMapParams{}));
  auto p = inverse_params(src.cview(), dst.view(), st);
  ASSERT_TRUE(p) << p.status().to_string();
  // As launch_fused_inverse: at most one block per 256 tiles, at most the resident blocks.
  const int wanted = (p->tiles + kThreads - 1) / kThreads;
  const int blocks = std::max(1, std::min(wanted, resident));
  std::vector<int> order(blocks);
  for (int b = 0; b < blocks; ++b) order[b] = b;
  std::shuffle(order.begin(), order.end(), std::mt19937(static_cast<uint32_t>(seed)));
  src.allow_pixel_reads([](const void* a, size_t n) { emu::allow_reads(a, n); });
  const InverseParams params = *p;
  grid().run(dim3(blocks), dim3(kThreads), kInverseDynamic, [&] { fused_inverse_kernel(params); }, order);
  emu::stop_checking_reads();
  for (const std::string& e : emu::take_errors()) ADD_FAILURE() << e;
  // InverseTonemapCuda's criterion (inverse_tonemap_test.cpp says why): one 10-bit code (P010
  // words), but for a few black pixels with chroma.
  EXPECT_IMAGES_MOSTLY_CLOSE(dst.cview(), want.view(), 64, 1e-3, 256);
  EXPECT_TRUE(dst.untouched_outside_pixels(0xA5));
}

TEST(FusedSdrHdr10Emulated, EveryTileOfOddAndTinyFramesMatchesTheReference) {
  ColorDesc sdr2020;
  sdr2020.primaries = Primaries::BT2020, sdr2020.matrix = Matrix::BT2020NCL;
  const int sizes[][2] = {{1, 1}, {2, 2}, {3, 5}, {7, 3}, {8, 2}, {9, 3}, {16, 4}, {17, 5}, {24, 1}, {41, 39}, {130, 9}};
  for (auto [w, h] : sizes)
    for (Rows rows : {Rows::Aligned, Rows::Tight, Rows::Odd})
      for (int resident : {1, 3, 1000}) {
        expect_matches_reference(w, h, ColorDesc{}, rows, resident, 3 + w * h);
        expect_matches_reference(w, h, sdr2020, rows, resident, 4 + w * h);
      }
}

TEST(FusedSdrHdr10Emulated, RangesAndMatricesMatchTheReference) {
  ColorDesc full_src, src601, full_dst = pq2020(), dst709 = pq2020();
  full_src.range = Range::Full;
  src601.matrix = Matrix::BT601;
  full_dst.range = Range::Full;
  dst709.matrix = Matrix::BT709;
  expect_matches_reference(41, 39, full_src, Rows::Aligned, 2, 21);
  expect_matches_reference(41, 39, src601, Rows::Aligned, 2, 22);
  expect_matches_reference(41, 39, ColorDesc{}, Rows::Aligned, 2, 23, full_dst);
  expect_matches_reference(41, 39, ColorDesc{}, Rows::Aligned, 2, 24, dst709);
}

TEST(FusedSdrHdr10Emulated, A1080pFrameMatchesTheReference) {
  expect_matches_reference(1921, 1081, ColorDesc{}, Rows::Aligned, 4, 3);
  expect_matches_reference(1920, 1080, ColorDesc{}, Rows::Tight, 4, 5);
}

}  // namespace
}  // namespace caldera
