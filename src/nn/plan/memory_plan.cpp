#include "nn/plan/memory_plan.hpp"

#include <algorithm>
#include <map>
#include <numeric>

namespace caldera::nn::plan {

MemoryPlan plan_memory(const std::vector<Lifetime>& items, size_t alignment) {
  MemoryPlan plan;
  plan.offsets.assign(items.size(), 0);
  const auto aligned = [alignment](size_t b) { return (b + alignment - 1) / alignment * alignment; };

  std::vector<size_t> order(items.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (items[a].bytes != items[b].bytes) return items[a].bytes > items[b].bytes;
    return items[a].first < items[b].first;
  });

  std::vector<size_t> placed;  // indices already given an offset
  for (size_t i : order) {
    const Lifetime& it = items[i];
    if (it.bytes == 0) continue;
    const size_t size = aligned(it.bytes);
    plan.naive += size;
    // Address ranges of everything placed that is alive at the same time, by offset.
    std::vector<std::pair<size_t, size_t>> busy;
    for (size_t j : placed) {
      const Lifetime& o = items[j];
      if (o.last < it.first || it.last < o.first) continue;
      busy.emplace_back(plan.offsets[j], plan.offsets[j] + aligned(o.bytes));
    }
    std::sort(busy.begin(), busy.end());
    size_t offset = 0;
    for (const auto& [lo, hi] : busy) {
      if (offset + size <= lo) break;  // fits in the gap before this range
      offset = std::max(offset, hi);
    }
    plan.offsets[i] = offset;
    plan.peak = std::max(plan.peak, offset + size);
    placed.push_back(i);
  }

  // The live-set maximum, for judging the placement.
  std::map<int, long long> delta;
  for (const Lifetime& it : items) {
    if (it.bytes == 0) continue;
    delta[it.first] += static_cast<long long>(aligned(it.bytes));
    delta[it.last + 1] -= static_cast<long long>(aligned(it.bytes));
  }
  long long live = 0;
  for (const auto& [step, d] : delta) {
    live += d;
    plan.live_max = std::max(plan.live_max, static_cast<size_t>(live));
  }
  return plan;
}

}  // namespace caldera::nn::plan
