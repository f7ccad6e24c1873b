#include "nn/model_io_meta.hpp"

#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

namespace caldera::nn {
namespace {

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

Result<int> parse_int(const std::string& v, int lo, int hi, const std::string& where) {
  int out = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || end != v.data() + v.size() || out < lo || out > hi)
    return invalid_argument(where + ": '" + v + "' is not a whole number in " + std::to_string(lo) + ".." + std::to_string(hi));
  return out;
}

int add_node(ir::Graph& g, ir::OpType op, std::string name, std::vector<int> inputs, ir::Attrs attrs) {
  const int t = g.add_tensor(name);
  ir::Node n;
  n.op = op;
  n.name = std::move(name);
  n.inputs = std::move(inputs);
  n.outputs = {t};
  n.attrs = std::move(attrs);
  g.add_node(std::move(n));
  return t;
}

}  // namespace

std::string ModelIoMeta::describe() const {
  std::string s = "border " + std::to_string(border) + (reflect ? " (reflect)" : " (edge)") + ", align " +
                  std::to_string(align) + ", scale " + std::to_string(scale);
  if (residual_nearest) s += ", + nearest-upscaled input";
  return s + " (" + source + ")";
}

Result<ModelIoMeta> parse_model_io(const std::string& text, const std::string& source) {
  ModelIoMeta m;
  m.source = source;
  bool has_scale = false;
  std::istringstream in(text);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    const std::string where = source + ":" + std::to_string(number);
    if (const size_t hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    line = trim(line);
    if (line.empty()) continue;
    const size_t eq = line.find('=');
    if (eq == std::string::npos) return invalid_argument(where + ": expected key=value, got '" + line + "'");
    const std::string key = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
    if (key == "scale") {
      CALDERA_ASSIGN_OR_RETURN(m.scale, parse_int(value, 1, 16, where));
      has_scale = true;
    } else if (key == "border") {
      CALDERA_ASSIGN_OR_RETURN(m.border, parse_int(value, 0, 1024, where));
    } else if (key == "align") {
      CALDERA_ASSIGN_OR_RETURN(m.align, parse_int(value, 1, 1024, where));
    } else if (key == "border_mode") {
      if (value != "edge" && value != "reflect") return invalid_argument(where + ": border_mode is edge or reflect, got '" + value + "'");
      m.reflect = value == "reflect";
    } else if (key == "residual") {
      if (value != "none" && value != "nearest") return invalid_argument(where + ": residual is none or nearest, got '" + value + "'");
      m.residual_nearest = value == "nearest";
    } else {
      return invalid_argument(where + ": unknown key '" + key + "' (known: scale, border, border_mode, align, residual)");
    }
  }
  if (!has_scale) return invalid_argument(source + ": no scale=N line");
  return m;
}

Result<std::optional<ModelIoMeta>> read_model_io_for(const std::string& param_path) {
  std::filesystem::path p(param_path);
  p.replace_extension(".io");
  std::error_code ec;
  if (!std::filesystem::exists(p, ec)) return std::optional<ModelIoMeta>{};
  std::ifstream f(p, std::ios::binary);
  if (!f) return io_error("cannot open the model io file '" + p.string() + "'");
  const std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (f.bad()) return io_error("error reading '" + p.string() + "'");
  CALDERA_ASSIGN_OR_RETURN(ModelIoMeta m, parse_model_io(text, p.string()));
  return std::optional<ModelIoMeta>{std::move(m)};
}

Status apply_model_io(ir::Graph& g, const ModelIoMeta& meta) {
  const std::string where = meta.source;
  if (g.inputs.size() != 1 || g.outputs.size() != 1)
    return invalid_argument(where + ": model io applies to a model of one input and one output");
  const int x = g.inputs[0];
  const int y = g.outputs[0];
  ir::Shape& xs = g.tensors[static_cast<size_t>(x)].shape;
  xs.h = ir::kDynamic;  // ncnn's Input size is a tile hint; the network slides over any size
  xs.w = ir::kDynamic;

  ir::Graph out;
  out.name = g.name;
  out.tensors = g.tensors;
  out.inputs = g.inputs;
  for (ir::Tensor& t : out.tensors) t.producer = -1;

  ir::PadAttrs pad;
  pad.mode = meta.reflect ? ir::PadMode::Reflect : ir::PadMode::Edge;
  pad.top = pad.bottom = pad.left = pad.right = meta.border;
  pad.align_h = pad.align_w = meta.align;
  const bool padded = meta.border > 0 || meta.align > 1;

  // The Input node(s) first, then the pad, then the network reading the padded tensor.
  std::vector<ir::Node> rest;
  for (ir::Node& n : g.nodes) {
    if (n.op == ir::OpType::Input) out.add_node(std::move(n));
    else rest.push_back(std::move(n));
  }
  int x_padded = x;
  if (padded) x_padded = add_node(out, ir::OpType::Pad, "io/border", {x}, pad);
  for (ir::Node& n : rest) {
    for (int& t : n.inputs)
      if (t == x) t = x_padded;
    out.add_node(std::move(n));
  }

  ir::SliceAttrs crop;
  crop.to_reference[1] = crop.to_reference[2] = true;
  crop.reference_scale = meta.scale;
  int result = add_node(out, ir::OpType::Slice, "io/crop", {y, x}, crop);
  if (meta.residual_nearest) {
    ir::ResizeAttrs up;
    up.mode = ir::ResizeMode::Nearest;
    up.scale_h = up.scale_w = static_cast<float>(meta.scale);
    const int r = add_node(out, ir::OpType::Resize, "io/nearest", {x}, up);
    ir::BinaryAttrs add;
    add.kind = ir::BinaryKind::Add;
    result = add_node(out, ir::OpType::Binary, "io/residual", {result, r}, add);
  }
  out.outputs = {result};
  CALDERA_RETURN_IF_ERROR(ir::validate(out));

  // The wrapped model must give exactly scale x the input (odd and even sizes).
  const int64_t c = xs.c == ir::kDynamic ? 3 : xs.c;
  for (const auto& [h, w] : {std::pair<int64_t, int64_t>{37, 53}, {64, 48}}) {
    auto shapes = ir::compute_shapes(out, {ir::Shape{1, c, h, w}});
    if (!shapes) return shapes.status().with_context(where + ": the model with its io settings");
    const ir::Shape& s = (*shapes)[static_cast<size_t>(result)];
    if (s.h != h * meta.scale || s.w != w * meta.scale)
      return invalid_argument(where + ": with " + meta.describe() + " a " + std::to_string(h) + "x" + std::to_string(w) +
                              " input gives " + s.to_string() + ", not " + std::to_string(meta.scale) +
                              "x the input: the border or the alignment does not fit the network");
  }
  g = std::move(out);
  return Status::ok();
}

}  // namespace caldera::nn
