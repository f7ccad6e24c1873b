// Test-only helpers of the emulated kernel tests (emu_testing.hpp).
#include "emu/emu_testing.hpp"

#include <cstdlib>
#include <cstring>

#include "emu/cuda_emu.hpp"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define EMU_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define EMU_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define EMU_POISON(p, n) ((void)(p), (void)(n))
#define EMU_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace caldera::emu_testing {

const char* layout_name(Layout l) { return l == Layout::Aligned ? "aligned" : "odd"; }

StreamHandle fake_stream() { return reinterpret_cast<StreamHandle>(uintptr_t{0x5100}); }

namespace {
size_t round_up(size_t v, size_t a) { return (v + a - 1) / a * a; }
}  // namespace

EmuImage::EmuImage(const ImageDesc& desc, Layout layout) : desc_(desc) {
  const FormatInfo& fi = format_info(desc.format);
  for (int p = 0; p < fi.num_planes; ++p) {
    const size_t row = static_cast<size_t>(plane_row_bytes(desc.format, p, desc.width));
    const size_t h = static_cast<size_t>(plane_height(desc.format, p, desc.height));
    const size_t bps = static_cast<size_t>(fi.planes[p].bytes_per_sample);
    const size_t offset = layout == Layout::Aligned ? 0 : bps;
    const size_t pitch = layout == Layout::Aligned ? round_up(row, 64) : row + bps;
    const size_t used = offset + pitch * (h - 1) + row;
    const size_t alloc = round_up(used, 256);
    void* block = std::aligned_alloc(256, alloc);
    uint8_t* base = static_cast<uint8_t*>(block);
    std::memset(base, 0xEE, alloc);
    // Poison everything but the samples: the lead-in, each row's padding and the tail.
    EMU_POISON(base, offset);
    for (size_t y = 0; y + 1 < h; ++y) EMU_POISON(base + offset + y * pitch + row, pitch - row);
    EMU_POISON(base + used, alloc - used);
    planes_[p] = {base + offset, pitch};
    blocks_.push_back(block);
    block_bytes_.push_back(alloc);
  }
}

EmuImage::~EmuImage() {
  for (size_t i = 0; i < blocks_.size(); ++i) {
    EMU_UNPOISON(blocks_[i], block_bytes_[i]);
    std::free(blocks_[i]);
  }
}

ImageView EmuImage::device_view() const { return ImageView(desc_, MemoryKind::Device, planes_, 0); }

ConstImageView EmuImage::host_view() const {
  ImageView v(desc_, MemoryKind::Host, planes_);
  return v;
}

void EmuImage::copy_from(ConstImageView host) {
  const FormatInfo& fi = format_info(desc_.format);
  for (int p = 0; p < fi.num_planes; ++p) {
    const int h = plane_height(desc_.format, p, desc_.height);
    const size_t row = static_cast<size_t>(plane_row_bytes(desc_.format, p, desc_.width));
    for (int y = 0; y < h; ++y) std::memcpy(planes_[p].data + planes_[p].pitch * y, host.row(p, y), row);
  }
}

void EmuImage::fill(uint8_t byte) {
  const FormatInfo& fi = format_info(desc_.format);
  for (int p = 0; p < fi.num_planes; ++p) {
    const int h = plane_height(desc_.format, p, desc_.height);
    const size_t row = static_cast<size_t>(plane_row_bytes(desc_.format, p, desc_.width));
    for (int y = 0; y < h; ++y) std::memset(planes_[p].data + planes_[p].pitch * y, byte, row);
  }
}

EmuBuffer::EmuBuffer(size_t bytes) : bytes_(bytes), alloc_(round_up(bytes + 1, 256)) {
  data_ = std::aligned_alloc(256, alloc_);
  std::memset(data_, 0xEE, alloc_);
  EMU_POISON(static_cast<uint8_t*>(data_) + bytes_, alloc_ - bytes_);
}

EmuBuffer::~EmuBuffer() {
  EMU_UNPOISON(data_, alloc_);
  std::free(data_);
}

::testing::AssertionResult ran_clean(const Status& status, const std::string& what) {
  const std::vector<std::string> problems = ::emu::take_problems();
  const int launches = ::emu::take_launch_count();
  std::string msg;
  if (!status) msg += "\n  status: " + status.to_string();
  if (launches == 0) msg += "\n  no kernel was launched";
  for (const std::string& p : problems) msg += "\n  emulation: " + p;
  if (msg.empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << what << msg;
}

}  // namespace caldera::emu_testing
