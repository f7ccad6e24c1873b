// `caldera model inspect`: loads a model (a name from the model directory, a .param path or a .onnx path),
// validates it, and prints the graph: one line per node with attributes and shapes.
#include <fmt/core.h>

#include <charconv>

#include "caldera/commands.hpp"
#include "caldera/nn/model.hpp"

namespace caldera::app {
namespace {

// "WxH" -> width, height.
bool parse_size(const std::string& s, int& w, int& h) {
  const auto x = s.find('x');
  if (x == std::string::npos) return false;
  auto [p1, e1] = std::from_chars(s.data(), s.data() + x, w);
  auto [p2, e2] = std::from_chars(s.data() + x + 1, s.data() + s.size(), h);
  return e1 == std::errc() && e2 == std::errc() && p1 == s.data() + x && p2 == s.data() + s.size() && w > 0 && h > 0;
}

}  // namespace

int model_inspect_command(const ModelInspectOptions& o) {
  auto model = nn::Model::load(o.model);
  if (!model) {
    print_error(model.status().message());
    return model.status().code() == StatusCode::InvalidArgument ? 2 : 1;
  }
  if (o.size.empty()) {
    fmt::print("{}", model->dump());
    return 0;
  }
  int w = 0, h = 0;
  if (!parse_size(o.size, w, h)) {
    print_error("--size '" + o.size + "' is not WxH (e.g. 960x540)");
    return 2;
  }
  const int channels = model->input_channels() > 0 ? model->input_channels() : 3;
  auto text = model->dump_for({1, channels, h, w});
  if (!text) {
    print_error(text.status().message());
    return 1;
  }
  fmt::print("{}", *text);
  return 0;
}

}  // namespace caldera::app
