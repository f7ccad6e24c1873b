// IEEE 754 binary16 on the host (round to nearest even), for the float16 planar format.
#pragma once
#include <cstdint>

namespace caldera {
uint16_t float_to_half(float f);
float half_to_float(uint16_t h);
}  // namespace caldera
