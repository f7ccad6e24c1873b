// Internal (CUDA, and the host emulation of the fused HDR10 -> SDR kernel): where a thread of a
// persistent grid starts its walk over the tiles (it then advances by the grid's threads).
#pragma once

#include <cuda_runtime.h>

namespace caldera::tonemap_detail {

// The warps of a round are dealt out across the blocks first (warp w of block b takes the round's
// tiles (w * gridDim.x + b) * 32 ..+ 32): the last, partial round then gives every block about
// the same number of tiles, so every SM too. Numbered block by block, it fell on the first blocks
// only, and the SMs holding them ran ~6% longer than the rest (H200, 4K: 4.8 k cycles past the
// average SM's 61 k). A warp's tiles stay consecutive, so its loads and stores stay coalesced.
__device__ __forceinline__ int first_tile(int t) {
  return ((t >> 5) * static_cast<int>(gridDim.x) + static_cast<int>(blockIdx.x)) * 32 + (t & 31);
}

}  // namespace caldera::tonemap_detail
