// The ONNX operators that become IR nodes (the walk and constant folding are in onnx_import.cpp).
#include <cfloat>
#include <cmath>

#include "nn/import/onnx/onnx_importer.hpp"

namespace caldera::nn::onnx_import {
namespace {

std::string ints_text(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(v[i]);
  }
  return s + "]";
}

bool is_whole(double v) { return v >= 1.0 && v <= 1e6 && v == std::floor(v); }

// The dims right-aligned to rank 4 (ONNX broadcasting against an NCHW tensor); false if longer.
bool as_nchw(const std::vector<int64_t>& dims, int64_t out[4]) {
  if (dims.size() > 4) return false;
  for (int d = 0; d < 4; ++d) out[d] = 1;
  for (size_t i = 0; i < dims.size(); ++i) out[4 - dims.size() + i] = dims[i];
  return true;
}

// A constant that applies one value per channel: [C], [C,1,1] or [1,C,1,1] right-aligned as
// [1,C,1,1]. ([C] alone would broadcast along the width in ONNX, so it does not count.)
bool is_per_channel(const ConstValue& c) {
  int64_t d[4];
  return c.dims.size() >= 3 && as_nchw(c.dims, d) && d[0] == 1 && d[2] == 1 && d[3] == 1 &&
         static_cast<size_t>(d[1]) == c.count();
}

}  // namespace

Status Importer::import_conv(const onnx::NodeProto& n) {
  CALDERA_ASSIGN_OR_RETURN(int x, runtime_input(n, 0));
  CALDERA_ASSIGN_OR_RETURN(const ConstValue* w, const_input(n, 1));
  const std::string where = label(n);
  if (w->dims.size() != 4)
    return unsupported(where + ": weight of shape " + w->dims_text() + "; Caldera supports 2-D convolutions (rank-4 weights)");
  for (int64_t d : w->dims)
    if (d < 1 || d > (1 << 20)) return invalid_argument(where + ": weight of shape " + w->dims_text());
  const int64_t group = attr_int(n, "group", 1);
  if (group < 1 || group > (1 << 20)) return invalid_argument(where + ": group " + std::to_string(group));
  const std::vector<int64_t> kernel = attr_ints(n, "kernel_shape");
  if (!kernel.empty() && (kernel.size() != 2 || kernel[0] != w->dims[2] || kernel[1] != w->dims[3]))
    return invalid_argument(where + ": kernel_shape " + ints_text(kernel) + " does not match the weight " + w->dims_text());
  std::vector<int64_t> strides = attr_ints(n, "strides"), dilations = attr_ints(n, "dilations"), pads = attr_ints(n, "pads");
  if (strides.empty()) strides = {1, 1};
  if (dilations.empty()) dilations = {1, 1};
  if (pads.empty()) pads = {0, 0, 0, 0};
  if (strides.size() != 2 || dilations.size() != 2 || pads.size() != 4)
    return invalid_argument(where + ": strides, dilations and pads must have 2, 2 and 4 entries");
  for (int64_t v : strides)
    if (v < 1 || v > 1024) return invalid_argument(where + ": stride " + std::to_string(v));
  for (int64_t v : dilations)
    if (v < 1 || v > 1024) return invalid_argument(where + ": dilation " + std::to_string(v));
  const std::string auto_pad = attr_string(n, "auto_pad", "NOTSET");
  if (auto_pad == "VALID") {
    pads = {0, 0, 0, 0};
  } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    if (strides[0] != 1 || strides[1] != 1)
      return unsupported(where + ": auto_pad " + auto_pad + " with stride > 1 pads by the input size; export explicit pads");
    for (int d = 0; d < 2; ++d) {
      const int64_t total = dilations[static_cast<size_t>(d)] * (w->dims[static_cast<size_t>(2 + d)] - 1);
      const int64_t small = total / 2, large = total - small;
      pads[static_cast<size_t>(d)] = auto_pad == "SAME_UPPER" ? small : large;
      pads[static_cast<size_t>(d + 2)] = auto_pad == "SAME_UPPER" ? large : small;
    }
  } else if (auto_pad != "NOTSET") {
    return invalid_argument(where + ": auto_pad '" + auto_pad + "'");
  }
  for (int64_t v : pads)
    if (v < 0 || v > 4096) return unsupported(where + ": padding " + std::to_string(v) + " (negative padding crops)");
  ir::Conv2dAttrs a;
  a.out_channels = static_cast<int>(w->dims[0]);
  a.in_channels = static_cast<int>(w->dims[1] * group);
  a.groups = static_cast<int>(group);
  a.kernel_h = static_cast<int>(w->dims[2]);
  a.kernel_w = static_cast<int>(w->dims[3]);
  a.stride_h = static_cast<int>(strides[0]);
  a.stride_w = static_cast<int>(strides[1]);
  a.dilation_h = static_cast<int>(dilations[0]);
  a.dilation_w = static_cast<int>(dilations[1]);
  // ONNX orders pads as [top, left, bottom, right]; the IR holds all four, unequal ones too.
  a.pad_top = static_cast<int>(pads[0]);
  a.pad_left = static_cast<int>(pads[1]);
  a.pad_bottom = static_cast<int>(pads[2]);
  a.pad_right = static_cast<int>(pads[3]);
  std::vector<ir::Weight> weights{{"weight", w->dims, w->floats()}};
  if (has_input(n, 2)) {
    CALDERA_ASSIGN_OR_RETURN(const ConstValue* b, const_input(n, 2));
    if (b->count() != static_cast<size_t>(a.out_channels))
      return invalid_argument(where + ": bias of shape " + b->dims_text() + " for " + std::to_string(a.out_channels) +
                              " output channels");
    a.has_bias = true;
    weights.push_back({"bias", {a.out_channels}, b->floats()});
  }
  return emit(n, ir::OpType::Conv2d, a, std::move(weights), {x});
}

Status Importer::import_activation(const onnx::NodeProto& n) {
  CALDERA_ASSIGN_OR_RETURN(int x, runtime_input(n, 0));
  const std::string& op = n.op_type();
  ir::ActivationAttrs a;
  if (op == "Relu") {
    a.kind = ir::ActivationKind::Relu;
  } else if (op == "LeakyRelu") {
    a.kind = ir::ActivationKind::LeakyRelu;
    a.alpha = attr_float(n, "alpha", 0.01f);
  } else if (op == "Sigmoid") {
    a.kind = ir::ActivationKind::Sigmoid;
  } else {  // Clip: bounds are optional scalar inputs since opset 11
    a.kind = ir::ActivationKind::Clip;
    a.alpha = -FLT_MAX;
    a.beta = FLT_MAX;
    for (int k = 1; k <= 2; ++k) {
      if (!has_input(n, k)) continue;
      CALDERA_ASSIGN_OR_RETURN(const ConstValue* c, const_input(n, k));
      if (c->count() != 1 || c->any_symbolic()) return invalid_argument(label(n) + ": the bounds must be scalars");
      (k == 1 ? a.alpha : a.beta) = static_cast<float>(c->at(0));
    }
  }
  return emit(n, ir::OpType::Activation, a, {}, {x});
}

Status Importer::import_prelu(const onnx::NodeProto& n) {
  CALDERA_ASSIGN_OR_RETURN(int x, runtime_input(n, 0));
  CALDERA_ASSIGN_OR_RETURN(const ConstValue* s, const_input(n, 1));
  if (s->count() != 1 && !is_per_channel(*s))
    return unsupported(label(n) + ": slope of shape " + s->dims_text() + "; the IR holds one slope or one per channel "
                       "([C,1,1] / [1,C,1,1])");
  std::vector<ir::Weight> w{{"slope", {static_cast<int64_t>(s->count())}, s->floats()}};
  return emit(n, ir::OpType::PRelu, std::monostate{}, std::move(w), {x});
}

// Inference mode only: the running statistics are constants, the optional training outputs
// (running mean / var, saved mean / var) must be absent or unnamed.
Status Importer::import_batchnorm(const onnx::NodeProto& n) {
  const std::string where = label(n);
  CALDERA_ASSIGN_OR_RETURN(int x, runtime_input(n, 0));
  if (attr_int(n, "training_mode", 0) != 0)
    return unsupported(where + ": training_mode 1 (Caldera runs BatchNormalization in inference mode)");
  for (int k = 1; k < n.output_size(); ++k)
    if (!n.output(k).empty())
      return unsupported(where + ": output " + std::to_string(k) + " ('" + n.output(k) +
                         "') is a training statistic; inference graphs have one output");
  static const char* const roles[4] = {"scale", "bias", "mean", "var"};
  std::vector<ir::Weight> weights;
  size_t channels = 0;
  for (int k = 1; k <= 4; ++k) {
    CALDERA_ASSIGN_OR_RETURN(const ConstValue* c, const_input(n, k));
    if (c->any_symbolic() || c->dims.size() != 1 || c->count() == 0)
      return unsupported(where + ": " + roles[k - 1] + " of shape " + c->dims_text() + "; expected [C]");
    if (k == 1) channels = c->count();
    if (c->count() != channels)
      return invalid_argument(where + ": " + roles[k - 1] + " has " + std::to_string(c->count()) + " values, scale has " +
                              std::to_string(channels));
    weights.push_back({roles[k - 1], c->dims, c->floats()});
  }
  ir::BatchNormAttrs a;
  a.epsilon = attr_float(n, "epsilon", 1e-5f);
  return emit(n, ir::OpType::BatchNorm, a, std::move(weights), {x});
}

Status Importer::emit_channel_affine(const onnx::NodeProto& n, int x, const std::vector<float>& scale,
                                     const std::vector<float>& shift) {
  ir::Conv2dAttrs a;
  const int c = static_cast<int>(scale.size());
  a.out_channels = a.in_channels = a.groups = c;
  bool any_shift = false;
  for (float v : shift) any_shift = any_shift || v != 0.f;
  a.has_bias = any_shift;
  std::vector<ir::Weight> w{{"weight", {c, 1, 1, 1}, scale}};
  if (any_shift) w.push_back({"bias", {c}, shift});
  return emit(n, ir::OpType::Conv2d, a, std::move(w), {x});
}

Status Importer::import_binary(const onnx::NodeProto& n) {
  const std::string& op = n.op_type();
  const ir::BinaryKind kind = op == "Add" ? ir::BinaryKind::Add
                              : op == "Sub" ? ir::BinaryKind::Sub
                              : op == "Mul" ? ir::BinaryKind::Mul
                                            : ir::BinaryKind::Div;
  CALDERA_ASSIGN_OR_RETURN(const Value* a, input(n, 0));
  CALDERA_ASSIGN_OR_RETURN(const Value* b, input(n, 1));
  if (a->kind == Value::Runtime && b->kind == Value::Runtime)
    return emit(n, ir::OpType::Binary, ir::BinaryAttrs{kind, false, 0.f}, {}, {a->tensor, b->tensor});
  const bool const_first = a->kind == Value::Const;
  CALDERA_ASSIGN_OR_RETURN(int x, runtime_input(n, const_first ? 1 : 0));
  CALDERA_ASSIGN_OR_RETURN(const ConstValue* c, const_input(n, const_first ? 0 : 1));
  if (c->any_symbolic())
    return unsupported(label(n) + ": an operand computed from the input's size; Caldera folds sizes only into Resize "
                       "and Reshape");
  if (const_first && kind == ir::BinaryKind::Div)
    return unsupported(label(n) + ": a constant divided by a tensor (the IR's Binary divides a tensor by a constant)");
  int64_t d[4];
  if (c->count() == 1 && as_nchw(c->dims, d)) {
    const float s = static_cast<float>(c->at(0));
    if (const_first && kind == ir::BinaryKind::Sub) {
      // s - x as (x - s) * -1, exact in floating point: a Sub node then a negation.
      const int t = g_.add_tensor(n.output(0) + "/x_minus_s");
      ir::Node sub;
      sub.op = ir::OpType::Binary;
      sub.name = (n.name().empty() ? n.output(0) : n.name()) + "/x_minus_s";
      sub.inputs = {x};
      sub.outputs = {t};
      sub.attrs = ir::BinaryAttrs{ir::BinaryKind::Sub, true, s};
      g_.add_node(std::move(sub));
      return emit(n, ir::OpType::Binary, ir::BinaryAttrs{ir::BinaryKind::Mul, true, -1.f}, {}, {t});
    }
    return emit(n, ir::OpType::Binary, ir::BinaryAttrs{kind, true, s}, {}, {x});
  }
  if (!is_per_channel(*c))
    return unsupported(label(n) + ": a constant operand of shape " + c->dims_text() + "; the IR's Binary takes a tensor "
                       "and a scalar, and per-channel [1,C,1,1] constants become a 1x1 depthwise convolution");
  // Per channel: x * scale + shift as a 1x1 depthwise convolution.
  const std::vector<float> v = c->floats();
  std::vector<float> scale(v.size(), 1.f), shift(v.size(), 0.f);
  for (size_t i = 0; i < v.size(); ++i) {
    switch (kind) {
      case ir::BinaryKind::Add: shift[i] = v[i]; break;
      case ir::BinaryKind::Sub: scale[i] = const_first ? -1.f : 1.f; shift[i] = const_first ? v[i] : -v[i]; break;
      case ir::BinaryKind::Mul: scale[i] = v[i]; break;
      default: scale[i] = 1.f / v[i]; break;  // Div: one rounding more than x / v (<= 1 ulp)
    }
  }
  return emit_channel_affine(n, x, scale, shift);
}

Result<ir::ResizeAttrs> Importer::resize_by_sizes(const onnx::NodeProto& n, int x, const ConstValue& sizes) {
  const std::string where = label(n);
  if (sizes.count() != 4) return unsupported(where + ": sizes of shape " + sizes.dims_text() + "; Caldera resizes NCHW tensors");
  CALDERA_ASSIGN_OR_RETURN(ir::Shape in, shape_now(x));
  const int64_t known[2] = {in.n, in.c};
  for (size_t d = 0; d < 2; ++d) {
    if (sizes.is_symbolic(d)) {
      const SymDim& s = sizes.sym[d];
      if (s.axis == static_cast<int>(d) && s.factor == 1.0) continue;
    } else if (d == 0 || known[d] == ir::kDynamic || static_cast<int64_t>(sizes.at(d)) == known[d]) {
      continue;  // the batch is whatever runs
    }
    return unsupported(where + ": resizes the " + std::string(d == 0 ? "batch" : "channel") + " dimension");
  }
  ir::ResizeAttrs a;
  if (!sizes.is_symbolic(2) && !sizes.is_symbolic(3)) {
    const double h = sizes.at(2), w = sizes.at(3);
    if (!is_whole(h) || !is_whole(w)) return invalid_argument(where + ": output size " + std::to_string(h) + "x" + std::to_string(w));
    a.out_h = static_cast<int>(h);
    a.out_w = static_cast<int>(w);
    return a;
  }
  if (!sizes.is_symbolic(2) || !sizes.is_symbolic(3))
    return unsupported(where + ": one output size fixed and the other computed from the input");
  for (int d = 2; d < 4; ++d) {
    const SymDim& s = sizes.sym[static_cast<size_t>(d)];
    if (s.tensor != x || s.axis != d)
      return unsupported(where + ": the output size is computed from the shape of '" + g_.tensors[static_cast<size_t>(s.tensor)].name +
                         "', not from the resized tensor '" + g_.tensors[static_cast<size_t>(x)].name + "'");
    if (!is_whole(s.factor))
      return unsupported(where + ": output size = input size x " + std::to_string(s.factor) + "; only whole factors fold "
                         "into a Resize by scale");
  }
  a.scale_h = static_cast<float>(sizes.sym[2].factor);
  a.scale_w = static_cast<float>(sizes.sym[3].factor);
  return a;
}

Status Importer::import_resize(const onnx::NodeProto& n) {
  const std::string where = label(n);
  const bool upsample = n.op_type() == "Upsample";
  CALDERA_ASSIGN_OR_RETURN(int x, runtime_input(n, 0));
  const std::string mode = attr_string(n, "mode", "nearest");
  // Upsample's coordinates are Resize's "asymmetric" with floor for nearest.
  const std::string ctm = upsample ? "asymmetric" : attr_string(n, "coordinate_transformation_mode", "half_pixel");
  const std::string nearest_mode = upsample ? "floor" : attr_string(n, "nearest_mode", "round_prefer_floor");
  ir::ResizeAttrs a;
  if (mode == "nearest") a.mode = ir::ResizeMode::Nearest;
  else if (mode == "linear" || mode == "bilinear") a.mode = ir::ResizeMode::Bilinear;
  else if (mode == "cubic" || mode == "bicubic") a.mode = ir::ResizeMode::Bicubic;
  else return invalid_argument(where + ": mode '" + mode + "'");
  if (a.mode == ir::ResizeMode::Bicubic && attr_float(n, "cubic_coeff_a", -0.75f) != -0.75f)
    return unsupported(where + ": cubic_coeff_a " + std::to_string(attr_float(n, "cubic_coeff_a", 0)) +
                       "; the IR's bicubic uses -0.75");
  if (attr_int(n, "exclude_outside", 0) != 0 || attr_int(n, "antialias", 0) != 0 || !attr_ints(n, "axes").empty() ||
      attr_string(n, "keep_aspect_ratio_policy", "stretch") != "stretch")
    return unsupported(where + ": exclude_outside, antialias, axes and keep_aspect_ratio_policy are not supported");
  // Nearest with asymmetric coordinates and floor is the IR's formula at any scale. Half-pixel
  // coordinates with rounding give the same pixels at whole scales; linear and cubic use
  // half-pixel centres, which match ONNX's by any fixed size and by whole scales.
  const bool nearest = a.mode == ir::ResizeMode::Nearest;
  const bool half = ctm == "half_pixel" || ctm == "pytorch_half_pixel";
  const bool any_scale = nearest && ctm == "asymmetric" && nearest_mode == "floor";
  const bool whole_scale =
      any_scale || (half && (!nearest || nearest_mode == "round_prefer_floor" || nearest_mode == "round_prefer_ceil"));
  if (!whole_scale)
    return unsupported(where + ": mode '" + mode + "' with coordinate_transformation_mode '" + ctm + "'" +
                       (nearest ? " and nearest_mode '" + nearest_mode + "'" : std::string()) +
                       " is not supported (nearest: asymmetric+floor or half_pixel+round; linear/cubic: half_pixel)");
  const int scales_at = upsample ? 1 : 2;
  const ConstValue* scales = nullptr;
  if (has_input(n, scales_at)) {
    CALDERA_ASSIGN_OR_RETURN(scales, const_input(n, scales_at));
    if (scales->count() == 0) scales = nullptr;  // empty: sizes are given instead
  }
  if (scales) {
    if (scales->count() != 4 || scales->any_symbolic())
      return unsupported(where + ": scales of shape " + scales->dims_text() + "; Caldera resizes NCHW tensors");
    if (scales->at(0) != 1.0 || scales->at(1) != 1.0) return unsupported(where + ": resizes the batch or channel dimension");
    if (!(scales->at(2) > 0.0 && scales->at(3) > 0.0)) return invalid_argument(where + ": scales must be positive");
    if (!any_scale && (!is_whole(scales->at(2)) || !is_whole(scales->at(3))))
      return unsupported(where + ": scale " + std::to_string(scales->at(2)) + "x" + std::to_string(scales->at(3)) + " with '" +
                         ctm + "' coordinates; the IR matches ONNX there at whole scales only");
    a.scale_h = static_cast<float>(scales->at(2));
    a.scale_w = static_cast<float>(scales->at(3));
  } else if (!upsample && has_input(n, 3)) {
    CALDERA_ASSIGN_OR_RETURN(const ConstValue* sizes, const_input(n, 3));
    CALDERA_ASSIGN_OR_RETURN(ir::ResizeAttrs by_size, resize_by_sizes(n, x, *sizes));
    if (by_size.out_h > 0 && nearest && !any_scale)
      return unsupported(where + ": nearest to a fixed size needs coordinate_transformation_mode 'asymmetric' with "
                         "nearest_mode 'floor'");
    by_size.mode = a.mode;
    a = by_size;
  } else {
    return invalid_argument(where + ": neither scales nor sizes are given");
  }
  return emit(n, ir::OpType::Resize, a, {}, {x});
}

Status Importer::import_reshape(const onnx::NodeProto& n) {
  CALDERA_ASSIGN_OR_RETURN(const Value* v, input(n, 0));
  CALDERA_ASSIGN_OR_RETURN(const ConstValue* shape, const_input(n, 1));
  const std::string where = label(n);
  if (v->kind == Value::Runtime) {
    if (shape->count() != 6)
      return unsupported(where + ": a reshape of a 4-D tensor to " + std::to_string(shape->count()) +
                         " dimensions; Caldera supports Reshape only in the pixel-shuffle pattern (Reshape to 6-D -> "
                         "Transpose -> Reshape to 4-D)");
    PendingShuffle p;
    p.source = v->tensor;
    p.shape6 = *shape;
    p.started_by = n.name().empty() ? n.output(0) : n.name();
    pending_.push_back(std::move(p));
    return define(n, n.output(0), Value{Value::Shuffle, -1, static_cast<int>(pending_.size()) - 1});
  }
  const PendingShuffle& p = pending_[static_cast<size_t>(v->index)];
  if (p.stage != 1 || shape->count() != 4) return unsupported(shuffle_misuse(n, *v));
  CALDERA_ASSIGN_OR_RETURN(ir::Shape in, shape_now(p.source));
  const int64_t ff = static_cast<int64_t>(p.factor) * p.factor;
  const int64_t want[4] = {ir::kDynamic, in.c == ir::kDynamic ? ir::kDynamic : in.c / ff,
                           in.h == ir::kDynamic ? ir::kDynamic : in.h * p.factor,
                           in.w == ir::kDynamic ? ir::kDynamic : in.w * p.factor};
  for (size_t d = 1; d < 4; ++d) {
    const double got = shape->is_symbolic(d) ? 0.0 : shape->at(d);
    if (got > 0 && want[d] != ir::kDynamic && static_cast<int64_t>(got) != want[d])
      return invalid_argument(where + ": reshapes the pixel shuffle of " + in.to_string() + " to dimension " +
                              std::to_string(d) + " = " + std::to_string(static_cast<int64_t>(got)) + ", expected " +
                              std::to_string(want[d]));
  }
  ir::PixelShuffleAttrs a{p.factor, p.mode};
  return emit(n, ir::OpType::PixelShuffle, a, {}, {p.source});
}

Status Importer::import_transpose(const onnx::NodeProto& n) {
  CALDERA_ASSIGN_OR_RETURN(const Value* v, input(n, 0));
  const std::vector<int64_t> perm = attr_ints(n, "perm");
  const std::string where = label(n);
  if (v->kind == Value::Runtime) {
    if (perm == std::vector<int64_t>{0, 1, 2, 3}) return define(n, n.output(0), *v);
    return unsupported(where + ": a transpose " + ints_text(perm) + " of a 4-D tensor; Caldera supports Transpose only in "
                       "the pixel-shuffle pattern (Reshape to 6-D -> Transpose -> Reshape to 4-D)");
  }
  PendingShuffle p = pending_[static_cast<size_t>(v->index)];
  if (p.stage != 0) return unsupported(shuffle_misuse(n, *v));
  // CRD: [N, C, r, r, H, W] -> [N, C, H, r, W, r]; DCR: [N, r, r, C, H, W] -> [N, C, H, r, W, r].
  size_t r0, r1, c;
  if (perm == std::vector<int64_t>{0, 1, 4, 2, 5, 3}) {
    p.mode = 0;
    r0 = 2, r1 = 3, c = 1;
  } else if (perm == std::vector<int64_t>{0, 3, 4, 1, 5, 2}) {
    p.mode = 1;
    r0 = 1, r1 = 2, c = 3;
  } else {
    return unsupported(where + ": permutation " + ints_text(perm) + " after the 6-D reshape '" + p.started_by +
                       "' is not a pixel shuffle ([0,1,4,2,5,3] or [0,3,4,1,5,2])");
  }
  const ConstValue& s = p.shape6;
  if (s.is_symbolic(r0) || s.is_symbolic(r1) || s.at(r0) != s.at(r1) || !is_whole(s.at(r0)) || s.at(r0) > 64)
    return unsupported(where + ": the 6-D reshape '" + p.started_by + "' to " + s.dims_text() +
                       " does not split channels by a constant block size");
  p.factor = static_cast<int>(s.at(r0));
  CALDERA_ASSIGN_OR_RETURN(ir::Shape in, shape_now(p.source));
  if (!s.is_symbolic(c) && s.at(c) > 0 && in.c != ir::kDynamic &&
      static_cast<int64_t>(s.at(c)) * p.factor * p.factor != in.c)
    return invalid_argument(where + ": the 6-D reshape '" + p.started_by + "' splits " + std::to_string(in.c) +
                            " channels into " + std::to_string(static_cast<int64_t>(s.at(c))) + " x " +
                            std::to_string(p.factor) + " x " + std::to_string(p.factor));
  p.stage = 1;
  pending_.push_back(std::move(p));
  return define(n, n.output(0), Value{Value::Shuffle, -1, static_cast<int>(pending_.size()) - 1});
}

}  // namespace caldera::nn::onnx_import
