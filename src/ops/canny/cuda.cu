// Canny on the GPU: an optional Gaussian pre-blur (the blur kernels, into the workspace), then
// four launches that reproduce the reference exactly (the scheme is described in hysteresis.hpp):
//  1. tile_kernel: one block per 32x32 tile. Loads the tile's source with a halo (replicated
//     border), computes the exact integer derivatives (Sobel taps as compile-time constants) and
//     magnitudes of the tile plus one pixel around it (0 outside the image), non-maximum suppression and thresholds in the reference's
//     integer arithmetic, labels the candidate components of the tile with a union-find in
//     shared memory, writes every pixel's code (0, 255, or 1 + representative slot for a
//     component that reaches the ring) to dst, and the ring's parent links, flags and masks to
//     the workspace.
//  2. cross_kernel: unions across tile edges.
//  3. flag_kernel: representatives' strong flags to their roots.
//  4. resolve_kernel: pending codes in dst become 0 or 255.
#include <cuda_runtime.h>

#include <algorithm>
#include <string>

#include "core/cuda_check.hpp"
#include "ops/blur/blur_cuda.cuh"
#include "ops/blur/blur_internal.hpp"
#include "ops/canny/canny_internal.hpp"
#include "ops/canny/hysteresis.hpp"
#include "ops/gradient/gradient_internal.hpp"
#include "ops/blur/border.hpp"

namespace caldera {
namespace canny_detail {
namespace {

constexpr int kPad = 3;  // kernel taps stored by offset -3..3

struct CannyArgs {
  const uint8_t* src = nullptr;
  size_t src_pitch = 0;
  uint8_t* dst = nullptr;
  size_t dst_pitch = 0;
  int w = 0, h = 0, tiles_x = 0, tiles_y = 0;
  int low = 0, high = 0, l2 = 0, div16 = 0;
  int kx_dx[7] = {}, ky_dx[7] = {}, kx_dy[7] = {}, ky_dy[7] = {};
  int* parent = nullptr;     // tiles * kSlots
  uint8_t* flag = nullptr;   // tiles * kSlots
  RingMasks* masks = nullptr;
};

// The derivative taps by offset: OpenCV's Sobel as compile-time constants (folded into shifts and
// adds), or the kernel arguments (Scharr).
template <int R>
struct SobelTapsOf {
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
  __device__ static int kx_dx(const CannyArgs& a, int o) { return a.kx_dx[o + kPad]; }
  __device__ static int ky_dx(const CannyArgs& a, int o) { return a.ky_dx[o + kPad]; }
  __device__ static int kx_dy(const CannyArgs& a, int o) { return a.kx_dy[o + kPad]; }
  __device__ static int ky_dy(const CannyArgs& a, int o) { return a.ky_dy[o + kPad]; }
};

template <int R, class Taps>
__global__ void __launch_bounds__(256) tile_kernel(const CannyArgs a) {
  constexpr int kHalo = R + 1;                 // derivatives of the 1-pixel magnitude ring
  constexpr int kSrcW = kTile + 2 * kHalo;
  constexpr int kMagW = kTile + 2;
  constexpr int kPix = kTile * kTile;
  __shared__ uint8_t s_src[kSrcW * kSrcW];
  __shared__ int s_mag[kMagW * kMagW];
  __shared__ int s_dx[kPix], s_dy[kPix];
  __shared__ int s_label[kPix];
  __shared__ int s_rep[kPix];
  __shared__ uint8_t s_root_strong[kPix];
  __shared__ uint32_t s_cand[kTile], s_strong[kTile];

  const int tid = threadIdx.y * 32 + threadIdx.x;
  const int x0 = blockIdx.x * kTile, y0 = blockIdx.y * kTile;
  const int tile = blockIdx.y * a.tiles_x + blockIdx.x;

  // Source tile and halo, border replicated (a clamp of each coordinate).
  for (int i = tid; i < kSrcW * kSrcW; i += 256) {
    const int gx = min(max(x0 + i % kSrcW - kHalo, 0), a.w - 1);
    const int gy = min(max(y0 + i / kSrcW - kHalo, 0), a.h - 1);
    s_src[i] = __ldg(a.src + static_cast<size_t>(gy) * a.src_pitch + gx);
  }
  __syncthreads();

  // Derivatives and magnitudes of the tile and its 1-pixel ring (magnitude 0 off the image).
  // Thread t < 238 takes magnitude column t % 34 and the 5 rows of chunk t / 34, rolling the
  // horizontal partial sums of its 2R + 1 source rows in registers, so each source row is read
  // once per column instead of once per output.
  constexpr int kChunks = 7, kChunkRows = (kMagW + kChunks - 1) / kChunks;
  if (tid < kMagW * kChunks) {
    const int mx = tid % kMagW, my0 = (tid / kMagW) * kChunkRows, my1 = min(kMagW, my0 + kChunkRows);
    const int gx = x0 + mx - 1;
    const uint8_t* col = s_src + (mx - 1 + kHalo);  // this column's centre in s_src
    int hx[2 * R + 1], hy[2 * R + 1];
    auto partial = [&](int srow, int& px, int& py) {  // horizontal taps of source row srow
      const uint8_t* p = col + srow * kSrcW;
      int sx = 0, sy = 0;
#pragma unroll
      for (int k = -R; k <= R; ++k) {
        const int v = p[k];
        sx += Taps::kx_dx(a, k) * v;
        sy += Taps::kx_dy(a, k) * v;
      }
      px = sx;
      py = sy;
    };
    // Magnitude row my reads source rows (my - 1 + kHalo) - R .. + R.
#pragma unroll
    for (int j = 0; j < 2 * R; ++j) partial(my0 - 1 + kHalo - R + j, hx[j], hy[j]);
    for (int my = my0; my < my1; ++my) {
      partial(my - 1 + kHalo + R, hx[2 * R], hy[2 * R]);
      int dxv = 0, dyv = 0;
#pragma unroll
      for (int j = -R; j <= R; ++j) {
        dxv += Taps::ky_dx(a, j) * hx[j + R];
        dyv += Taps::ky_dy(a, j) * hy[j + R];
      }
#pragma unroll
      for (int j = 0; j < 2 * R; ++j) {
        hx[j] = hx[j + 1];
        hy[j] = hy[j + 1];
      }
      const int gy = y0 + my - 1;
      int m = 0;
      if (gx >= 0 && gx < a.w && gy >= 0 && gy < a.h) {
        if (a.div16) {
          dxv = div16_round_even(dxv);
          dyv = div16_round_even(dyv);
        }
        m = a.l2 ? dxv * dxv + dyv * dyv : abs(dxv) + abs(dyv);
      }
      s_mag[my * kMagW + mx] = m;
      if (mx >= 1 && mx <= kTile && my >= 1 && my <= kTile) {
        s_dx[(my - 1) * kTile + mx - 1] = dxv;
        s_dy[(my - 1) * kTile + mx - 1] = dyv;
      }
    }
  }
  __syncthreads();

  // Non-maximum suppression and thresholds; warp = one tile row, so the ballots are row masks.
  const int lx = threadIdx.x;
  for (int ly = threadIdx.y; ly < kTile; ly += 8) {
    const int gx = x0 + lx, gy = y0 + ly;
    int cls = kNone;
    if (gx < a.w && gy < a.h) {
      const int* row = s_mag + (ly + 1) * kMagW + lx + 1;
      const int m = row[0];
      if (m > a.low) {
        const int xs = s_dx[ly * kTile + lx], ys = s_dy[ly * kTile + lx];
        const int ax = abs(xs), ay = abs(ys) << 15;
        const int tg22x = ax * 13573;
        bool peak;
        if (ay < tg22x) {
          peak = m > row[-1] && m >= row[1];
        } else {
          const int tg67x = tg22x + (ax << 16);
          if (ay > tg67x) {
            peak = m > row[-kMagW] && m >= row[kMagW];
          } else {
            const int s = (xs ^ ys) < 0 ? -1 : 1;
            peak = m > row[-kMagW - s] && m > row[kMagW + s];
          }
        }
        if (peak) cls = m > a.high ? kStrong : kWeak;
      }
    }
    const uint32_t cand = __ballot_sync(0xFFFFFFFFu, cls != kNone);
    const uint32_t strong = __ballot_sync(0xFFFFFFFFu, cls == kStrong);
    if (lx == 0) {
      s_cand[ly] = cand;
      s_strong[ly] = strong;
    }
  }
  __syncthreads();

  // Tile-local components: union-find over candidates with their W, NW, N, NE neighbours.
  for (int i = tid; i < kPix; i += 256) {
    s_label[i] = (s_cand[i / kTile] >> (i % kTile) & 1u) ? i : -1;
    s_rep[i] = kNoSlot;
    s_root_strong[i] = 0;
  }
  __syncthreads();
  for (int i = tid; i < kPix; i += 256) {
    const int x = i % kTile, y = i / kTile;
    if (!(s_cand[y] >> x & 1u)) continue;
    if (x > 0 && (s_cand[y] >> (x - 1) & 1u)) uf_union(s_label, i, i - 1);
    if (y > 0) {
      const uint32_t up = s_cand[y - 1];
      if (x > 0 && (up >> (x - 1) & 1u)) uf_union(s_label, i, i - kTile - 1);
      if (up >> x & 1u) uf_union(s_label, i, i - kTile);
      if (x < kTile - 1 && (up >> (x + 1) & 1u)) uf_union(s_label, i, i - kTile + 1);
    }
  }
  __syncthreads();
  for (int i = tid; i < kPix; i += 256)
    if (s_label[i] >= 0) s_label[i] = uf_find(s_label, i);
  __syncthreads();
  for (int i = tid; i < kPix; i += 256) {
    const int x = i % kTile, y = i / kTile;
    if (s_label[i] < 0) continue;
    const int r = s_label[i];
    if (s_strong[y] >> x & 1u) s_root_strong[r] = 1;
    const int slot = tile_slot(x, y);
    if (slot >= 0) atomicMin(&s_rep[r], slot);
  }
  __syncthreads();

  // Codes for the tile's pixels: decided here (0 / 255) or pending on the representative slot.
  for (int ly = threadIdx.y; ly < kTile; ly += 8) {
    const int gx = x0 + lx, gy = y0 + ly;
    if (gx >= a.w || gy >= a.h) continue;
    const int i = ly * kTile + lx;
    uint8_t code = 0;
    if (s_label[i] >= 0) {
      const int r = s_label[i];
      code = s_rep[r] != kNoSlot ? static_cast<uint8_t>(1 + s_rep[r]) : (s_root_strong[r] ? 255 : 0);
    }
    a.dst[static_cast<size_t>(gy) * a.dst_pitch + gx] = code;
  }
  // The ring's nodes: each slot links to its component's representative, which holds the flag.
  if (tid < kSlots) {
    const int node = tile * kSlots + tid;
    int px, py;
    int link = node;
    uint8_t f = 0;
    if (slot_pixel(tid, &px, &py)) {
      const int i = py * kTile + px;
      if (s_label[i] >= 0) {
        const int r = s_label[i];
        link = tile * kSlots + s_rep[r];
        f = s_rep[r] == tid && s_root_strong[r] ? 1 : 0;
      }
    }
    a.parent[node] = link;
    a.flag[node] = f;
  }
  if (tid < 4) {
    uint32_t m = 0;
    if (tid == 0) m = s_cand[0];
    else if (tid == 1) m = s_cand[kTile - 1];
    else
      for (int y = 0; y < kTile; ++y) m |= (s_cand[y] >> (tid == 2 ? 0 : kTile - 1) & 1u) << y;
    a.masks[tile].m[tid] = m;
  }
}

__global__ void cross_kernel(const CannyArgs a) {
  const int tile = blockIdx.x;
  cross_tile_unions(tile % a.tiles_x, tile / a.tiles_x, threadIdx.x, a.tiles_x, a.tiles_y, a.w, a.h, a.masks, a.parent);
}

__global__ void flag_kernel(const CannyArgs a, int nodes) {
  const int node = blockIdx.x * blockDim.x + threadIdx.x;
  if (node < nodes) propagate_flag(node, a.parent, a.flag);
}

// 16 pixels per thread (16-byte aligned rows); rows stride by gridDim.y (at most 65535).
__global__ void resolve16_kernel(const CannyArgs a) {
  const int x = (blockIdx.x * blockDim.x + threadIdx.x) * 16;
  if (x >= a.w) return;
  for (int y = blockIdx.y; y < a.h; y += gridDim.y) {
    uint8_t* row = a.dst + static_cast<size_t>(y) * a.dst_pitch;
    const int tile_row = (y / kTile) * a.tiles_x;
    if (x + 16 <= a.w) {
      uint4 v = *reinterpret_cast<const uint4*>(row + x);
      uint8_t* b = reinterpret_cast<uint8_t*>(&v);
      bool changed = false;
#pragma unroll
      for (int i = 0; i < 16; ++i)
        if (b[i] != 0 && b[i] != 255) {
          b[i] = resolve_code(b[i], tile_row + (x + i) / kTile, a.parent, a.flag);
          changed = true;
        }
      if (changed) *reinterpret_cast<uint4*>(row + x) = v;
    } else {
      for (int i = x; i < a.w; ++i) row[i] = resolve_code(row[i], tile_row + i / kTile, a.parent, a.flag);
    }
  }
}

__global__ void resolve1_kernel(const CannyArgs a) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x;
  if (x >= a.w) return;
  for (int y = blockIdx.y; y < a.h; y += gridDim.y) {
    uint8_t* p = a.dst + static_cast<size_t>(y) * a.dst_pitch + x;
    *p = resolve_code(*p, (y / kTile) * a.tiles_x + x / kTile, a.parent, a.flag);
  }
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
  a.l2 = plan.l2;
  a.div16 = plan.div16;
  put_taps(plan.kx_dx, a.kx_dx);
  put_taps(plan.ky_dx, a.ky_dx);
  put_taps(plan.kx_dy, a.kx_dy);
  put_taps(plan.ky_dy, a.ky_dy);
  const int tiles = a.tiles_x * a.tiles_y;
  CALDERA_ASSIGN_OR_RETURN(a.parent, take<int>(ws, static_cast<size_t>(tiles) * kSlots));
  CALDERA_ASSIGN_OR_RETURN(a.flag, take<uint8_t>(ws, static_cast<size_t>(tiles) * kSlots));
  CALDERA_ASSIGN_OR_RETURN(a.masks, take<RingMasks>(ws, tiles));

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

  const dim3 grid(a.tiles_x, a.tiles_y), block(32, 8);
  if (params.kernel == DerivKernel::Scharr) {
    tile_kernel<1, ArgTaps><<<grid, block, 0, stream>>>(a);
  } else {
    switch (plan.radius) {
      case 1: tile_kernel<1, SobelTapsOf<1>><<<grid, block, 0, stream>>>(a); break;
      case 2: tile_kernel<2, SobelTapsOf<2>><<<grid, block, 0, stream>>>(a); break;
      default: tile_kernel<3, SobelTapsOf<3>><<<grid, block, 0, stream>>>(a); break;
    }
  }
  CALDERA_RETURN_IF_ERROR(check_launch("canny tile_kernel"));
  if (tiles > 1) {
    cross_kernel<<<tiles, 2 * kTile, 0, stream>>>(a);
    CALDERA_RETURN_IF_ERROR(check_launch("canny cross_kernel"));
  }
  const int nodes = tiles * kSlots;
  flag_kernel<<<(nodes + 255) / 256, 256, 0, stream>>>(a, nodes);
  CALDERA_RETURN_IF_ERROR(check_launch("canny flag_kernel"));
  const bool aligned16 = reinterpret_cast<uintptr_t>(a.dst) % 16 == 0 && a.dst_pitch % 16 == 0;
  if (aligned16) {
    const dim3 g((a.w + 16 * 128 - 1) / (16 * 128), std::min(a.h, 65535));
    resolve16_kernel<<<g, 128, 0, stream>>>(a);
  } else {
    const dim3 g((a.w + 255) / 256, std::min(a.h, 65535));
    resolve1_kernel<<<g, 256, 0, stream>>>(a);
  }
  return check_launch("canny resolve_kernel");
}

}  // namespace caldera
