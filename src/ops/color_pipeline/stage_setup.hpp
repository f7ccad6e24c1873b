// Internal: the stage coefficients the operators build on the host (double) from colour
// descriptions and parameters; the CUDA paths cast them to float.
#pragma once

#include <string>

#include "caldera/context.hpp"
#include "caldera/filter.hpp"
#include "caldera/ops/gamut.hpp"
#include "caldera/ops/transfer.hpp"
#include "ops/color_pipeline/pipeline.hpp"

namespace caldera::pipeline {

// One side of a conversion. `white` is the cd/m2 of code 1.0 for BT.1886, sRGB and linear.
hd::TransferSide<double> transfer_side(Transfer t, Primaries p, const TransferParams& tp, double white);

// The largest light a transfer encodes (BT.1886 and sRGB: their white; PQ: 10000; HLG: the
// display's peak; linear: no bound).
double nominal_peak(Transfer t, const TransferParams& tp, double white);

// The gamut stage from `from` to `to`, bounding light at `peak` cd/m2.
hd::GamutCoeffs<double> gamut_coeffs(Primaries from, Primaries to, const GamutParams& g, double peak);

// The distance from the luminance axis, d = (Y - min) / Y, of the most saturated colour of `from`
// (its primaries) in `to`; 1 is the boundary of `to`.
double gamut_limit(Primaries from, Primaries to);

Status check_gamut_params(const GamutParams& g, const char* op);

// The Y'CbCr matrix that goes with a set of primaries (bt2020nc for BT.2020, bt601 for the BT.601
// sets, bt709 otherwise): what the filters pick when a YUV output changes primaries.
Matrix default_matrix_for(Primaries p);

// Parses the options the HDR filters share (sdr_white, sdr_black, hlg_peak, hlg_black) into `tp`.
Status transfer_params_from(const FilterOptions& o, TransferParams& tp);

// A colour description whose enum values are all in range; `what` names it in the message.
Status check_color_values(const ColorDesc& c, const char* what);

// Runs `op`'s stages where the images are: the reference for host images, the generic kernel on
// ctx's stream for device images; mixed memories and a CPU context with device images are errors.
Status check_where(ConstImageView src, ImageView dst, const Context& ctx, const char* op);

}  // namespace caldera::pipeline
