// The ncnn importer's state while it reads one model (internal to src/nn/import/ncnn/):
// ncnn_import.cpp holds the walk and the layers of the first slice (convolutions, activations,
// merges, Interp, PixelShuffle), ncnn_layers.cpp the later ones (transposed convolutions,
// normalisation, slicing and padding, fully connected layers, pooling, reductions, reshapes).
//
// Ranks: an ncnn blob has 1 to 3 dims (w; h, w; c, h, w - outermost first here). The IR holds a
// blob as [N, d0, d1, d2] with its dims after the batch and 1s after them, so a flattened [C*H*W]
// blob is [N, C*H*W, 1, 1]; rank_ remembers each tensor's ncnn rank for the layers whose meaning
// depends on it (InnerProduct, Reshape, Slice / Crop axes, Reduction).
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "caldera/status.hpp"
#include "nn/import/ncnn/param_file.hpp"
#include "nn/import/ncnn/weight_reader.hpp"
#include "nn/ir/graph.hpp"
#include "core/number_text.hpp"

namespace caldera::nn::ncnn::detail {

// ncnn's fused activation ids (Convolution / Deconvolution / InnerProduct parameter 9).
enum NcnnActivation { kActNone = 0, kActRelu = 1, kActLeaky = 2, kActClip = 3, kActSigmoid = 4, kActMish = 5, kActHardSwish = 6 };

// The fused activation of type `type` with parameters `params` (parameter 10).
Result<ir::ActivationAttrs> fused_activation(const std::string& ctx, int type, const std::vector<float>& params);

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

  // Adds a node of one output for layer `l`; `rank` is the output blob's (-1: the first input's).
  Status add_node(const LayerLine& l, ir::OpType op, ir::Attrs attrs, std::vector<ir::Weight> weights,
                  std::vector<int> inputs, ir::Shape shape = {}, int rank = -1) {
    const int t = g_.add_tensor(l.outputs[0], shape);
    set_rank(t, rank >= 0 ? rank : inputs.empty() ? 3 : rank_of(inputs[0]));
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
    if (type == "ReLU" || type == "Sigmoid" || type == "Clip" || type == "TanH" || type == "HardSigmoid" ||
        type == "HardSwish") {
      CALDERA_RETURN_IF_ERROR(expect_counts(l, 1, 1));
      CALDERA_ASSIGN_OR_RETURN(std::vector<int> in, input_tensors(l));
      ir::ActivationAttrs a;
      if (type == "ReLU") {
        CALDERA_ASSIGN_OR_RETURN(a.alpha, p.get_float(0, 0.f, ctx));
        a.kind = a.alpha == 0.f ? ir::ActivationKind::Relu : ir::ActivationKind::LeakyRelu;
      } else if (type == "Sigmoid") {
        a.kind = ir::ActivationKind::Sigmoid;
      } else if (type == "TanH") {
        a.kind = ir::ActivationKind::Tanh;
      } else if (type == "HardSigmoid" || type == "HardSwish") {
        a.kind = type == "HardSigmoid" ? ir::ActivationKind::HardSigmoid : ir::ActivationKind::HardSwish;
        CALDERA_ASSIGN_OR_RETURN(a.alpha, p.get_float(0, 0.2f, ctx));
        CALDERA_ASSIGN_OR_RETURN(a.beta, p.get_float(1, 0.5f, ctx));
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
      // ncnn's nearest ignores align_corner; bilinear and bicubic align the corner pixels.
      if (align_corner && a.mode != ir::ResizeMode::Nearest) a.coord = ir::ResizeCoord::AlignCorners;
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
    if (type == "Deconvolution" || type == "DeconvolutionDepthWise") return import_deconv(l, type == "DeconvolutionDepthWise");
    if (type == "InstanceNorm") return import_instance_norm(l);
    if (type == "Slice") return import_slice(l);
    if (type == "Crop") return import_crop(l);
    if (type == "Scale") return import_scale(l);
    if (type == "Padding") return import_padding(l);
    if (type == "Reorg") return import_reorg(l);
    if (type == "InnerProduct") return import_inner_product(l);
    if (type == "Flatten") return import_flatten(l);
    if (type == "Reshape") return import_reshape(l);
    if (type == "Pooling") return import_pooling(l);
    if (type == "Reduction") return import_reduction(l);
    if (type == "Noop" || type == "Dropout") {
      CALDERA_RETURN_IF_ERROR(expect_counts(l, 1, 1));
      if (type == "Dropout") {
        CALDERA_ASSIGN_OR_RETURN(float scale, p.get_float(0, 1.f, ctx));
        if (scale != 1.f) return unsupported(ctx + ": Dropout with scale " + number_text(scale));
      }
      CALDERA_ASSIGN_OR_RETURN(std::vector<int> in, input_tensors(l));
      return claim_blob(l, l.outputs[0], in[0]);
    }
    return unsupported(ctx + ": unsupported layer type '" + type +
                       "' (supported: Input, Convolution, ConvolutionDepthWise, Deconvolution, DeconvolutionDepthWise, "
                       "ReLU, PReLU, Sigmoid, Clip, TanH, HardSigmoid, HardSwish, Split, Concat, Eltwise, BinaryOp, "
                       "Interp, PixelShuffle, Reorg, InstanceNorm, Slice, Crop, Scale, Padding, InnerProduct, Flatten, Reshape, "
                       "Pooling, Reduction, Noop, Dropout)");
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
    CALDERA_ASSIGN_OR_RETURN(a.activation, fused_activation(ctx, act_type, act_params));
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

  // ncnn_layers.cpp
  Status import_deconv(const LayerLine& l, bool depthwise);
  Status import_instance_norm(const LayerLine& l);
  Status import_slice(const LayerLine& l);
  Status import_crop(const LayerLine& l);
  Status import_crop_to_reference(const LayerLine& l);
  Status import_scale(const LayerLine& l);
  Status import_padding(const LayerLine& l);
  Status import_reorg(const LayerLine& l);
  Status import_inner_product(const LayerLine& l);
  Status import_flatten(const LayerLine& l);
  Status import_reshape(const LayerLine& l);
  Status import_pooling(const LayerLine& l);
  Status import_reduction(const LayerLine& l);
  // The tensor's shape as far as the layers so far fix it.
  Result<ir::Shape> shape_now(int tensor);
  // IR axis of ncnn axis `axis` (negative from the end) of a blob of rank `rank`, or -1.
  static int ir_axis(int axis, int rank);

  int rank_of(int tensor) const {
    return static_cast<size_t>(tensor) < rank_.size() && rank_[static_cast<size_t>(tensor)] > 0 ? rank_[static_cast<size_t>(tensor)] : 3;
  }
  void set_rank(int tensor, int rank) {
    if (rank_.size() <= static_cast<size_t>(tensor)) rank_.resize(static_cast<size_t>(tensor) + 1, 0);
    rank_[static_cast<size_t>(tensor)] = rank;
  }

  const ParamFile& file_;
  WeightReader& weights_;
  std::string param_name_;
  ir::Graph g_;
  std::unordered_map<std::string, int> blob_tensor_;
  std::unordered_map<std::string, int> blob_line_;
  int blobs_made_ = 0;
  std::vector<int> rank_;  // per IR tensor: the ncnn blob's rank (0: not set, taken as 3)
};

}  // namespace caldera::nn::ncnn::detail
