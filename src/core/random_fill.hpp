// Internal: fills a host image with random valid samples (integer formats over their whole code
// range, P010 with its low 6 bits zero, 10-bit formats below 1024, float formats in [0, 1]).
// The tests and the benchmarks share it, so both exercise the same kind of data.
#pragma once

#include <cstdint>

#include "caldera/image.hpp"

namespace caldera {
void fill_random_samples(ImageView host, uint64_t seed);
}  // namespace caldera
