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

Result<Shape> infer_node(const Graph& g, const std::vector<Shape>& shapes, const Node& n) {
  auto in = [&](size_t k) -> const Shape& { return shapes[static_cast<size_t>(n.inputs[k])]; };
  switch (n.op) {
    case OpType::Input:
      return shapes[static_cast<size_t>(n.outputs[0])];
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
        const Shape& b = in(k);
        if (!unify(out.n, b.n, out.n) || !unify(out.c, b.c, out.c) || !unify(out.h, b.h, out.h) ||
            !unify(out.w, b.w, out.w))
          return invalid_argument(label(n) + ": input " + std::to_string(k) + " is " + b.to_string() + ", input 0 is " +
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
    case OpType::Resize: {
      const auto& a = n.attr<ResizeAttrs>();
      const Shape& x = in(0);
      Shape out = x;
      if (a.out_h > 0 && a.out_w > 0) {
        out.h = a.out_h;
        out.w = a.out_w;
      } else {
        // ncnn computes int(h * scale) in float; floor of the product in double matches it for
        // every size a frame has.
        out.h = known(x.h) ? static_cast<int64_t>(std::floor(static_cast<double>(x.h) * a.scale_h)) : kDynamic;
        out.w = known(x.w) ? static_cast<int64_t>(std::floor(static_cast<double>(x.w) * a.scale_w)) : kDynamic;
      }
      if (out.h == 0 || out.w == 0) return invalid_argument(label(n) + ": input " + x.to_string() + " resizes to nothing");
      return out;
    }
    case OpType::BatchNorm: {
      const Shape& x = in(0);
      const size_t channels = n.weights[0].data.size();
      if (known(x.c) && static_cast<size_t>(x.c) != channels)
        return invalid_argument(label(n) + ": " + std::to_string(channels) + " channels of statistics for a " +
                                std::to_string(x.c) + "-channel input");
      return x;
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
    shapes[static_cast<size_t>(n.outputs[0])] = *shape;
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
