// cuDNN convolutions for the CUDA runtime: fp16 NHWC tensors, KRSC fp16 filters, fp32
// accumulation (the convolution descriptor's compute type), tensor-core math. Only the cuDNN 9
// legacy ("v7-style") API is used, which every cuDNN 9.x provides.
#pragma once

#include <cudnn.h>

#include <memory>
#include <string>

#include "caldera/status.hpp"
#include "nn/cuda/kernels.hpp"
#include "nn/ir/graph.hpp"

namespace caldera::nn::cuda {

Status cudnn_status(cudnnStatus_t s, const char* what);
#define CALDERA_CUDNN_TRY(call) CALDERA_RETURN_IF_ERROR(::caldera::nn::cuda::cudnn_status((call), #call))

struct CudnnDeleter {
  void operator()(cudnnContext* h) const { cudnnDestroy(h); }
  void operator()(cudnnTensorStruct* d) const { cudnnDestroyTensorDescriptor(d); }
  void operator()(cudnnFilterStruct* d) const { cudnnDestroyFilterDescriptor(d); }
  void operator()(cudnnConvolutionStruct* d) const { cudnnDestroyConvolutionDescriptor(d); }
  void operator()(cudnnActivationStruct* d) const { cudnnDestroyActivationDescriptor(d); }
};
using CudnnHandle = std::unique_ptr<cudnnContext, CudnnDeleter>;
using TensorDesc = std::unique_ptr<cudnnTensorStruct, CudnnDeleter>;
using FilterDesc = std::unique_ptr<cudnnFilterStruct, CudnnDeleter>;
using ConvDesc = std::unique_ptr<cudnnConvolutionStruct, CudnnDeleter>;
using ActivationDesc = std::unique_ptr<cudnnActivationStruct, CudnnDeleter>;

Result<CudnnHandle> make_cudnn_handle(cudaStream_t stream);
// fp16 NHWC descriptor of these dims.
Result<TensorDesc> make_nhwc_desc(Nhwc d);

enum class AlgoSearch { Heuristic, Exhaustive };

// The shape-independent part of one convolution node: device pointers into the session's
// weight buffer and the descriptors that do not depend on the input size. A transposed
// convolution (ConvTranspose2d) is cuDNN's backward-data convolution: its input is cuDNN's dy,
// its output dx, and its filter K x R x S x C has K = input channels, C = output channels /
// groups (the ONNX layout [in][out/groups][kh][kw], channels last).
struct ConvLayer {
  std::string name;
  ir::Conv2dAttrs attrs;  // for a transposed convolution: the geometry of the forward one it inverts
  bool transposed = false;
  const half_t* weight = nullptr;  // K x R x S x (C / groups), fp16
  const float* bias32 = nullptr;   // K, fp32 (epilogue kernel), null without bias
  const half_t* bias16 = nullptr;  // K, fp16 (cuDNN's fused bias + ReLU), zeros without bias
  FilterDesc filter;
  TensorDesc bias_desc;  // 1 x K x 1 x 1 fp16
  ActivationDesc relu;

  // Checks the attributes cuDNN takes (symmetric padding) and makes the descriptors.
  Status init();
  // A ConvLayer for a transposed convolution (init() is still to be called).
  static ConvLayer transposed_of(const std::string& name, const ir::ConvTranspose2dAttrs& a);
};

// The per-input-shape part: descriptors, the chosen algorithm and its workspace.
struct ConvPlan {
  TensorDesc x, y;
  ConvDesc conv;
  cudnnConvolutionFwdAlgo_t algo = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM;
  cudnnConvolutionBwdDataAlgo_t bwd_algo = CUDNN_CONVOLUTION_BWD_DATA_ALGO_1;  // transposed layers
  size_t workspace = 0;
  float algo_ms = 0;  // the search's time for the chosen algorithm (Exhaustive only)
  // Bias + ReLU run inside cuDNN (cudnnConvolutionBiasActivationForward); decided by a trial
  // call once the buffers exist, since cuDNN supports that call only for some algorithms.
  bool fused_relu = false;
};

// Descriptors for `in` -> `out` and an algorithm: cuDNN's heuristics, or a timed search
// (cudnnFindConvolution{Forward,BackwardData}Algorithm, which allocate and synchronise: prepare
// time only). Algorithms needing more than workspace_limit bytes are passed over.
Result<ConvPlan> plan_conv(cudnnHandle_t handle, const ConvLayer& layer, Nhwc in, Nhwc out, AlgoSearch search,
                           size_t workspace_limit);

// y = conv(x) (+ bias, ReLU when plan.fused_relu), or the transposed convolution of x for a
// transposed layer. Queued on the handle's stream.
Status run_conv(cudnnHandle_t handle, const ConvLayer& layer, const ConvPlan& plan, const half_t* x, half_t* y,
                void* workspace);
// The same through cudnnConvolutionBiasActivationForward with ReLU.
Status run_conv_bias_relu(cudnnHandle_t handle, const ConvLayer& layer, const ConvPlan& plan, const half_t* x,
                          half_t* y, void* workspace);

}  // namespace caldera::nn::cuda
