// Test-only helpers of the emulated kernel tests: images laid out as device images would be (an
// aligned layout that takes the fast kernels, an odd one that takes the generic kernels), with
// AddressSanitizer poison on every byte outside the samples, tagged as device memory so the
// operators' *_cuda entry points accept them; and the check that a call ran emulated launches
// without a problem.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "caldera/image.hpp"
#include "caldera/memory.hpp"
#include "caldera/status.hpp"

namespace caldera::emu_testing {

enum class Layout {
  Aligned,  // base 256-byte aligned, pitch a multiple of 64
  Odd,      // base one sample past alignment, pitch one sample longer than a row
};
const char* layout_name(Layout l);

// A stream handle that is not the default stream (the emulation refuses a null one).
StreamHandle fake_stream();

class EmuImage {
 public:
  EmuImage(const ImageDesc& desc, Layout layout);
  ~EmuImage();
  EmuImage(const EmuImage&) = delete;
  EmuImage& operator=(const EmuImage&) = delete;

  ImageView device_view() const;  // what the *_cuda functions take
  ConstImageView host_view() const;  // the same bytes, for comparisons
  void copy_from(ConstImageView host);
  void fill(uint8_t byte);

 private:
  ImageDesc desc_;
  std::array<BasicPlane<uint8_t>, 3> planes_{};
  std::vector<void*> blocks_;
  std::vector<size_t> block_bytes_;
};

// 256-byte aligned scratch of exactly `bytes` (poisoned past them), e.g. a Workspace.
class EmuBuffer {
 public:
  explicit EmuBuffer(size_t bytes);
  ~EmuBuffer();
  EmuBuffer(const EmuBuffer&) = delete;
  EmuBuffer& operator=(const EmuBuffer&) = delete;
  void* data() const { return data_; }
  size_t size() const { return bytes_; }

 private:
  void* data_ = nullptr;
  size_t bytes_ = 0, alloc_ = 0;
};

// After an emulated *_cuda call: it succeeded, launched at least one kernel, and the emulation
// found no problem.
::testing::AssertionResult ran_clean(const Status& status, const std::string& what);

}  // namespace caldera::emu_testing
