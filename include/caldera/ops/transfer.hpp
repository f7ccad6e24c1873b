// Transfer functions: how a signal's code values become light. PQ (SMPTE ST 2084), HLG (ITU-R
// BT.2100, with the OOTF of its reference display), BT.1886 and sRGB, and linear light. The
// scalar functions are the standards' formulas in double; convert_transfer() re-encodes an image
// from its transfer to another one through linear light (in float on the GPU), keeping its
// primaries. Linear light is absolute (cd/m2); the relative transfers are anchored by
// TransferParams. docs/ops/transfer.md has the formulas and constants.
#pragma once

#include "caldera/color.hpp"
#include "caldera/context.hpp"
#include "caldera/image.hpp"
#include "caldera/memory.hpp"
#include "caldera/status.hpp"

namespace caldera {

// Where the relative transfers sit in absolute light, and the HLG reference display.
struct TransferParams {
  double sdr_white = 100;   // cd/m2 of code 1.0 for BT.1886 and sRGB (BT.1886's Lw), and of linear 1.0
  double sdr_black = 0;     // cd/m2 of code 0 for BT.1886 (its Lb)
  double hlg_peak = 1000;   // the HLG display's nominal peak L_W (sets the system gamma)
  double hlg_black = 0;     // the HLG display's black level L_B
};
Status check_transfer_params(const TransferParams& p, const char* what);

// ---- the standards' functions (double) -------------------------------------------------------------
double pq_eotf(double signal);             // E' in [0, 1] -> cd/m2 in [0, 10000]
double pq_inverse_eotf(double nits);       // cd/m2 -> E'
double hlg_oetf(double scene);             // scene light E in [0, 1] -> E'
double hlg_inverse_oetf(double signal);    // E' -> E
double hlg_system_gamma(double peak_nits); // 1.2 at 1000 cd/m2
double bt1886_eotf(double v, double white_nits, double black_nits);
double bt1886_inverse_eotf(double nits, double white_nits, double black_nits);
double srgb_eotf(double v);                // relative light, 1.0 = display white
double srgb_inverse_eotf(double light);
// A whole pixel (HLG's OOTF mixes the channels): signal R'G'B' of `transfer` in `primaries` <-> cd/m2.
void signal_to_nits(Transfer transfer, Primaries primaries, const TransferParams& p, double rgb[3]);
void nits_to_signal(Transfer transfer, Primaries primaries, const TransferParams& p, double rgb[3]);

// ---- the operator ----------------------------------------------------------------------------------
// src.color().transfer -> dst.color().transfer, same size, any RGB or YUV (4:2:0, 4:2:2, 4:4:4)
// format on either side; primaries must be equal (use convert_gamut to change them). YUV is
// decoded with its own matrix and range; 4:2:0 and 4:2:2 chroma is taken per block (each chroma
// sample covers its pixels) and written back as the mean of its pixels.
Status check_transfer(const ImageDesc& src, const ImageDesc& dst, const TransferParams& params);
Status transfer_reference(ConstImageView src, ImageView dst, const TransferParams& params);
Status transfer_cuda(ConstImageView src, ImageView dst, const TransferParams& params, Workspace ws,
                     StreamHandle stream);
Status convert_transfer(ConstImageView src, ImageView dst, const TransferParams& params, Context& ctx);

// The colour description an image has after its transfer becomes `to`: HDR metadata is kept for
// PQ and HLG and dropped for the others.
ColorDesc with_transfer(const ColorDesc& c, Transfer to);

}  // namespace caldera
