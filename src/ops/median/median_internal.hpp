// Internal: shared by the median reference and CUDA code.
#pragma once

#include "caldera/ops/median.hpp"

namespace caldera::median_detail {

// Whether plane p is filtered (false: copied).
bool filters_plane(const MedianParams& p, PixelFormat f, int plane);

inline int border_code(double v) { return v <= 0 ? 0 : v >= 255 ? 255 : static_cast<int>(v + 0.5); }

}  // namespace caldera::median_detail
