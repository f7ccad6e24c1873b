// JPEG decoding on the GPU through the nvJPEG plugin (nvjpeg_plugin.h), where it was built and
// the GPU has nvJPEG; otherwise load() says why and callers decode with libjpeg-turbo.
#pragma once

#include <memory>
#include <string>

#include "caldera/context.hpp"
#include "caldera/image.hpp"

namespace caldera::io {

class GpuJpegDecoder {
 public:
  // Looks in $CALDERA_NVJPEG_PLUGIN (a file), beside the executable, then the loader's path.
  static Result<std::shared_ptr<GpuJpegDecoder>> load();
  ~GpuJpegDecoder();

  // Decodes a JPEG file into a device image (rgb24, or gray8 for gray JPEGs) on ctx's stream.
  Result<Image> decode_file(const std::string& path, Context& ctx);

 private:
  GpuJpegDecoder() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace caldera::io
