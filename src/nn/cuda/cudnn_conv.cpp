#include "nn/cuda/cudnn_conv.hpp"

#include <algorithm>
#include <vector>

namespace caldera::nn::cuda {

Status cudnn_status(cudnnStatus_t s, const char* what) {
  if (s == CUDNN_STATUS_SUCCESS) return Status::ok();
  const std::string msg = std::string(what) + ": " + cudnnGetErrorString(s);
  if (s == CUDNN_STATUS_NOT_SUPPORTED) return unsupported(msg);
  if (s == CUDNN_STATUS_ALLOC_FAILED) return out_of_memory(msg);
  return {StatusCode::CudaError, msg};
}

Result<CudnnHandle> make_cudnn_handle(cudaStream_t stream) {
  cudnnHandle_t h = nullptr;
  CALDERA_CUDNN_TRY(cudnnCreate(&h));
  CudnnHandle handle(h);
  CALDERA_CUDNN_TRY(cudnnSetStream(h, stream));
  return handle;
}

Result<TensorDesc> make_nhwc_desc(Nhwc d) {
  cudnnTensorDescriptor_t t = nullptr;
  CALDERA_CUDNN_TRY(cudnnCreateTensorDescriptor(&t));
  TensorDesc desc(t);
  CALDERA_CUDNN_TRY(cudnnSetTensor4dDescriptor(t, CUDNN_TENSOR_NHWC, CUDNN_DATA_HALF, d.n, d.c, d.h, d.w));
  return desc;
}

ConvLayer ConvLayer::transposed_of(const std::string& name, const ir::ConvTranspose2dAttrs& t) {
  ConvLayer layer;
  layer.name = name;
  layer.transposed = true;
  ir::Conv2dAttrs& a = layer.attrs;
  // The forward convolution from the output (dx) to the input (dy): its "output channels" are
  // the transposed layer's input channels.
  a.out_channels = t.in_channels;
  a.in_channels = t.out_channels;
  a.kernel_h = t.kernel_h;
  a.kernel_w = t.kernel_w;
  a.stride_h = t.stride_h;
  a.stride_w = t.stride_w;
  a.dilation_h = t.dilation_h;
  a.dilation_w = t.dilation_w;
  a.pad_top = t.pad_top;
  a.pad_left = t.pad_left;
  a.pad_bottom = t.pad_bottom;
  a.pad_right = t.pad_right;
  a.groups = t.groups;
  a.has_bias = t.has_bias;
  a.activation = t.activation;
  return layer;
}

Status ConvLayer::init() {
  const ir::Conv2dAttrs& a = attrs;
  if (a.pad_top != a.pad_bottom || a.pad_left != a.pad_right)
    return unsupported(std::string(transposed ? "transposed convolution '" : "convolution '") + name +
                       "': asymmetric padding (" + std::to_string(a.pad_top) + "," + std::to_string(a.pad_left) + "," +
                       std::to_string(a.pad_bottom) + "," + std::to_string(a.pad_right) +
                       ") is not supported by the CUDA runtime");
  cudnnFilterDescriptor_t f = nullptr;
  CALDERA_CUDNN_TRY(cudnnCreateFilterDescriptor(&f));
  filter.reset(f);
  CALDERA_CUDNN_TRY(cudnnSetFilter4dDescriptor(f, CUDNN_DATA_HALF, CUDNN_TENSOR_NHWC, a.out_channels,
                                               a.in_channels / a.groups, a.kernel_h, a.kernel_w));
  cudnnTensorDescriptor_t b = nullptr;
  CALDERA_CUDNN_TRY(cudnnCreateTensorDescriptor(&b));
  bias_desc.reset(b);
  // The bias of the step's output: a transposed layer's output channels are the forward's input.
  CALDERA_CUDNN_TRY(cudnnSetTensor4dDescriptor(b, CUDNN_TENSOR_NCHW, CUDNN_DATA_HALF, 1,
                                               transposed ? a.in_channels : a.out_channels, 1, 1));
  cudnnActivationDescriptor_t r = nullptr;
  CALDERA_CUDNN_TRY(cudnnCreateActivationDescriptor(&r));
  relu.reset(r);
  CALDERA_CUDNN_TRY(cudnnSetActivationDescriptor(r, CUDNN_ACTIVATION_RELU, CUDNN_NOT_PROPAGATE_NAN, 0.0));
  return Status::ok();
}

namespace {

// A transposed layer: in = dy, out = dx of the backward-data convolution.
Result<ConvPlan> plan_conv_transpose(cudnnHandle_t handle, const ConvLayer& layer, ConvPlan p, Nhwc in, Nhwc out,
                                     AlgoSearch search, size_t workspace_limit) {
  cudnnConvolutionDescriptor_t c = p.conv.get();
  // The forward convolution of dx must give dy's size (output padding < stride keeps it).
  int n = 0, oc = 0, oh = 0, ow = 0;
  CALDERA_CUDNN_TRY(cudnnGetConvolution2dForwardOutputDim(c, p.y.get(), layer.filter.get(), &n, &oc, &oh, &ow));
  if (n != in.n || oc != in.c || oh != in.h || ow != in.w)
    return internal_error("transposed convolution '" + layer.name + "': cuDNN maps a " + std::to_string(out.h) + "x" +
                          std::to_string(out.w) + " output to a " + std::to_string(oh) + "x" + std::to_string(ow) +
                          " input, shape inference has " + std::to_string(in.h) + "x" + std::to_string(in.w));
  constexpr int kMaxAlgos = CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT;
  cudnnConvolutionBwdDataAlgoPerf_t perf[kMaxAlgos];
  int returned = 0;
  if (search == AlgoSearch::Exhaustive) {
    CALDERA_CUDNN_TRY(cudnnFindConvolutionBackwardDataAlgorithm(handle, layer.filter.get(), p.x.get(), c, p.y.get(),
                                                                kMaxAlgos, &returned, perf));
  } else {
    CALDERA_CUDNN_TRY(cudnnGetConvolutionBackwardDataAlgorithm_v7(handle, layer.filter.get(), p.x.get(), c, p.y.get(),
                                                                  kMaxAlgos, &returned, perf));
  }
  for (int i = 0; i < returned; ++i) {
    if (perf[i].status != CUDNN_STATUS_SUCCESS || perf[i].memory > workspace_limit) continue;
    p.bwd_algo = perf[i].algo;
    p.algo_ms = perf[i].time;
    CALDERA_CUDNN_TRY(cudnnSetConvolutionMathType(c, perf[i].mathType));
    size_t bytes = 0;
    CALDERA_CUDNN_TRY(cudnnGetConvolutionBackwardDataWorkspaceSize(handle, layer.filter.get(), p.x.get(), c, p.y.get(),
                                                                   p.bwd_algo, &bytes));
    if (bytes > workspace_limit) continue;
    p.workspace = bytes;
    return p;
  }
  return unsupported("transposed convolution '" + layer.name + "': cuDNN offers no algorithm for " + std::to_string(in.h) +
                     "x" + std::to_string(in.w) + "x" + std::to_string(in.c) + " within a " +
                     std::to_string(workspace_limit >> 20) + " MiB workspace");
}

}  // namespace

Result<ConvPlan> plan_conv(cudnnHandle_t handle, const ConvLayer& layer, Nhwc in, Nhwc out, AlgoSearch search,
                           size_t workspace_limit) {
  const ir::Conv2dAttrs& a = layer.attrs;
  ConvPlan p;
  CALDERA_ASSIGN_OR_RETURN(p.x, make_nhwc_desc(in));
  CALDERA_ASSIGN_OR_RETURN(p.y, make_nhwc_desc(out));
  cudnnConvolutionDescriptor_t c = nullptr;
  CALDERA_CUDNN_TRY(cudnnCreateConvolutionDescriptor(&c));
  p.conv.reset(c);
  CALDERA_CUDNN_TRY(cudnnSetConvolution2dDescriptor(c, a.pad_top, a.pad_left, a.stride_h, a.stride_w, a.dilation_h,
                                                    a.dilation_w, CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
  CALDERA_CUDNN_TRY(cudnnSetConvolutionGroupCount(c, a.groups));
  CALDERA_CUDNN_TRY(cudnnSetConvolutionMathType(c, CUDNN_TENSOR_OP_MATH));
  if (layer.transposed) return plan_conv_transpose(handle, layer, std::move(p), in, out, search, workspace_limit);

  int n = 0, oc = 0, oh = 0, ow = 0;
  CALDERA_CUDNN_TRY(cudnnGetConvolution2dForwardOutputDim(c, p.x.get(), layer.filter.get(), &n, &oc, &oh, &ow));
  if (n != out.n || oc != out.c || oh != out.h || ow != out.w)
    return internal_error("convolution '" + layer.name + "': cuDNN computes a " + std::to_string(oh) + "x" +
                          std::to_string(ow) + " output, shape inference " + std::to_string(out.h) + "x" +
                          std::to_string(out.w));

  constexpr int kMaxAlgos = CUDNN_CONVOLUTION_FWD_ALGO_COUNT;
  cudnnConvolutionFwdAlgoPerf_t perf[kMaxAlgos];
  int returned = 0;
  if (search == AlgoSearch::Exhaustive) {
    CALDERA_CUDNN_TRY(cudnnFindConvolutionForwardAlgorithm(handle, p.x.get(), layer.filter.get(), c, p.y.get(),
                                                           kMaxAlgos, &returned, perf));
  } else {
    CALDERA_CUDNN_TRY(cudnnGetConvolutionForwardAlgorithm_v7(handle, p.x.get(), layer.filter.get(), c, p.y.get(),
                                                             kMaxAlgos, &returned, perf));
  }
  // Both lists come best first; take the first that works within the workspace limit.
  for (int i = 0; i < returned; ++i) {
    if (perf[i].status != CUDNN_STATUS_SUCCESS || perf[i].memory > workspace_limit) continue;
    p.algo = perf[i].algo;
    p.workspace = perf[i].memory;
    p.algo_ms = perf[i].time;
    CALDERA_CUDNN_TRY(cudnnSetConvolutionMathType(c, perf[i].mathType));
    // The heuristics' memory field is an estimate; ask for the exact size.
    size_t bytes = 0;
    CALDERA_CUDNN_TRY(cudnnGetConvolutionForwardWorkspaceSize(handle, p.x.get(), layer.filter.get(), c, p.y.get(),
                                                              p.algo, &bytes));
    if (bytes > workspace_limit) continue;
    p.workspace = bytes;
    return p;
  }
  return unsupported("convolution '" + layer.name + "': cuDNN offers no algorithm for " + std::to_string(in.h) + "x" +
                     std::to_string(in.w) + "x" + std::to_string(in.c) + " within a " +
                     std::to_string(workspace_limit >> 20) + " MiB workspace");
}

Status run_conv(cudnnHandle_t handle, const ConvLayer& layer, const ConvPlan& plan, const half_t* x, half_t* y,
                void* workspace) {
  if (plan.fused_relu) return run_conv_bias_relu(handle, layer, plan, x, y, workspace);
  const float one = 1.f, zero = 0.f;
  if (layer.transposed) {
    CALDERA_CUDNN_TRY(cudnnConvolutionBackwardData(handle, &one, layer.filter.get(), layer.weight, plan.x.get(), x,
                                                   plan.conv.get(), plan.bwd_algo, workspace, plan.workspace, &zero,
                                                   plan.y.get(), y));
    return Status::ok();
  }
  CALDERA_CUDNN_TRY(cudnnConvolutionForward(handle, &one, plan.x.get(), x, layer.filter.get(), layer.weight,
                                            plan.conv.get(), plan.algo, workspace, plan.workspace, &zero, plan.y.get(),
                                            y));
  return Status::ok();
}

Status run_conv_bias_relu(cudnnHandle_t handle, const ConvLayer& layer, const ConvPlan& plan, const half_t* x,
                          half_t* y, void* workspace) {
  const float one = 1.f, zero = 0.f;
  CALDERA_CUDNN_TRY(cudnnConvolutionBiasActivationForward(
      handle, &one, plan.x.get(), x, layer.filter.get(), layer.weight, plan.conv.get(), plan.algo, workspace,
      plan.workspace, &zero, plan.y.get(), y, layer.bias_desc.get(), layer.bias16, layer.relu.get(), plan.y.get(), y));
  return Status::ok();
}

}  // namespace caldera::nn::cuda
