// Test support for the emulated kernels: host images in buffers the test lays out itself (the
// pitch, the alignment of the first row, guard bytes around every plane), so that a kernel run on
// the host through tests/emu/header_kernels.hpp can be checked for loads outside the
// pixels and for stores anywhere but the pixels.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "caldera/image.hpp"

namespace caldera::testing {

enum class Rows {
  Aligned,  // first row and pitch multiples of 16 bytes, 16 bytes of padding per row
  Tight,    // pitch = the row's bytes (the next row follows at once), first row 64-byte aligned
  Odd,      // first row 2 bytes past a 64-byte boundary, pitch = row bytes + 2 (4 and 4 for float
            // samples: a GPU cannot load a float from an address that is not a multiple of 4)
};

class LaidOutImage {
 public:
  LaidOutImage(const ImageDesc& d, Rows rows, uint8_t fill) : desc_(d) {
    const FormatInfo& fi = format_info(d.format);
    for (int p = 0; p < fi.num_planes; ++p) {
      const size_t row = static_cast<size_t>(plane_row_bytes(d.format, p, d.width));
      const size_t odd = std::max<size_t>(2, static_cast<size_t>(fi.planes[p].bytes_per_sample));
      const size_t pitch = rows == Rows::Aligned ? (row + 15) / 16 * 16 + 16 : rows == Rows::Tight ? row : row + odd;
      const size_t offset = rows == Rows::Odd ? odd : 0;
      const size_t height = static_cast<size_t>(plane_height(d.format, p, d.height));
      buffers_[p].assign(kGuard + 64 + offset + pitch * height + kGuard, fill);
      const auto start = reinterpret_cast<uintptr_t>(buffers_[p].data()) + kGuard;
      uint8_t* base = reinterpret_cast<uint8_t*>((start + 63) / 64 * 64 + offset);
      planes_[p] = {base, pitch};
      row_bytes_[p] = row;
      heights_[p] = height;
    }
  }
  ImageView view() { return ImageView(desc_, MemoryKind::Host, planes_); }
  ConstImageView cview() const { return ConstImageView(ImageView(desc_, MemoryKind::Host, planes_)); }

  void copy_pixels_from(ConstImageView src) {
    for (int p = 0; p < format_info(desc_.format).num_planes; ++p)
      for (size_t y = 0; y < heights_[p]; ++y)
        std::memcpy(planes_[p].data + planes_[p].pitch * y, src.plane(p).data + src.plane(p).pitch * y, row_bytes_[p]);
  }

  // Tells the emulation that the pixels, and only they, may be loaded.
  template <class AllowReads>
  void allow_pixel_reads(AllowReads allow) const {
    for (int p = 0; p < format_info(desc_.format).num_planes; ++p)
      for (size_t y = 0; y < heights_[p]; ++y) allow(planes_[p].data + planes_[p].pitch * y, row_bytes_[p]);
  }

  // Every byte of the buffers that is not a pixel (guards, row padding) still holds `fill`.
  ::testing::AssertionResult untouched_outside_pixels(uint8_t fill) const {
    for (int p = 0; p < format_info(desc_.format).num_planes; ++p) {
      const uint8_t* b = buffers_[p].data();
      for (size_t i = 0; i < buffers_[p].size(); ++i) {
        const uint8_t* a = b + i;
        bool pixel = false;
        if (a >= planes_[p].data) {
          const size_t off = static_cast<size_t>(a - planes_[p].data);
          pixel = off / planes_[p].pitch < heights_[p] && off % planes_[p].pitch < row_bytes_[p];
        }
        if (!pixel && *a != fill)
          return ::testing::AssertionFailure()
                 << "plane " << p << ": a byte outside the pixels was written, "
                 << static_cast<long>(a - planes_[p].data) << " bytes from the first pixel (pitch "
                 << planes_[p].pitch << ", row " << row_bytes_[p] << " bytes, " << heights_[p] << " rows)";
      }
    }
    return ::testing::AssertionSuccess();
  }

 private:
  static constexpr size_t kGuard = 256;
  ImageDesc desc_;
  std::vector<uint8_t> buffers_[3];
  std::array<ImageView::Plane, 3> planes_{};
  size_t row_bytes_[3] = {0, 0, 0}, heights_[3] = {0, 0, 0};
};

}  // namespace caldera::testing
