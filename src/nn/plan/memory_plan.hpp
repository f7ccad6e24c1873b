// The memory planner: tensors (or scratch areas) with a size and a lifetime [first, last] in
// execution steps are placed at offsets inside one buffer so that two of them share bytes only
// when their lifetimes do not overlap. The runtime then makes one allocation of `peak` bytes
// per input shape instead of one per tensor.
//
// Placement is greedy by size: largest first, each at the lowest offset where it collides with
// nothing already placed that is alive at the same time. It is not optimal (the problem is
// NP-hard) but it is within a few percent of the live-set maximum on chains of convolutions.
#pragma once

#include <cstddef>
#include <vector>

namespace caldera::nn::plan {

struct Lifetime {
  size_t bytes = 0;  // 0: needs no memory (offset 0 is reported)
  int first = 0;     // step that writes it first
  int last = 0;      // step that reads it last (inclusive); >= first
};

struct MemoryPlan {
  std::vector<size_t> offsets;  // one per Lifetime, aligned
  size_t peak = 0;              // bytes the buffer must hold
  size_t naive = 0;             // sum of the aligned sizes (one buffer each)
  size_t live_max = 0;          // largest sum of aligned sizes alive at one step (a lower bound)
};

MemoryPlan plan_memory(const std::vector<Lifetime>& items, size_t alignment = 256);

}  // namespace caldera::nn::plan
