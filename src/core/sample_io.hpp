// Internal: reading and writing one sample of a host image row, for the CPU references, the
// test support and the benchmarks, so that every one of them agrees on rounding and layout.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "caldera/half.hpp"
#include "caldera/image.hpp"
#include "caldera/pixel_format.hpp"

namespace caldera {

// Sample i of a row: the code value (a 16-bit word >> shift, so P010 gives its 10-bit code with
// shift 6 and its stored word with shift 0), or the value of a float sample.
inline double load_sample(const uint8_t* row, size_t i, SampleType s, int shift) {
  switch (s) {
    case SampleType::U8: return row[i];
    case SampleType::U16: {
      uint16_t v;
      std::memcpy(&v, row + 2 * i, 2);
      return v >> shift;
    }
    case SampleType::F16: {
      uint16_t v;
      std::memcpy(&v, row + 2 * i, 2);
      return half_to_float(v);
    }
    case SampleType::F32: {
      float v;
      std::memcpy(&v, row + 4 * i, 4);
      return v;
    }
  }
  return 0;
}

// Stores sample i of a row: integer formats round half up, clamp to [0, max_code] (NaN gives 0)
// and store code << shift; float formats store the value as it is (f16 rounds to nearest even).
inline void store_sample(uint8_t* row, size_t i, double v, SampleType s, int shift, int max_code) {
  if (s == SampleType::U8 || s == SampleType::U16) {
    double r = std::floor(v + 0.5);
    r = std::isnan(r) ? 0 : std::clamp(r, 0.0, static_cast<double>(max_code));
    const unsigned code = static_cast<unsigned>(r) << shift;
    if (s == SampleType::U8) {
      row[i] = static_cast<uint8_t>(code);
    } else {
      const uint16_t w = static_cast<uint16_t>(code);
      std::memcpy(row + 2 * i, &w, 2);
    }
  } else if (s == SampleType::F16) {
    const uint16_t h = float_to_half(static_cast<float>(v));
    std::memcpy(row + 2 * i, &h, 2);
  } else {
    const float f = static_cast<float>(v);
    std::memcpy(row + 4 * i, &f, 4);
  }
}

// Channel `c` of pixel (x, y) of plane `plane` as a code value (P010 unshifted) or float value.
inline double read_code(ConstImageView img, int plane, int x, int y, int c) {
  const FormatInfo& fi = format_info(img.format());
  return load_sample(img.row(plane, y), static_cast<size_t>(x) * fi.planes[plane].channels + c, fi.sample,
                     fi.msb_shift);
}

inline void write_code(ImageView img, int plane, int x, int y, int c, double value) {
  const FormatInfo& fi = format_info(img.format());
  store_sample(img.row(plane, y), static_cast<size_t>(x) * fi.planes[plane].channels + c, value, fi.sample,
               fi.msb_shift, max_code(img.format()));
}

}  // namespace caldera
