// Where `caldera run` reads frames from and writes them to: one still image, a Y4M video, or
// raw frames. Every sink writes under a temporary name and renames only when it finishes.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "caldera/image.hpp"
#include "caldera/io/image_file.hpp"
#include "caldera/io/y4m.hpp"
#include "caldera/status.hpp"

namespace caldera::app {

class FrameSource {
 public:
  virtual ~FrameSource() = default;
  virtual ImageDesc desc() const = 0;
  virtual long frame_count() const = 0;  // -1 when unknown
  virtual Y4mHeader timing() const { return {}; }
  // Reads the next frame into dst (host memory of desc()); false at the end.
  virtual Result<bool> read(ImageView dst) = 0;
};

class FrameSink {
 public:
  virtual ~FrameSink() = default;
  // Formats this sink stores as they are; anything else is converted to preferred() first.
  virtual bool accepts(PixelFormat f) const = 0;
  virtual PixelFormat preferred(const ImageDesc& produced) const = 0;
  virtual Status open(const ImageDesc& desc, const Y4mHeader& timing) = 0;
  virtual Status write(ConstImageView frame) = 0;  // host memory
  virtual Status finish() = 0;
};

Result<std::unique_ptr<FrameSource>> open_source(const std::string& path, const std::string& raw_format,
                                                 const std::string& raw_size);
Result<std::unique_ptr<FrameSink>> make_sink(const std::string& path, int jpeg_quality);

}  // namespace caldera::app
