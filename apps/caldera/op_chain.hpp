// The operator chain of `caldera run --vf`: "resize=w=1280:h=720:interp=bicubic,convert=format=nv12".
// Filters are separated by ',', a filter's options by ':' as key=value; a bare first option is
// the filter's main value (flip=h). Each step plans its output description from its input, so
// the whole chain is checked before any frame is touched.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "caldera/context.hpp"
#include "caldera/image.hpp"
#include "caldera/status.hpp"

namespace caldera::app {

class Step {
 public:
  virtual ~Step() = default;
  virtual std::string describe() const = 0;
  // The output description for a given input, or an error naming the step and the problem.
  virtual Result<ImageDesc> plan(const ImageDesc& in) const = 0;
  // Runs the step from src into dst (dst already has plan()'s description and src's memory).
  virtual Status run(ConstImageView src, ImageView dst, Context& ctx) const = 0;
  // Steps that only take a view of their input (crop) return it here instead of running.
  virtual Result<ConstImageView> as_view(ConstImageView src) const { return unsupported("not a view step"); }
  virtual bool is_view() const { return false; }
};

struct Chain {
  std::vector<std::unique_ptr<Step>> steps;
};

Result<Chain> parse_chain(const std::string& text);
// A conversion step to `format` (used when the output file needs another format).
std::unique_ptr<Step> make_convert_step(PixelFormat format);
std::string chain_help();

// Runs the chain on one frame: allocates intermediates from ctx (device or host, matching the
// input's memory) and returns the final image (or a view into the input for pure view chains).
class ChainRunner {
 public:
  ChainRunner(const Chain& chain, Context& ctx) : chain_(chain), ctx_(ctx) {}
  // Plans every step for frames of `in`, allocating intermediate images once.
  Status prepare(const ImageDesc& in, MemoryKind memory);
  Result<ConstImageView> run(ConstImageView frame);
  const ImageDesc& output_desc() const { return out_desc_; }

 private:
  const Chain& chain_;
  Context& ctx_;
  std::vector<ImageDesc> descs_;
  std::vector<Image> buffers_;
  ImageDesc out_desc_{};
};

}  // namespace caldera::app
