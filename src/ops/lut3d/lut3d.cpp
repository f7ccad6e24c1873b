// 3D LUT: the table (built from a function, uploaded), checks, and dispatch onto the colour
// pipeline's LUT stage (reference in double, generic kernel in float).
#include <cuda_runtime_api.h>

#include <cctype>
#include <string>

#include "caldera/ops/lut3d.hpp"
#include "core/cuda_check.hpp"
#include "ops/color_pipeline/pipeline_image.hpp"
#include "ops/color_pipeline/stage_setup.hpp"

namespace caldera {

const char* lut3d_interp_name(Lut3dInterp i) { return i == Lut3dInterp::Trilinear ? "trilinear" : "tetrahedral"; }

Result<Lut3dInterp> parse_lut3d_interp(std::string_view s) {
  std::string l(s);
  for (auto& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (l == "trilinear" || l == "linear") return Lut3dInterp::Trilinear;
  if (l == "tetrahedral" || l == "tetra") return Lut3dInterp::Tetrahedral;
  return invalid_argument("unknown LUT interpolation '" + std::string(s) + "' (known: trilinear, tetrahedral)");
}

Result<Lut3d> Lut3d::from_function(int size, const std::function<void(const double in[3], double out[3])>& fn,
                                   std::array<double, 3> domain_min, std::array<double, 3> domain_max) {
  if (size < 2 || size > 256) return invalid_argument("lut3d: size " + std::to_string(size) + " is outside 2..256");
  for (int c = 0; c < 3; ++c)
    if (!(domain_min[c] < domain_max[c])) return invalid_argument("lut3d: the domain's minimum must be below its maximum");
  Lut3d lut;
  lut.size_ = size;
  lut.domain_min_ = domain_min, lut.domain_max_ = domain_max;
  lut.table_.assign(static_cast<size_t>(size) * size * size * 4, 0.0f);
  for (int b = 0; b < size; ++b)
    for (int g = 0; g < size; ++g)
      for (int r = 0; r < size; ++r) {
        const int idx[3] = {r, g, b};
        double in[3], out[3];
        for (int c = 0; c < 3; ++c) in[c] = domain_min[c] + (domain_max[c] - domain_min[c]) * idx[c] / (size - 1);
        fn(in, out);
        float* e = &lut.table_[4 * (static_cast<size_t>(r) + static_cast<size_t>(size) * (g + static_cast<size_t>(size) * b))];
        for (int c = 0; c < 3; ++c) e[c] = static_cast<float>(out[c]);
      }
  return lut;
}

std::array<float, 3> Lut3d::entry(int r, int g, int b) const {
  const float* e = &table_[4 * (static_cast<size_t>(r) + static_cast<size_t>(size_) * (g + static_cast<size_t>(size_) * b))];
  return {e[0], e[1], e[2]};
}

Status Lut3d::upload(Context& ctx) {
  if (!ctx.is_cuda()) return invalid_argument("lut3d: upload needs a CUDA context");
  if (size_ == 0) return invalid_argument("lut3d: the LUT is empty");
  if (device_.data() && device_index_ == ctx.device()) return Status::ok();
  const size_t bytes = table_.size() * sizeof(float);
  CALDERA_ASSIGN_OR_RETURN(device_, DeviceBuffer::allocate(bytes, ctx.stream()));
  device_index_ = ctx.device();
  CALDERA_CUDA_TRY(cudaMemcpyAsync(device_.data(), table_.data(), bytes, cudaMemcpyHostToDevice, ctx.stream()));
  return ctx.synchronize();
}

namespace {

constexpr const char* kOp = "lut3d";

template <class T>
pipeline::Stages<T> lut_stages(const Lut3d& lut, const Lut3dParams& p, const float* table) {
  pipeline::Stages<T> st;
  st.flags = pipeline::kStageLut3d;
  st.lut.table = table;
  st.lut.size = lut.size();
  st.lut.tetrahedral = p.interp == Lut3dInterp::Tetrahedral;
  for (int c = 0; c < 3; ++c) {
    st.lut.dmin[c] = static_cast<T>(lut.domain_min()[c]);
    st.lut.dscale[c] = static_cast<T>((lut.size() - 1) / (lut.domain_max()[c] - lut.domain_min()[c]));
  }
  return st;
}

}  // namespace

Status check_lut3d(const ImageDesc& src, const ImageDesc& dst, const Lut3d& lut, const Lut3dParams& params) {
  CALDERA_RETURN_IF_ERROR(pipeline::check_pipeline_images(src, dst, kOp));
  CALDERA_RETURN_IF_ERROR(pipeline::check_color_values(src.color, "lut3d: src"));
  CALDERA_RETURN_IF_ERROR(pipeline::check_color_values(dst.color, "lut3d: dst"));
  if (lut.size() < 2) return invalid_argument("lut3d: the LUT is empty");
  if (params.interp != Lut3dInterp::Trilinear && params.interp != Lut3dInterp::Tetrahedral)
    return invalid_argument("lut3d: interpolation value is out of range");
  return Status::ok();
}

Status lut3d_reference(ConstImageView src, ImageView dst, const Lut3d& lut, const Lut3dParams& params) {
  CALDERA_RETURN_IF_ERROR(check_lut3d(src.desc(), dst.desc(), lut, params));
  const auto st = lut_stages<double>(lut, params, lut.host_table());
  return pipeline::run_pipeline_reference(src, dst, st, st.tone.coeffs, nullptr, true, kOp);
}

Status lut3d_cuda(ConstImageView src, ImageView dst, const Lut3d& lut, const Lut3dParams& params, Workspace ws,
                  StreamHandle stream) {
  (void)ws;
  CALDERA_RETURN_IF_ERROR(check_lut3d(src.desc(), dst.desc(), lut, params));
  if (!lut.device_table())
    return invalid_argument("lut3d: the LUT is not on the device; call Lut3d::upload (or use apply_lut3d)");
  if (src.device() >= 0 && src.device() != lut.device())
    return invalid_argument("lut3d: the LUT is on device " + std::to_string(lut.device()) + " but the image on device " +
                            std::to_string(src.device()));
  const auto st = lut_stages<float>(lut, params, lut.device_table());
  return pipeline::run_pipeline_cuda(src, dst, st, {}, true, stream, kOp);
}

Status apply_lut3d(ConstImageView src, ImageView dst, Lut3d& lut, const Lut3dParams& params, Context& ctx) {
  CALDERA_RETURN_IF_ERROR(pipeline::check_where(src, dst, ctx, kOp));
  if (is_host_memory(src.memory())) return lut3d_reference(src, dst, lut, params);
  CALDERA_RETURN_IF_ERROR(lut.upload(ctx));
  return lut3d_cuda(src, dst, lut, params, ctx.workspace(), ctx.stream());
}

}  // namespace caldera
