// The CUDA runtime behind nn::Session on a CUDA context: fp16 NHWC activations, fp32
// accumulation, cuDNN convolutions (forward, and backward-data for transposed convolutions) with
// the bias, activation and residual in one epilogue (cuDNN's own bias + ReLU where it offers
// it), own kernels for the other layers.
//
// Created once per model and context (cuda_session.cpp): the weights are converted (OIHW f32 ->
// KRSC f16; fully connected and normalisation parameters f32; Constant tensors NHWC f16) and
// uploaded in one device allocation. Per input shape, prepare() makes a plan (cuda_plan.cpp):
// every tensor's lifetime in execution steps, in-place reuse for elementwise layers whose input
// dies there, cuDNN algorithms (a timed search or the heuristics), and one device allocation for
// every activation and convolution workspace, placed by the memory planner. run() only queues
// work on the context's stream (cuda_steps.cpp): no allocation, no synchronisation (the first run
// at a new shape prepares it, which allocates and, with the timed search, synchronises).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "caldera/memory.hpp"
#include "caldera/nn/model.hpp"
#include "nn/cuda/cudnn_conv.hpp"
#include "nn/cuda/kernels.hpp"
#include "nn/ir/graph.hpp"

namespace caldera::nn::cuda {

class CudaSession {
 public:
  // `graph` must outlive the session (the Model holds it).
  static Result<std::unique_ptr<CudaSession>> create(const ir::Graph& graph, StreamHandle stream,
                                                     const SessionOptions& options);

  // Plans memory and chooses convolution algorithms for this input shape (idempotent).
  Result<SessionMemory> prepare(const TensorShape& input);

  // Device tensors in and out, planar (f32 or f16, strided); queued on the stream.
  Status run_device(const Planar& input, const TensorShape& input_shape, const Planar& output);
  // Host NCHW f32 in and out (uploads, runs, downloads and waits for the stream).
  Status run_host(const float* input, const TensorShape& input_shape, std::vector<float>& output,
                  TensorShape& output_shape);

 private:
  static constexpr size_t kNone = ~size_t{0};

  struct Step {
    const ir::Node* node = nullptr;
    int conv = -1;                  // index into convs_ for a Conv2d / ConvTranspose2d step
    ir::ActivationAttrs act{};      // epilogue after the convolution
    const float* slopes = nullptr;  // PReLU slopes (a PRelu step, or one fused into a conv)
    int slope_count = 0;
    int residual = -1;              // a convolution's residual tensor
    bool residual_first = false;    // added before the epilogue's activation
    std::vector<int> in;            // tensors the step reads (a Reshape's shape inputs are not)
    int out = -1;
  };
  // Per node: offsets of its parameters in weights_ (PReLU slopes; Gemm weight and bias;
  // InstanceNorm scale and bias; a Constant's NHWC f16 values).
  struct NodeParams {
    size_t a = kNone, b = kNone;
  };
  struct Plan {
    std::vector<ir::Shape> shapes;
    std::vector<size_t> offset;       // per tensor; kNone where it has no storage in the arena
    std::vector<ConvPlan> convs;      // per step (empty for non-convolutions)
    std::vector<size_t> ws_offset;    // per step
    DeviceBuffer arena;
    DeviceBuffer host_in, host_out;   // staging for run_host, made on its first use
    SessionMemory memory{};
  };

  CudaSession(const ir::Graph& g, StreamHandle stream, const SessionOptions& o) : g_(&g), stream_(stream), options_(o) {}
  // cuda_session.cpp
  Status build(const ir::Graph& g);
  Status upload_weights();
  const float* param_f32(int node, bool second) const;
  // cuda_plan.cpp
  Result<Plan*> plan_for(const TensorShape& input);
  Result<std::unique_ptr<Plan>> make_plan(const TensorShape& input);
  // cuda_steps.cpp
  Status run_steps(Plan& p, const Planar& input, const Planar& output);
  Status run_step(Plan& p, size_t s);
  half_t* tensor_ptr(Plan& p, int t) const;

  const ir::Graph* g_;
  cudaStream_t stream_;
  SessionOptions options_;
  CudnnHandle handle_;
  DeviceBuffer weights_;
  std::vector<ConvLayer> convs_;
  std::vector<int> conv_node_;        // node index of each ConvLayer
  std::vector<NodeParams> params_;    // per node
  std::vector<Step> steps_;
  std::map<std::tuple<int, int, int, int>, std::unique_ptr<Plan>> plans_;
};

}  // namespace caldera::nn::cuda
