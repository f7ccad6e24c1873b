// CudaSession planning, once per input shape: lifetimes, in-place reuse, cuDNN algorithms and
// one arena for every activation and workspace.
#include <algorithm>
#include <limits>

#include "nn/cuda/cuda_session.hpp"
#include "nn/plan/memory_plan.hpp"

namespace caldera::nn::cuda {
namespace {

constexpr size_t kAlign = 256;
size_t align_up(size_t b) { return (b + kAlign - 1) / kAlign * kAlign; }

std::string label(const ir::Node& n) { return std::string(ir::op_type_name(n.op)) + " node '" + n.name + "'"; }

Result<Nhwc> to_nhwc(const ir::Shape& s, const std::string& what) {
  constexpr int64_t kMaxDim = std::numeric_limits<int>::max() / 8;
  if (s.rank() != 4 || !s.is_static() || s.n <= 0 || s.c <= 0 || s.h <= 0 || s.w <= 0 || s.n > kMaxDim ||
      s.c > kMaxDim || s.h > kMaxDim || s.w > kMaxDim || s.count() > (int64_t{1} << 36))
    return invalid_argument(what + ": shape " + s.to_string() + " is unknown, empty or too large");
  return Nhwc{static_cast<int>(s.n), static_cast<int>(s.h), static_cast<int>(s.w), static_cast<int>(s.c)};
}

bool elementwise(ir::OpType op) {
  return op == ir::OpType::Activation || op == ir::OpType::PRelu || op == ir::OpType::Binary ||
         op == ir::OpType::Eltwise;
}

}  // namespace

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
      if (g.is_constant(t)) continue;  // constants live in the weight buffer, read-only
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
    const std::string key = std::string(layer.transposed ? "T" : "F") + std::to_string(xd.n) + "," + std::to_string(xd.h) + "," + std::to_string(xd.w) + "," +
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
      cp->bwd_algo = twin.bwd_algo;
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
    if (st.conv < 0 || st.act.kind != ir::ActivationKind::Relu || st.slopes || st.residual >= 0 ||
        convs_[static_cast<size_t>(st.conv)].transposed)
      continue;
    ConvPlan& cp = plan->convs[s];
    auto* base = static_cast<uint8_t*>(plan->arena.data());
    const Status trial = run_conv_bias_relu(handle_.get(), convs_[static_cast<size_t>(st.conv)], cp,
                                            tensor_ptr(*plan, st.in[0]), tensor_ptr(*plan, st.out),
                                            base + plan->ws_offset[s]);
    if (trial) cp.fused_relu = true;
    else if (trial.code() != StatusCode::Unsupported) return trial.with_context(label(*st.node));
  }
  return plan;
}

}  // namespace caldera::nn::cuda
