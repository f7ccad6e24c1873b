#include "support/plain_copy.hpp"

#include <cuda_runtime.h>

#include "core/cuda_check.hpp"

namespace caldera::bench {
namespace {

__global__ void plain_copy_kernel(const uint8_t* src, size_t src_pitch, uint8_t* dst, size_t dst_pitch,
                                  size_t row_words, int rows) {
  const size_t x = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const int y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x >= row_words || y >= rows) return;
  const uint4 v = __ldg(reinterpret_cast<const uint4*>(src + src_pitch * y) + x);
  reinterpret_cast<uint4*>(dst + dst_pitch * y)[x] = v;
}

}  // namespace

Status plain_copy_cuda(const uint8_t* src, size_t src_pitch, uint8_t* dst, size_t dst_pitch, size_t row_bytes,
                       int rows, StreamHandle stream) {
  if ((reinterpret_cast<uintptr_t>(src) | reinterpret_cast<uintptr_t>(dst) | src_pitch | dst_pitch | row_bytes) % 16)
    return invalid_argument("plain_copy_cuda: pointers, pitches and the row length must be multiples of 16 bytes");
  if (rows <= 0 || row_bytes == 0) return Status::ok();
  const size_t words = row_bytes / 16;
  const dim3 block(64, 4);  // 1 KiB of 4 rows: whole 128-byte lines, few idle threads at 4K
  const dim3 grid(static_cast<unsigned>((words + block.x - 1) / block.x), static_cast<unsigned>((rows + block.y - 1) / block.y));
  plain_copy_kernel<<<grid, block, 0, stream>>>(src, src_pitch, dst, dst_pitch, words, rows);
  return check_launch("plain_copy_kernel");
}

}  // namespace caldera::bench
