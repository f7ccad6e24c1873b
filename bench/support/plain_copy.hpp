// A plain copy kernel for the benchmarks' floor rows: what the simplest kernel that reads and
// writes a plane once costs, timed the same way as the operators (no operator can beat it).
#pragma once

#include <cstddef>
#include <cstdint>

#include "caldera/context.hpp"
#include "caldera/status.hpp"

namespace caldera::bench {

// Copies `rows` rows of `row_bytes` bytes; both pitches and pointers 16-byte aligned (an error
// otherwise). Each thread moves 16 bytes, a warp 512 contiguous bytes of one row.
Status plain_copy_cuda(const uint8_t* src, size_t src_pitch, uint8_t* dst, size_t dst_pitch, size_t row_bytes,
                       int rows, StreamHandle stream);

}  // namespace caldera::bench
