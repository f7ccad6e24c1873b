// The bundled CC0 photographs (examples/README.md) as test inputs: the real-content images the
// edge detectors and filters are compared with their peers on.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "caldera/image.hpp"
#include "caldera/io/image_file.hpp"
#include "caldera/ops/color_convert.hpp"
#include "support/image_testing.hpp"

namespace caldera::testing {

inline const char* const kPhotos[] = {"photo_coffee.png", "photo_chelsea.png"};

// examples/<name> as RGB24 (host): from the source tree the tests were built in, else from
// $CALDERA_EXAMPLES_DIR or ./examples (the GPU runner runs from a copy of the tree elsewhere).
inline Image example_photo(const std::string& name) {
  std::vector<std::string> dirs = {std::string(CALDERA_SOURCE_DIR) + "/examples", "examples"};
  if (const char* env = std::getenv("CALDERA_EXAMPLES_DIR")) dirs.insert(dirs.begin() + 1, env);
  std::string tried;
  for (const auto& d : dirs) {
    const std::string path = d + "/" + name;
    if (!std::filesystem::exists(path)) {
      tried += (tried.empty() ? "" : ", ") + path;
      continue;
    }
    auto img = read_image_file(path);
    if (!img) throw std::runtime_error(img.status().to_string());
    return std::move(img).value();
  }
  throw std::runtime_error("example photo " + name + " not found (tried " + tried + ")");
}

// The same photo converted to gray8 by Caldera's own converter (BT.601 luma of full-range RGB):
// the peer tests hand these very bytes to both implementations, so the conversion itself does
// not matter to them.
inline Image example_photo_gray(const std::string& name) {
  Image rgb = example_photo(name);
  Image gray = filled_image({rgb.width(), rgb.height(), PixelFormat::Gray8}, 0);
  Status s = convert_reference(rgb.view(), gray.view(), ConvertParams{});
  if (!s) throw std::runtime_error(s.to_string());
  return gray;
}

}  // namespace caldera::testing
