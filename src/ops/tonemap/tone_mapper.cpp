// ToneMapper: tone mapping with peak detection, one instance per stream. The host path keeps its
// state in double and runs the reference; the device path keeps it in a small device buffer that
// the kernels' last block updates, so frames never wait for the host.
#include <cuda_runtime_api.h>

#include <cmath>
#include <string>

#include "core/cuda_check.hpp"
#include "ops/tonemap/tonemap_internal.hpp"

namespace caldera {

using namespace tonemap_detail;

struct ToneMapper::DeviceState {
  DeviceBuffer buffer;  // one hd::PeakStateData
  PeakCurves curves;    // the fused kernel's gain tables over the peak
  int device = -1;
  bool started = false;  // the state holds a measurement (else the next frame is measured first)
  hd::PeakStateData* state() const { return static_cast<hd::PeakStateData*>(buffer.data()); }
};

ToneMapper::ToneMapper(const ToneMapParams& p) : params_(p) {}
ToneMapper::ToneMapper(ToneMapper&&) noexcept = default;
ToneMapper& ToneMapper::operator=(ToneMapper&&) noexcept = default;
ToneMapper::~ToneMapper() = default;

Result<ToneMapper> ToneMapper::create(const ToneMapParams& params) {
  CALDERA_RETURN_IF_ERROR(check_params(params));
  return ToneMapper(params);
}

void ToneMapper::reset() {
  host_ = {};
  if (device_) device_->started = false;
}

Status ToneMapper::run(ConstImageView src, ImageView dst, Context& ctx) {
  CALDERA_RETURN_IF_ERROR(check_tonemap(src.desc(), dst.desc(), params_));
  CALDERA_RETURN_IF_ERROR(pipeline::check_where(src, dst, ctx, "tonemap"));
  if (!params_.peak_detection.enabled) return tonemap(src, dst, params_, ctx);
  if (is_host_memory(src.memory())) return run_host(src, dst);
  return run_device(src, dst, ctx);
}

Status ToneMapper::run_host(ConstImageView src, ImageView dst) {
  const auto rule = peak_rule(params_.peak_detection);
  const auto st = tonemap_stages(src.color(), dst.color(), params_, resolve_source_peak(params_, src.color()), true);
  auto measure = [&](bool write, const hd::ToneCoeffs<double>& tone) -> Status {
    uint32_t hist[hd::kPeakBins] = {};
    CALDERA_RETURN_IF_ERROR(pipeline::run_pipeline_reference(src, dst, st, tone, hist, write, "tonemap"));
    const double frame_peak = hd::histogram_quantile<double>(hist, rule.quantile);
    const double frame_average = hd::histogram_mean<double>(hist);
    hd::update_peak_state(rule, frame_peak, frame_average, host_.peak_pq, host_.average_pq, host_.frames,
                          host_.scene_cuts);
    host_.frame_peak_pq = frame_peak, host_.frame_average_pq = frame_average;
    return Status::ok();
  };
  // The first frame after a reset is measured before it is mapped.
  if (host_.frames == 0) CALDERA_RETURN_IF_ERROR(measure(false, st.tone.coeffs));
  last_on_device_ = false;
  return measure(true, pipeline::tone_coeffs_for_peak(st.tone, host_.peak_pq));
}

Status ToneMapper::run_device(ConstImageView src, ImageView dst, Context& ctx) {
  if (!device_) device_ = std::make_unique<DeviceState>();
  DeviceState& d = *device_;
  if (d.buffer.data() && d.device != ctx.device())
    return invalid_argument("tonemap: this ToneMapper's state is on device " + std::to_string(d.device) +
                            " but the frame is on device " + std::to_string(ctx.device()));
  if (!d.buffer.data()) {
    CALDERA_ASSIGN_OR_RETURN(d.buffer, DeviceBuffer::allocate(sizeof(hd::PeakStateData), ctx.stream()));
    d.device = ctx.device();
    d.started = false;
  }
  if (!d.started) CALDERA_CUDA_TRY(cudaMemsetAsync(d.state(), 0, sizeof(hd::PeakStateData), ctx.stream()));
  const auto rule = peak_rule(params_.peak_detection);
  pipeline::DevicePeak peak;
  peak.state = d.state();
  peak.rule.quantile = static_cast<float>(rule.quantile);
  peak.rule.alpha = static_cast<float>(rule.alpha);
  peak.rule.scene_threshold = static_cast<float>(rule.scene_threshold);
  peak.dynamic_curve = 1;
  const auto st = pipeline::cast_stages<float>(
      tonemap_stages(src.color(), dst.color(), params_, resolve_source_peak(params_, src.color()), true));
  const bool fused = fused_forward_fits(src, dst);
  auto pass = [&](bool write) -> Status {
    if (fused) {
      bool launched = false;
      CALDERA_RETURN_IF_ERROR(launch_fused_forward(src, dst, st, peak, write, ctx.stream(), &launched, &d.curves));
      if (launched) return Status::ok();
    }
    return pipeline::run_pipeline_cuda(src, dst, st, peak, write, ctx.stream(), "tonemap");
  };
  if (!d.started) CALDERA_RETURN_IF_ERROR(pass(false));
  d.started = true;
  last_on_device_ = true;
  return pass(true);
}

Result<ToneMapStats> ToneMapper::stats(Context& ctx) const {
  ToneMapStats s;
  auto to_nits = [](double pq) { return pq > 0 ? pq_eotf(pq) : 0.0; };
  if (!last_on_device_ || !device_ || !device_->started) {
    s.frames = host_.frames, s.scene_cuts = host_.scene_cuts;
    s.frame_peak_nits = to_nits(host_.frame_peak_pq), s.frame_average_pq = host_.frame_average_pq;
    s.peak_nits = to_nits(host_.peak_pq), s.average_pq = host_.average_pq;
    return s;
  }
  if (!ctx.is_cuda() || ctx.device() != device_->device)
    return invalid_argument("tonemap: stats of device state need a CUDA context on device " + std::to_string(device_->device));
  hd::PeakStateData h;
  // Only the header (the histograms are cleared after every frame).
  CALDERA_CUDA_TRY(cudaMemcpyAsync(&h, device_->state(), offsetof(hd::PeakStateData, hist), cudaMemcpyDeviceToHost,
                                   ctx.stream()));
  CALDERA_RETURN_IF_ERROR(ctx.synchronize());
  s.frames = h.frames, s.scene_cuts = h.scene_cuts;
  s.frame_peak_nits = to_nits(h.frame_peak_pq), s.frame_average_pq = h.frame_average_pq;
  s.peak_nits = to_nits(h.peak_pq), s.average_pq = h.average_pq;
  return s;
}

}  // namespace caldera
