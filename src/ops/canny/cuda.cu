// Canny on the GPU: an optional Gaussian pre-blur (the blur kernels, into the workspace), then
// three launches that reproduce the reference exactly. Pixels travel as bit masks (one 32-bit
// word per tile row, bit = column, tile-major), so hysteresis inside a 32x32 tile is a warp of
// shifts, ORs and carries (lane = tile row) instead of a per-pixel union-find:
//  1. classify_kernel: one block per 480x32 pixels (16 warps of 30 output columns, 15 tiles),
//     3 blocks per SM for Sobel 3x3. The block first stages its source rows in shared memory with
//     16-byte loads; each warp then walks its column strip down the rows, rolling the horizontal
//     tap sums of the source rows in registers (each row read once per column), gets the
//     neighbouring columns' magnitudes by shuffles, applies the reference's non-maximum suppression and thresholds in
//     its integer arithmetic and ballots the candidate (weak or strong) and strong masks; the
//     block assembles them into tile words. Then a warp per tile (label_tile) floods
//     "strong" through the tile's 8-connected candidates (reach) and groups the ring's (outermost
//     rows and columns) remaining candidates by their tile-local component. A ring pixel reached
//     from a strong pixel links to the strong node (-1, the smallest), the others to their
//     component's smallest ring node. A tile whose ring has no unreached candidate is final and
//     goes to dst here. (Measured slower on the 4K photo, H200: a separate label launch, by 3 us
//     with the staged source and by 8 before it; the cross-tile unions in this kernel too, behind
//     per-block "done" flags, by 37 us; this launch's blocks taking tickets of a work queue, the
//     cross unions as units that wait on per-row counters, by 10 us; the rows split so that the
//     whole grid is resident at once, a tile row split between blocks labelled by the last to
//     arrive, by 15 us: the blocks then run in step, all their floods at the same time.)
//  2. cross_kernel: unions across tile edges (hysteresis.hpp's cross_tile_unions, one per pair of
//     touching runs of ring candidates instead of one per adjacent pixel pair, less the pairs of
//     two strong-reached pixels).
//  3. resolve_kernel: one warp per tile that still has unreached ring candidates: those whose
//     root became the strong node seed one more flood inside the tile; the tile goes to dst.
// A component of candidates is an edge iff it holds a strong pixel: a component inside one tile
// is decided by step 1's flood; one that reaches the ring is one union-find set over the rings,
// whose root is the strong node iff one of its tile parts held a strong pixel.
#include <cuda_runtime.h>

#include <algorithm>
#include <string>
#include <type_traits>
#include <utility>

#include "core/cuda_check.hpp"
#include "core/dependent_launch.cuh"
#include "ops/blur/blur_cuda.cuh"
#include "ops/blur/blur_internal.hpp"
#include "ops/blur/border.hpp"
#include "ops/canny/canny_internal.hpp"
#include "ops/canny/hysteresis.hpp"
#include "ops/gradient/gradient_internal.hpp"

namespace caldera {
namespace canny_detail {
namespace {

constexpr int kPad = 3;                                // kernel taps stored by offset -3..3
constexpr int kWarpCols = 30;                          // output columns of a classify warp (+1 each side)
constexpr int kBlockWarps = 16;                        // 16 * 30 = 480 = 15 tiles: whole words per block
constexpr int kBlockCols = kWarpCols * kBlockWarps;
constexpr int kBlockTiles = kBlockCols / kTile;
constexpr int kTileWarps = 8;                          // tiles (a warp each) per resolve block
constexpr int kStrongNode = -1;  // the union-find's node for "holds a strong pixel": the smallest
constexpr uint32_t kAll = 0xFFFFFFFFu;
constexpr uint32_t kInnerRows = 0x7FFFFFFEu;  // left/right column slots: rows 0 and 31 are row slots

struct CannyArgs {
  const uint8_t* src = nullptr;
  size_t src_pitch = 0;
  uint8_t* dst = nullptr;
  size_t dst_pitch = 0;
  int w = 0, h = 0, tiles_x = 0, tiles_y = 0;
  int low = 0, high = 0;
  int kx_dx[7] = {}, ky_dx[7] = {}, kx_dy[7] = {}, ky_dy[7] = {};
  int* parent = nullptr;     // 1 + tiles * kSlots: [0] is kStrongNode's, node n is at [n + 1]
  uint32_t* cand = nullptr;  // tiles * 32 words, tile-major: candidate pixels
  uint32_t* reach = nullptr; // tiles * 32: candidates joined to a strong pixel inside the tile
  RingMasks* masks = nullptr;  // per tile: the ring's candidates
  RingMasks* weak = nullptr;   // per tile: the ring's candidates not reached inside the tile
};

// The derivative taps by offset: OpenCV's Sobel as compile-time constants (folded into shifts and
// adds), or the kernel arguments (Scharr). Aperture 7 rounds the derivatives to raw / 16.
template <int R>
struct SobelTapsOf {
  static constexpr bool kDiv16 = R == 3;
  __device__ static int smooth(int o) {
    constexpr auto t = gradient_detail::sobel_axis_taps<2 * R + 1>(0);
    return t[o + R];
  }
  __device__ static int deriv(int o) {
    constexpr auto t = gradient_detail::sobel_axis_taps<2 * R + 1>(1);
    return t[o + R];
  }
  __device__ static int kx_dx(const CannyArgs&, int o) { return deriv(o); }
  __device__ static int ky_dx(const CannyArgs&, int o) { return smooth(o); }
  __device__ static int kx_dy(const CannyArgs&, int o) { return smooth(o); }
  __device__ static int ky_dy(const CannyArgs&, int o) { return deriv(o); }
};

struct ArgTaps {
  static constexpr bool kDiv16 = false;
  __device__ static int kx_dx(const CannyArgs& a, int o) { return a.kx_dx[o + kPad]; }
  __device__ static int ky_dx(const CannyArgs& a, int o) { return a.ky_dx[o + kPad]; }
  __device__ static int kx_dy(const CannyArgs& a, int o) { return a.kx_dy[o + kPad]; }
  __device__ static int ky_dy(const CannyArgs& a, int o) { return a.ky_dy[o + kPad]; }
};

// ---- bit-mask helpers (the host emulation has no __brev / __ffs) ---------------------------------

__device__ __forceinline__ uint32_t reverse_bits(uint32_t x) {
#if defined(__CUDA_ARCH__)
  return __brev(x);
#else
  x = (x >> 1 & 0x55555555u) | (x & 0x55555555u) << 1;
  x = (x >> 2 & 0x33333333u) | (x & 0x33333333u) << 2;
  x = (x >> 4 & 0x0F0F0F0Fu) | (x & 0x0F0F0F0Fu) << 4;
  x = (x >> 8 & 0x00FF00FFu) | (x & 0x00FF00FFu) << 8;
  return x >> 16 | x << 16;
#endif
}

__device__ __forceinline__ int lowest_bit(uint32_t x) {  // x != 0
#if defined(__CUDA_ARCH__)
  return __ffs(x) - 1;
#else
  return __builtin_ctz(x);
#endif
}

// The runs of c (bits set in a row, horizontally 4-connected) that hold a bit of seed (seed within
// c): adding the seeds carries through each run toward bit 31, the same on the reversed bits
// (rc = reverse_bits(c)) toward bit 0.
__device__ __forceinline__ uint32_t fill_up(uint32_t c, uint32_t seed) { return c & (((c + seed) ^ c) | seed); }
__device__ __forceinline__ uint32_t fill_runs(uint32_t c, uint32_t rc, uint32_t seed) {
  return fill_up(c, seed) | reverse_bits(fill_up(rc, reverse_bits(seed)));
}

// One round of growth: whole runs of a row, plus the pixels of c next to the rows above and below.
__device__ __forceinline__ uint32_t grow(uint32_t f, uint32_t c, uint32_t rc) {
  const int lane = threadIdx.x;
  uint32_t up = __shfl_up_sync(kAll, f, 1), down = __shfl_down_sync(kAll, f, 1);
  if (lane == 0) up = 0;
  if (lane == kTile - 1) down = 0;
  const uint32_t v = up | down;
  return fill_runs(c, rc, f | (c & (v | v << 1 | v >> 1)));
}

// Grows f (within c; lane = tile row, all 32 lanes) to every pixel of c 8-connected to it inside
// the tile.
__device__ uint32_t flood(uint32_t f, uint32_t c) {
  const uint32_t rc = reverse_bits(c);
  f = fill_runs(c, rc, f);
  while (true) {
    const uint32_t g = grow(f, c, rc);
    if (__ballot_sync(kAll, g != f) == 0) return f;
    f = g;
  }
}

// The ring of a tile as four 32-bit masks: [0] top row, [1] bottom row (bit = column), [2] left,
// [3] right column (bit = row), from the lanes' row words.
__device__ __forceinline__ RingMasks ring_of(uint32_t row) {
  RingMasks r;
  r.m[0] = __shfl_sync(kAll, row, 0);
  r.m[1] = __shfl_sync(kAll, row, kTile - 1);
  r.m[2] = __ballot_sync(kAll, row & 1u);
  r.m[3] = __ballot_sync(kAll, row >> 31);
  return r;
}

// ---- 1. gradients, non-maximum suppression, thresholds, tile hysteresis ---------------------------

// The block's source pixels in shared memory: rows y0 - 1 - R .. y0 + 32 + R (clamped: the
// replicated border above and below) and kStageCols columns from the block's first output column
// less kStageLead (clamped the same way at the sides), so each warp's row walk reads shared memory
// instead of waiting, row after row, on its own 34-byte global loads (the kernel was bound by that
// latency: about 1 KiB in flight per SM). Staged with 16-byte loads where the rows allow it.
constexpr int kStageLead = 16;  // >= 1 + R, and keeps the 16-byte loads aligned
constexpr int kStageCols = kBlockCols + 2 * kStageLead;
constexpr int kStageWords = kStageCols / 16;
static_assert(kBlockCols % 16 == 0 && kStageCols % 16 == 0, "whole 16-byte words per staged row");
template <int R>
constexpr int stage_rows() { return kTile + 2 + 2 * R; }

// 16 bytes of staged row `row` from column col (a multiple of 16) on, replicating the first and
// last columns beyond the image's sides (the words a block's first and last warps reach past them).
__device__ __forceinline__ uint4 stage_word(const uint8_t* row, int col, int w, bool vec) {
  if (vec && col >= 0 && col + 16 <= w) return __ldg(reinterpret_cast<const uint4*>(row + col));
  uint32_t q[4] = {0, 0, 0, 0};
#pragma unroll
  for (int k = 0; k < 16; ++k) q[k / 4] |= static_cast<uint32_t>(__ldg(row + min(max(col + k, 0), w - 1))) << (8 * (k % 4));
  return make_uint4(q[0], q[1], q[2], q[3]);
}

template <int R>
__device__ __forceinline__ void stage_source(const CannyArgs& a, int bx0, int y0, uint8_t* stage) {
  const int t = threadIdx.y * kTile + threadIdx.x, threads = kTile * kBlockWarps;
  const int c0 = bx0 - kStageLead;  // the staged row's first column in the image (a multiple of 16)
  // Whole 16-byte words where the source allows them; a word that leaves the image (the first
  // and last blocks of a row) is gathered byte by byte with clamped columns.
  const bool vec = reinterpret_cast<uintptr_t>(a.src) % 16 == 0 && a.src_pitch % 16 == 0;
  for (int i = t; i < stage_rows<R>() * kStageWords; i += threads) {
    const int r = i / kStageWords, wd = i % kStageWords;
    const int sy = min(max(y0 - 1 - R + r, 0), a.h - 1);
    reinterpret_cast<uint4*>(stage)[i] = stage_word(a.src + static_cast<size_t>(sy) * a.src_pitch, c0 + 16 * wd, a.w, vec);
  }
}

// One magnitude row of a warp's strip, lane = column: the magnitude m, its left and right
// neighbours' (l, r), and for the sector test |dx|, |dy| and dx ^ dy (its sign: the diagonal).
struct MagRow {
  int m, l, r, ax, ay, sgn;
};

// Warp `warp` of the block: magnitude columns x0 - 1 .. x0 + 30 (lane l: x0 - 1 + l), output
// columns x0 .. x0 + 29 (lanes 1..30), rows y0 .. y0 + 31, from the staged source (column x at
// stage[x - bx0 + kStageLead]). Stores the candidate and strong ballots of each row in bits: bit
// l = lane l, so bits 1..30 are the output columns (classify_kernel masks the rest away).
// kEdgeX: some magnitude column of the warp lies off the image (its magnitude is 0 there);
// kBottom: the strip reaches the image's last row (rows below it are 0 and none of them is a
// candidate). Every other warp, all but the first and last of a row and the last tile row, runs
// without any per-row bounds test.
//
// The rows are walked with three MagRow slots in rotation (above, being suppressed, below),
// unrolled by three so that no register is copied from row to row; for Sobel 3x3 the three rows
// of horizontal tap sums rotate with the same period. (H200, 4K photo: the previous loop, unrolled
// by two, spent 75 instructions per row, a quarter of them copies and bounds tests.)
template <int R, class Taps, bool kL2, bool kEdgeX, bool kBottom>
__device__ __forceinline__ void classify_strip(const CannyArgs& a, int bx0, int x0, int y0, const uint8_t* stage,
                                               uint32_t (*bits)[kTile][kBlockWarps]) {
  const int lane = threadIdx.x, warp = threadIdx.y;
  const int x = x0 - 1 + lane;
  // Source rows go down one at a time, already clamped in the stage.
  const uint8_t* tap = stage + (x - R - bx0 + kStageLead);
  int v[2 * R + 1];  // the tap pixels of the next source row
  auto load = [&] {
#pragma unroll
    for (int k = 0; k <= 2 * R; ++k) v[k] = tap[k];
    tap += kStageCols;
  };
  int hx[2 * R + 1], hy[2 * R + 1];  // horizontal tap sums of the source rows my - R .. my + R
  auto partial = [&](int& px, int& py) {
    int sx = 0, sv = 0;
#pragma unroll
    for (int k = 0; k <= 2 * R; ++k) {
      sx += Taps::kx_dx(a, k - R) * v[k];
      sv += Taps::kx_dy(a, k - R) * v[k];
    }
    px = sx;
    py = sv;
  };
  // Magnitude row my reads source rows my - R .. my + R; the first is y0 - 1. Each source row's
  // pixels are loaded one row ahead of their use (the last row loads nothing more).
#pragma unroll
  for (int j = 0; j < 2 * R; ++j) {
    load();
    partial(hx[j], hy[j]);
  }
  load();
  const bool in_x = !kEdgeX || (x >= 0 && x < a.w);
  auto produce = [&](MagRow& row, int my, bool more) {
    partial(hx[2 * R], hy[2 * R]);
    if (more) load();
    int dxv = 0, dyv = 0;
#pragma unroll
    for (int j = 0; j <= 2 * R; ++j) {
      dxv += Taps::ky_dx(a, j - R) * hx[j];
      dyv += Taps::ky_dy(a, j - R) * hy[j];
    }
#pragma unroll
    for (int j = 0; j < 2 * R; ++j) {
      hx[j] = hx[j + 1];
      hy[j] = hy[j + 1];
    }
    if (Taps::kDiv16) {
      dxv = div16_round_even(dxv);
      dyv = div16_round_even(dyv);
    }
    row.ax = abs(dxv);
    row.ay = abs(dyv);
    row.sgn = dxv ^ dyv;
    const int mag = kL2 ? dxv * dxv + dyv * dyv : row.ax + row.ay;
    row.m = in_x && (!kBottom || my < a.h) ? mag : 0;  // 0 off the image
    row.l = __shfl_up_sync(kAll, row.m, 1);
    row.r = __shfl_down_sync(kAll, row.m, 1);
  };
  // Row y0 + k between the rows p (above) and n (below): the reference's sector test on the same
  // integers, as selects: the two neighbours across the edge, the first strictly smaller, the
  // second strictly smaller on the diagonals and not greater otherwise (c.m + 1 > n2).
  auto suppress = [&](const MagRow& p, const MagRow& c, const MagRow& n, int k) {
    const int ay = c.ay << 15;
    const int tg22x = c.ax * 13573, tg67x = c.ax * (13573 + (1 << 16));  // = tg22x + (ax << 16)
    const bool horizontal = ay < tg22x, vertical = !horizontal && ay > tg67x;
    const bool diagonal = !horizontal && !vertical;
    const bool neg = c.sgn < 0;  // up-right and down-left, else up-left and down-right
    const int n1 = horizontal ? c.l : vertical ? p.m : neg ? p.r : p.l;
    const int n2 = horizontal ? c.r : vertical ? n.m : neg ? n.l : n.r;
    const int lhs = diagonal ? c.m : c.m + 1;
    bool cand = c.m > a.low && c.m > n1 && lhs > n2;
    if (kBottom) cand = cand && y0 + k < a.h;
    const uint32_t bc = __ballot_sync(kAll, cand), bs = __ballot_sync(kAll, cand && c.m > a.high);
    if (lane == 0) {
      bits[0][k][warp] = bc;
      bits[1][k][warp] = bs;
    }
  };
  MagRow r0, r1, r2;
  produce(r0, y0 - 1, true);
  if (y0 == 0) r0.m = r0.l = r0.r = 0;  // above the image
  produce(r1, y0, true);
#pragma unroll 1
  for (int k = 0; k < kTile - 2; k += 3) {
    produce(r2, y0 + k + 1, true);
    suppress(r0, r1, r2, k);
    produce(r0, y0 + k + 2, true);
    suppress(r1, r2, r0, k + 1);
    produce(r1, y0 + k + 3, true);
    suppress(r2, r0, r1, k + 2);
  }
  static_assert(kTile % 3 == 2, "the rotation's last two rows follow the loop");
  produce(r2, y0 + kTile - 1, true);
  suppress(r0, r1, r2, kTile - 2);
  produce(r0, y0 + kTile, false);
  suppress(r1, r2, r0, kTile - 1);
}

// The output columns of a strip's ballot word (bits 1..30; those inside the image) as the low 30
// bits, for a strip whose first output column is x0.
__device__ __forceinline__ uint32_t strip_columns(uint32_t ballot, int x0, int w) {
  const int inside = w - x0;
  const uint32_t mask = inside >= kWarpCols ? (1u << kWarpCols) - 1 : inside > 0 ? (1u << inside) - 1 : 0u;
  return ballot >> 1 & mask;
}

// Whether a tile's ring holds candidates that its own flood did not reach (the left and right
// column masks without their corner rows, which are the top and bottom rows' slots): only those
// tiles can gain edges from their neighbours; every other tile's flood is already its output.
__device__ __forceinline__ bool has_open_ring(const RingMasks& w) {
  return (w.m[0] | w.m[1] | ((w.m[2] | w.m[3]) & kInnerRows)) != 0;
}

// Tile tile's ring nodes after the flood: lane i writes slots i (top), 32 + i (bottom), 64 + i
// (left), 96 + i (right). Strong-reached ring pixels link to kStrongNode; the others are grouped by
// flooding from their smallest slot, which becomes their component's representative (so every
// link points to a smaller node, as the union-find needs).
__device__ bool write_ring_nodes(const CannyArgs& a, int tile, uint32_t c, uint32_t f) {
  const int lane = threadIdx.x;
  const RingMasks rc = ring_of(c), rf = ring_of(f);
  uint32_t weak[4];
  int link[4];
  const int base = tile * kSlots;
#pragma unroll
  for (int s = 0; s < 4; ++s) {
    const uint32_t side = s >= 2 ? kInnerRows : kAll;
    weak[s] = rc.m[s] & ~rf.m[s] & side;
    const int node = base + s * kTile + lane;
    link[s] = (rf.m[s] & side) >> lane & 1u ? kStrongNode : node;
  }
  // One tile-local component at a time, from the smallest remaining slot (its representative).
  while (weak[0] | weak[1] | weak[2] | weak[3]) {
    int slot, px, py;
    if (weak[0]) {
      px = lowest_bit(weak[0]);
      py = 0;
      slot = px;
    } else if (weak[1]) {
      px = lowest_bit(weak[1]);
      py = kTile - 1;
      slot = kTile + px;
    } else if (weak[2]) {
      py = lowest_bit(weak[2]);
      px = 0;
      slot = 2 * kTile + py;
    } else {
      py = lowest_bit(weak[3]);
      px = kTile - 1;
      slot = 3 * kTile + py;
    }
    const RingMasks g = ring_of(flood(lane == py ? 1u << px : 0u, c));
#pragma unroll
    for (int s = 0; s < 4; ++s) {
      const uint32_t joined = g.m[s] & weak[s];
      if (joined >> lane & 1u) link[s] = base + slot;
      weak[s] &= ~joined;
    }
  }
  int* parent = a.parent + 1;
#pragma unroll
  for (int s = 0; s < 4; ++s) parent[base + s * kTile + lane] = link[s];
  const RingMasks rw = ring_of(c & ~f);
  if (lane == 0) {
    a.masks[tile] = rc;
    a.weak[tile] = rw;
  }
  return has_open_ring(rw);
}

// 0x00 / 0xFF bytes of the 4 bits b: bit i moves to bit 8i (the shifted copies do not overlap),
// times 255.
__device__ __forceinline__ uint32_t nibble_bytes(uint32_t b) { return ((b * 0x00204081u) & 0x01010101u) * 255u; }

// Row `lane` of tile (tx, ty) to dst as 0 / 255 from its edge bits f: one 32-byte sector per row
// (two 16-byte stores where dst allows, else bytes).
__device__ __forceinline__ void write_tile_row(const CannyArgs& a, int tx, int ty, uint32_t f) {
  const int y = ty * kTile + threadIdx.x, x0 = tx * kTile;
  if (y >= a.h) return;
  uint8_t* p = a.dst + static_cast<size_t>(y) * a.dst_pitch + x0;
  if (x0 + kTile <= a.w && reinterpret_cast<uintptr_t>(p) % 16 == 0) {
    uint4* q = reinterpret_cast<uint4*>(p);
    q[0] = make_uint4(nibble_bytes(f & 15u), nibble_bytes(f >> 4 & 15u), nibble_bytes(f >> 8 & 15u),
                      nibble_bytes(f >> 12 & 15u));
    q[1] = make_uint4(nibble_bytes(f >> 16 & 15u), nibble_bytes(f >> 20 & 15u), nibble_bytes(f >> 24 & 15u),
                      nibble_bytes(f >> 28));
  } else {
    for (int i = 0; i < kTile && x0 + i < a.w; ++i) p[i] = f >> i & 1u ? 255 : 0;
  }
}

// Tile `tile` (a whole warp, lane = tile row): the flood from the strong pixels s through the
// candidates c, then the ring nodes. A tile without an open ring is final here and goes to dst
// (resolve_kernel skips it); the others keep their candidates and flood for resolve_kernel.
__device__ __forceinline__ void label_tile(const CannyArgs& a, int tx, int ty, uint32_t c, uint32_t s) {
  const int tile = ty * a.tiles_x + tx;
  const uint32_t f = __ballot_sync(kAll, s != 0) ? flood(s, c) : 0u;
  if (write_ring_nodes(a, tile, c, f)) {
    a.cand[tile * kTile + threadIdx.x] = c;
    a.reach[tile * kTile + threadIdx.x] = f;
  } else {
    write_tile_row(a, tx, ty, f);
  }
}

// Blocks per SM: 3 where the registers allow it without spilling (Sobel 3x3: 40 registers), 2
// for the wider apertures and the Scharr taps read from the arguments.
template <int R, class Taps>
constexpr int blocks_per_sm() { return R == 1 && !std::is_same_v<Taps, ArgTaps> ? 3 : 2; }

// Block (bx, ty): pixels 480 bx .. 480 bx + 479 of tile row ty, tiles 15 bx .. 15 bx + 14: the
// source staged, the strips classified, then a warp per tile labels it.
template <int R, class Taps, bool kL2>
__global__ void __launch_bounds__(kTile * kBlockWarps, (blocks_per_sm<R, Taps>())) classify_kernel(const CannyArgs a) {
  // [candidate, strong][tile row][warp]: each strip row's ballots (classify_strip).
  __shared__ uint32_t s_bits[2][kTile][kBlockWarps];
  __shared__ uint4 s_stage[stage_rows<R>() * kStageWords];  // the source rows
  const int lane = threadIdx.x, warp = threadIdx.y;
  const int bx = blockIdx.x, ty = blockIdx.y;
  const int y0 = ty * kTile;
  const int bx0 = bx * kBlockCols;
  const int x0 = bx0 + warp * kWarpCols;
  // The strong node is its own root (every other node is written below, before cross_kernel).
  if (bx == 0 && ty == 0 && lane == 0 && warp == 0) a.parent[0] = kStrongNode;
  // cross_kernel may be scheduled once every block of this launch runs (it waits for the end).
  allow_dependent_launch();
  const uint8_t* stage = reinterpret_cast<const uint8_t*>(s_stage);
  stage_source<R>(a, bx0, y0, reinterpret_cast<uint8_t*>(s_stage));
  __syncthreads();
  if (x0 >= a.w) {
    s_bits[0][lane][warp] = 0;
    s_bits[1][lane][warp] = 0;
  } else if (y0 + kTile >= a.h) {
    classify_strip<R, Taps, kL2, true, true>(a, bx0, x0, y0, stage, s_bits);
  } else if (x0 - 1 < 0 || x0 + kWarpCols >= a.w) {
    classify_strip<R, Taps, kL2, true, false>(a, bx0, x0, y0, stage, s_bits);
  } else {
    classify_strip<R, Taps, kL2, false, false>(a, bx0, x0, y0, stage, s_bits);
  }
  __syncthreads();

  // Warp q takes tile word q of the block: bits 32q .. 32q + 31 of the 480, which start at bit
  // 2q % 30 (at most 28) of warp 32q / 30 and end in the next warp's.
  const int tx = bx * kBlockTiles + warp;
  if (warp < kBlockTiles && tx < a.tiles_x) {
    const int wa = 32 * warp / kWarpCols, oa = 32 * warp - kWarpCols * wa;
    const int xa = bx0 + wa * kWarpCols, xb = xa + kWarpCols;  // the two strips' first columns
    auto word = [&](int m) {
      return strip_columns(s_bits[m][lane][wa], xa, a.w) >> oa | strip_columns(s_bits[m][lane][wa + 1], xb, a.w) << (kWarpCols - oa);
    };
    const uint32_t c = word(0), s = word(1);
    label_tile(a, tx, ty, c, s);
  }
}

// ---- 2. unions across tile edges (the union-find: hysteresis.hpp's uf_find / uf_union) -------------- -------------------------------------------------------------------

// The roots of up to N nodes (those with want[k]), their walks interleaved: hysteresis.hpp's
// uf_find (path halving) on each, one step of every unfinished walk per round, so their loads are
// in flight together. cross_kernel and resolve_kernel are chains of dependent loads: walking two
// or four chains at once takes the time of the longest, not of their sum.
template <int N>
__device__ __forceinline__ void uf_find_all(volatile int* parent, int (&node)[N], const bool (&want)[N]) {
  bool done[N];
#pragma unroll
  for (int k = 0; k < N; ++k) done[k] = !want[k];
  while (true) {
    int up[N], up2[N];
#pragma unroll
    for (int k = 0; k < N; ++k) {
      CALDERA_CANNY_YIELD();
      up[k] = done[k] ? node[k] : parent[node[k]];
      if (up[k] == node[k]) done[k] = true;
    }
#pragma unroll
    for (int k = 0; k < N; ++k) {
      CALDERA_CANNY_YIELD();
      up2[k] = done[k] ? up[k] : parent[up[k]];
    }
    bool all = true;
#pragma unroll
    for (int k = 0; k < N; ++k) {
      if (done[k]) continue;
      if (up2[k] == up[k]) {
        node[k] = up[k];
        done[k] = true;
        continue;
      }
      parent[node[k]] = up2[k];
      node[k] = up2[k];
      all = false;
    }
    if (all) return;
  }
}

// hysteresis.hpp's uf_union with the two finds walked together.
__device__ __forceinline__ void uf_union_paired(int* parent, int a, int b) {
  while (true) {
    int n[2] = {a, b};
    uf_find_all<2>(parent, n, {true, true});
    a = n[0], b = n[1];
    if (uf_link_roots(parent, a, b)) return;
  }
}

// Whether a right-column (or bottom-row) pixel i of P and the neighbouring tile's left-column (or
// top-row) pixel j of Q are an 8-adjacent candidate pair; rows (columns) outside 0..31 are none.
__device__ __forceinline__ bool edge_pair(uint32_t pm, uint32_t qm, int i, int j) {
  return i >= 0 && j >= 0 && i < kTile && j < kTile && abs(i - j) <= 1 && (pm >> i & 1u) && (qm >> j & 1u);
}

// hysteresis.hpp's cross_tile_unions, less the unions that others already imply. Thread t < 32
// takes right-column pixel row t against the next tile's left column, t >= 32 bottom-row pixel
// column t - 32 against the top row below, plus the two diagonal pairs at the bottom row's ends
// (the right column's diagonal pairs into the tile rows above and below are the same pairs as
// these). A run of candidates along one side of a tile is one tile-local component (vertically
// or horizontally 4-connected), so one union per pair of runs that touch does what a union per
// adjacent pixel pair did: pair (i, j) is made only if none of (i - 1, j), (i, j - 1) and
// (i - 1, j - 1) is a pair, which keeps exactly the first pair (in (i, j) order) of every two
// runs. Pairs of two strong-reached pixels are skipped (both already link to the strong node;
// a run is reached whole, so this agrees with the rule).
__device__ void cross_unions(const CannyArgs& a, int tx, int ty, int t) {
  const int tile = ty * a.tiles_x + tx;
  int* parent = a.parent + 1;
  const bool right = t < kTile;
  const int i = right ? t : t - kTile;  // the row (right column) or column (bottom row)
  if (right ? tx + 1 >= a.tiles_x : ty + 1 >= a.tiles_y) return;
  // Both sides' masks load at once (the kernel is a chain of dependent loads: one link less).
  const int qtile = right ? tile + 1 : tile + a.tiles_x;
  const int side = right ? 2 : 0;  // the neighbour's left column or top row
  const uint32_t pm = a.masks[tile].m[right ? 3 : 1], pw = a.weak[tile].m[right ? 3 : 1];
  const uint32_t qm = a.masks[qtile].m[side], qw = a.weak[qtile].m[side];
  if ((pm >> i & 1u) == 0) return;
  const bool p_weak = pw >> i & 1u;
  const int p_node = tile * kSlots + (right ? tile_slot(kTile - 1, i) : tile_slot(i, kTile - 1));
  for (int j = i - 1; j <= i + 1; ++j) {
    if (!edge_pair(pm, qm, i, j)) continue;
    if (edge_pair(pm, qm, i - 1, j) || edge_pair(pm, qm, i, j - 1) || edge_pair(pm, qm, i - 1, j - 1)) continue;
    if (!p_weak && (qw >> j & 1u) == 0) continue;
    uf_union_paired(parent, p_node, qtile * kSlots + tile_slot(right ? 0 : j, right ? j : 0));
  }
  if (right || (i != 0 && i != kTile - 1)) return;
  // The bottom row's corner pixels with the diagonal neighbours in the tiles below-left and
  // below-right (no other pair of this tile edge meets those tiles' runs).
  const int dtx = i == 0 ? tx - 1 : tx + 1;
  if (dtx < 0 || dtx >= a.tiles_x) return;
  const int dtile = (ty + 1) * a.tiles_x + dtx, dj = i == 0 ? kTile - 1 : 0;
  if ((a.masks[dtile].m[0] >> dj & 1u) == 0) return;
  if (!p_weak && (a.weak[dtile].m[0] >> dj & 1u) == 0) return;
  uf_union_paired(parent, p_node, dtile * kSlots + tile_slot(dj, 0));
}

__global__ void cross_kernel(const CannyArgs a, int tiles) {
  allow_dependent_launch();
  wait_for_previous_grid();  // classify_kernel's writes (launched with launch_after_previous)
  // 64 threads a tile (its right column's rows, then its bottom row's columns). A warp per tile,
  // each lane both sides one after the other, measured slower on the 4K photo (H200: 12.0 us
  // against 10.8, though the grid then fits in one wave).
  const int id = blockIdx.x * blockDim.x + threadIdx.x;
  const int tile = id / (2 * kTile);
  if (tile >= tiles) return;
  cross_unions(a, tile % a.tiles_x, tile / a.tiles_x, id % (2 * kTile));
}

// ---- 3. final flood and output ---------------------------------------------------------------------

// Block (bx, ty): tiles 8 bx .. 8 bx + 7 of tile row ty, a warp each. Tiles without an open ring
// went to dst in classify_kernel; the others seed one more flood from their ring pixels whose
// set's root is the strong node and write their rows.
__global__ void __launch_bounds__(kTile * kTileWarps) resolve_kernel(const CannyArgs a) {
  const int lane = threadIdx.x, warp = threadIdx.y;
  const int tx = blockIdx.x * kTileWarps + warp, ty = blockIdx.y;
  wait_for_previous_grid();  // the previous kernel's writes (launched with launch_after_previous)
  if (tx >= a.tiles_x) return;  // whole warps
  const int tile = ty * a.tiles_x + tx;
  // Loaded together, before knowing whether the tile needs them: one dependent load less.
  const RingMasks rw = a.weak[tile];
  const uint32_t c = a.cand[tile * kTile + lane];
  uint32_t f = a.reach[tile * kTile + lane];
  if (!has_open_ring(rw)) return;
  int* parent = a.parent + 1;
  bool open[4], joined[4];
  int root[4];
#pragma unroll
  for (int s = 0; s < 4; ++s) {
    const uint32_t side = s >= 2 ? kInnerRows : kAll;
    open[s] = (rw.m[s] & side) >> lane & 1u;
    root[s] = tile * kSlots + s * kTile + lane;
  }
  uf_find_all<4>(parent, root, open);
#pragma unroll
  for (int s = 0; s < 4; ++s) joined[s] = open[s] && root[s] == kStrongNode;
  const uint32_t top = __ballot_sync(kAll, joined[0]), bottom = __ballot_sync(kAll, joined[1]);
  uint32_t seed = (joined[2] ? 1u : 0u) | (joined[3] ? 1u << 31 : 0u);
  if (lane == 0) seed |= top;
  if (lane == kTile - 1) seed |= bottom;
  if (__ballot_sync(kAll, seed != 0)) f |= flood(seed, c);
  write_tile_row(a, tx, ty, f);
}

void put_taps(const std::vector<int>& k, int* out) {
  const int r = static_cast<int>(k.size()) / 2;
  for (int o = -r; o <= r; ++o) out[o + kPad] = k[o + r];
}

template <class T>
Result<T*> take(Workspace& ws, size_t count) {
  CALDERA_ASSIGN_OR_RETURN(void* p, ws.take(count * sizeof(T), 256));
  return static_cast<T*>(p);
}

}  // namespace
}  // namespace canny_detail

Status canny_cuda(ConstImageView src, ImageView dst, const CannyParams& params, Workspace ws, StreamHandle stream) {
  using namespace canny_detail;
  CALDERA_RETURN_IF_ERROR(check_canny(src.desc(), dst.desc(), params));
  if (src.empty() || dst.empty()) return invalid_argument("canny_cuda: src or dst view is empty");
  if (filter_detail::views_overlap(src, dst))
    return invalid_argument("canny_cuda: src and dst overlap; the filter cannot run in place");
  if (!src.on_device() || !dst.on_device())
    return invalid_argument(std::string("canny_cuda: needs device images, src is in ") + memory_kind_name(src.memory()) +
                            " memory and dst in " + memory_kind_name(dst.memory()));
  const size_t need = canny_workspace_bytes(src.width(), src.height(), params);
  if (ws.capacity() - std::min(ws.capacity(), ws.used()) < need)
    return out_of_memory("canny_cuda: needs " + std::to_string(need) + " bytes of workspace for " +
                         std::to_string(src.width()) + "x" + std::to_string(src.height()) + ", " +
                         std::to_string(ws.capacity() - std::min(ws.capacity(), ws.used())) + " are left");
  CALDERA_ASSIGN_OR_RETURN(Plan plan, plan_canny(params));
  CannyArgs a;
  a.src = src.plane(0).data;
  a.src_pitch = src.plane(0).pitch;
  a.dst = dst.plane(0).data;
  a.dst_pitch = dst.plane(0).pitch;
  a.w = src.width();
  a.h = src.height();
  a.tiles_x = (a.w + kTile - 1) / kTile;
  a.tiles_y = (a.h + kTile - 1) / kTile;
  a.low = plan.low;
  a.high = plan.high;
  put_taps(plan.kx_dx, a.kx_dx);
  put_taps(plan.ky_dx, a.ky_dx);
  put_taps(plan.kx_dy, a.kx_dy);
  put_taps(plan.ky_dy, a.ky_dy);
  const int tiles = a.tiles_x * a.tiles_y;
  CALDERA_ASSIGN_OR_RETURN(a.parent, take<int>(ws, static_cast<size_t>(tiles) * kSlots + 1));
  CALDERA_ASSIGN_OR_RETURN(a.cand, take<uint32_t>(ws, static_cast<size_t>(tiles) * kTile));
  CALDERA_ASSIGN_OR_RETURN(a.reach, take<uint32_t>(ws, static_cast<size_t>(tiles) * kTile));
  CALDERA_ASSIGN_OR_RETURN(a.masks, take<RingMasks>(ws, tiles));
  CALDERA_ASSIGN_OR_RETURN(a.weak, take<RingMasks>(ws, tiles));

  if (canny_detail::has_pre_blur(params)) {
    const size_t pitch = (static_cast<size_t>(a.w) + 255) / 256 * 256;
    CALDERA_ASSIGN_OR_RETURN(uint8_t* blurred, take<uint8_t>(ws, pitch * a.h));
    GaussianParams g;
    g.sigma_x = params.blur_sigma;
    g.ksize_x = params.blur_ksize;
    CALDERA_ASSIGN_OR_RETURN(blur_detail::Plan bp, blur_detail::plan_gaussian(g, PixelFormat::Gray8));
    ImageView tmp(src.desc(), MemoryKind::Device, {ImageView::Plane{blurred, pitch}, {}, {}}, src.device());
    CALDERA_RETURN_IF_ERROR(blur_detail::blur_cuda(src, tmp, bp, stream));
    a.src = blurred;
    a.src_pitch = pitch;
  }

  const dim3 grid((a.w + kBlockCols - 1) / kBlockCols, a.tiles_y), block(kTile, kBlockWarps);
  auto classify = [&](auto l2) {
    constexpr bool kL2 = decltype(l2)::value;
    if (params.kernel == DerivKernel::Scharr) {
      classify_kernel<1, ArgTaps, kL2><<<grid, block, 0, stream>>>(a);
    } else {
      switch (plan.radius) {
        case 1: classify_kernel<1, SobelTapsOf<1>, kL2><<<grid, block, 0, stream>>>(a); break;
        case 2: classify_kernel<2, SobelTapsOf<2>, kL2><<<grid, block, 0, stream>>>(a); break;
        default: classify_kernel<3, SobelTapsOf<3>, kL2><<<grid, block, 0, stream>>>(a); break;
      }
    }
  };
  if (plan.l2) classify(std::true_type{});
  else classify(std::false_type{});
  CALDERA_RETURN_IF_ERROR(check_launch("canny classify_kernel"));
  if (tiles > 1) {
    const long long threads = static_cast<long long>(tiles) * 2 * kTile;
    CALDERA_RETURN_IF_ERROR(cuda_status(launch_after_previous(cross_kernel, dim3(static_cast<unsigned>((threads + 255) / 256)),
                                                              dim3(256), 0, stream, a, tiles),
                                        "canny cross_kernel"));
  }
  const dim3 rgrid((a.tiles_x + kTileWarps - 1) / kTileWarps, a.tiles_y);
  CALDERA_RETURN_IF_ERROR(
      cuda_status(launch_after_previous(resolve_kernel, rgrid, dim3(kTile, kTileWarps), 0, stream, a), "canny resolve_kernel"));
  return check_launch("canny resolve_kernel");
}

}  // namespace caldera
