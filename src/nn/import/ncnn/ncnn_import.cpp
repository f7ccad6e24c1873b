#include "nn/import/ncnn/ncnn_import.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <unordered_map>

#include "nn/import/ncnn/param_file.hpp"

namespace caldera::nn::ncnn {
namespace {

// ncnn's fused activation ids (Convolution parameter 9).
enum NcnnActivation { kActNone = 0, kActRelu = 1, kActLeaky = 2, kActClip = 3, kActSigmoid = 4 };

class Importer {
 public:
  Importer(const ParamFile& file, WeightReader& weights, std::string param_name)
      : file_(file), weights_(weights), param_name_(std::move(param_name)) {}

  Result<ir::Graph> run() {
    for (const LayerLine& l : file_.layers) CALDERA_RETURN_IF_ERROR(import_layer(l));
    if (blobs_made_ != file_.declared_blobs)
      return invalid_argument(param_name_ + ": the header declares " + std::to_string(file_.declared_blobs) +
                              " blobs but the layers make " + std::to_string(blobs_made_));
    if (weights_.remaining() != 0)
      return invalid_argument(weights_.file_name() + ": " + std::to_string(weights_.remaining()) +
                              " bytes are left after the last layer's weights (offset " + std::to_string(weights_.offset()) +
                              "); is it the .bin of another model?");
    CALDERA_RETURN_IF_ERROR(mark_outputs());
    resolve_input_channels();
    Status s = ir::infer_shapes(g_);
    if (!s) return s.with_context(param_name_);
    return std::move(g_);
  }

 private:
  std::string who(const LayerLine& l) const {
    return param_name_ + ":" + std::to_string(l.line) + ": layer '" + l.name + "' (" + l.type + ")";
  }

  // `inputs` -1 means one or more.
  Status expect_counts(const LayerLine& l, int inputs, int outputs) const {
    const int in = static_cast<int>(l.inputs.size()), out = static_cast<int>(l.outputs.size());
    const bool in_ok = inputs < 0 ? in >= 1 : in == inputs;
    if (in_ok && (outputs < 0 ? out >= 1 : out == outputs)) return Status::ok();
    return invalid_argument(who(l) + ": takes " + (inputs < 0 ? "one or more" : std::to_string(inputs)) + " input(s) and " +
                            (outputs < 0 ? "one or more" : std::to_string(outputs)) + " output(s), the line has " +
                            std::to_string(in) + " and " + std::to_string(out));
  }

  Result<std::vector<int>> input_tensors(const LayerLine& l) const {
    std::vector<int> out;
    for (const std::string& b : l.inputs) {
      auto it = blob_tensor_.find(b);
      if (it == blob_tensor_.end())
        return invalid_argument(who(l) + ": uses blob '" + b + "' before any layer makes it");
      out.push_back(it->second);
    }
    return out;
  }

  Status claim_blob(const LayerLine& l, const std::string& blob, int tensor) {
    auto [it, inserted] = blob_line_.emplace(blob, l.line);
    if (!inserted)
      return invalid_argument(who(l) + ": makes blob '" + blob + "' that line " + std::to_string(it->second) +
                              " already made");
    blob_tensor_[blob] = tensor;
    ++blobs_made_;
    if (blobs_made_ > file_.declared_blobs)
      return invalid_argument(who(l) + ": makes more blobs than the " + std::to_string(file_.declared_blobs) +
                              " the header declares");
    return Status::ok();
  }

  // Adds a node of one output for layer `l`.
  Status add_node(const LayerLine& l, ir::OpType op, ir::Attrs attrs, std::vector<ir::Weight> weights,
                  std::vector<int> inputs, ir::Shape shape = {}) {
    const int t = g_.add_tensor(l.outputs[0], shape);
    CALDERA_RETURN_IF_ERROR(claim_blob(l, l.outputs[0], t));
    ir::Node n;
    n.op = op;
    n.name = l.name;
    n.inputs = std::move(inputs);
    n.outputs = {t};
    n.attrs = std::move(attrs);
    n.weights = std::move(weights);
    g_.add_node(std::move(n));
    return Status::ok();
  }

  Status import_layer(const LayerLine& l) {
    const std::string& type = l.type;
    const std::string ctx = who(l);
    const ParamDict& p = l.params;
    if (type == "Input") {
      CALDERA_RETURN_IF_ERROR(expect_counts(l, 0, 1));
      CALDERA_ASSIGN_OR_RETURN(int w, p.get_int(0, 0, ctx));
      CALDERA_ASSIGN_OR_RETURN(int h, p.get_int(1, 0, ctx));
      CALDERA_ASSIGN_OR_RETURN(int c, p.get_int(2, 0, ctx));
      if (w < 0 || h < 0 || c < 0) return invalid_argument(ctx + ": negative input size");
      // ncnn writes 0 for a size left open.
      ir::Shape shape{1, c > 0 ? c : ir::kDynamic, h > 0 ? h : ir::kDynamic, w > 0 ? w : ir::kDynamic};
      CALDERA_RETURN_IF_ERROR(add_node(l, ir::OpType::Input, std::monostate{}, {}, {}, shape));
      g_.inputs.push_back(static_cast<int>(g_.tensors.size()) - 1);
      return Status::ok();
    }
    if (type == "Split") {
      CALDERA_RETURN_IF_ERROR(expect_counts(l, 1, -1));
      CALDERA_ASSIGN_OR_RETURN(std::vector<int> in, input_tensors(l));
      for (const std::string& b : l.outputs) CALDERA_RETURN_IF_ERROR(claim_blob(l, b, in[0]));
      return Status::ok();
    }
    if (type == "Convolution" || type == "ConvolutionDepthWise") return import_conv(l, type == "ConvolutionDepthWise");
    if (type == "ReLU" || type == "Sigmoid" || type == "Clip") {
      CALDERA_RETURN_IF_ERROR(expect_counts(l, 1, 1));
      CALDERA_ASSIGN_OR_RETURN(std::vector<int> in, input_tensors(l));
      ir::ActivationAttrs a;
      if (type == "ReLU") {
        CALDERA_ASSIGN_OR_RETURN(a.alpha, p.get_float(0, 0.f, ctx));
        a.kind = a.alpha == 0.f ? ir::ActivationKind::Relu : ir::ActivationKind::LeakyRelu;
      } else if (type == "Sigmoid") {
        a.kind = ir::ActivationKind::Sigmoid;
      } else {
        a.kind = ir::ActivationKind::Clip;
        CALDERA_ASSIGN_OR_RETURN(a.alpha, p.get_float(0, -3.402823466e+38f, ctx));
        CALDERA_ASSIGN_OR_RETURN(a.beta, p.get_float(1, 3.402823466e+38f, ctx));
      }
      return add_node(l, ir::OpType::Activation, a, {}, std::move(in));
    }
    if (type == "PReLU") {
      CALDERA_RETURN_IF_ERROR(expect_counts(l, 1, 1));
      CALDERA_ASSIGN_OR_RETURN(std::vector<int> in, input_tensors(l));
      CALDERA_ASSIGN_OR_RETURN(int slopes, p.get_int(0, 0, ctx));
      if (slopes <= 0) return invalid_argument(ctx + ": num_slope (parameter 0) must be positive");
      CALDERA_ASSIGN_OR_RETURN(std::vector<float> data, weights_.read_float32(static_cast<size_t>(slopes), ctx + " slopes"));
      std::vector<ir::Weight> w{{"slope", {slopes}, std::move(data)}};
      return add_node(l, ir::OpType::PRelu, std::monostate{}, std::move(w), std::move(in));
    }
    if (type == "Concat") {
      CALDERA_RETURN_IF_ERROR(expect_counts(l, -1, 1));
      CALDERA_ASSIGN_OR_RETURN(std::vector<int> in, input_tensors(l));
      CALDERA_ASSIGN_OR_RETURN(int axis, p.get_int(0, 0, ctx));
      // Blobs here are C x H x W, so axis 0 (or -3) is the channel axis.
      if (axis != 0 && axis != -3)
        return unsupported(ctx + ": concat along axis " + std::to_string(axis) + "; only the channel axis (0) is supported");
      return add_node(l, ir::OpType::Concat, std::monostate{}, {}, std::move(in));
    }
    if (type == "Eltwise") {
      CALDERA_RETURN_IF_ERROR(expect_counts(l, -1, 1));
      if (l.inputs.size() < 2) return invalid_argument(ctx + ": needs at least two inputs");
      CALDERA_ASSIGN_OR_RETURN(std::vector<int> in, input_tensors(l));
      CALDERA_ASSIGN_OR_RETURN(int op, p.get_int(0, 0, ctx));
      ir::EltwiseAttrs a;
      if (op == 0) a.kind = ir::EltwiseKind::Prod;
      else if (op == 1) a.kind = ir::EltwiseKind::Sum;
      else if (op == 2) a.kind = ir::EltwiseKind::Max;
      else return unsupported(ctx + ": Eltwise op_type " + std::to_string(op) + " (known: 0 prod, 1 sum, 2 max)");
      CALDERA_ASSIGN_OR_RETURN(a.coeffs, p.get_floats(1, ctx));
      // ncnn ignores coefficients except for a sum.
      if (a.kind != ir::EltwiseKind::Sum) a.coeffs.clear();
      if (!a.coeffs.empty() && a.coeffs.size() != l.inputs.size())
        return invalid_argument(ctx + ": " + std::to_string(a.coeffs.size()) + " coefficients for " +
                                std::to_string(l.inputs.size()) + " inputs");
      return add_node(l, ir::OpType::Eltwise, a, {}, std::move(in));
    }
    if (type == "BinaryOp") {
      CALDERA_ASSIGN_OR_RETURN(int op, p.get_int(0, 0, ctx));
      CALDERA_ASSIGN_OR_RETURN(int with_scalar, p.get_int(1, 0, ctx));
      ir::BinaryAttrs a;
      a.with_scalar = with_scalar != 0;
      CALDERA_ASSIGN_OR_RETURN(a.scalar, p.get_float(2, 0.f, ctx));
      static const ir::BinaryKind kinds[] = {ir::BinaryKind::Add, ir::BinaryKind::Sub, ir::BinaryKind::Mul,
                                             ir::BinaryKind::Div, ir::BinaryKind::Max, ir::BinaryKind::Min};
      if (op < 0 || op > 5)
        return unsupported(ctx + ": BinaryOp op_type " + std::to_string(op) +
                           " (supported: 0 add, 1 sub, 2 mul, 3 div, 4 max, 5 min)");
      a.kind = kinds[op];
      CALDERA_RETURN_IF_ERROR(expect_counts(l, a.with_scalar ? 1 : 2, 1));
      CALDERA_ASSIGN_OR_RETURN(std::vector<int> in, input_tensors(l));
      return add_node(l, ir::OpType::Binary, a, {}, std::move(in));
    }
    if (type == "Interp") {
      CALDERA_RETURN_IF_ERROR(expect_counts(l, 1, 1));
      CALDERA_ASSIGN_OR_RETURN(std::vector<int> in, input_tensors(l));
      CALDERA_ASSIGN_OR_RETURN(int mode, p.get_int(0, 0, ctx));
      ir::ResizeAttrs a;
      if (mode == 1) a.mode = ir::ResizeMode::Nearest;
      else if (mode == 2) a.mode = ir::ResizeMode::Bilinear;
      else if (mode == 3) a.mode = ir::ResizeMode::Bicubic;
      else return unsupported(ctx + ": Interp resize_type " + std::to_string(mode) + " (known: 1 nearest, 2 bilinear, 3 bicubic)");
      CALDERA_ASSIGN_OR_RETURN(a.scale_h, p.get_float(1, 1.f, ctx));
      CALDERA_ASSIGN_OR_RETURN(a.scale_w, p.get_float(2, 1.f, ctx));
      CALDERA_ASSIGN_OR_RETURN(a.out_h, p.get_int(3, 0, ctx));
      CALDERA_ASSIGN_OR_RETURN(a.out_w, p.get_int(4, 0, ctx));
      CALDERA_ASSIGN_OR_RETURN(int dynamic_size, p.get_int(5, 0, ctx));
      CALDERA_ASSIGN_OR_RETURN(int align_corner, p.get_int(6, 0, ctx));
      if (dynamic_size) return unsupported(ctx + ": Interp with a size taken from a second blob (parameter 5)");
      if (align_corner) return unsupported(ctx + ": Interp with align_corner=1 (parameter 6)");
      if (a.out_h < 0 || a.out_w < 0 || !(a.scale_h > 0.f) || !(a.scale_w > 0.f))
        return invalid_argument(ctx + ": Interp needs positive scales or output sizes");
      return add_node(l, ir::OpType::Resize, a, {}, std::move(in));
    }
    if (type == "PixelShuffle") {
      CALDERA_RETURN_IF_ERROR(expect_counts(l, 1, 1));
      CALDERA_ASSIGN_OR_RETURN(std::vector<int> in, input_tensors(l));
      ir::PixelShuffleAttrs a;
      CALDERA_ASSIGN_OR_RETURN(a.factor, p.get_int(0, 1, ctx));
      CALDERA_ASSIGN_OR_RETURN(a.mode, p.get_int(1, 0, ctx));
      if (a.factor < 1 || a.factor > 64) return invalid_argument(ctx + ": upscale_factor must be 1..64");
      if (a.mode != 0 && a.mode != 1) return invalid_argument(ctx + ": mode must be 0 or 1");
      return add_node(l, ir::OpType::PixelShuffle, a, {}, std::move(in));
    }
    return unsupported(ctx + ": unsupported layer type '" + type +
                       "' (supported: Input, Convolution, ConvolutionDepthWise, ReLU, PReLU, Sigmoid, Clip, Split, "
                       "Concat, Eltwise, BinaryOp, Interp, PixelShuffle)");
  }

  Status import_conv(const LayerLine& l, bool depthwise) {
    const std::string ctx = who(l);
    const ParamDict& p = l.params;
    CALDERA_RETURN_IF_ERROR(expect_counts(l, 1, 1));
    CALDERA_ASSIGN_OR_RETURN(std::vector<int> in, input_tensors(l));
    ir::Conv2dAttrs a;
    CALDERA_ASSIGN_OR_RETURN(a.out_channels, p.get_int(0, 0, ctx));
    CALDERA_ASSIGN_OR_RETURN(a.kernel_w, p.get_int(1, 0, ctx));
    CALDERA_ASSIGN_OR_RETURN(a.kernel_h, p.get_int(11, a.kernel_w, ctx));
    CALDERA_ASSIGN_OR_RETURN(a.dilation_w, p.get_int(2, 1, ctx));
    CALDERA_ASSIGN_OR_RETURN(a.dilation_h, p.get_int(12, a.dilation_w, ctx));
    CALDERA_ASSIGN_OR_RETURN(a.stride_w, p.get_int(3, 1, ctx));
    CALDERA_ASSIGN_OR_RETURN(a.stride_h, p.get_int(13, a.stride_w, ctx));
    CALDERA_ASSIGN_OR_RETURN(a.pad_left, p.get_int(4, 0, ctx));
    CALDERA_ASSIGN_OR_RETURN(a.pad_right, p.get_int(15, a.pad_left, ctx));
    CALDERA_ASSIGN_OR_RETURN(a.pad_top, p.get_int(14, a.pad_left, ctx));
    CALDERA_ASSIGN_OR_RETURN(a.pad_bottom, p.get_int(16, a.pad_top, ctx));
    CALDERA_ASSIGN_OR_RETURN(float pad_value, p.get_float(18, 0.f, ctx));
    CALDERA_ASSIGN_OR_RETURN(int bias_term, p.get_int(5, 0, ctx));
    CALDERA_ASSIGN_OR_RETURN(int weight_size, p.get_int(6, 0, ctx));
    CALDERA_ASSIGN_OR_RETURN(a.groups, p.get_int(7, 1, ctx));
    CALDERA_ASSIGN_OR_RETURN(int int8_scale, p.get_int(8, 0, ctx));
    CALDERA_ASSIGN_OR_RETURN(int act_type, p.get_int(9, 0, ctx));
    CALDERA_ASSIGN_OR_RETURN(std::vector<float> act_params, p.get_floats(10, ctx));
    CALDERA_ASSIGN_OR_RETURN(int dynamic_weight, p.get_int(19, 0, ctx));
    if (!depthwise && a.groups != 1 && p.has(7))
      return invalid_argument(ctx + ": a plain Convolution has no group parameter (use ConvolutionDepthWise)");
    if (a.pad_left < 0 || a.pad_right < 0 || a.pad_top < 0 || a.pad_bottom < 0)
      return unsupported(ctx + ": padding " + std::to_string(a.pad_left) +
                         " (ncnn's -233/-234 'same' padding depends on the input size and is not supported)");
    if (pad_value != 0.f) return unsupported(ctx + ": padding with a non-zero value (parameter 18)");
    if (int8_scale) return unsupported(ctx + ": int8-quantised convolution (parameter 8)");
    if (dynamic_weight) return unsupported(ctx + ": weights from a blob (parameter 19)");
    if (a.out_channels <= 0 || a.kernel_w <= 0 || a.kernel_h <= 0 || a.stride_w <= 0 || a.stride_h <= 0 ||
        a.dilation_w <= 0 || a.dilation_h <= 0 || a.groups <= 0)
      return invalid_argument(ctx + ": num_output, kernel, stride, dilation and group must be positive");
    if (a.out_channels % a.groups)
      return invalid_argument(ctx + ": num_output " + std::to_string(a.out_channels) + " does not divide into " +
                              std::to_string(a.groups) + " groups");
    // weight_data_size = num_output * (in_channels / group) * kernel_h * kernel_w
    const int64_t per_in = static_cast<int64_t>(a.out_channels) * a.kernel_h * a.kernel_w;
    if (weight_size <= 0 || weight_size % per_in)
      return invalid_argument(ctx + ": weight_data_size " + std::to_string(weight_size) +
                              " is not a positive multiple of num_output x kernel = " + std::to_string(per_in));
    a.in_channels = static_cast<int>(weight_size / per_in) * a.groups;
    a.has_bias = bias_term != 0;
    switch (act_type) {
      case kActNone: break;
      case kActRelu: a.activation.kind = ir::ActivationKind::Relu; break;
      case kActLeaky:
        a.activation.kind = ir::ActivationKind::LeakyRelu;
        a.activation.alpha = act_params.empty() ? 0.f : act_params[0];
        break;
      case kActClip:
        if (act_params.size() < 2) return invalid_argument(ctx + ": clip activation needs min and max (parameter 10)");
        a.activation = {ir::ActivationKind::Clip, act_params[0], act_params[1]};
        break;
      case kActSigmoid: a.activation.kind = ir::ActivationKind::Sigmoid; break;
      default:
        return unsupported(ctx + ": fused activation type " + std::to_string(act_type) +
                           " (supported: 0 none, 1 relu, 2 leaky relu, 3 clip, 4 sigmoid)");
    }
    std::vector<ir::Weight> w;
    CALDERA_ASSIGN_OR_RETURN(std::vector<float> kernel, weights_.read_tagged(static_cast<size_t>(weight_size), ctx + " weight"));
    w.push_back({"weight", {a.out_channels, a.in_channels / a.groups, a.kernel_h, a.kernel_w}, std::move(kernel)});
    if (a.has_bias) {
      CALDERA_ASSIGN_OR_RETURN(std::vector<float> bias,
                               weights_.read_float32(static_cast<size_t>(a.out_channels), ctx + " bias"));
      w.push_back({"bias", {a.out_channels}, std::move(bias)});
    }
    return add_node(l, ir::OpType::Conv2d, a, std::move(w), std::move(in));
  }

  // Graph outputs: tensors nobody reads (ncnn has no output list; callers extract by name).
  Status mark_outputs() {
    std::vector<int> readers(g_.tensors.size(), 0);
    for (const ir::Node& n : g_.nodes)
      for (int t : n.inputs) ++readers[static_cast<size_t>(t)];
    for (size_t t = 0; t < g_.tensors.size(); ++t) {
      const int p = g_.tensors[t].producer;
      if (readers[t] == 0 && p >= 0 && g_.nodes[static_cast<size_t>(p)].op != ir::OpType::Input)
        g_.outputs.push_back(static_cast<int>(t));
    }
    if (g_.outputs.empty()) return invalid_argument(param_name_ + ": no layer output is left unread, so the model has no output");
    return Status::ok();
  }

  // ncnn's Input layers usually leave the channel count open; the first convolution reading the
  // input says what it must be, which lets shape inference and `inspect` show it.
  void resolve_input_channels() {
    for (int t : g_.inputs) {
      ir::Shape& s = g_.tensors[static_cast<size_t>(t)].shape;
      if (s.c != ir::kDynamic) continue;
      for (const ir::Node& n : g_.nodes)
        if (n.op == ir::OpType::Conv2d && n.inputs[0] == t) {
          s.c = n.attr<ir::Conv2dAttrs>().in_channels;
          break;
        }
    }
  }

  const ParamFile& file_;
  WeightReader& weights_;
  std::string param_name_;
  ir::Graph g_;
  std::unordered_map<std::string, int> blob_tensor_;
  std::unordered_map<std::string, int> blob_line_;
  int blobs_made_ = 0;
};

Result<std::vector<uint8_t>> read_file(const std::string& path, const char* what) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return io_error("cannot open the ncnn " + std::string(what) + " file '" + path + "'");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (f.bad()) return io_error("error reading '" + path + "'");
  return bytes;
}

}  // namespace

Result<ImportResult> import_ncnn(std::string_view param_text, std::span<const uint8_t> bin, const std::string& param_name,
                                 const std::string& bin_name) {
  CALDERA_ASSIGN_OR_RETURN(ParamFile file, parse_param_text(param_text, param_name));
  WeightReader reader(bin, bin_name);
  Importer importer(file, reader, param_name);
  CALDERA_ASSIGN_OR_RETURN(ir::Graph graph, importer.run());
  std::string stem = std::filesystem::path(param_name).stem().string();
  graph.name = stem.empty() ? param_name : stem;
  return ImportResult{std::move(graph), reader.stats()};
}

Result<ImportResult> import_ncnn_files(const std::string& param_path, const std::string& bin_path) {
  std::string bin = bin_path;
  if (bin.empty()) {
    std::filesystem::path p(param_path);
    if (p.extension() != ".param")
      return invalid_argument("ncnn model '" + param_path + "': expected a .param file (or give the .bin path too)");
    bin = p.replace_extension(".bin").string();
  }
  CALDERA_ASSIGN_OR_RETURN(std::vector<uint8_t> param_bytes, read_file(param_path, ".param"));
  CALDERA_ASSIGN_OR_RETURN(std::vector<uint8_t> bin_bytes, read_file(bin, ".bin"));
  const std::string_view text(reinterpret_cast<const char*>(param_bytes.data()), param_bytes.size());
  return import_ncnn(text, bin_bytes, param_path, bin);
}

}  // namespace caldera::nn::ncnn
