#include "nn/import/ncnn/param_file.hpp"

#include <charconv>
#include <cmath>
#include <limits>

namespace caldera::nn::ncnn {
namespace {

// Limits far above any real model, so a corrupt count fails here instead of allocating wildly.
constexpr int kMaxLayers = 1 << 20;
constexpr int kMaxLayerBlobs = 1 << 16;
constexpr int kMaxArrayItems = 1 << 16;

std::vector<std::string_view> split_ws(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    const size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

bool parse_int(std::string_view s, int& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool looks_float(std::string_view s) {
  return s.find_first_of(".eE") != std::string_view::npos || s == "nan" || s == "inf" || s == "-inf";
}

bool parse_float(std::string_view s, float& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

// One scalar (or array item): integer or float by how it is written, as ncnn reads it.
bool parse_number(std::string_view s, bool& is_float, int& i, float& f) {
  is_float = looks_float(s);
  if (is_float) {
    if (!parse_float(s, f)) return false;
    i = std::isfinite(f) && std::fabs(f) < 2e9f ? static_cast<int>(f) : 0;
    return true;
  }
  if (!parse_int(s, i)) return false;
  f = static_cast<float>(i);
  return true;
}

}  // namespace

Result<int> ParamDict::get_int(int id, int fallback, const std::string& context) const {
  auto it = values_.find(id);
  if (it == values_.end()) return fallback;
  const ParamValue& v = it->second;
  if (v.is_array || v.is_float)
    return invalid_argument(context + ": parameter " + std::to_string(id) + " must be an integer, found " +
                            (v.is_array ? "an array" : "a float"));
  return v.i;
}

Result<float> ParamDict::get_float(int id, float fallback, const std::string& context) const {
  auto it = values_.find(id);
  if (it == values_.end()) return fallback;
  if (it->second.is_array)
    return invalid_argument(context + ": parameter " + std::to_string(id) + " must be a number, found an array");
  return it->second.f;
}

Result<std::vector<float>> ParamDict::get_floats(int id, const std::string& context) const {
  auto it = values_.find(id);
  if (it == values_.end()) return std::vector<float>{};
  if (!it->second.is_array)
    return invalid_argument(context + ": parameter " + std::to_string(id) + " must be an array (written as " +
                            std::to_string(-23300 - id) + "=count,values...)");
  return it->second.values;
}

Result<std::vector<int>> ParamDict::get_ints(int id, const std::string& context) const {
  auto it = values_.find(id);
  if (it == values_.end()) return std::vector<int>{};
  const ParamValue& v = it->second;
  if (!v.is_array)
    return invalid_argument(context + ": parameter " + std::to_string(id) + " must be an array (written as " +
                            std::to_string(-23300 - id) + "=count,values...)");
  for (bool f : v.item_is_float)
    if (f) return invalid_argument(context + ": parameter " + std::to_string(id) + " must be an array of integers");
  return v.ints;
}

Result<ParamFile> parse_param_text(std::string_view text, const std::string& file_name) {
  ParamFile file;
  size_t pos = 0;
  int line_no = 0;
  int header_lines = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    const auto tokens = split_ws(line);
    if (tokens.empty()) continue;
    const std::string where = file_name + ":" + std::to_string(line_no);

    if (header_lines == 0) {
      int magic = 0;
      if (tokens.size() != 1 || !parse_int(tokens[0], magic) || magic != kParamMagic)
        return invalid_argument(where + ": not an ncnn .param file: the first line must be the magic number " +
                                std::to_string(kParamMagic) + ", found '" + std::string(line.substr(0, 40)) + "'");
      ++header_lines;
      continue;
    }
    if (header_lines == 1) {
      if (tokens.size() != 2 || !parse_int(tokens[0], file.declared_layers) || !parse_int(tokens[1], file.declared_blobs) ||
          file.declared_layers <= 0 || file.declared_blobs <= 0 || file.declared_layers > kMaxLayers ||
          file.declared_blobs > kMaxLayers)
        return invalid_argument(where + ": expected '<layer count> <blob count>' (two positive integers), found '" +
                                std::string(line.substr(0, 40)) + "'");
      ++header_lines;
      continue;
    }

    if (static_cast<int>(file.layers.size()) == file.declared_layers)
      return invalid_argument(where + ": more layers than the " + std::to_string(file.declared_layers) +
                              " the header declares");
    LayerLine layer;
    layer.line = line_no;
    if (tokens.size() < 4)
      return invalid_argument(where + ": a layer line needs '<type> <name> <n inputs> <n outputs>', found '" +
                              std::string(line.substr(0, 60)) + "'");
    layer.type = std::string(tokens[0]);
    layer.name = std::string(tokens[1]);
    const std::string who = where + ": layer '" + layer.name + "' (" + layer.type + ")";
    int n_in = 0, n_out = 0;
    if (!parse_int(tokens[2], n_in) || !parse_int(tokens[3], n_out) || n_in < 0 || n_out < 0 || n_in > kMaxLayerBlobs ||
        n_out > kMaxLayerBlobs)
      return invalid_argument(who + ": input and output counts must be non-negative integers, found '" +
                              std::string(tokens[2]) + "' and '" + std::string(tokens[3]) + "'");
    if (tokens.size() < 4u + static_cast<size_t>(n_in) + static_cast<size_t>(n_out))
      return invalid_argument(who + ": declares " + std::to_string(n_in) + " inputs and " + std::to_string(n_out) +
                              " outputs but names only " + std::to_string(tokens.size() - 4) + " blobs");
    size_t t = 4;
    for (int k = 0; k < n_in; ++k) layer.inputs.emplace_back(tokens[t++]);
    for (int k = 0; k < n_out; ++k) layer.outputs.emplace_back(tokens[t++]);
    for (; t < tokens.size(); ++t) {
      const std::string_view kv = tokens[t];
      const size_t eq = kv.find('=');
      int key = 0;
      if (eq == std::string_view::npos || !parse_int(kv.substr(0, eq), key))
        return invalid_argument(who + ": parameter '" + std::string(kv) + "' is not of the form <id>=<value>");
      ParamValue value;
      const std::string_view v = kv.substr(eq + 1);
      int id = key;
      if (key <= -23300) {
        id = -key - 23300;
        value.is_array = true;
        // "<count>,<v0>,<v1>,..."
        std::vector<std::string_view> items;
        size_t s = 0;
        while (s <= v.size()) {
          size_t c = v.find(',', s);
          if (c == std::string_view::npos) c = v.size();
          items.push_back(v.substr(s, c - s));
          s = c + 1;
        }
        int count = 0;
        if (items.empty() || !parse_int(items[0], count) || count < 0 || count > kMaxArrayItems ||
            static_cast<size_t>(count) != items.size() - 1)
          return invalid_argument(who + ": array parameter " + std::to_string(id) + " '" + std::string(v) +
                                  "' must be '<count>,<values>' with count matching the values");
        for (size_t k = 1; k < items.size(); ++k) {
          bool is_float = false;
          int iv = 0;
          float fv = 0.f;
          if (!parse_number(items[k], is_float, iv, fv))
            return invalid_argument(who + ": array parameter " + std::to_string(id) + " item '" + std::string(items[k]) +
                                    "' is not a number");
          value.values.push_back(fv);
          value.ints.push_back(iv);
          value.item_is_float.push_back(is_float);
        }
      } else if (!parse_number(v, value.is_float, value.i, value.f)) {
        return invalid_argument(who + ": parameter " + std::to_string(key) + " value '" + std::string(v) +
                                "' is not a number");
      }
      if (id < 0 || id >= kMaxParamId)
        return invalid_argument(who + ": parameter id " + std::to_string(id) + " is out of range 0.." +
                                std::to_string(kMaxParamId - 1));
      layer.params.set(id, std::move(value));
    }
    file.layers.push_back(std::move(layer));
  }
  if (header_lines < 1) return invalid_argument(file_name + ": empty file, not an ncnn .param");
  if (header_lines < 2) return invalid_argument(file_name + ": ends after the magic number (no layer/blob counts)");
  if (static_cast<int>(file.layers.size()) != file.declared_layers)
    return invalid_argument(file_name + ": the header declares " + std::to_string(file.declared_layers) + " layers but " +
                            std::to_string(file.layers.size()) + " follow");
  return file;
}

}  // namespace caldera::nn::ncnn
