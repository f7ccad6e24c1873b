#include "nn/cuda/cuda_session.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include "caldera/half.hpp"
#include "core/cuda_check.hpp"
#include "nn/plan/memory_plan.hpp"

namespace caldera::nn::cuda {
namespace {

constexpr size_t kAlign = 256;
size_t align_up(size_t b) { return (b + kAlign - 1) / kAlign * kAlign; }

std::string label(const ir::Node& n) { return std::string(ir::op_type_name(n.op)) + " node '" + n.name + "'"; }

Result<Nhwc> to_nhwc(const ir::Shape& s, const std::string& what) {
  constexpr int64_t kMaxDim = std::numeric_limits<int>::max() / 8;
  if (!s.is_static() || s.n <= 0 || s.c <= 0 || s.h <= 0 || s.w <= 0 || s.n > kMaxDim || s.c > kMaxDim ||
      s.h > kMaxDim || s.w > kMaxDim || s.count() > (int64_t{1} << 36))
    return invalid_argument(what + ": shape " + s.to_string() + " is unknown, empty or too large");
  return Nhwc{static_cast<int>(s.n), static_cast<int>(s.h), static_cast<int>(s.w), static_cast<int>(s.c)};
}

bool elementwise(ir::OpType op) {
  return op == ir::OpType::Activation || op == ir::OpType::PRelu || op == ir::OpType::Binary ||
         op == ir::OpType::Eltwise;
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
// its epilogue and writes that layer's output directly.
Status CudaSession::build(const ir::Graph& g) {
  std::vector<int> readers(g.tensors.size(), 0), reader_node(g.tensors.size(), -1);
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (int t : g.nodes[i].inputs) {
      ++readers[static_cast<size_t>(t)];
      reader_node[static_cast<size_t>(t)] = static_cast<int>(i);
    }
  std::vector<bool> is_output(g.tensors.size(), false);
  for (int t : g.outputs) is_output[static_cast<size_t>(t)] = true;

  node_slopes_.assign(g.nodes.size(), -1);
  std::vector<bool> absorbed(g.nodes.size(), false);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const ir::Node& n = g.nodes[i];
    if (n.op == ir::OpType::Input || absorbed[i]) continue;
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
          if (prelu) node_slopes_[static_cast<size_t>(next)] = 0;  // marks: upload its slopes
          st.slope_count = prelu ? static_cast<int>(r.weights[0].data.size()) : 0;
          st.out = r.outputs[0];
          absorbed[static_cast<size_t>(next)] = true;  // its slopes pointer is set after the upload
        }
      }
    } else if (n.op == ir::OpType::PRelu) {
      node_slopes_[i] = 0;
      st.slope_count = static_cast<int>(n.weights[0].data.size());
    } else if (n.op == ir::OpType::BatchNorm) {
      return unsupported(label(n) + ": the CUDA runtime runs BatchNorm only folded into a convolution (the "
                                    "fold_batchnorm pass, on unless the model was loaded with passes off)");
    } else if (n.op == ir::OpType::Eltwise) {
      if (n.inputs.size() > static_cast<size_t>(kMaxEltwiseInputs))
        return unsupported(label(n) + ": " + std::to_string(n.inputs.size()) + " inputs (the CUDA runtime takes up to " +
                           std::to_string(kMaxEltwiseInputs) + ")");
    }
    steps_.push_back(std::move(st));
  }
  return Status::ok();
}

Status CudaSession::upload_weights() {
  const ir::Graph& g = *g_;
  // Layout: per convolution KRSC f16 weights, f32 bias, f16 bias; per PReLU its f32 slopes.
  struct ConvOffsets {
    size_t w, b32, b16;
  };
  std::vector<ConvOffsets> off(convs_.size());
  size_t total = 0;
  for (size_t k = 0; k < convs_.size(); ++k) {
    const ir::Conv2dAttrs& a = convs_[k].attrs;
    const size_t wcount = static_cast<size_t>(a.out_channels) * (a.in_channels / a.groups) * a.kernel_h * a.kernel_w;
    off[k].w = total;
    total = align_up(total + wcount * 2);
    off[k].b32 = total;
    total = align_up(total + static_cast<size_t>(a.out_channels) * 4);
    off[k].b16 = total;
    total = align_up(total + static_cast<size_t>(a.out_channels) * 2);
  }
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (node_slopes_[i] >= 0) {
      node_slopes_[i] = static_cast<int>(total);
      total = align_up(total + g.nodes[i].weights[0].data.size() * 4);
    }
  std::vector<uint8_t> host(std::max<size_t>(total, 1), 0);
  for (size_t k = 0; k < convs_.size(); ++k) {
    const ir::Node& n = g.nodes[static_cast<size_t>(conv_node_[k])];
    const ir::Conv2dAttrs& a = convs_[k].attrs;
    const int icg = a.in_channels / a.groups, kh = a.kernel_h, kw = a.kernel_w;
    const std::vector<float>& w = n.weights[0].data;
    auto* dst = reinterpret_cast<uint16_t*>(host.data() + off[k].w);
    for (int o = 0; o < a.out_channels; ++o)
      for (int y = 0; y < kh; ++y)
        for (int x = 0; x < kw; ++x)
          for (int c = 0; c < icg; ++c)
            dst[((static_cast<size_t>(o) * kh + y) * kw + x) * icg + c] =
                float_to_half(w[((static_cast<size_t>(o) * icg + c) * kh + y) * kw + x]);
    if (a.has_bias) {
      const std::vector<float>& b = n.weights[1].data;
      std::memcpy(host.data() + off[k].b32, b.data(), b.size() * 4);
      auto* b16 = reinterpret_cast<uint16_t*>(host.data() + off[k].b16);
      for (size_t j = 0; j < b.size(); ++j) b16[j] = float_to_half(b[j]);
    }
  }
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (node_slopes_[i] >= 0) {
      const std::vector<float>& s = g.nodes[i].weights[0].data;
      std::memcpy(host.data() + node_slopes_[i], s.data(), s.size() * 4);
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
      st.slopes = reinterpret_cast<const float*>(base + node_slopes_[static_cast<size_t>(st.node - g.nodes.data())]);
    } else if (st.conv >= 0 && st.slope_count > 0) {
      const int reader = g.tensors[static_cast<size_t>(st.out)].producer;
      st.slopes = reinterpret_cast<const float*>(base + node_slopes_[static_cast<size_t>(reader)]);
    }
  }
  return Status::ok();
}

Result<SessionMemory> CudaSession::prepare(const TensorShape& input) {
  CALDERA_ASSIGN_OR_RETURN(Plan * p, plan_for(input));
  return p->memory;
}

Result<CudaSession::Plan*> CudaSession::plan_for(const TensorShape& input) {
  const auto key = std::make_tuple(input.n, input.c, input.h, input.w);
  if (auto it = plans_.find(key); it != plans_.end()) return it->second.get();
  CALDERA_ASSIGN_OR_RETURN(std::unique_ptr<Plan> plan, make_plan(input));
  // Keep a few shapes (tiles with edge tiles, a couple of resolutions); drop the oldest beyond.
  if (plans_.size() >= 8) plans_.erase(plans_.begin());
  Plan* raw = plan.get();
  plans_[key] = std::move(plan);
  return raw;
}

Result<std::unique_ptr<CudaSession::Plan>> CudaSession::make_plan(const TensorShape& input) {
  const ir::Graph& g = *g_;
  auto plan = std::make_unique<Plan>();
  CALDERA_ASSIGN_OR_RETURN(plan->shapes,
                           ir::compute_shapes(g, {ir::Shape{input.n, input.c, input.h, input.w}}));
  const auto& shapes = plan->shapes;
  const size_t T = g.tensors.size(), S = steps_.size();
  const int out_step = static_cast<int>(S) + 1;  // 0: input conversion, s + 1: steps_[s]

  std::vector<int> first(T, -1), last(T, -1);
  const int in_t = g.inputs[0];
  first[static_cast<size_t>(in_t)] = last[static_cast<size_t>(in_t)] = 0;
  for (size_t s = 0; s < S; ++s) {
    const int step = static_cast<int>(s) + 1;
    for (int t : steps_[s].in) last[static_cast<size_t>(t)] = step;
    first[static_cast<size_t>(steps_[s].out)] = step;
    last[static_cast<size_t>(steps_[s].out)] = std::max(last[static_cast<size_t>(steps_[s].out)], step);
  }
  for (int t : g.outputs) last[static_cast<size_t>(t)] = out_step;
  std::vector<size_t> bytes(T, 0);
  for (size_t t = 0; t < T; ++t) {
    if (first[t] < 0) continue;
    CALDERA_ASSIGN_OR_RETURN(Nhwc d, to_nhwc(shapes[t], "tensor '" + g.tensors[t].name + "'"));
    bytes[t] = d.count() * 2;
  }

  // In-place: an elementwise step writes over an input of its own shape that dies there.
  std::vector<int> group(T);
  for (size_t t = 0; t < T; ++t) group[t] = static_cast<int>(t);
  std::vector<int> group_last = last;
  for (size_t s = 0; s < S; ++s) {
    const Step& st = steps_[s];
    if (st.conv >= 0 || !elementwise(st.node->op)) continue;
    const int step = static_cast<int>(s) + 1;
    for (int t : st.in) {
      const size_t root = static_cast<size_t>(group[static_cast<size_t>(t)]);
      if (group_last[root] == step && shapes[static_cast<size_t>(t)] == shapes[static_cast<size_t>(st.out)]) {
        group[static_cast<size_t>(st.out)] = static_cast<int>(root);
        group_last[root] = last[static_cast<size_t>(st.out)];
        break;
      }
    }
  }

  // Convolution algorithms; identical convolutions at one shape share one search.
  plan->convs.resize(S);
  plan->ws_offset.assign(S, 0);
  std::map<std::string, size_t> searched;  // key -> step whose plan to copy the algorithm from
  size_t max_ws = 0;
  for (size_t s = 0; s < S; ++s) {
    const Step& st = steps_[s];
    if (st.conv < 0) continue;
    const ConvLayer& layer = convs_[static_cast<size_t>(st.conv)];
    CALDERA_ASSIGN_OR_RETURN(Nhwc xd, to_nhwc(shapes[static_cast<size_t>(st.in[0])], label(*st.node)));
    CALDERA_ASSIGN_OR_RETURN(Nhwc yd, to_nhwc(shapes[static_cast<size_t>(st.out)], label(*st.node)));
    const ir::Conv2dAttrs& a = layer.attrs;
    const std::string key = std::to_string(xd.n) + "," + std::to_string(xd.h) + "," + std::to_string(xd.w) + "," +
                            std::to_string(xd.c) + "," + std::to_string(yd.c) + "," + std::to_string(a.kernel_h) +
                            "," + std::to_string(a.kernel_w) + "," + std::to_string(a.stride_h) + "," +
                            std::to_string(a.stride_w) + "," + std::to_string(a.pad_top) + "," +
                            std::to_string(a.pad_left) + "," + std::to_string(a.dilation_h) + "," +
                            std::to_string(a.dilation_w) + "," + std::to_string(a.groups);
    const bool reuse = searched.count(key) > 0;
    const AlgoSearch search = options_.conv_search == ConvAlgoSearch::Exhaustive && !reuse ? AlgoSearch::Exhaustive
                                                                                           : AlgoSearch::Heuristic;
    auto cp = plan_conv(handle_.get(), layer, xd, yd, search, options_.conv_workspace_limit);
    if (!cp) return cp.status().with_context(label(*st.node));
    if (reuse) {  // same algorithm and math type as the searched twin
      const ConvPlan& twin = plan->convs[searched[key]];
      cp->algo = twin.algo;
      cp->workspace = twin.workspace;
      cudnnMathType_t math;
      CALDERA_CUDNN_TRY(cudnnGetConvolutionMathType(twin.conv.get(), &math));
      CALDERA_CUDNN_TRY(cudnnSetConvolutionMathType(cp->conv.get(), math));
    } else {
      searched[key] = s;
    }
    max_ws = std::max(max_ws, cp->workspace);
    plan->convs[s] = std::move(*cp);
  }

  // Place the storage groups and the workspaces (alive only during their step).
  std::vector<plan::Lifetime> items;
  std::vector<size_t> item_of(T, kNone);
  size_t naive = 0;
  for (size_t t = 0; t < T; ++t) {
    if (first[t] < 0) continue;
    naive += align_up(bytes[t]);
    const size_t root = static_cast<size_t>(group[t]);
    if (root != t) continue;
    item_of[t] = items.size();
    items.push_back({bytes[t], first[t], group_last[t]});
  }
  std::vector<size_t> ws_item(S, kNone);
  for (size_t s = 0; s < S; ++s)
    if (plan->convs[s].workspace > 0) {
      ws_item[s] = items.size();
      items.push_back({plan->convs[s].workspace, static_cast<int>(s) + 1, static_cast<int>(s) + 1});
    }
  const plan::MemoryPlan mp = plan::plan_memory(items, kAlign);
  plan->offset.assign(T, kNone);
  for (size_t t = 0; t < T; ++t)
    if (first[t] >= 0) plan->offset[t] = mp.offsets[item_of[static_cast<size_t>(group[t])]];
  for (size_t s = 0; s < S; ++s)
    if (ws_item[s] != kNone) plan->ws_offset[s] = mp.offsets[ws_item[s]];

  CALDERA_ASSIGN_OR_RETURN(plan->arena, DeviceBuffer::allocate(std::max<size_t>(mp.peak, kAlign), stream_));
  plan->memory.weights = weights_.size();
  plan->memory.planned = mp.peak;
  plan->memory.naive = naive + max_ws;
  plan->memory.live_max = mp.live_max;
  plan->memory.workspace = max_ws;

  // cuDNN's fused bias + ReLU works for some algorithms only: try it once on the arena.
  for (size_t s = 0; s < S; ++s) {
    const Step& st = steps_[s];
    if (st.conv < 0 || st.act.kind != ir::ActivationKind::Relu || st.slopes) continue;
    ConvPlan& cp = plan->convs[s];
    auto* base = static_cast<uint8_t*>(plan->arena.data());
    const Status trial = run_conv_bias_relu(handle_.get(), convs_[static_cast<size_t>(st.conv)], cp,
                                            reinterpret_cast<const half_t*>(base + plan->offset[static_cast<size_t>(st.in[0])]),
                                            reinterpret_cast<half_t*>(base + plan->offset[static_cast<size_t>(st.out)]),
                                            base + plan->ws_offset[s]);
    if (trial) cp.fused_relu = true;
    else if (trial.code() != StatusCode::Unsupported) return trial.with_context(label(*st.node));
  }
  return plan;
}

half_t* CudaSession::tensor_ptr(Plan& p, int t) const {
  return reinterpret_cast<half_t*>(static_cast<uint8_t*>(p.arena.data()) + p.offset[static_cast<size_t>(t)]);
}

Status CudaSession::run_steps(Plan& p, const Planar& input, const Planar& output) {
  const ir::Graph& g = *g_;
  const auto dims = [&](int t) {
    const ir::Shape& s = p.shapes[static_cast<size_t>(t)];
    return Nhwc{static_cast<int>(s.n), static_cast<int>(s.h), static_cast<int>(s.w), static_cast<int>(s.c)};
  };
  CALDERA_RETURN_IF_ERROR(planar_to_nhwc(input, tensor_ptr(p, g.inputs[0]), dims(g.inputs[0]), stream_));
  for (size_t s = 0; s < steps_.size(); ++s) {
    const Step& st = steps_[s];
    const ir::Node& n = *st.node;
    half_t* out = tensor_ptr(p, st.out);
    const Nhwc od = dims(st.out);
    const half_t* in0 = tensor_ptr(p, st.in[0]);
    Status status;
    switch (n.op) {
      case ir::OpType::Conv2d: {
        const ConvLayer& layer = convs_[static_cast<size_t>(st.conv)];
        const ConvPlan& cp = p.convs[s];
        status = run_conv(handle_.get(), layer, cp, in0, out, static_cast<uint8_t*>(p.arena.data()) + p.ws_offset[s]);
        if (status && !cp.fused_relu && (layer.bias32 || st.act.kind != ir::ActivationKind::None || st.slopes))
          status = bias_activation(out, od, layer.bias32, st.act, st.slopes, st.slope_count, stream_);
        break;
      }
      case ir::OpType::Activation:
        status = activation(in0, out, od, n.attr<ir::ActivationAttrs>(), nullptr, 0, stream_);
        break;
      case ir::OpType::PRelu: status = activation(in0, out, od, {}, st.slopes, st.slope_count, stream_); break;
      case ir::OpType::Binary: {
        const auto& a = n.attr<ir::BinaryAttrs>();
        if (a.with_scalar) status = binary_scalar(in0, out, od, a.kind, a.scalar, stream_);
        else status = binary(in0, dims(st.in[0]), tensor_ptr(p, st.in[1]), dims(st.in[1]), out, od, a.kind, stream_);
        break;
      }
      case ir::OpType::Eltwise: {
        const auto& a = n.attr<ir::EltwiseAttrs>();
        const half_t* ins[kMaxEltwiseInputs];
        for (size_t j = 0; j < st.in.size(); ++j) ins[j] = tensor_ptr(p, st.in[j]);
        status = eltwise(ins, static_cast<int>(st.in.size()), a.coeffs.empty() ? nullptr : a.coeffs.data(), a.kind, out,
                         od, stream_);
        break;
      }
      case ir::OpType::Concat: {
        int offset = 0;
        for (int t : st.in) {
          const Nhwc d = dims(t);
          status = concat_slice(tensor_ptr(p, t), d, out, od.c, offset, stream_);
          if (!status) break;
          offset += d.c;
        }
        break;
      }
      case ir::OpType::PixelShuffle: {
        const auto& a = n.attr<ir::PixelShuffleAttrs>();
        status = pixel_shuffle(in0, dims(st.in[0]), out, od, a.factor, a.mode, stream_);
        break;
      }
      case ir::OpType::Resize: status = resize(in0, dims(st.in[0]), out, od, n.attr<ir::ResizeAttrs>(), stream_); break;
      case ir::OpType::BatchNorm: status = internal_error("BatchNorm step (refused when the session is built)"); break;
      case ir::OpType::Input: break;
    }
    if (!status) return status.with_context(label(n));
  }
  return nhwc_to_planar(tensor_ptr(p, g.outputs[0]), dims(g.outputs[0]), output, stream_);
}

Status CudaSession::run_device(const Planar& input, const TensorShape& input_shape, const Planar& output) {
  CALDERA_ASSIGN_OR_RETURN(Plan * p, plan_for(input_shape));
  return run_steps(*p, input, output);
}

Status CudaSession::run_host(const float* input, const TensorShape& input_shape, std::vector<float>& output,
                             TensorShape& output_shape) {
  CALDERA_ASSIGN_OR_RETURN(Plan * p, plan_for(input_shape));
  const ir::Shape& os = p->shapes[static_cast<size_t>(g_->outputs[0])];
  output_shape = TensorShape{static_cast<int>(os.n), static_cast<int>(os.c), static_cast<int>(os.h), static_cast<int>(os.w)};
  const size_t in_bytes = input_shape.count() * 4, out_bytes = output_shape.count() * 4;
  if (p->host_in.size() < in_bytes) {
    CALDERA_ASSIGN_OR_RETURN(p->host_in, DeviceBuffer::allocate(in_bytes, stream_));
  }
  if (p->host_out.size() < out_bytes) {
    CALDERA_ASSIGN_OR_RETURN(p->host_out, DeviceBuffer::allocate(out_bytes, stream_));
  }
  const auto dense = [](void* base, const TensorShape& s) {
    const long long plane = static_cast<long long>(s.h) * s.w * 4;
    return Planar{base, false, plane * s.c, plane, static_cast<long long>(s.w) * 4};
  };
  CALDERA_CUDA_TRY(cudaMemcpyAsync(p->host_in.data(), input, in_bytes, cudaMemcpyHostToDevice, stream_));
  CALDERA_RETURN_IF_ERROR(run_steps(*p, dense(p->host_in.data(), input_shape), dense(p->host_out.data(), output_shape)));
  output.resize(output_shape.count());
  CALDERA_CUDA_TRY(cudaMemcpyAsync(output.data(), p->host_out.data(), out_bytes, cudaMemcpyDeviceToHost, stream_));
  CALDERA_CUDA_TRY(cudaStreamSynchronize(stream_));
  return Status::ok();
}

}  // namespace caldera::nn::cuda
