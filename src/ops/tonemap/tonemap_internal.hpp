// Internal to src/ops/tonemap: how the operators set up the colour pipeline, and the fused
// HDR10 <-> SDR kernels (fused_hdr10_sdr.cu, fused_sdr_hdr10.cu).
#pragma once

#include <cstdint>

#include "caldera/memory.hpp"
#include "caldera/ops/tonemap.hpp"
#include "ops/color_pipeline/pipeline_image.hpp"
#include "ops/color_pipeline/stage_setup.hpp"

namespace caldera::tonemap_detail {

Status check_params(const ToneMapParams& p);

// The stages of a tone map from `s` to `d` for a known source peak (cd/m2).
pipeline::Stages<double> tonemap_stages(const ColorDesc& s, const ColorDesc& d, const ToneMapParams& p,
                                        double source_peak, bool measure);
hd::PeakRule<double> peak_rule(const PeakDetection& d);

// A ToneMapper's gain tables over the source peak on the device (the fused kernel's last block
// interpolates the next frame's table from them), for the curve of `key`.
struct PeakCurves {
  DeviceBuffer buffer;
  uint64_t key = 0;  // 0: none yet
  float q0 = 0;
};

// P010 HDR10 (PQ, BT.2020) -> NV12 (BT.1886): the pair the fused kernel takes.
bool fused_forward_fits(ConstImageView src, ConstImageView dst);
// Launches the fused kernel. `state` null: the fixed curve of `stages`, no measurement. With a
// state: measure into it (and with dynamic_curve map with the curve of its peak); write false
// makes the measuring pre-pass. *launched is false (and nothing queued) where the device cannot
// hold the kernel's tables in shared memory or the tables cannot hold the curve (BT.2390 with a
// black lift); the caller then runs the generic kernel. `curves` (with a dynamic curve): where the
// gain tables over the peak are kept, (re)built here when the curve changes; null: the last
// block evaluates the next frame's curve instead.
Status launch_fused_forward(ConstImageView src, ImageView dst, const pipeline::Stages<float>& stages,
                            const pipeline::DevicePeak& peak, bool write, StreamHandle stream, bool* launched,
                            PeakCurves* curves = nullptr);

pipeline::Stages<double> inverse_stages(const ColorDesc& s, const ColorDesc& d, const InverseToneMapParams& p);
// NV12 SDR (BT.1886, BT.709) -> P010 HDR10 (PQ, BT.2020).
bool fused_inverse_fits(ConstImageView src, ConstImageView dst);
Status launch_fused_inverse(ConstImageView src, ImageView dst, const pipeline::Stages<float>& stages,
                            StreamHandle stream, bool* launched);

// The blocks of a persistent grid of `kernel` on the current device (SMs x resident blocks per
// SM), or 0 where the device cannot give it `dynamic` bytes of shared memory per block. Worked out
// (and the kernel's shared-memory limit raised) once per kernel and device, then cached, so a
// launch costs no driver queries.
int persistent_blocks(const void* kernel, int threads, size_t dynamic);

}  // namespace caldera::tonemap_detail
