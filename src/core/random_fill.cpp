#include "core/random_fill.hpp"

#include <cstring>
#include <random>

#include "caldera/half.hpp"

namespace caldera {

void fill_random_samples(ImageView img, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const FormatInfo& fi = format_info(img.format());
  for (int p = 0; p < fi.num_planes; ++p) {
    const int n = plane_width(img.format(), p, img.width()) * fi.planes[p].channels;
    for (int y = 0; y < plane_height(img.format(), p, img.height()); ++y) {
      uint8_t* row = img.row(p, y);
      for (int x = 0; x < n; ++x) {
        switch (fi.sample) {
          case SampleType::U8: row[x] = static_cast<uint8_t>(rng()); break;
          case SampleType::U16: {
            uint16_t v = static_cast<uint16_t>(rng());
            if (fi.bit_depth < 16) v = static_cast<uint16_t>((v >> (16 - fi.bit_depth)) << fi.msb_shift);
            std::memcpy(row + 2 * x, &v, 2);
            break;
          }
          case SampleType::F16: {
            const uint16_t v = float_to_half(static_cast<float>(rng() % 1000001) / 1e6f);
            std::memcpy(row + 2 * x, &v, 2);
            break;
          }
          case SampleType::F32: {
            const float v = static_cast<float>(rng() % 1000001) / 1e6f;
            std::memcpy(row + 4 * x, &v, 4);
            break;
          }
        }
      }
    }
  }
}

}  // namespace caldera
