// Internal: the GPU's exact hysteresis, as functions written once for the CUDA kernels and for
// the host emulation the tests run (tests/ops/canny_test.cpp), so the scheme itself is checked
// against the reference's flood fill on machines without a GPU.
//
// cuda.cu keeps this tiling, these slots and this union-find, but labels a tile with bit-mask
// floods instead of a per-pixel union-find, and links every ring pixel reached from a strong
// pixel inside its tile to one extra node, -1, the smallest (so no flags: an edge's root is -1);
// its kernels are checked against the reference directly in tests/emu/canny_emu_test.cpp.
//
// The frame is cut into 32x32 tiles. Each tile labels the connected components of its candidate
// (weak or strong) pixels with a union-find in shared memory. A component that does not touch
// the tile's ring (its outermost rows and columns) is decided there: edge if it holds a strong
// pixel. The others continue as nodes of a global union-find over the rings: node
// tile * 128 + slot, one slot per ring pixel (top row 0..31, bottom row 32..63, left column
// 64..95, right column 96..127; corners count as row pixels, so slots 64, 95, 96 and 127 stay
// unused). Every ring slot of a component points to the component's smallest slot, its
// representative, which carries the component's "has a strong pixel" flag. Then
//   1. every pair of 8-adjacent candidate pixels in different tiles unions their nodes,
//   2. every flagged node flags its root,
//   3. every pixel of such a component takes its root's flag.
// The union links the larger root under the smaller with atomicMin and retries when it lost a
// race (Playne and Hawick's scheme), so parents only decrease and no cycle can form; the final
// components are the true connected components whatever the order, so the edges are exactly the
// reference's.
#pragma once

#include <cstdint>

// tests/emu (the host emulation of the CUDA kernels) defines both macros itself: internal linkage
// for its copies, and a point where its shuffled schedule may switch threads.
#if !defined(CALDERA_CANNY_HD)
#if defined(__CUDACC__)
#define CALDERA_CANNY_HD __host__ __device__ __forceinline__
#else
#define CALDERA_CANNY_HD inline
#endif
#endif
#if !defined(CALDERA_CANNY_YIELD)
#define CALDERA_CANNY_YIELD()
#endif

namespace caldera::canny_detail {

constexpr int kTile = 32;
constexpr int kSlots = 4 * kTile;
constexpr int kNoSlot = 0x7FFFFFFF;

// OpenCV's 16-bit rounding of raw / 16 for aperture 7 (to nearest, ties to even).
CALDERA_CANNY_HD int div16_round_even(int raw) {
  const int q = raw >= 0 ? raw >> 4 : -((-raw) >> 4);  // toward zero
  const int r = raw - 16 * q;                          // in (-16, 16), the sign of raw
  const int ar = r < 0 ? -r : r;
  const int away = raw < 0 ? q - 1 : q + 1;
  if (ar > 8) return away;
  if (ar < 8) return q;
  return q % 2 == 0 ? q : away;
}

// The ring slot of tile pixel (lx, ly), or -1 inside the ring.
CALDERA_CANNY_HD int tile_slot(int lx, int ly) {
  if (ly == 0) return lx;
  if (ly == kTile - 1) return kTile + lx;
  if (lx == 0) return 2 * kTile + ly;
  if (lx == kTile - 1) return 3 * kTile + ly;
  return -1;
}

// The tile pixel of a slot, or false for the unused duplicate corner slots.
CALDERA_CANNY_HD bool slot_pixel(int s, int* lx, int* ly) {
  const int side = s / kTile, i = s % kTile;
  if (side >= 2 && (i == 0 || i == kTile - 1)) return false;
  *lx = side == 0 || side == 1 ? i : side == 2 ? 0 : kTile - 1;
  *ly = side == 0 ? 0 : side == 1 ? kTile - 1 : i;
  return true;
}

// The root of i, with path halving: each visited node is relinked to its grandparent, so the long
// chains that edges crossing many tiles leave are walked once, not by every later find. Parent
// arrays are read through volatile pointers: other threads relink concurrently. Halving is safe
// next to concurrent unions: a node that has a parent never becomes a root again, its link is only
// ever replaced by one of its ancestors (smaller, so no cycle, and in the same set), and uf_union's
// atomic_min_int only touches nodes it found as roots (retrying when one was relinked meanwhile).
CALDERA_CANNY_HD int uf_find(volatile int* parent, int i) {
  while (true) {
    CALDERA_CANNY_YIELD();
    const int up = parent[i];
    if (up == i) return i;
    CALDERA_CANNY_YIELD();
    const int up2 = parent[up];
    if (up2 == up) return up;
    parent[i] = up2;
    i = up2;
  }
}

CALDERA_CANNY_HD int atomic_min_int(int* p, int v) {
#if defined(__CUDA_ARCH__)
  return atomicMin(p, v);
#else
  CALDERA_CANNY_YIELD();  // before the read: the read-modify-write itself stays atomic
  const int old = *p;     // the host emulation is sequential
  if (v < old) *p = v;
  return old;
#endif
}

// One linking attempt of a union whose sides a and b were found as roots: the larger goes under
// the smaller. True when done (one set already, or linked); false when the larger root was
// relinked meanwhile: a is then what it points to now, b the smaller root, to be found again.
CALDERA_CANNY_HD bool uf_link_roots(int* parent, int& a, int& b) {
  if (a == b) return true;
  if (a < b) {
    const int t = a;
    a = b;
    b = t;
  }
  const int old = atomic_min_int(parent + a, b);  // link root a under b
  if (old == a) return true;
  a = old;
  return false;
}

CALDERA_CANNY_HD void uf_union(int* parent, int a, int b) {
  while (true) {
    a = uf_find(parent, a);
    b = uf_find(parent, b);
    if (uf_link_roots(parent, a, b)) return;
  }
}

// Ring candidate masks of a tile: [0] top row (bit = column), [1] bottom row, [2] left column
// (bit = row), [3] right column.
struct RingMasks {
  uint32_t m[4];
};

// Step 1 for one tile, thread t in 0..63: t < 32 joins right-column pixel row t with the three
// pixels to its right (next tile column), t >= 32 joins bottom-row pixel column t - 32 with the
// three below it (next tile row). Together these meet every 8-adjacent pair across tile edges.
CALDERA_CANNY_HD void cross_tile_unions(int tx, int ty, int t, int tiles_x, int tiles_y, int width, int height,
                                        const RingMasks* masks, int* parent) {
  const int tile = ty * tiles_x + tx;
  if (t < kTile) {
    const int ly = t;
    if (tx + 1 >= tiles_x || (masks[tile].m[3] >> ly & 1u) == 0) return;
    const int py = ty * kTile + ly;
    const int p_node = tile * kSlots + tile_slot(kTile - 1, ly);
    for (int dy = -1; dy <= 1; ++dy) {
      const int qy = py + dy;
      if (qy < 0 || qy >= height) continue;
      const int qty = qy / kTile, qly = qy % kTile;
      const int qtile = qty * tiles_x + tx + 1;
      if ((masks[qtile].m[2] >> qly & 1u) == 0) continue;
      uf_union(parent, p_node, qtile * kSlots + tile_slot(0, qly));
    }
  } else {
    const int lx = t - kTile;
    if (ty + 1 >= tiles_y || (masks[tile].m[1] >> lx & 1u) == 0) return;
    const int px = tx * kTile + lx;
    const int p_node = tile * kSlots + tile_slot(lx, kTile - 1);
    for (int dx = -1; dx <= 1; ++dx) {
      const int qx = px + dx;
      if (qx < 0 || qx >= width) continue;
      const int qtx = qx / kTile, qlx = qx % kTile;
      const int qtile = (ty + 1) * tiles_x + qtx;
      if ((masks[qtile].m[0] >> qlx & 1u) == 0) continue;
      uf_union(parent, p_node, qtile * kSlots + tile_slot(qlx, 0));
    }
  }
}

// Step 2 for one node.
CALDERA_CANNY_HD void propagate_flag(int node, int* parent, uint8_t* flag) {
  if (flag[node]) flag[uf_find(parent, node)] = 1;
}

// Step 3: the final code of a pixel whose tile pass left `code` (1 + representative slot for a
// component that continues beyond the tile, else already 0 or 255).
CALDERA_CANNY_HD uint8_t resolve_code(uint8_t code, int tile, int* parent, const uint8_t* flag) {
  if (code == 0 || code == 255) return code;
  return flag[uf_find(parent, tile * kSlots + code - 1)] ? 255 : 0;
}

}  // namespace caldera::canny_detail
