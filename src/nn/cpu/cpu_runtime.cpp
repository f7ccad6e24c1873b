#include "nn/cpu/cpu_runtime.hpp"

#include <algorithm>
#include <limits>

#include "nn/cpu/cpu_kernels.hpp"

namespace caldera::nn::cpu {
namespace {

// Refuse tensors whose element count does not fit comfortably (and would make int indexing in
// the kernels overflow) instead of attempting a huge allocation.
constexpr int64_t kMaxElements = int64_t{1} << 34;
constexpr int64_t kMaxDim = std::numeric_limits<int>::max() / 4;

Result<Dims> to_dims(const ir::Shape& s, const std::string& what) {
  if (!s.is_static()) return internal_error(what + ": shape " + s.to_string() + " is not known at run time");
  if (s.n <= 0 || s.c <= 0 || s.h <= 0 || s.w <= 0 || s.n > kMaxDim || s.c > kMaxDim || s.h > kMaxDim || s.w > kMaxDim ||
      s.count() > kMaxElements)
    return invalid_argument(what + ": shape " + s.to_string() + " is empty or too large");
  return Dims{static_cast<int>(s.n), static_cast<int>(s.c), static_cast<int>(s.h), static_cast<int>(s.w)};
}

std::string label(const ir::Node& n) { return std::string(ir::op_type_name(n.op)) + " node '" + n.name + "'"; }

// Reshape and Transpose take tensors of any rank; their data is the row-major values.
bool any_rank(ir::OpType op) { return op == ir::OpType::Reshape || op == ir::OpType::Transpose; }

Status check_count(const ir::Shape& s, const std::string& what) {
  if (!s.is_static()) return internal_error(what + ": shape " + s.to_string() + " is not known at run time");
  for (int i = 0; i < s.rank(); ++i)
    if (s.dim(i) <= 0 || s.dim(i) > kMaxDim) return invalid_argument(what + ": shape " + s.to_string() + " is empty or too large");
  if (s.count() > kMaxElements) return invalid_argument(what + ": shape " + s.to_string() + " is too large");
  return Status::ok();
}

}  // namespace

Status run_graph(const ir::Graph& g, const std::vector<const float*>& inputs, const std::vector<ir::Shape>& input_shapes,
                 std::vector<HostTensor>& outputs, int threads) {
  if (inputs.size() != g.inputs.size())
    return invalid_argument("graph '" + g.name + "' takes " + std::to_string(g.inputs.size()) + " inputs, given " +
                            std::to_string(inputs.size()));
  for (size_t i = 0; i < inputs.size(); ++i)
    if (!inputs[i]) return invalid_argument("input " + std::to_string(i) + " is null");
  CALDERA_ASSIGN_OR_RETURN(std::vector<ir::Shape> shapes, ir::compute_shapes(g, input_shapes));
  const size_t tensor_count = g.tensors.size();

  // Last node reading each tensor; graph outputs live to the end.
  std::vector<int> last_use(tensor_count, -1);
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (int t : g.nodes[i].inputs) last_use[static_cast<size_t>(t)] = static_cast<int>(i);
  for (int t : g.outputs) last_use[static_cast<size_t>(t)] = std::numeric_limits<int>::max();

  std::vector<std::vector<float>> owned(tensor_count);
  std::vector<const float*> data(tensor_count, nullptr);
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const int t = g.inputs[i];
    CALDERA_ASSIGN_OR_RETURN(Dims d, to_dims(shapes[static_cast<size_t>(t)], "input '" + g.tensors[static_cast<size_t>(t)].name + "'"));
    (void)d;
    data[static_cast<size_t>(t)] = inputs[i];
  }

  for (size_t ni = 0; ni < g.nodes.size(); ++ni) {
    const ir::Node& n = g.nodes[ni];
    if (n.op == ir::OpType::Input) continue;
    const int out_t = n.outputs[0];
    const ir::Shape& out_shape = shapes[static_cast<size_t>(out_t)];
    Dims od;
    if (any_rank(n.op)) {
      CALDERA_RETURN_IF_ERROR(check_count(out_shape, label(n)));
    } else {
      CALDERA_ASSIGN_OR_RETURN(od, to_dims(out_shape, label(n)));
    }
    std::vector<Dims> in_dims;
    std::vector<const float*> in_data;
    for (int t : n.inputs) {
      if (any_rank(n.op)) {
        CALDERA_RETURN_IF_ERROR(check_count(shapes[static_cast<size_t>(t)], label(n)));
        in_dims.push_back(Dims{});
      } else {
        CALDERA_ASSIGN_OR_RETURN(Dims d, to_dims(shapes[static_cast<size_t>(t)], label(n)));
        in_dims.push_back(d);
      }
      in_data.push_back(data[static_cast<size_t>(t)]);
      if (!in_data.back()) return internal_error(label(n) + ": input '" + g.tensors[static_cast<size_t>(t)].name + "' has no data");
    }
    std::vector<float> out;
    try {
      out.resize(static_cast<size_t>(out_shape.count()));
    } catch (const std::bad_alloc&) {
      return out_of_memory(label(n) + ": cannot allocate " + shapes[static_cast<size_t>(out_t)].to_string() + " floats");
    }

    switch (n.op) {
      case ir::OpType::Conv2d: {
        const auto& a = n.attr<ir::Conv2dAttrs>();
        conv2d(in_data[0], in_dims[0], out.data(), od, a, n.weights[0].data.data(),
               a.has_bias ? n.weights[1].data.data() : nullptr, a.has_residual ? in_data[1] : nullptr, threads);
        break;
      }
      case ir::OpType::ConvTranspose2d: {
        const auto& a = n.attr<ir::ConvTranspose2dAttrs>();
        conv_transpose2d(in_data[0], in_dims[0], out.data(), od, a, n.weights[0].data.data(),
                         a.has_bias ? n.weights[1].data.data() : nullptr, threads);
        break;
      }
      case ir::OpType::InstanceNorm:
        std::copy(in_data[0], in_data[0] + od.count(), out.begin());
        instance_norm(out.data(), od, n.weights[0].data.data(), n.weights[1].data.data(),
                      n.attr<ir::InstanceNormAttrs>().epsilon, threads);
        break;
      case ir::OpType::Slice: slice(in_data[0], in_dims[0], out.data(), od, n.attr<ir::SliceAttrs>()); break;
      case ir::OpType::Pad: pad(in_data[0], in_dims[0], out.data(), od, n.attr<ir::PadAttrs>(), threads); break;
      case ir::OpType::SpaceToDepth: {
        const auto& a = n.attr<ir::SpaceToDepthAttrs>();
        space_to_depth(in_data[0], in_dims[0], out.data(), od, a.block, a.mode, threads);
        break;
      }
      case ir::OpType::Gemm: {
        const auto& a = n.attr<ir::GemmAttrs>();
        gemm(in_data[0], in_dims[0], out.data(), od, a, n.weights[0].data.data(),
             a.has_bias ? n.weights[1].data.data() : nullptr, threads);
        break;
      }
      case ir::OpType::Reduce: reduce(in_data[0], in_dims[0], out.data(), od, n.attr<ir::ReduceAttrs>(), threads); break;
      case ir::OpType::Pool2d: pool2d(in_data[0], in_dims[0], out.data(), od, n.attr<ir::Pool2dAttrs>(), threads); break;
      case ir::OpType::Reshape: std::copy(in_data[0], in_data[0] + out.size(), out.begin()); break;
      case ir::OpType::Transpose:
        transpose(in_data[0], shapes[static_cast<size_t>(n.inputs[0])].dims(), out.data(), n.attr<ir::TransposeAttrs>().perm);
        break;
      case ir::OpType::Constant: {
        const std::vector<float>& v = n.weights[0].data;
        std::copy(v.begin(), v.end(), out.begin());
        break;
      }
      case ir::OpType::Activation:
        std::copy(in_data[0], in_data[0] + od.count(), out.begin());
        activation(out.data(), out.size(), n.attr<ir::ActivationAttrs>(), threads);
        break;
      case ir::OpType::PRelu:
        std::copy(in_data[0], in_data[0] + od.count(), out.begin());
        prelu(out.data(), od, n.weights[0].data.data(), n.weights[0].data.size(), threads);
        break;
      case ir::OpType::Binary: {
        const auto& a = n.attr<ir::BinaryAttrs>();
        if (a.with_scalar) binary_scalar(in_data[0], out.data(), out.size(), a.kind, a.scalar, threads);
        else binary(in_data[0], in_dims[0], in_data[1], in_dims[1], out.data(), od, a.kind, threads);
        break;
      }
      case ir::OpType::Eltwise: eltwise(in_data, out.data(), out.size(), n.attr<ir::EltwiseAttrs>(), threads); break;
      case ir::OpType::Concat: concat_channels(in_data, in_dims, out.data(), od); break;
      case ir::OpType::PixelShuffle: {
        const auto& a = n.attr<ir::PixelShuffleAttrs>();
        pixel_shuffle(in_data[0], in_dims[0], out.data(), od, a.factor, a.mode, threads);
        break;
      }
      case ir::OpType::Resize: resize(in_data[0], in_dims[0], out.data(), od, n.attr<ir::ResizeAttrs>(), threads); break;
      case ir::OpType::BatchNorm:
        std::copy(in_data[0], in_data[0] + od.count(), out.begin());
        batch_norm(out.data(), od, n.weights[0].data.data(), n.weights[1].data.data(), n.weights[2].data.data(),
                   n.weights[3].data.data(), n.attr<ir::BatchNormAttrs>().epsilon, threads);
        break;
      case ir::OpType::Input: break;
    }
    owned[static_cast<size_t>(out_t)] = std::move(out);
    data[static_cast<size_t>(out_t)] = owned[static_cast<size_t>(out_t)].data();

    // Free what no later node reads.
    for (int t : n.inputs)
      if (last_use[static_cast<size_t>(t)] == static_cast<int>(ni) && !owned[static_cast<size_t>(t)].empty()) {
        std::vector<float>().swap(owned[static_cast<size_t>(t)]);
        data[static_cast<size_t>(t)] = nullptr;
      }
  }

  outputs.clear();
  for (int t : g.outputs) {
    HostTensor h;
    h.shape = shapes[static_cast<size_t>(t)];
    if (!owned[static_cast<size_t>(t)].empty()) {
      h.data = std::move(owned[static_cast<size_t>(t)]);
    } else {
      // A graph output that is also an input (or read twice as an output): copy it.
      const float* p = data[static_cast<size_t>(t)];
      if (!p) return internal_error("output '" + g.tensors[static_cast<size_t>(t)].name + "' has no data");
      h.data.assign(p, p + h.shape.count());
    }
    outputs.push_back(std::move(h));
  }
  return Status::ok();
}

}  // namespace caldera::nn::cpu
