// Shape inference: each node's output shape from its input shapes. Dynamic dimensions flow
// through (a convolution of a ?-high tensor is ?-high); a known mismatch is an error naming the
// node, so a wrong input size is caught before any memory is allocated.
#include <cmath>

#include "nn/ir/graph.hpp"

namespace caldera::nn::ir {
namespace {

bool known(int64_t d) { return d != kDynamic; }

std::string label(const Node& n) { return std::string(op_type_name(n.op)) + " node '" + n.name + "'"; }

// Two dims that must be equal: the known one wins; two known, different dims are an error.
bool unify(int64_t a, int64_t b, int64_t& out) {
  if (known(a) && known(b) && a != b) return false;
  out = known(a) ? a : b;
  return true;
}

bool unify(const Shape& a, const Shape& b, Shape& out) {
  return unify(a.n, b.n, out.n) && unify(a.c, b.c, out.c) && unify(a.h, b.h, out.h) && unify(a.w, b.w, out.w);
}

// NumPy-style broadcasting of one dimension (1 stretches to the other).
bool broadcast(int64_t a, int64_t b, int64_t& out) {
  if (a == 1) { out = b; return true; }
  if (b == 1) { out = a; return true; }
  return unify(a, b, out);
}

int64_t conv_out(int64_t in, int pad0, int pad1, int kernel, int dilation, int stride) {
  if (!known(in)) return kDynamic;
  const int64_t span = static_cast<int64_t>(dilation) * (kernel - 1) + 1;
  const int64_t padded = in + pad0 + pad1;
  if (padded < span) return 0;
  return (padded - span) / stride + 1;
}

int64_t conv_transpose_out(int64_t in, int pad0, int pad1, int kernel, int dilation, int stride, int output_pad) {
  if (!known(in)) return kDynamic;
  const int64_t full = (in - 1) * stride + static_cast<int64_t>(dilation) * (kernel - 1) + 1 + output_pad;
  return std::max<int64_t>(full - pad0 - pad1, 0);
}

int64_t pool_out(int64_t in, int pad0, int pad1, int kernel, int stride, bool ceil_mode) {
  if (!known(in)) return kDynamic;
  const int64_t span = in + pad0 + pad1 - kernel;
  if (span < 0) return 0;
  int64_t out = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
  // The last window must start inside the input or its leading padding (PyTorch, ONNX Runtime).
  if (ceil_mode && (out - 1) * stride >= in + pad0) --out;
  return out;
}

// floor(factor * d), where a product a hair under a whole number (1/3 * 9) still counts as it.
int64_t scaled(int64_t d, double factor) {
  const double v = static_cast<double>(d) * factor;
  const double r = std::round(v);
  return static_cast<int64_t>(std::fabs(v - r) < 1e-9 * std::max(1.0, std::fabs(v)) ? r : std::floor(v));
}

Result<Shape> infer_reshape(const Graph& g, const std::vector<Shape>& shapes, const Node& n) {
  const auto& a = n.attr<ReshapeAttrs>();
  const Shape& x = shapes[static_cast<size_t>(n.inputs[0])];
  std::vector<int64_t> out(a.dims.size(), kDynamic);
  int infer = -1;
  for (size_t i = 0; i < a.dims.size(); ++i) {
    const ReshapeDim& d = a.dims[i];
    if (d.kind == ReshapeDim::Fixed) {
      out[i] = d.value;
    } else if (d.kind == ReshapeDim::Infer) {
      infer = static_cast<int>(i);
    } else {
      const Shape& src = shapes[static_cast<size_t>(n.inputs[static_cast<size_t>(d.source)])];
      if (d.axis >= src.rank())
        return invalid_argument(label(n) + ": takes dimension " + std::to_string(d.axis) + " of '" +
                                g.tensors[static_cast<size_t>(n.inputs[static_cast<size_t>(d.source)])].name + "', which is " +
                                src.to_string());
      const int64_t v = src.dim(d.axis);
      out[i] = known(v) ? scaled(v, d.factor) : kDynamic;
    }
  }
  const bool in_known = x.is_static();
  int64_t product = 1;
  bool rest_known = true;
  for (size_t i = 0; i < out.size(); ++i) {
    if (static_cast<int>(i) == infer) continue;
    if (!known(out[i])) rest_known = false;
    else product *= out[i];
  }
  const std::string what = label(n) + ": cannot reshape " + x.to_string() + " to ";
  if (infer >= 0 && in_known && rest_known) {
    if (product == 0 || x.count() % product != 0) return invalid_argument(what + "a multiple of " + std::to_string(product));
    out[static_cast<size_t>(infer)] = x.count() / product;
  }
  const Shape result = Shape::of(out);
  if (in_known && result.is_static() && result.count() != x.count())
    return invalid_argument(what + result.to_string() + " (" + std::to_string(x.count()) + " values, " +
                            std::to_string(result.count()) + " places)");
  return result;
}

Result<Shape> infer_node(const Graph& g, const std::vector<Shape>& shapes, const Node& n) {
  auto in = [&](size_t k) -> const Shape& { return shapes[static_cast<size_t>(n.inputs[k])]; };
  if (n.op != OpType::Reshape && n.op != OpType::Transpose)
    for (size_t k = 0; k < n.inputs.size(); ++k)
      if (in(k).rank() != 4)
        return invalid_argument(label(n) + ": input '" + g.tensors[static_cast<size_t>(n.inputs[k])].name + "' is " +
                                in(k).to_string() + "; this operator takes rank-4 (NCHW) tensors");
  switch (n.op) {
    case OpType::Input:
      return shapes[static_cast<size_t>(n.outputs[0])];
    case OpType::Constant:
      return n.attr<ConstantAttrs>().shape;
    case OpType::Conv2d: {
      const auto& a = n.attr<Conv2dAttrs>();
      const Shape& x = in(0);
      if (known(x.c) && x.c != a.in_channels)
        return invalid_argument(label(n) + ": input '" + g.tensors[static_cast<size_t>(n.inputs[0])].name + "' has " +
                                std::to_string(x.c) + " channels, the convolution takes " + std::to_string(a.in_channels));
      Shape out{x.n, a.out_channels, conv_out(x.h, a.pad_top, a.pad_bottom, a.kernel_h, a.dilation_h, a.stride_h),
                conv_out(x.w, a.pad_left, a.pad_right, a.kernel_w, a.dilation_w, a.stride_w)};
      if (out.h == 0 || out.w == 0)
        return invalid_argument(label(n) + ": input " + x.to_string() + " is smaller than the " + std::to_string(a.kernel_h) +
                                "x" + std::to_string(a.kernel_w) + " kernel with its padding");
      if (a.has_residual) {
        Shape merged;
        if (!unify(out, in(1), merged))
          return invalid_argument(label(n) + ": residual " + in(1).to_string() + " is not the convolution's output " +
                                  out.to_string());
        return merged;
      }
      return out;
    }
    case OpType::ConvTranspose2d: {
      const auto& a = n.attr<ConvTranspose2dAttrs>();
      const Shape& x = in(0);
      if (known(x.c) && x.c != a.in_channels)
        return invalid_argument(label(n) + ": input has " + std::to_string(x.c) + " channels, the transposed convolution "
                                "takes " + std::to_string(a.in_channels));
      Shape out{x.n, a.out_channels,
                conv_transpose_out(x.h, a.pad_top, a.pad_bottom, a.kernel_h, a.dilation_h, a.stride_h, a.output_pad_h),
                conv_transpose_out(x.w, a.pad_left, a.pad_right, a.kernel_w, a.dilation_w, a.stride_w, a.output_pad_w)};
      if (out.h == 0 || out.w == 0)
        return invalid_argument(label(n) + ": input " + x.to_string() + " gives no output once the padding is cropped");
      return out;
    }
    case OpType::Activation:
      return in(0);
    case OpType::PRelu: {
      const Shape& x = in(0);
      const size_t slopes = n.weights[0].data.size();
      if (slopes != 1 && known(x.c) && static_cast<size_t>(x.c) != slopes)
        return invalid_argument(label(n) + ": " + std::to_string(slopes) + " slopes for a " + std::to_string(x.c) +
                                "-channel input");
      return x;
    }
    case OpType::Binary: {
      if (n.attr<BinaryAttrs>().with_scalar) return in(0);
      const Shape& a = in(0);
      const Shape& b = in(1);
      Shape out;
      if (!broadcast(a.n, b.n, out.n) || !broadcast(a.c, b.c, out.c) || !broadcast(a.h, b.h, out.h) ||
          !broadcast(a.w, b.w, out.w))
        return invalid_argument(label(n) + ": shapes " + a.to_string() + " and " + b.to_string() + " do not broadcast");
      return out;
    }
    case OpType::Eltwise: {
      Shape out = in(0);
      for (size_t k = 1; k < n.inputs.size(); ++k) {
        if (!unify(out, in(k), out))
          return invalid_argument(label(n) + ": input " + std::to_string(k) + " is " + in(k).to_string() + ", input 0 is " +
                                  in(0).to_string() + " (Eltwise needs equal shapes)");
      }
      return out;
    }
    case OpType::Concat: {
      Shape out = in(0);
      for (size_t k = 1; k < n.inputs.size(); ++k) {
        const Shape& b = in(k);
        if (!unify(out.n, b.n, out.n) || !unify(out.h, b.h, out.h) || !unify(out.w, b.w, out.w))
          return invalid_argument(label(n) + ": input " + std::to_string(k) + " is " + b.to_string() + ", input 0 is " +
                                  in(0).to_string() + " (concat along channels needs equal N, H, W)");
        out.c = known(out.c) && known(b.c) ? out.c + b.c : kDynamic;
      }
      return out;
    }
    case OpType::PixelShuffle: {
      const auto& a = n.attr<PixelShuffleAttrs>();
      const Shape& x = in(0);
      const int64_t ff = static_cast<int64_t>(a.factor) * a.factor;
      if (known(x.c) && x.c % ff != 0)
        return invalid_argument(label(n) + ": " + std::to_string(x.c) + " channels do not divide by " +
                                std::to_string(a.factor) + "x" + std::to_string(a.factor));
      return Shape{x.n, known(x.c) ? x.c / ff : kDynamic, known(x.h) ? x.h * a.factor : kDynamic,
                   known(x.w) ? x.w * a.factor : kDynamic};
    }
    case OpType::SpaceToDepth: {
      const auto& a = n.attr<SpaceToDepthAttrs>();
      const Shape& x = in(0);
      const Shape out{x.n, known(x.c) ? x.c * a.block * a.block : kDynamic, known(x.h) ? x.h / a.block : kDynamic,
                      known(x.w) ? x.w / a.block : kDynamic};
      if (out.h == 0 || out.w == 0)
        return invalid_argument(label(n) + ": input " + x.to_string() + " is smaller than a " + std::to_string(a.block) +
                                "x" + std::to_string(a.block) + " block");
      return out;
    }
    case OpType::Resize: {
      const auto& a = n.attr<ResizeAttrs>();
      const Shape& x = in(0);
      Shape out = x;
      if (a.out_h > 0 && a.out_w > 0) {
        out.h = a.out_h;
        out.w = a.out_w;
      } else {
        // int(h * scale) with the product in float, as ncnn and ONNX Runtime compute it (10 x 0.7f
        // rounds to 7 in float; in double it stays below and would floor to 6).
        const auto scaled = [](int64_t d, float s) {
          return static_cast<int64_t>(std::floor(static_cast<float>(d) * s));
        };
        out.h = known(x.h) ? scaled(x.h, a.scale_h) : kDynamic;
        out.w = known(x.w) ? scaled(x.w, a.scale_w) : kDynamic;
      }
      if (out.h == 0 || out.w == 0) return invalid_argument(label(n) + ": input " + x.to_string() + " resizes to nothing");
      return out;
    }
    case OpType::BatchNorm:
    case OpType::InstanceNorm: {
      const Shape& x = in(0);
      const size_t channels = n.weights[0].data.size();
      if (known(x.c) && static_cast<size_t>(x.c) != channels)
        return invalid_argument(label(n) + ": " + std::to_string(channels) + " channels of parameters for a " +
                                std::to_string(x.c) + "-channel input");
      return x;
    }
    case OpType::Slice: {
      const auto& a = n.attr<SliceAttrs>();
      const Shape& x = in(0);
      int64_t* dims[3] = {nullptr, nullptr, nullptr};
      Shape out = x;
      dims[0] = &out.c;
      dims[1] = &out.h;
      dims[2] = &out.w;
      const Shape* ref = a.has_reference() ? &in(1) : nullptr;
      const int64_t ref_dims[3] = {ref ? ref->c : kDynamic, ref ? ref->h : kDynamic, ref ? ref->w : kDynamic};
      for (int k = 0; k < 3; ++k) {
        int64_t end = a.end[k];
        if (a.to_reference[k]) {
          if (!known(ref_dims[k]) || !known(*dims[k])) {
            *dims[k] = kDynamic;
            continue;
          }
          end = a.begin[k] + ref_dims[k] * a.reference_scale;
        }
        if (!known(*dims[k])) continue;  // how much is left depends on the size at run time
        const SliceRange r = resolve_slice(a.begin[k], end, *dims[k]);
        if (r.length == 0)
          return invalid_argument(label(n) + ": slices nothing out of " + x.to_string() + " (axis " + "chw"[k] + " " +
                                  std::to_string(a.begin[k]) + ":" + std::to_string(a.end[k]) + ")");
        *dims[k] = r.length;
      }
      return out;
    }
    case OpType::Pad: {
      const auto& a = n.attr<PadAttrs>();
      const Shape& x = in(0);
      if (a.mode == PadMode::Reflect && ((known(x.h) && (a.top >= x.h || a.bottom >= x.h)) ||
                                         (known(x.w) && (a.left >= x.w || a.right >= x.w))))
        return invalid_argument(label(n) + ": reflect padding " + std::to_string(a.top) + "," + std::to_string(a.left) + "," +
                                std::to_string(a.bottom) + "," + std::to_string(a.right) + " needs an input larger than " +
                                "the padding, got " + x.to_string());
      const auto aligned = [](int64_t v, int m) { return (v + m - 1) / m * m; };
      const int64_t h = known(x.h) ? aligned(x.h + a.top + a.bottom, a.align_h) : kDynamic;
      const int64_t w = known(x.w) ? aligned(x.w + a.left + a.right, a.align_w) : kDynamic;
      if (a.mode == PadMode::Reflect && ((known(h) && h - x.h - a.top >= x.h) || (known(w) && w - x.w - a.left >= x.w)))
        return invalid_argument(label(n) + ": reflect padding with alignment needs an input larger than the padding, got " +
                                x.to_string());
      return Shape{x.n, x.c, h, w};
    }
    case OpType::Gemm: {
      const auto& a = n.attr<GemmAttrs>();
      const Shape& x = in(0);
      if (known(x.c) && x.c != a.in_features)
        return invalid_argument(label(n) + ": input " + x.to_string() + " has " + std::to_string(x.c) +
                                " features, the layer takes " + std::to_string(a.in_features));
      return Shape{x.n, a.out_features, x.h, x.w};
    }
    case OpType::Reduce: {
      const auto& a = n.attr<ReduceAttrs>();
      Shape out = in(0);
      if (a.channels) out.c = 1;
      if (a.rows) out.h = 1;
      if (a.columns) out.w = 1;
      return out;
    }
    case OpType::Pool2d: {
      const auto& a = n.attr<Pool2dAttrs>();
      const Shape& x = in(0);
      const Shape out{x.n, x.c, pool_out(x.h, a.pad_top, a.pad_bottom, a.kernel_h, a.stride_h, a.ceil_mode),
                      pool_out(x.w, a.pad_left, a.pad_right, a.kernel_w, a.stride_w, a.ceil_mode)};
      if (out.h == 0 || out.w == 0)
        return invalid_argument(label(n) + ": input " + x.to_string() + " is smaller than the " + std::to_string(a.kernel_h) +
                                "x" + std::to_string(a.kernel_w) + " window with its padding");
      return out;
    }
    case OpType::Reshape:
      return infer_reshape(g, shapes, n);
    case OpType::Transpose: {
      const auto& p = n.attr<TransposeAttrs>().perm;
      const Shape& x = in(0);
      if (static_cast<int>(p.size()) != x.rank())
        return invalid_argument(label(n) + ": a permutation of " + std::to_string(p.size()) + " dimensions for " +
                                x.to_string());
      std::vector<int64_t> out(p.size());
      for (size_t i = 0; i < p.size(); ++i) out[i] = x.dim(p[i]);
      return Shape::of(out);
    }
  }
  return internal_error(label(n) + ": no shape rule");
}

}  // namespace

Result<std::vector<Shape>> compute_shapes(const Graph& g, const std::vector<Shape>& input_shapes) {
  CALDERA_RETURN_IF_ERROR(validate(g));
  if (input_shapes.size() != g.inputs.size())
    return invalid_argument("graph has " + std::to_string(g.inputs.size()) + " inputs, " +
                            std::to_string(input_shapes.size()) + " shapes given");
  std::vector<Shape> shapes;
  shapes.reserve(g.tensors.size());
  for (const Tensor& t : g.tensors) shapes.push_back(t.shape);
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const Tensor& t = g.tensors[static_cast<size_t>(g.inputs[i])];
    const Shape& want = input_shapes[i];
    if (want.rank() != 4 || t.shape.rank() != 4)
      return invalid_argument("input '" + t.name + "': graph inputs are rank-4 (NCHW) tensors");
    // A graph input that declares a dimension keeps it: feeding another size is an error.
    Shape merged;
    const int64_t have[4] = {t.shape.n, t.shape.c, t.shape.h, t.shape.w};
    const int64_t given[4] = {want.n, want.c, want.h, want.w};
    int64_t* out[4] = {&merged.n, &merged.c, &merged.h, &merged.w};
    static const char* const dim_names[4] = {"batch", "channels", "height", "width"};
    for (int d = 0; d < 4; ++d) {
      // The batch is never fixed by an importer's declaration: any batch runs.
      if (d > 0 && known(have[d]) && known(given[d]) && have[d] != given[d])
        return invalid_argument("input '" + t.name + "' takes " + std::to_string(have[d]) + " " + dim_names[d] +
                                ", given " + std::to_string(given[d]));
      *out[d] = known(given[d]) ? given[d] : have[d];
    }
    shapes[static_cast<size_t>(g.inputs[i])] = merged;
  }
  for (const Node& n : g.nodes) {
    auto shape = infer_node(g, shapes, n);
    if (!shape) return shape.status();
    shapes[static_cast<size_t>(n.outputs[0])] = std::move(*shape);
  }
  return shapes;
}

Status infer_shapes(Graph& g) {
  std::vector<Shape> inputs;
  for (int t : g.inputs) inputs.push_back(g.tensors[static_cast<size_t>(t)].shape);
  CALDERA_ASSIGN_OR_RETURN(std::vector<Shape> shapes, compute_shapes(g, inputs));
  for (size_t i = 0; i < shapes.size(); ++i) g.tensors[i].shape = shapes[i];
  return Status::ok();
}

}  // namespace caldera::nn::ir
