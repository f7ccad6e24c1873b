// HDR -> SDR tone mapping (BT.2390 EETF, Hable, Reinhard, Moebius, clip) and SDR -> HDR inverse
// tone mapping (ITU-R BT.2446 method A), in linear light, with the gamut conversion to the
// destination's primaries. The source's transfer and primaries come from src.color() (its HDR10
// metadata gives the source peak), the destination's from dst.color().
//
// tonemap() is stateless: the source peak comes from the parameters or the metadata. ToneMapper is
// the stateful version for streams without reliable metadata: it measures every frame's peak and
// average on the device (a histogram), smooths them over time and resets at scene cuts; one
// instance serves one stream. P010 HDR10 (PQ, BT.2020) -> NV12 SDR on the GPU, and NV12 -> P010
// for the inverse, run as one fused kernel each. docs/ops/tonemap.md has the formulas.
#pragma once

#include <cmath>
#include <cstdint>
#include <memory>
#include <string_view>

#include "caldera/color.hpp"
#include "caldera/context.hpp"
#include "caldera/image.hpp"
#include "caldera/memory.hpp"
#include "caldera/ops/gamut.hpp"
#include "caldera/ops/transfer.hpp"
#include "caldera/status.hpp"

namespace caldera {

enum class ToneCurve : uint8_t { Bt2390, Hable, Reinhard, Mobius, Clip };
const char* tone_curve_name(ToneCurve c);
Result<ToneCurve> parse_tone_curve(std::string_view s);

// What the curve is applied to: the largest of R, G, B (nothing leaves the target range) or the
// luminance (brightness kept closer for saturated colours). Either way the pixel's R, G, B are
// scaled by one gain, so its chromaticity (hue and saturation) is preserved.
enum class ToneSignal : uint8_t { MaxRgb, Luminance };
const char* tone_signal_name(ToneSignal s);
Result<ToneSignal> parse_tone_signal(std::string_view s);

struct PeakDetection {
  bool enabled = false;
  double percentile = 99.995;   // of the 2x2 blocks' max-RGB (100: the brightest block)
  double smoothing_frames = 20; // time constant of the moving average, in frames (<= 1: none)
  double scene_threshold = 0.1; // change of the frame's average (PQ units) that resets the average
};

struct ToneMapParams {
  ToneCurve curve = ToneCurve::Bt2390;
  ToneSignal signal = ToneSignal::MaxRgb;
  double target_peak = 100;    // cd/m2 of the destination's code 1.0 (its white), 20..10000
  double target_black = 0;     // cd/m2, BT.2390's black lift (0: none)
  double source_peak = 0;      // cd/m2; 0: MaxCLL, else the mastering display's peak, else 1000 (PQ) or hlg_peak (HLG)
  double curve_param = NAN;    // Reinhard's c (default 1) or Moebius's knee j in (0, 0.5] (default 0.3), in units of target_peak
  GamutParams gamut{};
  TransferParams transfer{};   // the source side (SDR white of an SDR source, the HLG display)
  PeakDetection peak_detection{};
};

Status check_tonemap(const ImageDesc& src, const ImageDesc& dst, const ToneMapParams& params);
// The source peak tonemap() uses for `src`: params.source_peak, MaxCLL, the mastering peak, or the
// transfer's default.
double resolve_source_peak(const ToneMapParams& params, const ColorDesc& src);

// Stateless: no peak detection (params.peak_detection.enabled is an error here).
Status tonemap_reference(ConstImageView src, ImageView dst, const ToneMapParams& params);
Status tonemap_cuda(ConstImageView src, ImageView dst, const ToneMapParams& params, Workspace ws, StreamHandle stream);
Status tonemap(ConstImageView src, ImageView dst, const ToneMapParams& params, Context& ctx);

// The colour description of tone-mapped output: `to`'s transfer, primaries, matrix and range, and
// HDR metadata that says what the output is (cleared for SDR; for PQ/HLG a mastering display of
// the target peak in `to`'s primaries and content light levels capped at the target).
ColorDesc tonemapped_color(const ColorDesc& from, const ColorDesc& to, const ToneMapParams& params);

// What a ToneMapper has measured.
struct ToneMapStats {
  long frames = 0;               // frames measured since the last reset
  long scene_cuts = 0;
  double frame_peak_nits = 0;    // the last frame's peak (its percentile of block max-RGB)
  double frame_average_pq = 0;   // the last frame's mean block max-RGB, PQ-encoded
  double peak_nits = 0;          // smoothed: the source peak the next frame is mapped with
  double average_pq = 0;         // smoothed
};

// One stream's tone mapper. With peak detection, frame n is mapped with the peak smoothed over
// frames 0..n-1 (the first frame after a reset is measured before it is mapped), and its own
// measurement (fused into the same pass) updates the state for frame n+1. State lives where the
// frames are (host frames: the CPU reference; device frames: a small device buffer allocated at
// the first device frame); one instance serves one stream on one thread. On the device, the fused
// P010 -> NV12 kernel takes the curve of the smoothed peak from tables sampled at 257 peaks
// (built on the CPU at the first frame and when the curve changes, a few milliseconds),
// within 3e-3 of the exact curve's gain.
class ToneMapper {
 public:
  static Result<ToneMapper> create(const ToneMapParams& params);
  ToneMapper(ToneMapper&&) noexcept;
  ToneMapper& operator=(ToneMapper&&) noexcept;
  ~ToneMapper();

  Status run(ConstImageView src, ImageView dst, Context& ctx);
  // The measurements so far (device state: copies it back, waiting for ctx's stream).
  Result<ToneMapStats> stats(Context& ctx) const;
  // Forgets the measurements: the next frame is measured before it is mapped.
  void reset();
  const ToneMapParams& params() const { return params_; }

 private:
  explicit ToneMapper(const ToneMapParams& p);
  struct HostState {
    double peak_pq = 0, average_pq = 0, frame_peak_pq = 0, frame_average_pq = 0;
    uint32_t frames = 0, scene_cuts = 0;
  };
  struct DeviceState;
  Status run_host(ConstImageView src, ImageView dst);
  Status run_device(ConstImageView src, ImageView dst, Context& ctx);
  ToneMapParams params_;
  HostState host_{};
  std::unique_ptr<DeviceState> device_;  // allocated at the first device frame
  bool last_on_device_ = false;
};

// ---- SDR -> HDR: ITU-R BT.2446 method A -------------------------------------------------------------
// The SDR source (BT.1886, any primaries: converted to BT.2020 first) is expanded to 1000 cd/m2
// at SDR white, then encoded with dst.color()'s transfer (PQ or HLG) and primaries.
struct InverseToneMapParams {
  GamutParams gamut{};          // BT.2020 -> the destination's primaries (usually BT.2020: none needed)
  TransferParams transfer{};    // the destination side (HLG display for HLG output)
};
Status check_inverse_tonemap(const ImageDesc& src, const ImageDesc& dst, const InverseToneMapParams& params);
Status inverse_tonemap_reference(ConstImageView src, ImageView dst, const InverseToneMapParams& params);
Status inverse_tonemap_cuda(ConstImageView src, ImageView dst, const InverseToneMapParams& params, Workspace ws,
                            StreamHandle stream);
Status inverse_tonemap(ConstImageView src, ImageView dst, const InverseToneMapParams& params, Context& ctx);
// The colour description of expanded output: HDR10 metadata of a 1000 cd/m2 BT.2020 master.
ColorDesc inverse_tonemapped_color(const ColorDesc& to);

}  // namespace caldera
