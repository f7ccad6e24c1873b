// CudaSession creation: the graph becomes a list of steps, the weights are converted and
// uploaded. (Planning per input shape is in cuda_plan.cpp, running in cuda_steps.cpp.)
#include "nn/cuda/cuda_session.hpp"

#include <algorithm>
#include <cstring>

#include "caldera/half.hpp"
#include "core/cuda_check.hpp"

namespace caldera::nn::cuda {
namespace {

constexpr size_t kAlign = 256;
size_t align_up(size_t b) { return (b + kAlign - 1) / kAlign * kAlign; }

std::string label(const ir::Node& n) { return std::string(ir::op_type_name(n.op)) + " node '" + n.name + "'"; }

// OIHW-style f32 weights [k][c][kh][kw] -> KRSC f16 [k][kh][kw][c].
void to_krsc(const std::vector<float>& w, int k_count, int c_count, int kh, int kw, uint16_t* dst) {
  for (int o = 0; o < k_count; ++o)
    for (int y = 0; y < kh; ++y)
      for (int x = 0; x < kw; ++x)
        for (int c = 0; c < c_count; ++c)
          dst[((static_cast<size_t>(o) * kh + y) * kw + x) * c_count + c] =
              float_to_half(w[((static_cast<size_t>(o) * c_count + c) * kh + y) * kw + x]);
}

}  // namespace

Result<std::unique_ptr<CudaSession>> CudaSession::create(const ir::Graph& graph, StreamHandle stream,
                                                         const SessionOptions& options) {
  std::unique_ptr<CudaSession> s(new CudaSession(graph, stream, options));
  CALDERA_ASSIGN_OR_RETURN(s->handle_, make_cudnn_handle(s->stream_));
  CALDERA_RETURN_IF_ERROR(s->build(graph));
  CALDERA_RETURN_IF_ERROR(s->upload_weights());
  return s;
}

// Steps in graph order; a convolution whose only reader is an activation or PReLU takes it as
// its epilogue and writes that layer's output directly. Constant nodes make no step: their
// values live in the weight buffer.
Status CudaSession::build(const ir::Graph& g) {
  std::vector<int> readers(g.tensors.size(), 0), reader_node(g.tensors.size(), -1);
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (int t : g.nodes[i].inputs) {
      ++readers[static_cast<size_t>(t)];
      reader_node[static_cast<size_t>(t)] = static_cast<int>(i);
    }
  std::vector<bool> is_output(g.tensors.size(), false);
  for (int t : g.outputs) is_output[static_cast<size_t>(t)] = true;

  params_.assign(g.nodes.size(), NodeParams{});
  std::vector<bool> absorbed(g.nodes.size(), false);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const ir::Node& n = g.nodes[i];
    // NHWC holds rank-4 tensors only; the pixel_shuffle pass removes the 6-D chains exporters
    // write for a pixel shuffle.
    for (int t : n.outputs)
      if (g.tensors[static_cast<size_t>(t)].shape.rank() != 4)
        return unsupported(label(n) + ": makes the rank-" + std::to_string(g.tensors[static_cast<size_t>(t)].shape.rank()) +
                           " tensor '" + g.tensors[static_cast<size_t>(t)].name +
                           "'; the CUDA runtime runs rank-4 tensors (a Reshape -> Transpose -> Reshape pixel shuffle "
                           "becomes one PixelShuffle when the passes are on)");
    if (n.op == ir::OpType::Input || absorbed[i]) continue;
    if (n.op == ir::OpType::Constant) {
      params_[i].a = 0;  // marks: upload its values
      continue;
    }
    Step st;
    st.node = &n;
    st.in = n.inputs;
    st.out = n.outputs[0];
    if (n.op == ir::OpType::Conv2d) {
      ConvLayer layer;
      layer.name = n.name;
      layer.attrs = n.attr<ir::Conv2dAttrs>();
      CALDERA_RETURN_IF_ERROR(layer.init());
      st.conv = static_cast<int>(convs_.size());
      st.act = layer.attrs.activation;
      if (layer.attrs.has_residual) {
        st.residual = n.inputs[1];
        // Without an activation of its own the order does not matter, and an absorbed one
        // below reads the sum.
        st.residual_first = layer.attrs.residual_before_activation || st.act.kind == ir::ActivationKind::None;
      }
      convs_.push_back(std::move(layer));
      conv_node_.push_back(static_cast<int>(i));
      const size_t t = static_cast<size_t>(st.out);
      const int next = reader_node[t];
      if (readers[t] == 1 && !is_output[t] && next > static_cast<int>(i)) {
        const ir::Node& r = g.nodes[static_cast<size_t>(next)];
        const bool prelu = r.op == ir::OpType::PRelu;
        const bool act = r.op == ir::OpType::Activation && st.act.kind == ir::ActivationKind::None;
        if (prelu || act) {
          if (act) st.act = r.attr<ir::ActivationAttrs>();
          if (prelu) params_[static_cast<size_t>(next)].a = 0;  // marks: upload its slopes
          st.slope_count = prelu ? static_cast<int>(r.weights[0].data.size()) : 0;
          st.out = r.outputs[0];
          absorbed[static_cast<size_t>(next)] = true;  // its slopes pointer is set after the upload
        }
      }
    } else if (n.op == ir::OpType::ConvTranspose2d) {
      const auto& a = n.attr<ir::ConvTranspose2dAttrs>();
      ConvLayer layer = ConvLayer::transposed_of(n.name, a);
      CALDERA_RETURN_IF_ERROR(layer.init());
      st.conv = static_cast<int>(convs_.size());
      st.act = a.activation;
      convs_.push_back(std::move(layer));
      conv_node_.push_back(static_cast<int>(i));
    } else if (n.op == ir::OpType::PRelu) {
      params_[i].a = 0;
      st.slope_count = static_cast<int>(n.weights[0].data.size());
    } else if (n.op == ir::OpType::Gemm || n.op == ir::OpType::InstanceNorm) {
      params_[i].a = 0;
    } else if (n.op == ir::OpType::BatchNorm) {
      return unsupported(label(n) + ": the CUDA runtime runs BatchNorm only folded into a convolution (the "
                                    "fold_batchnorm pass, on unless the model was loaded with passes off)");
    } else if (n.op == ir::OpType::Eltwise) {
      if (n.inputs.size() > static_cast<size_t>(kMaxEltwiseInputs))
        return unsupported(label(n) + ": " + std::to_string(n.inputs.size()) + " inputs (the CUDA runtime takes up to " +
                           std::to_string(kMaxEltwiseInputs) + ")");
    } else if (n.op == ir::OpType::Reshape || n.op == ir::OpType::Slice) {
      st.in = {n.inputs[0]};  // the other inputs (a Slice's reference) only lend their shapes
    }
    steps_.push_back(std::move(st));
  }
  return Status::ok();
}

Status CudaSession::upload_weights() {
  const ir::Graph& g = *g_;
  // Layout: per convolution KRSC f16 weights, f32 bias, f16 bias; per node its parameters.
  struct ConvOffsets {
    size_t w, b32, b16;
  };
  std::vector<ConvOffsets> off(convs_.size());
  size_t total = 0;
  for (size_t k = 0; k < convs_.size(); ++k) {
    const ir::Conv2dAttrs& a = convs_[k].attrs;
    const size_t bias_count = static_cast<size_t>(convs_[k].transposed ? a.in_channels : a.out_channels);
    const size_t wcount = static_cast<size_t>(a.out_channels) * (a.in_channels / a.groups) * a.kernel_h * a.kernel_w;
    off[k].w = total;
    total = align_up(total + wcount * 2);
    off[k].b32 = total;
    total = align_up(total + bias_count * 4);
    off[k].b16 = total;
    total = align_up(total + bias_count * 2);
  }
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (params_[i].a == kNone) continue;
    const ir::Node& n = g.nodes[i];
    params_[i].a = total;
    if (n.op == ir::OpType::Constant) {
      total = align_up(total + n.weights[0].data.size() * 2);  // f16
      continue;
    }
    total = align_up(total + n.weights[0].data.size() * 4);
    if (n.weights.size() > 1) {
      params_[i].b = total;
      total = align_up(total + n.weights[1].data.size() * 4);
    }
  }
  std::vector<uint8_t> host(std::max<size_t>(total, 1), 0);
  for (size_t k = 0; k < convs_.size(); ++k) {
    const ir::Node& n = g.nodes[static_cast<size_t>(conv_node_[k])];
    const ir::Conv2dAttrs& a = convs_[k].attrs;
    // Forward: [out][in/g][kh][kw]; transposed: [in][out/g][kh][kw] - both [K][C][kh][kw].
    to_krsc(n.weights[0].data, a.out_channels, a.in_channels / a.groups, a.kernel_h, a.kernel_w,
            reinterpret_cast<uint16_t*>(host.data() + off[k].w));
    if (a.has_bias) {
      const std::vector<float>& b = n.weights[1].data;
      std::memcpy(host.data() + off[k].b32, b.data(), b.size() * 4);
      auto* b16 = reinterpret_cast<uint16_t*>(host.data() + off[k].b16);
      for (size_t j = 0; j < b.size(); ++j) b16[j] = float_to_half(b[j]);
    }
  }
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (params_[i].a == kNone) continue;
    const ir::Node& n = g.nodes[i];
    if (n.op == ir::OpType::Constant) {
      const ir::Shape& s = n.attr<ir::ConstantAttrs>().shape;
      const std::vector<float>& v = n.weights[0].data;
      auto* dst = reinterpret_cast<uint16_t*>(host.data() + params_[i].a);
      for (int64_t b = 0; b < s.n; ++b)
        for (int64_t c = 0; c < s.c; ++c)
          for (int64_t y = 0; y < s.h; ++y)
            for (int64_t x = 0; x < s.w; ++x)
              dst[static_cast<size_t>(((b * s.h + y) * s.w + x) * s.c + c)] =
                  float_to_half(v[static_cast<size_t>(((b * s.c + c) * s.h + y) * s.w + x)]);
      continue;
    }
    std::memcpy(host.data() + params_[i].a, n.weights[0].data.data(), n.weights[0].data.size() * 4);
    if (params_[i].b != kNone) std::memcpy(host.data() + params_[i].b, n.weights[1].data.data(), n.weights[1].data.size() * 4);
  }
  CALDERA_ASSIGN_OR_RETURN(weights_, DeviceBuffer::allocate(host.size(), stream_));
  CALDERA_CUDA_TRY(cudaMemcpyAsync(weights_.data(), host.data(), host.size(), cudaMemcpyHostToDevice, stream_));
  CALDERA_CUDA_TRY(cudaStreamSynchronize(stream_));  // `host` is freed on return

  auto* base = static_cast<uint8_t*>(weights_.data());
  for (size_t k = 0; k < convs_.size(); ++k) {
    convs_[k].weight = reinterpret_cast<const half_t*>(base + off[k].w);
    convs_[k].bias32 = convs_[k].attrs.has_bias ? reinterpret_cast<const float*>(base + off[k].b32) : nullptr;
    convs_[k].bias16 = reinterpret_cast<const half_t*>(base + off[k].b16);
  }
  // Slopes: a PRelu step reads its own node's; a convolution that absorbed a PReLU reads its reader's.
  for (Step& st : steps_) {
    if (st.node->op == ir::OpType::PRelu) {
      st.slopes = param_f32(static_cast<int>(st.node - g.nodes.data()), false);
    } else if (st.conv >= 0 && st.slope_count > 0) {
      st.slopes = param_f32(g.tensors[static_cast<size_t>(st.out)].producer, false);
    }
  }
  return Status::ok();
}

const float* CudaSession::param_f32(int node, bool second) const {
  const NodeParams& p = params_[static_cast<size_t>(node)];
  const size_t o = second ? p.b : p.a;
  if (o == kNone) return nullptr;
  return reinterpret_cast<const float*>(static_cast<const uint8_t*>(weights_.data()) + o);
}

}  // namespace caldera::nn::cuda
