// CudaSession running: every step queued on the stream, no allocation, no synchronisation
// (run_host synchronises once at the end, for the copy back).
#include "nn/cuda/cuda_session.hpp"

#include "core/cuda_check.hpp"

namespace caldera::nn::cuda {
namespace {

std::string label(const ir::Node& n) { return std::string(ir::op_type_name(n.op)) + " node '" + n.name + "'"; }

}  // namespace

half_t* CudaSession::tensor_ptr(Plan& p, int t) const {
  if (g_->is_constant(t)) {
    const int producer = g_->tensors[static_cast<size_t>(t)].producer;
    return reinterpret_cast<half_t*>(static_cast<uint8_t*>(weights_.data()) + params_[static_cast<size_t>(producer)].a);
  }
  return reinterpret_cast<half_t*>(static_cast<uint8_t*>(p.arena.data()) + p.offset[static_cast<size_t>(t)]);
}

Status CudaSession::run_step(Plan& p, size_t s) {
  const Step& st = steps_[s];
  const ir::Node& n = *st.node;
  const int index = static_cast<int>(st.node - g_->nodes.data());
  const auto dims = [&](int t) {
    const ir::Shape& sh = p.shapes[static_cast<size_t>(t)];
    return Nhwc{static_cast<int>(sh.n), static_cast<int>(sh.h), static_cast<int>(sh.w), static_cast<int>(sh.c)};
  };
  half_t* out = tensor_ptr(p, st.out);
  const Nhwc od = dims(st.out);
  const half_t* in0 = tensor_ptr(p, st.in[0]);
  const Nhwc id = dims(st.in[0]);
  switch (n.op) {
    case ir::OpType::Conv2d:
    case ir::OpType::ConvTranspose2d: {
      const ConvLayer& layer = convs_[static_cast<size_t>(st.conv)];
      const ConvPlan& cp = p.convs[s];
      CALDERA_RETURN_IF_ERROR(
          run_conv(handle_.get(), layer, cp, in0, out, static_cast<uint8_t*>(p.arena.data()) + p.ws_offset[s]));
      const half_t* residual = st.residual >= 0 ? tensor_ptr(p, st.residual) : nullptr;
      if (!cp.fused_relu && (layer.bias32 || st.act.kind != ir::ActivationKind::None || st.slopes || residual))
        return bias_activation(out, od, layer.bias32, st.act, st.slopes, st.slope_count, residual, st.residual_first,
                               stream_);
      return Status::ok();
    }
    case ir::OpType::Activation: return activation(in0, out, od, n.attr<ir::ActivationAttrs>(), nullptr, 0, stream_);
    case ir::OpType::PRelu: return activation(in0, out, od, {}, st.slopes, st.slope_count, stream_);
    case ir::OpType::Binary: {
      const auto& a = n.attr<ir::BinaryAttrs>();
      if (a.with_scalar) return binary_scalar(in0, out, od, a.kind, a.scalar, stream_);
      return binary(in0, id, tensor_ptr(p, st.in[1]), dims(st.in[1]), out, od, a.kind, stream_);
    }
    case ir::OpType::Eltwise: {
      const auto& a = n.attr<ir::EltwiseAttrs>();
      const half_t* ins[kMaxEltwiseInputs];
      for (size_t j = 0; j < st.in.size(); ++j) ins[j] = tensor_ptr(p, st.in[j]);
      return eltwise(ins, static_cast<int>(st.in.size()), a.coeffs.empty() ? nullptr : a.coeffs.data(), a.kind, out, od,
                     stream_);
    }
    case ir::OpType::Concat: {
      int offset = 0;
      for (int t : st.in) {
        const Nhwc d = dims(t);
        CALDERA_RETURN_IF_ERROR(concat_slice(tensor_ptr(p, t), d, out, od.c, offset, stream_));
        offset += d.c;
      }
      return Status::ok();
    }
    case ir::OpType::PixelShuffle: {
      const auto& a = n.attr<ir::PixelShuffleAttrs>();
      return pixel_shuffle(in0, id, out, od, a.factor, a.mode, stream_);
    }
    case ir::OpType::Resize: return resize(in0, id, out, od, n.attr<ir::ResizeAttrs>(), stream_);
    case ir::OpType::InstanceNorm:
      return instance_norm(in0, out, od, param_f32(index, false), param_f32(index, true),
                           n.attr<ir::InstanceNormAttrs>().epsilon, stream_);
    case ir::OpType::Slice: {
      const auto& a = n.attr<ir::SliceAttrs>();
      const int c0 = static_cast<int>(ir::resolve_slice(a.begin[0], a.end[0], id.c).start);
      const int y0 = static_cast<int>(ir::resolve_slice(a.begin[1], a.end[1], id.h).start);
      const int x0 = static_cast<int>(ir::resolve_slice(a.begin[2], a.end[2], id.w).start);
      return slice(in0, id, out, od, c0, y0, x0, stream_);
    }
    case ir::OpType::Pad: return pad(in0, id, out, od, n.attr<ir::PadAttrs>(), stream_);
    case ir::OpType::SpaceToDepth: {
      const auto& a = n.attr<ir::SpaceToDepthAttrs>();
      return space_to_depth(in0, id, out, od, a.block, a.mode, stream_);
    }
    case ir::OpType::Gemm:
      return gemm(in0, id, out, od, param_f32(index, false), param_f32(index, true), n.attr<ir::GemmAttrs>().activation,
                  stream_);
    case ir::OpType::Reduce: return reduce(in0, id, out, od, n.attr<ir::ReduceAttrs>(), stream_);
    case ir::OpType::Pool2d: return pool2d(in0, id, out, od, n.attr<ir::Pool2dAttrs>(), stream_);
    case ir::OpType::Reshape: return reshape(in0, id, out, od, stream_);
    case ir::OpType::Transpose: {
      const auto& perm = n.attr<ir::TransposeAttrs>().perm;
      if (perm.size() != 4) return internal_error("a Transpose of rank " + std::to_string(perm.size()));
      const int pm[4] = {perm[0], perm[1], perm[2], perm[3]};
      return transpose(in0, id, out, od, pm, stream_);
    }
    case ir::OpType::BatchNorm: return internal_error("BatchNorm step (refused when the session is built)");
    case ir::OpType::Input:
    case ir::OpType::Constant: return internal_error("a step for an Input or Constant node");
  }
  return internal_error("no CUDA step for this operator");
}

Status CudaSession::run_steps(Plan& p, const Planar& input, const Planar& output) {
  const ir::Graph& g = *g_;
  const auto dims = [&](int t) {
    const ir::Shape& s = p.shapes[static_cast<size_t>(t)];
    return Nhwc{static_cast<int>(s.n), static_cast<int>(s.h), static_cast<int>(s.w), static_cast<int>(s.c)};
  };
  CALDERA_RETURN_IF_ERROR(planar_to_nhwc(input, tensor_ptr(p, g.inputs[0]), dims(g.inputs[0]), stream_));
  for (size_t s = 0; s < steps_.size(); ++s) {
    Status status = run_step(p, s);
    if (!status) return status.with_context(label(*steps_[s].node));
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
