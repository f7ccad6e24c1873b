// Test helpers shared by every test: random images of any format, host/device copies, an image
// comparison that reports the worst sample and where it is, and GPU skipping.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "caldera/context.hpp"
#include "caldera/image.hpp"

namespace caldera::testing {

// Host image with random valid samples: integer formats over their whole code range (P010
// keeps its low 6 bits zero, 10-bit formats stay below 1024), float formats in [0, 1].
Image random_image(const ImageDesc& desc, uint64_t seed);
Image random_image(int width, int height, PixelFormat format, uint64_t seed, ColorDesc color = {});
// Host image of the given description with every byte set to `byte` (poison for "was every
// sample written" checks).
Image filled_image(const ImageDesc& desc, uint8_t byte, MemoryKind memory = MemoryKind::Host, Context* ctx = nullptr);

// The process-wide CUDA context, or nullptr when no GPU is usable.
Context* gpu_context();

// Device copy of a host image (waits for the copy).
Image to_device(ConstImageView host, Context& ctx);
// Host copy of a device image (waits for the copy and any queued work).
Image to_host(ConstImageView device, Context& ctx);

// Reads sample `c` of pixel (x, y) of plane p as a double (float formats as their value).
double sample_at(ConstImageView img, int plane, int x, int y, int c);

struct ImageDiff {
  double max_abs = 0;
  int plane = 0, x = 0, y = 0, channel = 0;
  double got = 0, want = 0;
  long samples_over_tol = 0;
  long samples = 0;
  std::string to_string() const;
};
ImageDiff compare_images(ConstImageView got, ConstImageView want, double tol);

::testing::AssertionResult images_close(ConstImageView got, ConstImageView want, double tol);

// For float kernels against a double reference where a few samples are ill-conditioned (a channel
// that lands on black after a gamut matrix, where BT.1886 and PQ are steepest; a desaturation
// whose two bounds tie): every sample within `hard_tol`, and at most `fraction` of them (rounded
// up) beyond `tol`. The message gives both counts.
::testing::AssertionResult images_mostly_close(ConstImageView got, ConstImageView want, double tol, double fraction,
                                               double hard_tol);

}  // namespace caldera::testing

#define EXPECT_IMAGES_CLOSE(got, want, tol) EXPECT_TRUE(::caldera::testing::images_close((got), (want), (tol)))
#define EXPECT_IMAGES_MOSTLY_CLOSE(got, want, tol, fraction, hard_tol) \
  EXPECT_TRUE(::caldera::testing::images_mostly_close((got), (want), (tol), (fraction), (hard_tol)))

// Skips the test, with the reason, where no GPU is usable.
#define CALDERA_REQUIRE_GPU()                                                        \
  do {                                                                               \
    if (!::caldera::testing::gpu_context())                                          \
      GTEST_SKIP() << "needs a CUDA GPU: " << ::caldera::cuda_unavailable_reason(); \
  } while (0)
