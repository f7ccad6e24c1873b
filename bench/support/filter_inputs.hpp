// Inputs and checks shared by the filter benchmarks: a real photograph scaled to 4K (edge
// detectors behave differently on real content than on noise), and difference counts.
#pragma once

#include <functional>

#include "caldera/context.hpp"
#include "caldera/image.hpp"
#include "support/bench.hpp"

namespace caldera::bench {

// examples/photo_coffee.png (from the working directory, or $CALDERA_EXAMPLES_DIR) in gray8,
// bicubic-scaled to 3840x2160, as `count` device copies.
Result<ImageSet> photo_4k_gray_set(int count, Context& ctx);

// Samples that differ between two device images of equal shape.
Result<long> count_differing(ConstImageView a, ConstImageView b, Context& ctx);

// Runs `reference` on a host copy of the device image `src` and counts the samples of the device
// image `got` that differ from it.
Result<long> matches_reference_gray(ConstImageView src, ConstImageView got, Context& ctx,
                                    const std::function<Status(ConstImageView, ImageView)>& reference);

}  // namespace caldera::bench
