// The later ncnn layer types: Deconvolution / DeconvolutionDepthWise, InstanceNorm, Slice, Crop
// (both forms), Scale, Padding, Reorg, InnerProduct, Flatten, Reshape, Pooling, Reduction. Parameter ids and their
// meaning follow ncnn's operator reference (docs/developer-guide/operators.md) and layer code;
// where a setting cannot be represented exactly it is refused with the layer named.
#include <climits>

#include "nn/import/ncnn/ncnn_importer.hpp"
#include "core/number_text.hpp"

namespace caldera::nn::ncnn::detail {
namespace {

constexpr int kUnset = -233;  // ncnn's "not given" / "the rest" marker

ir::ReshapeDim fixed(int64_t v) {
  ir::ReshapeDim d;
  d.value = v;
  return d;
}
ir::ReshapeDim from_input(int axis) {
  ir::ReshapeDim d;
  d.kind = ir::ReshapeDim::FromInput;
  d.axis = axis;
  return d;
}
ir::ReshapeDim inferred() {
  ir::ReshapeDim d;
  d.kind = ir::ReshapeDim::Infer;
  return d;
}

// ncnn start/end of a numpy-style crop as IR slice bounds (ncnn: end 0 and -233 mean the end,
// negative counts from the end).
int64_t crop_end(int end) { return end == kUnset || end == 0 || end == INT_MAX ? ir::kSliceToEnd : end; }
int64_t crop_start(int start) { return start == kUnset ? 0 : start; }

}  // namespace

Result<ir::ActivationAttrs> fused_activation(const std::string& ctx, int type, const std::vector<float>& params) {
  ir::ActivationAttrs a;
  switch (type) {
    case kActNone: break;
    case kActRelu: a.kind = ir::ActivationKind::Relu; break;
    case kActLeaky:
      a.kind = ir::ActivationKind::LeakyRelu;
      a.alpha = params.empty() ? 0.f : params[0];
      break;
    case kActClip:
      if (params.size() < 2) return invalid_argument(ctx + ": clip activation needs min and max (parameter 10)");
      a = {ir::ActivationKind::Clip, params[0], params[1]};
      break;
    case kActSigmoid: a.kind = ir::ActivationKind::Sigmoid; break;
    case kActHardSwish:
      a = {ir::ActivationKind::HardSwish, params.size() > 0 ? params[0] : 0.2f, params.size() > 1 ? params[1] : 0.5f};
      break;
    default:
      return unsupported(ctx + ": fused activation type " + std::to_string(type) +
                         " (supported: 0 none, 1 relu, 2 leaky relu, 3 clip, 4 sigmoid, 6 hard swish)");
  }
  return a;
}

Result<ir::Shape> Importer::shape_now(int tensor) {
  std::vector<ir::Shape> inputs;
  for (int t : g_.inputs) inputs.push_back(g_.tensors[static_cast<size_t>(t)].shape);
  const std::vector<int> saved = g_.outputs;
  g_.outputs = {tensor};
  auto shapes = ir::compute_shapes(g_, inputs);
  g_.outputs = saved;
  if (!shapes) return shapes.status().with_context(param_name_);
  return (*shapes)[static_cast<size_t>(tensor)];
}

int Importer::ir_axis(int axis, int rank) {
  if (axis < -rank || axis >= rank) return -1;
  return 1 + (axis < 0 ? axis + rank : axis);
}

Status Importer::import_deconv(const LayerLine& l, bool depthwise) {
  const std::string ctx = who(l);
  const ParamDict& p = l.params;
  CALDERA_RETURN_IF_ERROR(expect_counts(l, 1, 1));
  CALDERA_ASSIGN_OR_RETURN(std::vector<int> in, input_tensors(l));
  ir::ConvTranspose2dAttrs a;
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
  CALDERA_ASSIGN_OR_RETURN(a.output_pad_w, p.get_int(18, 0, ctx));
  CALDERA_ASSIGN_OR_RETURN(a.output_pad_h, p.get_int(19, a.output_pad_w, ctx));
  CALDERA_ASSIGN_OR_RETURN(int output_w, p.get_int(20, 0, ctx));
  CALDERA_ASSIGN_OR_RETURN(int output_h, p.get_int(21, output_w, ctx));
  CALDERA_ASSIGN_OR_RETURN(int bias_term, p.get_int(5, 0, ctx));
  CALDERA_ASSIGN_OR_RETURN(int weight_size, p.get_int(6, 0, ctx));
  CALDERA_ASSIGN_OR_RETURN(a.groups, p.get_int(7, 1, ctx));
  CALDERA_ASSIGN_OR_RETURN(int act_type, p.get_int(9, 0, ctx));
  CALDERA_ASSIGN_OR_RETURN(std::vector<float> act_params, p.get_floats(10, ctx));
  CALDERA_ASSIGN_OR_RETURN(int dynamic_weight, p.get_int(28, 0, ctx));
  if (!depthwise && p.has(7) && a.groups != 1)
    return invalid_argument(ctx + ": a plain Deconvolution has no group parameter (use DeconvolutionDepthWise)");
  if (a.pad_left < 0 || a.pad_right < 0 || a.pad_top < 0 || a.pad_bottom < 0 || output_w > 0 || output_h > 0)
    return unsupported(ctx + ": 'same' padding to a fixed output size (-233/-234, parameters 20/21) depends on the input "
                       "size and is not supported");
  if (dynamic_weight) return unsupported(ctx + ": weights from a blob (parameter 28)");
  if (a.out_channels <= 0 || a.kernel_w <= 0 || a.kernel_h <= 0 || a.stride_w <= 0 || a.stride_h <= 0 ||
      a.dilation_w <= 0 || a.dilation_h <= 0 || a.groups <= 0 || a.output_pad_w < 0 || a.output_pad_h < 0)
    return invalid_argument(ctx + ": num_output, kernel, stride, dilation and group must be positive");
  // ncnn fills output padding beyond the cropped border with zeros after the bias and the
  // activation; ONNX (and the IR) compute it, giving the bias there. They agree while the
  // output padding stays within the crop.
  if (a.output_pad_w > a.pad_right || a.output_pad_h > a.pad_bottom)
    return unsupported(ctx + ": output padding larger than the bottom/right padding (ncnn zero-fills it; the IR "
                       "computes it as ONNX does)");
  if (a.out_channels % a.groups)
    return invalid_argument(ctx + ": num_output " + std::to_string(a.out_channels) + " does not divide into " +
                            std::to_string(a.groups) + " groups");
  // weight_data_size = kernel * (in / group) * (out / group) * group = kernel * in * out / group
  const int64_t per_in = static_cast<int64_t>(a.out_channels) * a.kernel_h * a.kernel_w;
  if (weight_size <= 0 || (static_cast<int64_t>(weight_size) * a.groups) % per_in)
    return invalid_argument(ctx + ": weight_data_size " + std::to_string(weight_size) + " does not fit num_output " +
                            std::to_string(a.out_channels) + ", the kernel and " + std::to_string(a.groups) + " groups");
  a.in_channels = static_cast<int>(static_cast<int64_t>(weight_size) * a.groups / per_in);
  if (a.in_channels % a.groups) return invalid_argument(ctx + ": input channels do not divide into the groups");
  a.has_bias = bias_term != 0;
  CALDERA_ASSIGN_OR_RETURN(a.activation, fused_activation(ctx, act_type, act_params));
  CALDERA_ASSIGN_OR_RETURN(std::vector<float> nw, weights_.read_tagged(static_cast<size_t>(weight_size), ctx + " weight"));
  // ncnn: [group][out / group][in / group][kh][kw]; the IR (ONNX): [in][out / group][kh][kw].
  const int icg = a.in_channels / a.groups, ocg = a.out_channels / a.groups;
  const size_t k = static_cast<size_t>(a.kernel_h) * a.kernel_w;
  std::vector<float> w(nw.size());
  for (int g = 0; g < a.groups; ++g)
    for (int o = 0; o < ocg; ++o)
      for (int i = 0; i < icg; ++i) {
        const float* src = nw.data() + ((static_cast<size_t>(g) * ocg + o) * icg + i) * k;
        float* dst = w.data() + ((static_cast<size_t>(g) * icg + i) * ocg + o) * k;
        std::copy(src, src + k, dst);
      }
  std::vector<ir::Weight> weights{{"weight", {a.in_channels, ocg, a.kernel_h, a.kernel_w}, std::move(w)}};
  if (a.has_bias) {
    CALDERA_ASSIGN_OR_RETURN(std::vector<float> bias, weights_.read_float32(static_cast<size_t>(a.out_channels), ctx + " bias"));
    weights.push_back({"bias", {a.out_channels}, std::move(bias)});
  }
  return add_node(l, ir::OpType::ConvTranspose2d, a, std::move(weights), std::move(in));
}

Status Importer::import_instance_norm(const LayerLine& l) {
  const std::string ctx = who(l);
  const ParamDict& p = l.params;
  CALDERA_RETURN_IF_ERROR(expect_counts(l, 1, 1));
  CALDERA_ASSIGN_OR_RETURN(std::vector<int> in, input_tensors(l));
  CALDERA_ASSIGN_OR_RETURN(int channels, p.get_int(0, 0, ctx));
  CALDERA_ASSIGN_OR_RETURN(float eps, p.get_float(1, 0.001f, ctx));
  CALDERA_ASSIGN_OR_RETURN(int affine, p.get_int(2, 1, ctx));
  if (channels <= 0) return invalid_argument(ctx + ": channels (parameter 0) must be positive");
  if (!(eps >= 0.f)) return invalid_argument(ctx + ": eps must be non-negative");
  std::vector<float> scale(static_cast<size_t>(channels), 1.f), bias(static_cast<size_t>(channels), 0.f);
  if (affine) {
    CALDERA_ASSIGN_OR_RETURN(scale, weights_.read_float32(static_cast<size_t>(channels), ctx + " gamma"));
    CALDERA_ASSIGN_OR_RETURN(bias, weights_.read_float32(static_cast<size_t>(channels), ctx + " beta"));
  }
  std::vector<ir::Weight> w{{"scale", {channels}, std::move(scale)}, {"bias", {channels}, std::move(bias)}};
  return add_node(l, ir::OpType::InstanceNorm, ir::InstanceNormAttrs{eps}, std::move(w), std::move(in));
}

// ncnn's Slice splits one blob into several along an axis (ONNX Split): one IR Slice per output.
Status Importer::import_slice(const LayerLine& l) {
  const std::string ctx = who(l);
  const ParamDict& p = l.params;
  CALDERA_RETURN_IF_ERROR(expect_counts(l, 1, -1));
  CALDERA_ASSIGN_OR_RETURN(std::vector<int> in, input_tensors(l));
  CALDERA_ASSIGN_OR_RETURN(std::vector<int> slices, p.get_ints(0, ctx));
  CALDERA_ASSIGN_OR_RETURN(int axis, p.get_int(1, 0, ctx));
  if (p.has(2)) return unsupported(ctx + ": slice indices (parameter 2)");
  const int rank = rank_of(in[0]);
  const int ax = ir_axis(axis, rank);
  if (ax < 1 || ax > 3) return invalid_argument(ctx + ": axis " + std::to_string(axis) + " of a " + std::to_string(rank) + "-D blob");
  if (slices.size() != l.outputs.size())
    return invalid_argument(ctx + ": " + std::to_string(slices.size()) + " slices for " + std::to_string(l.outputs.size()) + " outputs");
  int64_t dim = ir::kDynamic;
  for (int s : slices)
    if (s == kUnset) {
      CALDERA_ASSIGN_OR_RETURN(ir::Shape shape, shape_now(in[0]));
      dim = shape.dim(ax);
      if (dim == ir::kDynamic)
        return unsupported(ctx + ": a -233 (the rest) slice of an axis whose size is known only at run time");
      break;
    }
  int64_t offset = 0;
  for (size_t i = 0; i < slices.size(); ++i) {
    int64_t size = slices[i];
    if (size == kUnset) size = (dim - offset) / static_cast<int64_t>(slices.size() - i);  // as ncnn shares the rest
    if (size <= 0) return invalid_argument(ctx + ": slice " + std::to_string(i) + " has size " + std::to_string(size));
    ir::SliceAttrs a;
    a.begin[ax - 1] = offset;
    a.end[ax - 1] = offset + size;
    offset += size;
    const int t = g_.add_tensor(l.outputs[i]);
    set_rank(t, rank);
    CALDERA_RETURN_IF_ERROR(claim_blob(l, l.outputs[i], t));
    ir::Node n;
    n.op = ir::OpType::Slice;
    n.name = i ? l.name + ":" + std::to_string(i) : l.name;
    n.inputs = in;
    n.outputs = {t};
    n.attrs = a;
    g_.add_node(std::move(n));
  }
  return Status::ok();
}

Status Importer::import_crop(const LayerLine& l) {
  const std::string ctx = who(l);
  const ParamDict& p = l.params;
  if (l.inputs.size() == 2) return import_crop_to_reference(l);
  CALDERA_RETURN_IF_ERROR(expect_counts(l, 1, 1));
  CALDERA_ASSIGN_OR_RETURN(std::vector<int> in, input_tensors(l));
  const int rank = rank_of(in[0]);
  ir::SliceAttrs a;
  CALDERA_ASSIGN_OR_RETURN(std::vector<int> starts, p.get_ints(9, ctx));
  CALDERA_ASSIGN_OR_RETURN(std::vector<int> ends, p.get_ints(10, ctx));
  CALDERA_ASSIGN_OR_RETURN(std::vector<int> axes, p.get_ints(11, ctx));
  if (!starts.empty() && !ends.empty()) {
    // numpy-style: starts / ends per axis (axes default to the first ones).
    if (ends.size() != starts.size() || (!axes.empty() && axes.size() != starts.size()))
      return invalid_argument(ctx + ": starts, ends and axes differ in length");
    for (size_t i = 0; i < starts.size(); ++i) {
      const int ax = ir_axis(axes.empty() ? static_cast<int>(i) : axes[i], rank);
      if (ax < 1 || ax > 3) return invalid_argument(ctx + ": crop axis of a " + std::to_string(rank) + "-D blob");
      a.begin[ax - 1] = crop_start(starts[i]);
      a.end[ax - 1] = crop_end(ends[i]);
    }
    return add_node(l, ir::OpType::Slice, a, {}, std::move(in));
  }
  // Offsets and sizes: [offset, offset + size) per axis, size -233 meaning up to offset2 from
  // the end. (ncnn clamps a given size to what fits before offset2; Caldera takes sizes with
  // offset2 0 only, where the IR's clamp to the end is the same.)
  if (rank != 3) return unsupported(ctx + ": offset-form Crop of a " + std::to_string(rank) + "-D blob");
  static const int ids[3][3] = {{2, 5, 8}, {1, 4, 7}, {0, 3, 6}};  // c, h, w: offset, size, offset2
  for (int k = 0; k < 3; ++k) {
    CALDERA_ASSIGN_OR_RETURN(int offset, p.get_int(ids[k][0], 0, ctx));
    CALDERA_ASSIGN_OR_RETURN(int size, p.get_int(ids[k][1], 0, ctx));
    CALDERA_ASSIGN_OR_RETURN(int offset2, p.get_int(ids[k][2], 0, ctx));
    if (offset < 0 || offset2 < 0) return unsupported(ctx + ": negative or -233 crop offsets");
    if (size == kUnset) {
      // ncnn's own channel count here is channels - 2 * coffset2; only the plain case is taken.
      if (k == 0 && (offset || offset2)) return unsupported(ctx + ": outc -233 with channel offsets");
      a.begin[k] = offset;
      a.end[k] = offset2 ? -static_cast<int64_t>(offset2) : ir::kSliceToEnd;
    } else if (size > 0 && offset2 == 0) {
      a.begin[k] = offset;
      a.end[k] = static_cast<int64_t>(offset) + size;
    } else {
      return unsupported(ctx + ": crop size " + std::to_string(size) + " with offset2 " + std::to_string(offset2) +
                         " (give sizes as -233 with offset2, or positive sizes without)");
    }
  }
  return add_node(l, ir::OpType::Slice, a, {}, std::move(in));
}

// Crop with a second (reference) blob: [offset, offset + the reference's size) on each axis,
// the offsets from parameters 0-2 (w, h, c). ncnn takes the reference's channel count only from
// a 3-D reference; other references (and the -233 form that reads the box from the reference's
// values) are refused.
Status Importer::import_crop_to_reference(const LayerLine& l) {
  const std::string ctx = who(l);
  const ParamDict& p = l.params;
  CALDERA_RETURN_IF_ERROR(expect_counts(l, 2, 1));
  CALDERA_ASSIGN_OR_RETURN(std::vector<int> in, input_tensors(l));
  CALDERA_ASSIGN_OR_RETURN(int woffset, p.get_int(0, 0, ctx));
  CALDERA_ASSIGN_OR_RETURN(int hoffset, p.get_int(1, 0, ctx));
  CALDERA_ASSIGN_OR_RETURN(int coffset, p.get_int(2, 0, ctx));
  if (woffset == kUnset || p.has(9) || p.has(10))
    return unsupported(ctx + ": Crop whose box is read from the reference blob's values (-233 / starts and ends)");
  if (woffset < 0 || hoffset < 0 || coffset < 0) return invalid_argument(ctx + ": negative crop offsets");
  if (rank_of(in[0]) != 3 || rank_of(in[1]) != 3)
    return unsupported(ctx + ": Crop to a reference with a blob that is not 3-D (c, h, w)");
  ir::SliceAttrs a;
  a.begin[0] = coffset;
  a.begin[1] = hoffset;
  a.begin[2] = woffset;
  a.to_reference[0] = a.to_reference[1] = a.to_reference[2] = true;
  return add_node(l, ir::OpType::Slice, a, {}, std::move(in));
}

// ncnn's Scale: x * s (+ b) per channel. With scale_data_size -233 the scales are a second, 1-D
// blob (the squeeze-excitation gates of waifu2x's cunet): a broadcast Binary multiply. Otherwise
// they are weights (float32, then the biases): a 1x1 depthwise convolution.
Status Importer::import_scale(const LayerLine& l) {
  const std::string ctx = who(l);
  const ParamDict& p = l.params;
  CALDERA_ASSIGN_OR_RETURN(int size, p.get_int(0, 0, ctx));
  CALDERA_ASSIGN_OR_RETURN(int bias_term, p.get_int(1, 0, ctx));
  if (size == kUnset) {
    CALDERA_RETURN_IF_ERROR(expect_counts(l, 2, 1));
    if (bias_term) return unsupported(ctx + ": Scale by a blob with a bias (ncnn loads no bias for it)");
    CALDERA_ASSIGN_OR_RETURN(std::vector<int> in, input_tensors(l));
    if (rank_of(in[0]) != 3 || rank_of(in[1]) != 1)
      return unsupported(ctx + ": Scale by a blob other than a 3-D blob by a 1-D one of its channels");
    ir::BinaryAttrs a;
    a.kind = ir::BinaryKind::Mul;
    return add_node(l, ir::OpType::Binary, a, {}, std::move(in));
  }
  CALDERA_RETURN_IF_ERROR(expect_counts(l, 1, 1));
  CALDERA_ASSIGN_OR_RETURN(std::vector<int> in, input_tensors(l));
  if (size <= 0) return invalid_argument(ctx + ": scale_data_size (parameter 0) must be positive or -233");
  if (rank_of(in[0]) == 2) return unsupported(ctx + ": Scale of a 2-D blob (ncnn scales its rows)");
  CALDERA_ASSIGN_OR_RETURN(std::vector<float> scale, weights_.read_float32(static_cast<size_t>(size), ctx + " scale"));
  ir::Conv2dAttrs a;
  a.out_channels = a.in_channels = a.groups = size;
  a.kernel_h = a.kernel_w = 1;
  a.has_bias = bias_term != 0;
  std::vector<ir::Weight> w{{"weight", {size, 1, 1, 1}, std::move(scale)}};
  if (a.has_bias) {
    CALDERA_ASSIGN_OR_RETURN(std::vector<float> bias, weights_.read_float32(static_cast<size_t>(size), ctx + " bias"));
    w.push_back({"bias", {size}, std::move(bias)});
  }
  return add_node(l, ir::OpType::Conv2d, a, std::move(w), std::move(in));
}

Status Importer::import_padding(const LayerLine& l) {
  const std::string ctx = who(l);
  const ParamDict& p = l.params;
  CALDERA_RETURN_IF_ERROR(expect_counts(l, 1, 1));
  CALDERA_ASSIGN_OR_RETURN(std::vector<int> in, input_tensors(l));
  ir::PadAttrs a;
  CALDERA_ASSIGN_OR_RETURN(a.top, p.get_int(0, 0, ctx));
  CALDERA_ASSIGN_OR_RETURN(a.bottom, p.get_int(1, 0, ctx));
  CALDERA_ASSIGN_OR_RETURN(a.left, p.get_int(2, 0, ctx));
  CALDERA_ASSIGN_OR_RETURN(a.right, p.get_int(3, 0, ctx));
  CALDERA_ASSIGN_OR_RETURN(int type, p.get_int(4, 0, ctx));
  CALDERA_ASSIGN_OR_RETURN(a.value, p.get_float(5, 0.f, ctx));
  CALDERA_ASSIGN_OR_RETURN(int per_channel, p.get_int(6, 0, ctx));
  CALDERA_ASSIGN_OR_RETURN(int front, p.get_int(7, 0, ctx));
  CALDERA_ASSIGN_OR_RETURN(int behind, p.get_int(8, 0, ctx));
  if (per_channel) return unsupported(ctx + ": per-channel pad values (parameter 6)");
  if (front || behind) return unsupported(ctx + ": padding channels (parameters 7 and 8)");
  if (a.top < 0 || a.bottom < 0 || a.left < 0 || a.right < 0) return invalid_argument(ctx + ": negative padding");
  if (type == 0) a.mode = ir::PadMode::Constant;
  else if (type == 1) a.mode = ir::PadMode::Edge;
  else if (type == 2) a.mode = ir::PadMode::Reflect;
  else return unsupported(ctx + ": padding type " + std::to_string(type) + " (0 constant, 1 replicate, 2 reflect)");
  return add_node(l, ir::OpType::Pad, a, {}, std::move(in));
}

Status Importer::import_reorg(const LayerLine& l) {
  const std::string ctx = who(l);
  CALDERA_RETURN_IF_ERROR(expect_counts(l, 1, 1));
  CALDERA_ASSIGN_OR_RETURN(std::vector<int> in, input_tensors(l));
  ir::SpaceToDepthAttrs a;
  CALDERA_ASSIGN_OR_RETURN(a.block, l.params.get_int(0, 1, ctx));
  CALDERA_ASSIGN_OR_RETURN(a.mode, l.params.get_int(1, 0, ctx));
  if (a.block < 1 || a.block > 64) return invalid_argument(ctx + ": stride must be 1..64");
  if (a.mode != 0 && a.mode != 1) return invalid_argument(ctx + ": mode must be 0 or 1");
  return add_node(l, ir::OpType::SpaceToDepth, a, {}, std::move(in));
}

// ncnn's InnerProduct flattens a 3-D blob (c, h, w order) first: a Flatten then a Gemm here.
Status Importer::import_inner_product(const LayerLine& l) {
  const std::string ctx = who(l);
  const ParamDict& p = l.params;
  CALDERA_RETURN_IF_ERROR(expect_counts(l, 1, 1));
  CALDERA_ASSIGN_OR_RETURN(std::vector<int> in, input_tensors(l));
  ir::GemmAttrs a;
  CALDERA_ASSIGN_OR_RETURN(a.out_features, p.get_int(0, 0, ctx));
  CALDERA_ASSIGN_OR_RETURN(int bias_term, p.get_int(1, 0, ctx));
  CALDERA_ASSIGN_OR_RETURN(int weight_size, p.get_int(2, 0, ctx));
  CALDERA_ASSIGN_OR_RETURN(int int8_scale, p.get_int(8, 0, ctx));
  CALDERA_ASSIGN_OR_RETURN(int act_type, p.get_int(9, 0, ctx));
  CALDERA_ASSIGN_OR_RETURN(std::vector<float> act_params, p.get_floats(10, ctx));
  if (int8_scale) return unsupported(ctx + ": int8-quantised InnerProduct (parameter 8)");
  if (a.out_features <= 0 || weight_size <= 0 || weight_size % a.out_features)
    return invalid_argument(ctx + ": weight_data_size " + std::to_string(weight_size) + " is not a positive multiple of num_output " +
                            std::to_string(a.out_features));
  a.in_features = weight_size / a.out_features;
  a.has_bias = bias_term != 0;
  CALDERA_ASSIGN_OR_RETURN(a.activation, fused_activation(ctx, act_type, act_params));
  const int rank = rank_of(in[0]);
  if (rank == 2) return unsupported(ctx + ": InnerProduct of a 2-D blob (ncnn applies it to each row)");
  int x = in[0];
  if (rank == 3) {
    const int t = g_.add_tensor(l.outputs[0] + "/flatten");
    set_rank(t, 1);
    ir::Node f;
    f.op = ir::OpType::Reshape;
    f.name = l.name + "/flatten";
    f.inputs = {x};
    f.outputs = {t};
    f.attrs = ir::ReshapeAttrs{{from_input(0), inferred(), fixed(1), fixed(1)}};
    g_.add_node(std::move(f));
    x = t;
  }
  std::vector<ir::Weight> w;
  CALDERA_ASSIGN_OR_RETURN(std::vector<float> weight, weights_.read_tagged(static_cast<size_t>(weight_size), ctx + " weight"));
  w.push_back({"weight", {a.out_features, a.in_features}, std::move(weight)});
  if (a.has_bias) {
    CALDERA_ASSIGN_OR_RETURN(std::vector<float> bias, weights_.read_float32(static_cast<size_t>(a.out_features), ctx + " bias"));
    w.push_back({"bias", {a.out_features}, std::move(bias)});
  }
  return add_node(l, ir::OpType::Gemm, a, std::move(w), {x}, {}, 1);
}

Status Importer::import_flatten(const LayerLine& l) {
  CALDERA_RETURN_IF_ERROR(expect_counts(l, 1, 1));
  CALDERA_ASSIGN_OR_RETURN(std::vector<int> in, input_tensors(l));
  ir::ReshapeAttrs a{{from_input(0), inferred(), fixed(1), fixed(1)}};
  return add_node(l, ir::OpType::Reshape, a, {}, std::move(in), {}, 1);
}

// Target dims in ncnn order (c, h, w; h, w; or w), 0 copying the bottom's dim of that name, -1
// inferred.
Status Importer::import_reshape(const LayerLine& l) {
  const std::string ctx = who(l);
  const ParamDict& p = l.params;
  CALDERA_RETURN_IF_ERROR(expect_counts(l, 1, 1));
  CALDERA_ASSIGN_OR_RETURN(std::vector<int> in, input_tensors(l));
  CALDERA_ASSIGN_OR_RETURN(int w, p.get_int(0, kUnset, ctx));
  CALDERA_ASSIGN_OR_RETURN(int h, p.get_int(1, kUnset, ctx));
  CALDERA_ASSIGN_OR_RETURN(int d, p.get_int(11, kUnset, ctx));
  CALDERA_ASSIGN_OR_RETURN(int c, p.get_int(2, kUnset, ctx));
  CALDERA_ASSIGN_OR_RETURN(int permute, p.get_int(3, 0, ctx));
  if (permute) return unsupported(ctx + ": Reshape with permute=1 (parameter 3)");
  if (d != kUnset) return unsupported(ctx + ": a 4-D Reshape (parameter 11)");
  const int rank = rank_of(in[0]);
  // IR axis of the bottom's w / h / c (its last, second-to-last, third-to-last dims); -1 when
  // the bottom has no such dim (ncnn reads it as 1).
  const auto bottom_axis = [rank](int from_end) { return from_end <= rank ? rank + 1 - from_end : -1; };
  std::vector<ir::ReshapeDim> dims{from_input(0)};
  const int wanted[3] = {c, h, w};
  const int first = c != kUnset ? 0 : h != kUnset ? 1 : 2;
  for (int k = first; k < 3; ++k) {
    const int v = wanted[k];
    if (v == kUnset) return invalid_argument(ctx + ": a dimension inside the shape is -233");
    if (v == 0) {
      const int ax = bottom_axis(3 - k);
      dims.push_back(ax > 0 ? from_input(ax) : fixed(1));
    } else if (v == -1) {
      dims.push_back(inferred());
    } else if (v > 0) {
      dims.push_back(fixed(v));
    } else {
      return invalid_argument(ctx + ": dimension " + std::to_string(v));
    }
  }
  const int out_rank = 3 - first;
  while (dims.size() < 4) dims.push_back(fixed(1));
  return add_node(l, ir::OpType::Reshape, ir::ReshapeAttrs{std::move(dims)}, {}, std::move(in), {}, out_rank);
}

Status Importer::import_pooling(const LayerLine& l) {
  const std::string ctx = who(l);
  const ParamDict& p = l.params;
  CALDERA_RETURN_IF_ERROR(expect_counts(l, 1, 1));
  CALDERA_ASSIGN_OR_RETURN(std::vector<int> in, input_tensors(l));
  CALDERA_ASSIGN_OR_RETURN(int type, p.get_int(0, 0, ctx));
  CALDERA_ASSIGN_OR_RETURN(int global, p.get_int(4, 0, ctx));
  CALDERA_ASSIGN_OR_RETURN(int pad_mode, p.get_int(5, 0, ctx));
  CALDERA_ASSIGN_OR_RETURN(int include_pad, p.get_int(6, 0, ctx));
  CALDERA_ASSIGN_OR_RETURN(int adaptive, p.get_int(7, 0, ctx));
  if (type != 0 && type != 1) return unsupported(ctx + ": pooling type " + std::to_string(type) + " (0 max, 1 average)");
  if (adaptive) return unsupported(ctx + ": adaptive pooling (parameter 7)");
  if (global) {
    ir::ReduceAttrs r;
    r.kind = type == 0 ? ir::ReduceKind::Max : ir::ReduceKind::Mean;
    return add_node(l, ir::OpType::Reduce, r, {}, std::move(in), {}, 1);  // ncnn makes a 1-D [C] blob
  }
  ir::Pool2dAttrs a;
  a.kind = type == 0 ? ir::PoolKind::Max : ir::PoolKind::Average;
  CALDERA_ASSIGN_OR_RETURN(a.kernel_w, p.get_int(1, 0, ctx));
  CALDERA_ASSIGN_OR_RETURN(a.kernel_h, p.get_int(11, a.kernel_w, ctx));
  CALDERA_ASSIGN_OR_RETURN(a.stride_w, p.get_int(2, 1, ctx));
  CALDERA_ASSIGN_OR_RETURN(a.stride_h, p.get_int(12, a.stride_w, ctx));
  CALDERA_ASSIGN_OR_RETURN(a.pad_left, p.get_int(3, 0, ctx));
  CALDERA_ASSIGN_OR_RETURN(a.pad_top, p.get_int(13, a.pad_left, ctx));
  CALDERA_ASSIGN_OR_RETURN(a.pad_right, p.get_int(14, a.pad_left, ctx));
  CALDERA_ASSIGN_OR_RETURN(a.pad_bottom, p.get_int(15, a.pad_top, ctx));
  if (a.kernel_w <= 0 || a.kernel_h <= 0 || a.stride_w <= 0 || a.stride_h <= 0)
    return invalid_argument(ctx + ": kernel and stride must be positive");
  if (a.pad_left < 0 || a.pad_top < 0 || a.pad_right < 0 || a.pad_bottom < 0) return invalid_argument(ctx + ": negative padding");
  a.count_include_pad = include_pad != 0;
  if (pad_mode == 1) {
    a.ceil_mode = false;  // valid padding: floor
  } else if (pad_mode == 0) {
    // Full padding: ncnn pads the bottom/right so the windows cover the input (ceil). It keeps a
    // last window that starts in that padding, which the IR (as PyTorch and ONNX) drops; that
    // window exists only when pad + stride > kernel. Its averages with count_include_pad count
    // the added padding too; without a tail (stride 1) there is none.
    a.ceil_mode = true;
    if (a.pad_right + a.stride_w > a.kernel_w || a.pad_bottom + a.stride_h > a.kernel_h)
      return unsupported(ctx + ": full padding (pad_mode 0) where pad + stride exceeds the kernel");
    if (a.kind == ir::PoolKind::Average && a.count_include_pad && (a.stride_w > 1 || a.stride_h > 1))
      return unsupported(ctx + ": average pooling with full padding and count_include_pad");
  } else {
    return unsupported(ctx + ": pad_mode " + std::to_string(pad_mode) + " ('same' padding depends on the input size)");
  }
  return add_node(l, ir::OpType::Pool2d, a, {}, std::move(in));
}

Status Importer::import_reduction(const LayerLine& l) {
  const std::string ctx = who(l);
  const ParamDict& p = l.params;
  CALDERA_RETURN_IF_ERROR(expect_counts(l, 1, 1));
  CALDERA_ASSIGN_OR_RETURN(std::vector<int> in, input_tensors(l));
  CALDERA_ASSIGN_OR_RETURN(int op, p.get_int(0, 0, ctx));
  CALDERA_ASSIGN_OR_RETURN(int reduce_all, p.get_int(1, 1, ctx));
  CALDERA_ASSIGN_OR_RETURN(float coeff, p.get_float(2, 1.f, ctx));
  CALDERA_ASSIGN_OR_RETURN(std::vector<int> axes, p.get_ints(3, ctx));
  CALDERA_ASSIGN_OR_RETURN(int keepdims, p.get_int(4, 0, ctx));
  CALDERA_ASSIGN_OR_RETURN(int fixed_axes, p.get_int(5, 0, ctx));
  ir::ReduceAttrs a;
  if (op == 0) a.kind = ir::ReduceKind::Sum;
  else if (op == 3) a.kind = ir::ReduceKind::Mean;
  else if (op == 4) a.kind = ir::ReduceKind::Max;
  else if (op == 5) a.kind = ir::ReduceKind::Min;
  else return unsupported(ctx + ": reduction operation " + std::to_string(op) + " (0 sum, 3 mean, 4 max, 5 min)");
  if (coeff != 1.f) return unsupported(ctx + ": coeff " + number_text(coeff) + " (parameter 2)");
  // ncnn refuses axes from params older than the fix that stopped counting the batch (5=1).
  if (!axes.empty() && !fixed_axes && !reduce_all)
    return unsupported(ctx + ": axes from an old ncnn converter (no 5=1); regenerate the model");
  const int rank = rank_of(in[0]);
  std::vector<bool> reduced(static_cast<size_t>(rank) + 1, false);  // by IR axis
  if (reduce_all || axes.empty()) {
    for (int ax = 1; ax <= rank; ++ax) reduced[static_cast<size_t>(ax)] = true;
  } else {
    for (int v : axes) {
      const int ax = ir_axis(v, rank);
      if (ax < 1) return invalid_argument(ctx + ": axis " + std::to_string(v) + " of a " + std::to_string(rank) + "-D blob");
      reduced[static_cast<size_t>(ax)] = true;
    }
  }
  a.channels = rank >= 1 && reduced[1];
  a.rows = rank >= 2 && reduced[2];
  a.columns = rank >= 3 && reduced[3];
  int out_rank = rank;
  if (!keepdims) {
    int kept = 0;
    while (kept < rank && !reduced[static_cast<size_t>(kept) + 1]) ++kept;
    for (int i = kept; i < rank; ++i)
      if (!reduced[static_cast<size_t>(i) + 1])
        return unsupported(ctx + ": dropping reduced axes that are not the last ones (keepdims 0)");
    out_rank = std::max(kept, 1);
  }
  return add_node(l, ir::OpType::Reduce, a, {}, std::move(in), {}, out_rank);
}

}  // namespace caldera::nn::ncnn::detail
